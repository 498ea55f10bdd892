"""``extract.report``: extract one stored report, store it, emit report.extracted.

Idempotent and at-least-once safe: a report is claimed with a conditional
update (a second delivery of the same message finds it already claimed or
finished and does nothing), the extraction for a version is replaced, never
duplicated, and the event is flagged in the same commit (outbox) so the relay
re-sends it if this process dies before the send. A report whose extraction
raises is retried with backoff and ends ``failed`` after ``max_attempts``
deliveries instead of looping.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError as DatabaseError

from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report
from danvan_extract.repository import ExtractRepository
from danvan_extract.worker import celery_app
from danvan_shared.db import session_scope
from danvan_shared.events import EXTRACT_REPORT, PUBLISH_INDEX_REPORT, ReportExtracted
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.extract")


def _now() -> datetime:
    return datetime.now(UTC)


def backoff_seconds(attempt: int) -> float:
    settings = get_settings()
    return float(
        min(
            settings.retry_backoff_max_seconds,
            settings.retry_backoff_seconds * 2 ** max(0, attempt - 1),
        )
    )


@celery_app.task(
    name=EXTRACT_REPORT,
    bind=True,
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=20,
)
def extract_report_task(self: Task, report_id: str) -> str:
    settings = get_settings()
    try:
        key = uuid.UUID(report_id)
    except ValueError:
        logger.error("extract.report got a malformed report id %r; dropped", report_id)
        return "malformed"
    with session_scope() as session:
        repository = ExtractRepository(session)
        if not repository.claim(key, now=_now()):
            report = repository.get(key)
            logger.info(
                "report %s not claimable (%s); skipped",
                report_id,
                report.status if report else "unknown",
            )
            return "skipped"
        session.commit()
        report = repository.get(key)
        assert report is not None
        if report.attempts > settings.max_attempts:
            repository.record_failure(
                report,
                final=True,
                now=_now(),
                reason=f"gave up after {settings.max_attempts} deliveries "
                f"(last error: {report.last_error or 'worker lost'})",
            )
            logger.error("report %s failed: too many deliveries", report_id)
            return "failed"
        try:
            extraction = extract_report(
                report.body,
                content_type=report.content_type,
                url=report.source_url,
                title=report.title,
                published_at=report.published_at,
            )
        except Exception as exc:
            final = report.attempts >= settings.max_attempts
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            repository.record_failure(report, reason=reason, final=final, now=_now())
            session.commit()
            logger.warning(
                "extraction of %s failed (attempt %d of %d): %s",
                report_id,
                report.attempts,
                settings.max_attempts,
                reason,
            )
            if final:
                return "failed"
            raise self.retry(
                countdown=backoff_seconds(report.attempts),
                exc=exc,
                max_retries=settings.max_attempts,
            ) from exc
        data: dict[str, Any] = extraction.model_dump(mode="json")
        repository.save_extraction(
            report, version=EXTRACTOR_VERSION, relevant=extraction.relevant, data=data, now=_now()
        )
        status = report.status
    event = ReportExtracted(report_id=key, status=status, extractor_version=EXTRACTOR_VERSION)
    self.app.send_task(PUBLISH_INDEX_REPORT, kwargs=event.model_dump(mode="json"))
    with session_scope() as session:
        ExtractRepository(session).clear_event_pending(key, EXTRACTOR_VERSION)
    logger.info("report %s %s by extractor %s", report_id, status, EXTRACTOR_VERSION)
    return str(status)
