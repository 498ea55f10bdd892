"""The publish workers, started as ``danvan serve`` starts them, consume the bulk queue:
a batch of report.extracted events sent as one publish.index_batch message is indexed
and acknowledged. The bulk-only one (publish-bulk) never takes a fresh report's event,
which publish-worker keeps to itself."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import redis
from sqlalchemy import func
from sqlmodel import Session, select

from danvan_shared.celery_app import create_celery
from danvan_shared.db import get_engine
from danvan_shared.events import (
    PUBLISH_QUEUE,
    ReportExtracted,
    send_report_extracted,
    send_reports_extracted,
)
from danvan_shared.models import FeedEntry, Report
from tests.integration.support import Processes, free_port, wait_until
from tests.ops.pipeline import as_settings, fresh_postgres, pipeline_env
from tests.publish.conftest import VERSION
from tests.publish.test_index_cost import stage_many


def test_a_batch_sent_to_the_bulk_queue_is_indexed_by_the_publish_worker(
    configure, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = pipeline_env(tmp_path, fresh_postgres(postgres_url), redis_url)
    configure(**as_settings(env))
    report_ids = stage_many([0, 0, 1, 2, 3])
    processes = Processes(env, tmp_path)
    processes.start("publish-worker")
    try:
        send_reports_extracted(
            create_celery("danvan-test-producer"),
            [
                ReportExtracted(report_id=report_id, status="extracted", extractor_version=VERSION)
                for report_id in report_ids
            ],
        )

        def pending() -> int:
            with Session(get_engine()) as session:
                return len(session.exec(select(Report.id).where(Report.event_pending)).all())

        wait_until(lambda: pending() == 0, 120, message="the batch acknowledged")
        with Session(get_engine()) as session:
            assert session.exec(select(func.count()).select_from(FeedEntry)).one() == 15
    finally:
        processes.close()


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def pending() -> set[str]:
    with Session(get_engine()) as session:
        return {str(i) for i in session.exec(select(Report.id).where(Report.event_pending))}


def test_the_bulk_only_publish_worker_publishes_batches_and_leaves_fresh_reports_alone(
    configure, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = pipeline_env(
        tmp_path,
        fresh_postgres(postgres_url),
        redis_url,
        publish_bulk_concurrency="1",
        publish_bulk_metrics_port=str(port),
    )
    configure(**as_settings(env))
    batch = stage_many([0, 1, 2, 3])
    (fresh,) = stage_many([4])
    producer = create_celery("danvan-test-producer")
    processes = Processes(env, tmp_path)
    processes.start("publish-bulk")
    try:
        wait_until(lambda: ready(port), 60, message="publish-bulk ready on its own port")
        send_report_extracted(
            producer,
            ReportExtracted(report_id=fresh, status="extracted", extractor_version=VERSION),
        )
        send_reports_extracted(
            producer,
            [
                ReportExtracted(report_id=report_id, status="extracted", extractor_version=VERSION)
                for report_id in batch
            ],
        )
        wait_until(lambda: pending() == {str(fresh)}, 120, message="the batch acknowledged")
        # the fresh report's event still waits on the interactive queue, untouched
        assert redis.Redis.from_url(redis_url).llen(PUBLISH_QUEUE) == 1

        processes.start("publish-worker")
        wait_until(lambda: not pending(), 120, message="the fresh report, by publish-worker")
        with Session(get_engine()) as session:
            assert session.exec(select(func.count()).select_from(FeedEntry)).one() == 15
    finally:
        processes.close()


def test_a_fresh_report_overtakes_a_batch_the_publish_worker_is_indexing(
    configure, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """publish-worker serves fresh reports and bulk batches: mid-batch, a fresh report's
    event is taken next, and the rest of the batch is indexed afterwards, once each."""
    env = pipeline_env(tmp_path, fresh_postgres(postgres_url), redis_url)
    configure(**as_settings(env))
    batch = stage_many(list(range(1, 401)))
    (fresh,) = stage_many([401])
    producer = create_celery("danvan-test-producer")
    processes = Processes(env, tmp_path)
    processes.start("publish-worker")
    try:
        send_reports_extracted(
            producer,
            [
                ReportExtracted(report_id=report_id, status="extracted", extractor_version=VERSION)
                for report_id in batch
            ],
        )
        wait_until(lambda: len(pending()) < 401, 120, message="the batch under way")
        send_report_extracted(
            producer,
            ReportExtracted(report_id=fresh, status="extracted", extractor_version=VERSION),
        )
        deadline = time.monotonic() + 60
        while str(fresh) in (waiting := pending()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert str(fresh) not in waiting, "the fresh report was not indexed"
        assert len(waiting) > 100, "the fresh report waited for most of the batch"

        wait_until(lambda: not pending(), 120, message="the rest of the batch")
        with Session(get_engine()) as session:
            assert session.exec(select(func.count()).select_from(FeedEntry)).one() == 401 * 3
    finally:
        processes.close()
