"""Indexing costs the same per report however many copies a meeting has.

Before, every copy of a meeting re-read all the others to pick the canonical one, so
with thousands of copies indexing one took more than ten times as long. Wall time is
too noisy to assert on a shared machine; what grew was the work per report, counted
here as SQL statements and, on PostgreSQL, as the feed entries the statements read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert, text
from sqlmodel import Session

from danvan_shared.db import get_engine
from danvan_shared.extraction_schema import Extraction, Unit
from danvan_shared.models import ExtractionRecord, Report
from tests.publish.conftest import BODY, VERSION, make_extraction, tuples_read
from tests.publish.test_index_batch import assert_lowest_is_canonical, index_batch

COPIES = 2000
BATCH = 100


@contextmanager
def counted() -> Iterator[list[int]]:
    """The number of SQL statements sent meanwhile (an executemany counts once)."""
    count = [0]

    def on_statement(*_: object) -> None:
        count[0] += 1

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)


def meeting(number: int) -> Extraction:
    """A district meeting of its own (0: the meeting of ``make_extraction``)."""
    if number == 0:
        return make_extraction()
    return make_extraction(
        unit=Unit(name=f"Đơn vị {number}", kind="huyen", body="Huyện ủy"),
        event_key=f"don-vi-{number}|so_ket|2022-H1|2022-08-04",
    )


def stage_many(meetings: list[int]) -> list[uuid.UUID]:
    """Reports as extract's commit leaves them, one per meeting number, in one insert."""
    ids = [uuid.uuid4() for _ in meetings]
    now = datetime.now(UTC)
    with get_engine().begin() as connection:
        connection.execute(
            insert(Report),
            [
                {
                    "id": report_id,
                    "content_hash": report_id.hex,
                    "content_type": "text/plain",
                    "body": BODY,
                    "title": f"Báo cáo {n}",
                    "published_at": now - timedelta(minutes=n),
                    "received_at": now,
                    "status": "extracted",
                    "extractor_version": VERSION,
                    "event_pending": True,
                }
                for n, report_id in enumerate(ids)
            ],
        )
        connection.execute(
            insert(ExtractionRecord),
            [
                {
                    "report_id": report_id,
                    "extractor_version": VERSION,
                    "relevant": True,
                    "data": meeting(number).model_dump(mode="json"),
                    "created_at": now,
                }
                for report_id, number in zip(ids, meetings, strict=True)
            ],
        )
    return ids


def statements_to_index(report_ids: list[uuid.UUID]) -> int:
    """Index the reports as one publish.index_batch message; the statements it sent."""
    with counted() as count:
        result = index_batch([(report_id, VERSION) for report_id in report_ids])
    assert result["indexed"] == len(report_ids) and not result["failed"]
    return count[0]


def feed_entries_read(report_ids: list[uuid.UUID]) -> int:
    """Index the reports in one transaction (PostgreSQL, told to use its indexes as on a
    big table); the rows and index entries of feed_entry it read."""
    from danvan_publish import indexer

    read = tuples_read("feed_entry")
    with Session(get_engine()) as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        # The server adds a connection's counts up until it reports them (at most once a
        # second, when idle), so they may still hold an earlier transaction's reads on
        # this pooled connection (a check that read the whole table): count the difference
        before = session.execute(read).scalar_one()
        indexer.index_reports(session, report_ids)
        after = session.execute(read).scalar_one()
        session.commit()
    return int(after - before)


def test_copies_of_one_meeting_cost_what_distinct_meetings_cost(publish_db: str) -> None:
    copies = [statements_to_index(stage_many([0] * BATCH)) for _ in range(COPIES // BATCH)]
    distinct = statements_to_index(stage_many(list(range(1, BATCH + 1))))
    # a handful of statements per batch, not per report, and not per copy stored
    assert copies[-1] < 20
    assert copies[-1] == copies[0] == distinct
    assert_lowest_is_canonical()

    # one report on its own (publish.index_report) too: the meeting's 2,001st copy
    # and a meeting of its own
    from danvan_publish.tasks import index_report

    single = []
    for number in (0, BATCH + 1):
        (report_id,) = stage_many([number])
        with counted() as count:
            index_report.run(
                report_id=str(report_id), status="extracted", extractor_version=VERSION
            )
        single.append(count[0])
    assert single[0] == single[1] == copies[0]

    if get_engine().dialect.name == "postgresql":
        # what the statements read: about one index entry per meeting and feed touched,
        # not the copies (before, a batch of copies read them all for every report)
        more_copies = feed_entries_read(stage_many([0] * BATCH))
        more_meetings = feed_entries_read(stage_many(list(range(BATCH + 2, 2 * BATCH + 2))))
        assert more_copies <= more_meetings <= 3 * 3 * BATCH
        assert_lowest_is_canonical()
