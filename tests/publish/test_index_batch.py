"""publish.index_batch: the events of one extract batch indexed in one pass, with the
same read model as indexing the reports one by one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from danvan_shared.db import get_engine
from danvan_shared.extraction_schema import Unit
from danvan_shared.models import (
    FeedEntry,
    FeedVersion,
    PersonMention,
    Report,
    ReportDocument,
    ReportItem,
    ReportStatus,
)
from tests.conftest import _truncate_all
from tests.publish.conftest import BODY, HA_GIANG, VERSION, StoreReport, make_extraction

#: (report id, extractor version) of each event of a batch
Events = Sequence[tuple[uuid.UUID, str]]

HAM_YEN = {
    "unit": Unit(name="Hàm Yên", kind="huyen", body="Huyện ủy"),
    "event_key": "ham-yen|so_ket|2022-H1|2022-08-03",
    "event_date": "2022-08-03",
}
CENTRAL = {
    "level": "central",
    "province": None,
    "province_2025": None,
    "event_key": "tw|tong_ket|2022",
}
MERGED = {
    "province": HA_GIANG,
    "province_2025": None,
    "unit": None,
    "event_key": "hg|so_ket|2022-H1",
}


def index_batch(events: Events) -> dict[str, Any]:
    from danvan_publish.tasks import index_batch as task

    return task.run(
        reports=[
            {"report_id": str(report_id), "status": "extracted", "extractor_version": version}
            for report_id, version in events
        ]
    )


def index_one_by_one(events: Events) -> None:
    from danvan_publish.tasks import index_report

    for report_id, version in events:
        index_report.run(report_id=str(report_id), status="extracted", extractor_version=version)


def wipe(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        _truncate_all(engine)
        return
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM report_fts"))
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


def read_model(report_ids: list[uuid.UUID]) -> dict[str, Any]:
    """What the reports' entries, documents and mentions hold, keyed by the report's place
    in ``report_ids`` (not its row ids, nor the times the rows were written)."""
    place = {report_id: n for n, report_id in enumerate(report_ids)}
    skipped = {"id", "report_id", "created_at", "updated_at"}
    with Session(get_engine()) as session:
        items = {item.report_id: item for item in session.exec(select(ReportItem))}
        entries = {
            (place[e.report_id], e.feed): {
                **e.model_dump(exclude=skipped),
                "updated": e.updated_at > e.created_at,
                "rendered": e.report_id in items
                and items[e.report_id].content_hash == e.content_hash,
            }
            for e in session.exec(select(FeedEntry))
        }
        documents = {
            place[d.report_id]: d.model_dump(exclude=skipped)
            for d in session.exec(select(ReportDocument))
        }
        mentions = sorted(
            (place[m.report_id], m.name_key, m.roles, tuple(m.titles))
            for m in session.exec(select(PersonMention))
        )
    return {"entries": entries, "documents": documents, "mentions": mentions}


def assert_lowest_is_canonical() -> None:
    """Of each meeting's entries in a feed, exactly the first indexed is canonical; an
    entry without an event key always is."""
    with Session(get_engine()) as session:
        entries = session.exec(select(FeedEntry).order_by(FeedEntry.id)).all()
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        if entry.event_key is None:
            assert entry.is_canonical, entry.id
            continue
        first = (entry.feed, entry.event_key) not in seen
        seen.add((entry.feed, entry.event_key))
        assert entry.is_canonical == first, (entry.id, entry.feed, entry.event_key)


def run_scenario(
    stage_report: StoreReport, index: Callable[[Events], None], ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Index ten reports in three rounds with ``index``; the read model after each."""

    def stage(n: int, version: str = VERSION, **overrides: Any) -> tuple[uuid.UUID, str]:
        status = overrides.pop("status", ReportStatus.extracted)
        extraction = make_extraction(**overrides)
        if not extraction.relevant:
            status = ReportStatus.irrelevant
        published = datetime(2022, 8, 5, 8, n, tzinfo=UTC)
        stage_report(
            extraction, report_id=ids[n], status=status, version=version, published_at=published
        )
        return ids[n], version

    states = []
    first = [
        stage(0),
        stage(1),  # the same meeting as 0, twice more
        stage(2),
        stage(3, **CENTRAL),
        stage(4, **MERGED),
        stage(5, relevant=False),
        stage(6, event_key=None),
        stage(7, **HAM_YEN),
    ]
    index(first)
    states.append(read_model(ids))
    assert_lowest_is_canonical()
    second = [
        stage(0, "test-2", relevant=False),  # the canonical copy leaves its meeting
        stage(1, "test-2"),  # re-extracted, same meeting
        stage(2, "test-2", **HAM_YEN),  # moves to a meeting whose entries are all newer
        stage(3, "test-2", **{**CENTRAL, "event_key": None}),
        stage(4, "test-2", status=ReportStatus.failed),
        stage(6, "test-2"),  # joins a meeting whose first entry is older
        stage(8),  # new copies of both meetings
        stage(9, **HAM_YEN),
    ]
    index(second)
    states.append(read_model(ids))
    assert_lowest_is_canonical()
    index([(report_id, "test-2") for report_id in ids])  # nothing changed: nothing moves
    states.append(read_model(ids))
    return states


