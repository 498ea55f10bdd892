"""``extract.batch``: extract up to ``batch_size`` stored reports in one task.

The bulk path (batch uploads, the relay, reprocessing). Per report, a task cost
more than the extraction itself: a message, a claim, two commits and an event
each. A batch pays them once: one claim statement, one statement storing every
extraction, one commit finishing them all and one ``publish.index_batch`` event
(``danvan_extract.runs``). The guarantees stay per report:

- a report whose extraction raises fails alone and is retried on its own, as an
  ``extract.report`` with backoff on the bulk queue, until ``max_attempts``;
- a batch whose worker died (SIGKILL, the OOM killer) is redelivered with the same
  task id and finds the reports it had claimed. It cannot tell which of them killed
  the worker, and running them together again would kill it again, until every
  report of the batch had used up its deliveries for one bad report. So the
  redelivery takes them over by handing each to its own ``extract.report``: the one
  that crashes is counted and failed alone, as a single report always was, and the
  others run once more. A batch already finished is found finished and skipped.
"""

from __future__ import annotations

import logging
import uuid

from celery import Task
from sqlalchemy.exc import OperationalError as DatabaseError

from danvan_extract.repository import ExtractRepository
from danvan_extract.runs import now, run_reports, send_events
from danvan_extract.worker import celery_app
from danvan_shared import lifecycle
from danvan_shared.celery_app import backoff_seconds, retry_options
from danvan_shared.db import session_scope
from danvan_shared.events import (
    EXTRACT_BATCH,
    EXTRACT_BULK_QUEUE,
    EXTRACT_REPORT,
    send_reports_extracted,
)

logger = logging.getLogger("danvan.extract")

WORKER_LOST = "the worker running its batch was lost; extracted on its own"


def _keys(report_ids: list[str]) -> list[uuid.UUID]:
    keys: dict[uuid.UUID, None] = {}
    for report_id in report_ids:
        try:
            keys[uuid.UUID(str(report_id))] = None
        except ValueError:
            logger.error("extract.batch got a malformed report id %r; dropped", report_id)
    return list(keys)


def _send_alone(key: uuid.UUID, countdown: float | None = None) -> None:
    """Queue one report as its own task; if the broker refuses, it stays ``queued`` and
    the relay sends it once it looks lost."""
    try:
        celery_app.send_task(
            EXTRACT_REPORT,
            args=[str(key)],
            queue=EXTRACT_BULK_QUEUE,
            countdown=countdown,
            retry=False,
        )
    except Exception as exc:
        logger.warning("report %s not re-queued (%s); left to the relay", key, exc)


# Transient faults (the database down) are retried with backoff; the retry carries
# the same task id, so it finds the reports it claimed and hands them over as above.
@celery_app.task(
    name=EXTRACT_BATCH,
    bind=True,
    autoretry_for=(DatabaseError,),
    **retry_options(),
    max_retries=20,
)
def extract_batch_task(self: Task, report_ids: list[str]) -> dict[str, int]:
    keys = _keys(report_ids)
    with session_scope() as session:
        left = ExtractRepository(session).held_by(keys, self.request.id)
        if left:
            lifecycle.fail(session, left, reason=WORKER_LOST, final=False, now=now())
            session.commit()
            logger.warning(
                "batch %s was delivered again: %d reports it held are re-queued one by one",
                self.request.id,
                len(left),
            )
        run = run_reports(
            session, [key for key in keys if key not in left], task_id=self.request.id
        )
    for key in left:
        _send_alone(key)
    send_events(run.events, lambda events: send_reports_extracted(self.app, events))
    for failure in run.retries:
        _send_alone(failure.report_id, countdown=backoff_seconds(failure.attempts))
    counts = {
        "extracted": sum(1 for event in run.events if event.status == "extracted"),
        "irrelevant": sum(1 for event in run.events if event.status == "irrelevant"),
        "failed": len(run.failed),
        "retried": len(run.retries),
        "skipped": len(run.skipped),
        "superseded": len(run.superseded),
        "handed_over": len(left),
    }
    logger.info("batch of %d reports: %s", len(keys), counts)
    return counts
