"""The publish worker, started as ``danvan serve`` starts it, consumes the bulk queue:
a batch of report.extracted events sent as one publish.index_batch message is indexed
and acknowledged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from danvan_shared.celery_app import create_celery
from danvan_shared.db import get_engine
from danvan_shared.events import ReportExtracted, send_reports_extracted
from danvan_shared.models import FeedEntry, Report
from tests.integration.support import Processes, wait_until
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