def test_a_batch_gives_the_read_model_of_indexing_one_by_one(
    stage_report: StoreReport, publish_db: str
) -> None:
    ids = [uuid.uuid4() for _ in range(10)]
    one_by_one = run_scenario(stage_report, index_one_by_one, ids)
    wipe(get_engine())
    batched = run_scenario(stage_report, index_batch, ids)
    assert batched == one_by_one

    entries = batched[1]["entries"]
    assert {n for n, _ in entries} == {1, 2, 3, 6, 7, 8, 9}
    national = sorted(n for (n, feed), e in entries.items() if feed == "national")
    canonical = sorted(
        n for (n, feed), e in entries.items() if feed == "national" and e["is_canonical"]
    )
    assert (national, canonical) == ([1, 2, 3, 6, 7, 8, 9], [1, 2, 3])
    assert batched[2] == batched[1]  # re-indexing unchanged reports writes nothing
    with Session(get_engine()) as session:
        pending = session.exec(select(Report).where(Report.event_pending)).all()
        assert pending == []  # every event acknowledged


def test_a_batch_bumps_each_changed_feed_once(stage_report: StoreReport) -> None:
    ids = [stage_report() for _ in range(3)] + [stage_report(make_extraction(**CENTRAL))]
    index_batch([(report_id, VERSION) for report_id in ids])
    with Session(get_engine()) as session:
        versions = {v.feed: v.version for v in session.exec(select(FeedVersion))}
    assert versions == {"tuyen-quang": 1, "tuyen-quang-2025": 1, "national": 1}


def test_one_bad_report_fails_alone_and_the_rest_are_indexed(stage_report: StoreReport) -> None:
    good = [stage_report() for _ in range(3)]
    # stored before intake replaced U+FFFF: XML cannot hold it, so rendering the items fails
    bad = stage_report(body=BODY + " \uffff")
    later = stage_report(make_extraction(**HAM_YEN))
    batch = [*good, bad, later]
    result = index_batch([(report_id, VERSION) for report_id in batch])
    assert result["indexed"] == 4 and list(result["failed"]) == [str(bad)]
    with Session(get_engine()) as session:
        reports = {r.id: r for r in session.exec(select(Report))}
        entries = session.exec(select(FeedEntry.report_id)).all()
    assert reports[bad].status == ReportStatus.failed and not reports[bad].event_pending
    assert (reports[bad].last_error or "").startswith("publishing failed: ValueError")
    for report_id in [*good, later]:
        assert reports[report_id].status == ReportStatus.extracted
        assert not reports[report_id].event_pending  # acknowledged
        assert entries.count(report_id) == 3
    assert bad not in entries
    assert_lowest_is_canonical()


def test_events_of_several_extractor_versions_are_each_acknowledged(
    stage_report: StoreReport,
) -> None:
    old = stage_report(version="test-1")
    new = stage_report(version="test-2")
    index_batch([(old, "test-1"), (new, "test-2")])
    with Session(get_engine()) as session:
        assert session.exec(select(Report).where(Report.event_pending)).all() == []


def test_documents_written_before_there_were_documents_are_backfilled(
    stage_report: StoreReport,
) -> None:
    from danvan_publish import documents

    ids = [stage_report(), stage_report(make_extraction(**CENTRAL))]
    index_batch([(report_id, VERSION) for report_id in ids])
    written = read_model(ids)
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(SQLModel.metadata.tables["person_mention"].delete())
        connection.execute(SQLModel.metadata.tables["report_document"].delete())
        if engine.dialect.name == "sqlite":
            connection.execute(text("DELETE FROM report_fts"))
    assert documents.backfill(batch=1) == 2
    assert read_model(ids) == written
    assert documents.backfill() == 0
    if engine.dialect.name == "sqlite":  # and searchable again
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM report_fts")).scalar() == 2
