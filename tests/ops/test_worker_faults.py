"""Faults survived with real worker processes: poison reports, a worker killed by the
kernel, operators' retry and reprocess, and the metrics and health they watch.

Redis and PostgreSQL are the machine's servers; the worker processes run exactly
the commands of ``make run`` and docker-compose.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from danvan_ingest.app import create_app
from danvan_shared.db import get_engine
from danvan_shared.models import ExtractionRecord, FeedEntry, Report
from tests.integration.support import Processes, free_port, wait_until
from tests.ops.conftest import bearer, create_key
from tests.ops.pipeline import as_settings, by_status, fresh_postgres, pipeline_env, start_workers

pytestmark = pytest.mark.slow

LEAD = (
    "Sáng ngày {day}/7/2024, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức Hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm 2024. Đồng chí Nguyễn Văn Hùng, Phó Bí thư Thường trực Huyện ủy "
    "chủ trì hội nghị. Bản tin số {n}."
)
FAIL_MARKER, CRASH_MARKER = "«lỗi-trích-xuất»", "«sập-tiến-trình»"


def text(n: int) -> str:
    return LEAD.format(day=1 + n % 28, n=n)


@pytest.fixture
def workers(
    configure, postgres_url: str, redis_url: str, tmp_path: Path
) -> Iterator[tuple[Processes, dict[str, str]]]:
    env = pipeline_env(
        tmp_path,
        fresh_postgres(postgres_url),
        redis_url,
        max_attempts="3",
        test_fail_marker=FAIL_MARKER,
        test_crash_marker=CRASH_MARKER,
    )
    configure(**as_settings(env))
    processes = start_workers(env, tmp_path)
    yield processes, env
    processes.close()


def test_poison_reports_end_failed_after_n_attempts_and_the_rest_flows_on(
    workers: tuple[Processes, dict[str, str]],
) -> None:
    processes, env = workers
    operator = create_key("operator")
    with TestClient(create_app()) as ingest:  # with its relay thread, as in production
        # The raising report comes alone, so its retries are Celery retries of its own
        # task, whichever way the batch below goes (a report of a batch is re-sent).
        single = ingest.post("/v1/reports", json={"text": text(100) + " " + FAIL_MARKER})
        assert single.status_code == 202, single.text
        raising = single.json()["id"]
        lines = [json.dumps({"text": text(n)}) for n in range(30)]
        lines.insert(19, json.dumps({"text": text(101) + " " + CRASH_MARKER}))
        batch = ingest.post(
            "/v1/reports:batch",
            content="\n".join(lines),
            headers={"content-type": "application/x-ndjson"},
        )
        assert batch.json()["accepted"] == 31
        crashing = batch.json()["results"][19]["id"]

        wait_until(
            lambda: by_status() == {"extracted": 30, "failed": 2},
            90,
            interval=0.5,
            message=lambda: (
                f"30 extracted and 2 failed; now {by_status()} "
                f"(worker log: {processes.log('extract')})"
            ),
        )

        failed = ingest.get("/v1/pipeline/failed", headers=bearer(operator)).json()["items"]
        reasons = {item["id"]: item for item in failed}
        assert set(reasons) == {raising, crashing}
        assert reasons[raising]["attempts"] == 3
        assert reasons[raising]["reason"] == "RuntimeError: injected extraction fault"
        # A crash leaves no exception: the delivery count ends it (attempts 4 > 3 allowed).
        assert reasons[crashing]["attempts"] == 4
        assert reasons[crashing]["reason"].startswith("gave up after 3 deliveries")

        state = ingest.get("/v1/pipeline", headers=bearer(operator)).json()
        assert state["reports"]["failed"] == 2 and state["failed_last_hour"] == 2
        assert state["reports"]["extracted"] + state["reports"]["irrelevant"] == 30
        assert state["oldest_unprocessed_seconds"] is None
        assert state["broker_available"] and any(w.startswith("extract@") for w in state["workers"])
        assert state["queues"]["extract"] == state["queues"]["extract.bulk"] == 0

        _worker_metrics_and_health(int(env["DANVAN_EXTRACT_METRICS_PORT"]))
        ingest_metrics = ingest.get("/metrics").text
        assert 'danvan_reports{status="failed"} 2.0' in ingest_metrics
        assert "http_request_duration_seconds_bucket{" in ingest_metrics
        assert 'route="/v1/reports:batch"' in ingest_metrics
        # the upload went as one bulk task
        assert 'celery_task_sent_total{name="extract.batch",queue="extract.bulk"}' in ingest_metrics


def _worker_metrics_and_health(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
    page = httpx.get(f"{base}/metrics").text
    for sample in (
        'celery_task_succeeded_total{hostname="extract@',
        'celery_task_received_total{hostname="extract@',
        'celery_task_started_total{hostname="extract@',
        'celery_task_retried_total{hostname="extract@',
        "celery_task_runtime_bucket{",
        "celery_task_queue_wait_time_bucket{",
        'celery_worker_up{hostname="extract@',
        'celery_queue_length{queue_name="extract"}',
        'celery_queue_length{queue_name="extract.bulk"}',
        # the batch was redelivered after the crash and its reports extracted one by one
        'celery_task_sent_total{name="publish.index_report",queue="publish"}',
    ):
        assert sample in page, sample
    succeeded = sum(
        float(line.rsplit(" ", 1)[1])
        for line in page.splitlines()
        if line.startswith("celery_task_succeeded_total{") and "extract.report" in line
    )
    assert succeeded >= 30


def test_retry_and_reprocess_rerun_reports_without_duplicating_anything(
    workers: tuple[Processes, dict[str, str]],
) -> None:
    processes, _ = workers
    operator = create_key("operator")
    with TestClient(create_app()) as ingest:
        lines = "\n".join(json.dumps({"text": text(200 + n)}) for n in range(6))
        ids = [
            r["id"]
            for r in ingest.post(
                "/v1/reports:batch", content=lines, headers={"content-type": "application/x-ndjson"}
            ).json()["results"]
        ]
        wait_until(lambda: by_status() == {"extracted": 6}, 60, message="first extraction")
        wait_until(lambda: _indexed_reports() == 6, 30, message="every report indexed")
        entries_before = _feed_rows()

        retried = ingest.post(f"/v1/reports/{ids[0]}:retry", headers=bearer(operator))
        assert retried.status_code == 202, retried.text
        assert retried.json()["status"] in ("received", "queued", "extracting", "extracted")
        again = ingest.post(f"/v1/reports/{ids[0]}:retry", headers=bearer(operator))
        assert again.status_code in (202, 409)  # 409 while it runs: never two at once

        # Two reports "extracted by an older extractor": reprocess re-runs exactly those.
        with Session(get_engine()) as session:
            session.execute(
                update(Report).where(col(Report.id).in_(ids[1:3])).values(extractor_version="0-old")
            )
            session.execute(
                update(ExtractionRecord)
                .where(col(ExtractionRecord.report_id).in_(ids[1:3]))
                .values(extractor_version="0-old")
            )
            session.commit()
        assert ingest.post("/v1/reprocess", headers=bearer(operator)).status_code == 202
        wait_until(
            lambda: (
                _versions(ids[1:3]) != {"0-old"}
                and by_status() == {"extracted": 6}
                and _pending_events() == 0
            ),
            60,
            message=lambda: (
                f"reprocessed; now {by_status()}, versions {_versions(ids[1:3])}, "
                f"{_pending_events()} events pending, failed: {_failures()} "
                f"(publish log: {processes.log('publish-worker')[-1500:]})"
            ),
        )
        assert (
            ingest.post(f"/v1/reports/{ids[0]}:retry", headers=bearer(operator)).status_code == 202
        )

        wait_until(
            lambda: by_status() == {"extracted": 6} and _pending_events() == 0,
            60,
            message="retried",
        )
    with Session(get_engine()) as session:
        per_version = session.exec(
            select(
                ExtractionRecord.report_id, ExtractionRecord.extractor_version, func.count()
            ).group_by(ExtractionRecord.report_id, ExtractionRecord.extractor_version)
        ).all()
        assert all(count == 1 for _, _, count in per_version)
        reports = session.exec(select(Report)).all()
        assert all(report.attempts == 1 for report in reports)
    wait_until(
        lambda: _feed_rows() == entries_before,
        30,
        message=lambda: f"feed settled at {entries_before} rows (now {_feed_rows()})",
    )
    with Session(get_engine()) as session:
        duplicates = session.exec(
            select(FeedEntry.report_id, FeedEntry.feed, func.count())
            .group_by(FeedEntry.report_id, FeedEntry.feed)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []


def _feed_rows() -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count()).select_from(FeedEntry)).one())


def _indexed_reports() -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count(func.distinct(FeedEntry.report_id)))).one())


def _pending_events() -> int:
    with Session(get_engine()) as session:
        return int(
            session.exec(
                select(func.count()).select_from(Report).where(col(Report.event_pending).is_(True))
            ).one()
        )


def _failures() -> list[str | None]:
    with Session(get_engine()) as session:
        return list(session.exec(select(Report.last_error).where(Report.status == "failed")).all())


def _versions(ids: list[str]) -> set[str | None]:
    with Session(get_engine()) as session:
        return set(
            session.exec(select(Report.extractor_version).where(col(Report.id).in_(ids))).all()
        )


def test_flower_api_needs_its_credentials(configure, redis_url: str, tmp_path: Path) -> None:
    env = {
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_BROKER_URL": redis_url,
        "DANVAN_FLOWER_PORT": str(free_port()),
        "DANVAN_FLOWER_PASSWORD": "s3cret-flower",
    }
    configure(**as_settings(env))
    processes = Processes(env, tmp_path)
    processes.start("flower")
    base = f"http://127.0.0.1:{env['DANVAN_FLOWER_PORT']}"
    try:
        wait_until(lambda: _answers(f"{base}/healthcheck"), 30, message="flower up")
        assert httpx.get(f"{base}/api/workers").status_code == 401
        assert httpx.get(f"{base}/api/workers", auth=("operator", "wrong")).status_code == 401
        answer = httpx.get(f"{base}/api/workers", auth=("operator", "s3cret-flower"))
        assert answer.status_code == 200 and isinstance(answer.json(), dict)
    finally:
        processes.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


def _children(pid: int) -> list[int]:
    """The pool processes of a worker's main process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_report_whose_worker_child_is_killed_is_taken_over_at_once(
    configure, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The kernel kills a pool child mid-extraction (OOM): Celery requeues its message, and
    the redelivery takes the report over. It used to be skipped ("extracting"), leaving
    the report to the relay's stale-extracting sweep 5 minutes later (600 s here)."""
    env = pipeline_env(
        tmp_path,
        fresh_postgres(postgres_url),
        redis_url,
        stale_extracting_seconds="600",
        stale_queued_seconds="600",
        publish_worker_nice="12",
        publish_concurrency="2",
    )
    configure(**as_settings(env))
    processes = start_workers(env, tmp_path)
    # Four batches: a batch of 40 was extracted in well under 0.1 s, and on a busy
    # machine the kill that followed the sight of it could come too late to hit it.
    total = 400
    try:
        with TestClient(create_app()) as ingest:
            lines = "\n".join(json.dumps({"text": text(300 + n)}) for n in range(total))
            batch = ingest.post(
                "/v1/reports:batch",
                content=lines,
                headers={"content-type": "application/x-ndjson"},
            )
            assert batch.json()["accepted"] == total
            main = processes.running["extract"].pid
            wait_until(lambda: len(_children(main)) >= 2, 60, message="the pool forked")
            # the workers yield the cores to the APIs (DANVAN_WORKER_NICE, 10 by default);
            # publish has a niceness and a pool size of its own when set (12 and 2 here)
            assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in [main, *_children(main)]} == {
                10
            }
            publish = processes.running["publish-worker"].pid
            wait_until(lambda: len(_children(publish)) >= 2, 60, message="publish forked two")
            assert {
                os.getpriority(os.PRIO_PROCESS, pid) for pid in [publish, *_children(publish)]
            } == {12}
            for _ in range(3):  # kill every pool child while a report is being extracted
                # (until all are extracted: a redelivered batch can finish within the pause)
                wait_until(
                    lambda: (
                        by_status().get("extracting", 0) > 0 or by_status() == {"extracted": total}
                    ),
                    60,
                    interval=0.02,
                )
                if by_status() == {"extracted": total}:
                    break
                for child in _children(main):
                    os.kill(child, signal.SIGKILL)
                time.sleep(1)
            wait_until(
                lambda: by_status() == {"extracted": total},
                90,
                interval=0.5,
                message=lambda: f"all extracted long before the relay's sweep; now {by_status()}",
            )
        with Session(get_engine()) as session:
            attempts = session.exec(select(Report.attempts)).all()
        assert max(attempts) >= 2, "no kill hit a running extraction: no test"
    finally:
        processes.close()
