"""Indexing a batch reads only the batch's rows, however big the tables and whatever
their statistics say (PostgreSQL).

Without autovacuum (this machine's CI configuration) nothing analysed the tables: at
100,000 reports the planner, reading them as small, hashed the whole extraction table
(spilling it to disk) for every batch of 100, 0.2-0.9 s each, and publishing fell
behind extraction. Statistics taken at the wrong moment misled it too: analysed while
it held copies of one meeting, feed_entry made every new meeting cost a walk through
the whole feed. The indexer's queries and migration 0013 leave the planner no such
choice; the relay refreshes the statistics when autovacuum is off.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text
from sqlmodel import Session

from danvan_shared.db import build_engine
from danvan_shared.models import ExtractionRecord, Report
from tests.publish.conftest import BODY, VERSION, make_extraction, tuples_read

REPORTS = 20_000
BATCH = 100


def extracted_reports(ids: list[uuid.UUID], now: datetime, *, pending: bool) -> list[dict]:
    """Rows of reports as extract leaves them (``pending``: their event outstanding)."""
    return [
        {
            "id": report_id,
            "content_hash": report_id.hex,
            "content_type": "text/plain",
            "body": BODY,
            "received_at": now,
            "status": "extracted",
            "extractor_version": VERSION,
            "event_pending": pending,
        }
        for report_id in ids
    ]


@pytest.fixture
def grown_database(own_postgres_url: str) -> str:
    """A database whose statistics were taken while it was empty, then grown to
    ``REPORTS`` reports with two extractions each (an old version's and the current
    one's), as a long-running site re-extracted after an upgrade."""
    engine = build_engine(own_postgres_url)
    data = make_extraction().model_dump(mode="json")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        for _ in range(0, REPORTS, 5000):
            ids = [uuid.uuid4() for _ in range(5000)]
            connection.execute(insert(Report), extracted_reports(ids, now, pending=True))
            connection.execute(
                insert(ExtractionRecord),
                [
                    {
                        "report_id": report_id,
                        "extractor_version": version,
                        "relevant": True,
                        "data": data,
                        "created_at": now,
                    }
                    for report_id in ids
                    for version in ("0.0.1-old", VERSION)
                ],
            )
    engine.dispose()
    return own_postgres_url


def test_a_batch_reads_only_its_own_extractions(grown_database: str) -> None:
    from danvan_publish import index_repository

    engine = build_engine(grown_database)
    read = tuples_read("extraction")
    with Session(engine) as session:
        batch = session.execute(text(f"SELECT id FROM report LIMIT {BATCH}")).scalars().all()
        before = session.execute(read).scalar_one()
        loaded = index_repository.reports_and_extractions(session, batch)
        after = session.execute(read).scalar_one()
    engine.dispose()
    assert len(loaded) == BATCH
    assert all(record is not None for _, record in loaded.values())
    # each report's two extractions (and their index entries), not the 40,000 rows
    assert after - before <= 4 * 2 * BATCH, after - before


def test_new_meetings_are_probed_by_index_after_statistics_of_one_meeting(
    own_postgres_url: str,
) -> None:
    """Analysed while it held copies of one meeting only, feed_entry looked to the
    planner as if every entry belonged to it: the lowest entry of a new meeting was
    looked for by walking the primary key, through every entry of the feed."""
    from danvan_publish import index_repository

    engine = build_engine(own_postgres_url)
    now = datetime.now(UTC)
    copies = [uuid.uuid4() for _ in range(2000)]
    with engine.begin() as connection:
        connection.execute(insert(Report), extracted_reports(copies, now, pending=False))
        connection.execute(
            text(
                "INSERT INTO feed_entry (report_id, feed, boundary, campaign_slugs, event_key, "
                "is_canonical, title, summary, content_html, chairs, campaigns, documents, "
                "published_at, sort_at, extractor_version, content_hash, created_at, updated_at) "
                "SELECT r.id, f.feed, 'old', '', 'one-meeting', false, 't', 's', 'h', '[]', "
                "'[]', '[]', now(), now(), 'v', 'h', now(), now() FROM report AS r "
                "CROSS JOIN (VALUES ('national'), ('tuyen-quang')) AS f(feed)"
            )
        )
        connection.execute(text("ANALYZE feed_entry"))
    read = tuples_read("feed_entry")
    events = [(feed, f"meeting-{n}") for n in range(BATCH) for feed in ("national", "tuyen-quang")]
    with Session(engine) as session:
        before = session.execute(read).scalar_one()
        lowest = index_repository.lowest_ids(session, [*events, ("national", "one-meeting")])
        after = session.execute(read).scalar_one()
    engine.dispose()
    assert all(lowest[event] is None for event in events)  # new meetings
    assert lowest[("national", "one-meeting")] is not None
    # one index probe a meeting, not the 4,000 entries of the two feeds each
    assert after - before <= 3 * (len(events) + 1), after - before
