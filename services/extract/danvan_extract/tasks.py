"""``extract.report``: extract one stored report, store it, emit report.extracted;
and ``extract.reprocess_outdated`` (``extract.batch`` is in ``batch_tasks``).

Idempotent and at-least-once safe (``danvan_extract.runs``): a report is claimed
with a conditional update (another task finds it already claimed or finished and
does nothing; a redelivery of the same task, after its worker child was killed,
takes it over), the extraction for a version is replaced, never duplicated, and the
event is flagged in the same commit (outbox) so the relay re-sends it if this
process dies before the send. A report whose extraction raises is retried with
backoff and ends ``failed`` after ``max_attempts`` deliveries instead of looping.
"""

from __future__ import annotations

import logging
import uuid

from celery import Task
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError as DatabaseError

from danvan_extract.extraction import EXTRACTOR_VERSION
from danvan_extract.reprocess import ChunkNotSent, requeue_outdated
from danvan_extract.runs import run_reports, send_events
from danvan_extract.worker import celery_app
from danvan_shared.celery_app import backoff_seconds, retry_options
from danvan_shared.db import session_scope
from danvan_shared.events import (
    EXTRACT_REPORT,
    EXTRACT_REPROCESS_OUTDATED,
    send_report_extracted,
)
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.extract")


# Transient faults (the database or the broker down) are retried with backoff and do
# not count as a delivery of the report: the report itself is not at fault.
@celery_app.task(
    name=EXTRACT_REPORT,
    bind=True,
    autoretry_for=(DatabaseError, BrokerError),
    **retry_options(),
    max_retries=20,
)
def extract_report_task(self: Task, report_id: str) -> str:
    try:
        key = uuid.UUID(report_id)
    except ValueError:
        logger.error("extract.report got a malformed report id %r; dropped", report_id)
        return "malformed"
    settings = get_settings()
    with session_scope() as session:
        # A redelivery (killed child) or a retry after a database fault finds its own
        # task id on the claim and takes the report over.
        run = run_reports(session, [key], task_id=self.request.id)
    if run.retries:
        (failure,) = run.retries
        raise self.retry(
            countdown=backoff_seconds(failure.attempts),
            exc=failure.error,
            max_retries=settings.max_attempts,
        ) from failure.error
    if run.failed:
        return "failed"
    if run.superseded:
        return "superseded"
    if not run.events:
        return "skipped"
    (event,) = run.events
    send_events(run.events, lambda events: send_report_extracted(self.app, events[0]))
    logger.info("report %s %s by extractor %s", report_id, event.status, EXTRACTOR_VERSION)
    return event.status


@celery_app.task(
    name=EXTRACT_REPROCESS_OUTDATED,
    bind=True,
    autoretry_for=(DatabaseError,),
    max_retries=5,
)
def reprocess_outdated_task(self: Task, include_failed: bool = False) -> int:
    """Queue every report extracted by an older extractor version (POST /v1/reprocess),
    in chunks of ``batch_size`` (see ``danvan_extract.reprocess``).

    Idempotent: a requeued report is ``queued``, so a second run does not select it
    again. When the broker refuses a chunk, the task is retried later and goes on with
    what is left; the refused chunk is sent by the relay.
    """
    try:
        queued = requeue_outdated(include_failed=include_failed)
    except ChunkNotSent as exc:
        logger.warning("reprocessing stopped after %d reports: %s; retried later", exc.queued, exc)
        raise self.retry(countdown=backoff_seconds(self.request.retries + 1), exc=exc) from exc
    logger.info("queued %d reports for extractor %s", queued, EXTRACTOR_VERSION)
    return queued
