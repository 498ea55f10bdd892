"""The ``publish.index_report`` task: the consumer of the ``report.extracted`` event."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from danvan_publish import repository, service
from danvan_publish.worker import celery_app
from danvan_shared.db import session_scope
from danvan_shared.events import PUBLISH_INDEX_REPORT, ReportExtracted
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.tasks")
_settings = get_settings()


# IntegrityError too: two deliveries of one event racing to insert the same
# (report, feed) row; the retry finds the winner's row and updates it.
@celery_app.task(
    name=PUBLISH_INDEX_REPORT,
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=_settings.retry_backoff_seconds,
    retry_backoff_max=_settings.retry_backoff_max_seconds,
    retry_jitter=True,
    max_retries=_settings.max_attempts,
)
def index_report(**payload: Any) -> dict[str, Any]:
    event = ReportExtracted.model_validate(payload)
    with session_scope() as session:
        result = service.index_report(session, event.report_id)
        # Acknowledged in the same commit as the entries: a lost event is re-sent by
        # the relay, and a re-sent one re-indexes idempotently.
        repository.acknowledge_event(session, event.report_id, event.extractor_version)
    logger.info(
        "indexed report %s into %s (changed: %s)",
        result.report_id,
        ",".join(result.feeds) or "no feeds",
        result.changed,
    )
    return {"report_id": str(result.report_id), "feeds": result.feeds, "changed": result.changed}
