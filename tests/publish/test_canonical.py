"""Of the entries of one meeting in a feed, the first indexed is the one shown without
duplicates; the flag stays right when that entry leaves, moves or is undercut, whether
reports are indexed in batches or one by one."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database
from danvan_shared.models import FeedEntry, Report, ReportStatus
from tests.conftest import PG_ADMIN_URL
from tests.publish.conftest import BASE_URL, StoreReport, make_extraction
from tests.publish.test_index_batch import (
    CENTRAL,
    HAM_YEN,
    assert_lowest_is_canonical,
    index_batch,
    index_one_by_one,
)

KEYS = ["chiem-hoa|so_ket", "ham-yen|so_ket", "yen-son|so_ket", None]


def test_flags_follow_the_first_entry_through_random_batches(stage_report: StoreReport) -> None:
    rng = random.Random(20261208)
    reports: list[uuid.UUID] = []
    for round_number in range(14):
        version = f"round-{round_number}"
        events = []
        again = rng.sample(reports, k=min(len(reports), rng.randint(0, 5)))
        news: list[uuid.UUID | None] = [None] * rng.randint(1, 4)
        for report_id in [*again, *news]:
            draw = rng.random()
            if draw < 0.15:
                extraction = make_extraction(relevant=False)
            elif draw < 0.3:  # another level: other feeds
                extraction = make_extraction(**{**CENTRAL, "event_key": rng.choice(KEYS)})
            else:
                extraction = make_extraction(event_key=rng.choice(KEYS))
            status = ReportStatus.extracted if extraction.relevant else ReportStatus.irrelevant
            if rng.random() < 0.05:
                status = ReportStatus.failed
            staged = stage_report(extraction, report_id=report_id, status=status, version=version)
            if report_id is None:
                reports.append(staged)
            events.append((staged, version))
        rng.shuffle(events)
        if rng.random() < 0.25:
            index_one_by_one(events)
        else:
            index_batch(events)
        assert_lowest_is_canonical()


def test_the_feed_without_duplicates_shows_each_meetings_first_report(
    stage_report: StoreReport, client: TestClient
) -> None:
    def shown() -> set[str]:
        feed = client.get("/v1/feeds/tuyen-quang/2022.json?duplicates=false").json()
        return {item["id"].removeprefix("urn:uuid:") for item in feed["items"]}

    copies = [stage_report() for _ in range(5)]
    index_batch([(report_id, "test-1") for report_id in copies])
    assert shown() == {str(copies[0])}

    # the shown copy leaves the meeting and the second moves to another, in one batch
    leave = stage_report(make_extraction(relevant=False), report_id=copies[0], version="v2")
    move = stage_report(make_extraction(**HAM_YEN), report_id=copies[1], version="v2")
    index_batch([(leave, "v2"), (move, "v2")])
    assert shown() == {str(copies[1]), str(copies[2])}
    assert_lowest_is_canonical()

    # the second comes back, older than the copy shown meanwhile
    back = stage_report(make_extraction(), report_id=copies[1], version="v3")
    index_batch([(back, "v3")])
    assert shown() == {str(copies[1])}

    # a report whose meeting is no longer known is shown, whatever it was before
    unknown = stage_report(make_extraction(event_key=None), report_id=copies[3], version="v4")
    index_batch([(unknown, "v4")])
    assert shown() == {str(copies[1]), str(copies[3])}
    assert_lowest_is_canonical()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade_database(url, "0008")
        yield url
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
    name = f"danvan_migration_{uuid.uuid4().hex[:10]}"
    admin = build_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_database(url, "0008")
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_0009_makes_stored_flags_follow_the_first_entry(database_at_0008: str) -> None:
    """Flags left by concurrent indexing (two shown copies) or by an event key removed
    (a report never shown again) are corrected once, since the indexer now trusts them."""
    now = datetime.now(UTC)
    stored = [  # (feed, event key, flag as stored, flag wanted)
        ("tuyen-quang", "a", True, True),
        ("tuyen-quang", "a", True, False),
        ("tuyen-quang", "a", False, False),
        ("tuyen-quang", "b", False, True),
        ("tuyen-quang", "b", True, False),
        ("tuyen-quang", None, False, True),
        ("national", "a", False, True),
    ]
    engine = build_engine(database_at_0008)
    with engine.begin() as connection:
        report_ids = [uuid.uuid4() for _ in stored]
        connection.execute(
            insert(Report),
            [
                {
                    "id": report_id,
                    "content_hash": report_id.hex,
                    "content_type": "text/plain",
                    "body": "Hội nghị sơ kết công tác dân vận.",
                    "received_at": now,
                    "status": "extracted",
                }
                for report_id in report_ids
            ],
        )
        connection.execute(
            insert(FeedEntry),
            [
                {
                    "id": number + 1,
                    "report_id": report_id,
                    "feed": feed,
                    "boundary": "old",
                    "event_key": key,
                    "is_canonical": flag,
                    "title": "Sơ kết",
                    "summary": "Sơ kết.",
                    "content_html": "<p>Sơ kết.</p>",
                    "campaign_slugs": "",
                    "chairs": [],
                    "campaigns": [],
                    "documents": [],
                    "published_at": now,
                    "sort_at": now,
                    "extractor_version": "old",
                    "content_hash": "x",
                    "created_at": now,
                    "updated_at": now,
                }
                for number, (report_id, (feed, key, flag, _)) in enumerate(
                    zip(report_ids, stored, strict=True)
                )
            ],
        )
    upgrade_database(database_at_0008)
    with engine.connect() as connection:
        flags = connection.execute(text("SELECT is_canonical FROM feed_entry ORDER BY id"))
        assert [bool(flag) for (flag,) in flags] == [wanted for *_, wanted in stored]
    engine.dispose()


def test_copies_indexed_at_the_same_time_leave_one_shown(
    configure: Callable[..., None], postgres_url: str
) -> None:
    """Two batches holding copies of one new meeting, indexed concurrently (PostgreSQL;
    SQLite has one writer at a time): each takes the meeting's lock before choosing, so
    the second sees the first's entries."""
    from concurrent.futures import ThreadPoolExecutor

    from danvan_publish.worker import celery_app
    from tests.ops.pipeline import fresh_postgres
    from tests.publish.test_index_cost import stage_many

    configure(database_url=fresh_postgres(postgres_url), public_base_url=BASE_URL)
    # Celery registers a task before it binds it: the first thread to touch an
    # unfinalized app could hand the second an unbound task (no request stack).
    celery_app.finalize(auto=True)
    for meeting in range(1, 6):
        halves = [stage_many([meeting] * 20), stage_many([meeting] * 20)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda ids: index_batch([(i, "test-1") for i in ids]), halves))
        assert [result["indexed"] for result in results] == [20, 20]
        assert_lowest_is_canonical()
