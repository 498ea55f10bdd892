"""The broker or the database goes away under load, and the pipeline heals by itself.

Each test runs its own throwaway server (a redis-server or an initdb cluster on a
free port) so it can stop and restart it; the machine's shared servers are
never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from danvan_ingest.app import create_app
from danvan_shared.db import get_engine
from danvan_shared.migrate import upgrade_database
from danvan_shared.models import ExtractionRecord, Report
from tests.integration.support import wait_until
from tests.ops.pipeline import as_settings, by_status, fresh_postgres, pipeline_env, start_workers
from tests.ops.servers import PostgresCluster, RedisServer

pytestmark = pytest.mark.slow

LEAD = (
    "Chiều ngày {day}/12/2024, Ban Dân vận Tỉnh ủy Tuyên Quang tổ chức Hội nghị tổng kết công "
    "tác dân vận năm 2024, triển khai nhiệm vụ năm 2025. Đồng chí Lê Thị Hoa, Phó Bí thư Tỉnh ủy "
    "chủ trì. Báo cáo số {n}/BC-BDVTU."
)


def text(n: int) -> str:
    return LEAD.format(day=1 + n % 28, n=n)


def one_extraction_each(count: int) -> None:
    with Session(get_engine()) as session:
        assert session.exec(select(func.count()).select_from(ExtractionRecord)).one() == count
        assert (
            session.exec(select(func.count(func.distinct(ExtractionRecord.report_id)))).one()
            == count
        )


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_every_report_accepted_while_redis_is_down_is_extracted(
    configure, postgres_url: str, own_redis: RedisServer, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path, fresh_postgres(postgres_url), own_redis.url)
    configure(**as_settings(env))
    processes = start_workers(env, tmp_path)
    statuses: list[int] = []
    try:
        with TestClient(create_app()) as ingest:  # its relay runs, as in production
            for n in range(200):
                if n == 60:
                    own_redis.stop()  # queued messages and unacked tasks are lost with it
                if n == 130:
                    own_redis.start()  # empty: no persistence
                answer = ingest.post("/v1/reports", json={"text": text(n)})
                statuses.append(answer.status_code)
                if 60 <= n < 130:
                    assert answer.json()["status"] == "received"  # stored, not yet queued
            assert statuses == [202] * 200
            wait_until(
                lambda: by_status() == {"extracted": 200},
                120,
                interval=0.5,
                message=lambda: (
                    f"all 200 extracted; now {by_status()} ({processes.log('extract')})"
                ),
            )
        one_extraction_each(200)
    finally:
        processes.close()


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    cluster.init()
    upgrade_database(cluster.url)
    yield cluster
    cluster.destroy()


def test_postgres_restart_under_load_answers_503_and_recovers_by_itself(
    configure, own_postgres: PostgresCluster, redis_url: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path, own_postgres.url, redis_url)
    configure(**as_settings(env))
    processes = start_workers(env, tmp_path)
    answers: list[tuple[int, int, str | None]] = []
    accepted: dict[int, str] = {}
    total = 150

    def submit(ingest: TestClient) -> None:
        """A well-behaved client: on 503 it waits as told (shortened here) and retries."""
        for n in range(total):
            while True:
                answer = ingest.post("/v1/reports", json={"text": text(n)})
                answers.append((n, answer.status_code, answer.headers.get("retry-after")))
                if answer.status_code in (200, 202):
                    accepted[n] = answer.json()["id"]
                    break
                time.sleep(0.1)

    try:
        with TestClient(create_app()) as ingest:
            client = threading.Thread(target=submit, args=(ingest,))
            client.start()
            wait_until(lambda: len(accepted) >= 30, 60, message="load running")
            own_postgres.stop()
            time.sleep(0.5)
            down = [ingest.post("/v1/reports", json={"text": "x"}), ingest.get("/readyz")]
            time.sleep(2)
            own_postgres.start()
            client.join(timeout=120)
            assert not client.is_alive()

            for answer in down:
                assert answer.status_code == 503
                assert answer.headers["retry-after"].isdigit()
                assert answer.headers["content-type"] == "application/problem+json"
                assert "Traceback" not in answer.text and "postgres" not in answer.text.lower()
            codes = {code for _, code, _ in answers}
            assert codes <= {200, 202, 503}, codes
            assert 503 in codes, "the outage was not seen: no test"
            assert all(retry and retry.isdigit() for _, code, retry in answers if code == 503)
            assert ingest.get("/readyz").status_code == 200

            wait_until(
                lambda: by_status() == {"extracted": total},
                120,
                interval=0.5,
                message=lambda: f"all extracted; now {by_status()} ({processes.log('extract')})",
            )
        with Session(get_engine()) as session:
            reports = session.exec(select(Report)).all()
        # Nothing half-written: exactly the reports that were accepted, each whole.
        assert sorted(str(report.id) for report in reports) == sorted(accepted.values())
        assert {report.body for report in reports} == {text(n) for n in range(total)}
        one_extraction_each(total)
    finally:
        processes.close()
