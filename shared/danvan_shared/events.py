"""Task names, queues and event payloads that cross service boundaries.

A service sends another's task by name (``celery.send_task``), so no service
imports another; these constants and payload models are the whole contract.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from celery import Celery

#: Interactive work (a single POST, an operator's retry) goes to ``extract`` and
#: ``publish``; bulk work (batch uploads, the relay, reprocessing) to the ``.bulk``
#: queues. Workers consume both with the ``sorted`` queue order, so the shorter name,
#: the interactive queue, is always served first: a backlog never delays a fresh report.
EXTRACT_QUEUE = "extract"
EXTRACT_BULK_QUEUE = "extract.bulk"
PUBLISH_QUEUE = "publish"
PUBLISH_BULK_QUEUE = "publish.bulk"
#: What each worker consumes (``-Q``), what its stall check watches and what the queue
#: depth metrics and ``GET /v1/pipeline`` show.
EXTRACT_QUEUES = (EXTRACT_QUEUE, EXTRACT_BULK_QUEUE)
PUBLISH_QUEUES = (PUBLISH_QUEUE, PUBLISH_BULK_QUEUE)
#: The bulk-only publish worker's (``publish-bulk``): it never takes a fresh report.
PUBLISH_BULK_QUEUES = (PUBLISH_BULK_QUEUE,)
#: Header every danvan producer puts on a task message: when it was sent (epoch
#: seconds), for the queue-wait histogram and the workers' stall check.
SENT_AT_HEADER = "danvan_sent_at"

#: ingest → extract: extract one stored report (args: report id as str).
EXTRACT_REPORT = "extract.report"
#: ingest → extract: re-queue every report older than the workers' extractor version
#: (kwargs: include_failed: bool); only the workers know the current version.
EXTRACT_REPROCESS_OUTDATED = "extract.reprocess_outdated"
#: ingest/extract → extract: extract several stored reports in one task (args: a list
#: of report ids as str, at most ``Settings.batch_size``); sent to EXTRACT_BULK_QUEUE.
EXTRACT_BATCH = "extract.batch"
#: extract → publish: the ``report.extracted`` event (kwargs: ReportExtracted).
PUBLISH_INDEX_REPORT = "publish.index_report"
#: extract → publish: the events of one batch (kwargs: ReportsExtracted), indexed in
#: one pass; sent to PUBLISH_BULK_QUEUE.
PUBLISH_INDEX_BATCH = "publish.index_batch"
REPORT_EXTRACTED = "report.extracted"


class ReportExtracted(BaseModel):
    """Built by ``danvan_shared.lifecycle.extracted_event``, from the report's row."""

    event: str = REPORT_EXTRACTED
    report_id: uuid.UUID
    status: str
    extractor_version: str


class ReportsExtracted(BaseModel):
    """The ``report.extracted`` events of one extract batch, sent as one message."""

    reports: list[ReportExtracted]


def send_report_extracted(app: Celery, event: ReportExtracted) -> None:
    """Send ``event`` to publish, once: extract after finishing, the relay when it stays
    unacknowledged. Raises when the broker refuses it; the outbox keeps it for the relay."""
    app.send_task(PUBLISH_INDEX_REPORT, kwargs=event.model_dump(mode="json"), retry=False)


def send_reports_extracted(app: Celery, events: list[ReportExtracted]) -> None:
    """Send a batch's events to publish as one bulk message (same outbox rules)."""
    if events:
        payload = ReportsExtracted(reports=events).model_dump(mode="json")
        app.send_task(PUBLISH_INDEX_BATCH, kwargs=payload, queue=PUBLISH_BULK_QUEUE, retry=False)
