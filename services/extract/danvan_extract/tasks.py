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
import os
import signal
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError as DatabaseError

from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report
from danvan_extract.extraction.host_table import load_host_provinces
from danvan_extract.repository import ExtractRepository
from danvan_extract.worker import celery_app
from danvan_shared.db import session_scope
from danvan_shared.events import (
    EXTRACT_REPORT,
    EXTRACT_REPROCESS_OUTDATED,
    PUBLISH_INDEX_REPORT,
    ReportExtracted,
)
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.extract")


def _now() -> datetime:
    return datetime.now(UTC)


def _longest_delay() -> float:
    """No retry may wait as long as Redis's visibility timeout: the broker would
    redeliver the waiting message early and the task would run twice."""
    settings = get_settings()
    longest = min(settings.retry_backoff_max_seconds, settings.visibility_timeout_seconds / 2)
    return max(1.0, longest)


def backoff_seconds(attempt: int) -> float:
    settings = get_settings()
    return float(min(_longest_delay(), settings.retry_backoff_seconds * 2 ** max(0, attempt - 1)))


def _injected_fault(body: str) -> None:
    """Test-only fault injection, never honoured in production.

    ``DANVAN_TEST_FAIL_MARKER``: a report containing it raises, like a report
    that trips a bug in the extractor. ``DANVAN_TEST_CRASH_MARKER``: the worker
    process dies with SIGKILL, like the kernel's OOM killer.
    """
    if get_settings().environment == "production":
        return
    fail = os.environ.get("DANVAN_TEST_FAIL_MARKER")
    if fail and fail in body:
        raise RuntimeError("injected extraction fault")
    crash = os.environ.get("DANVAN_TEST_CRASH_MARKER")
    if crash and crash in body:
        os.kill(os.getpid(), signal.SIGKILL)


# Transient faults (the database or the broker down) are retried with backoff and do
# not count as a delivery of the report: the report itself is not at fault.
@celery_app.task(
    name=EXTRACT_REPORT,
    bind=True,
    autoretry_for=(DatabaseError, BrokerError),
    retry_backoff=get_settings().retry_backoff_seconds,
    retry_backoff_max=int(_longest_delay()),
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
        # A retry after a database fault may find its own claim from the failed run.
        report = repository.claim(key, now=_now(), reclaim=self.request.retries > 0)
        if report is None:
            existing = repository.get(key)
            logger.info(
                "report %s not claimable (%s); skipped",
                report_id,
                existing.status if existing else "unknown",
            )
            return "skipped"
        session.commit()
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
            _injected_fault(report.body)
            extraction = extract_report(
                report.body,
                content_type=report.content_type,
                url=report.source_url,
                title=report.title,
                published_at=report.published_at,
                # Operator's host → province table (DANVAN_HOST_PROVINCES_FILE), read once.
                host_provinces=load_host_provinces(settings.host_provinces_file),
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
    try:
        self.app.send_task(PUBLISH_INDEX_REPORT, kwargs=event.model_dump(mode="json"), retry=False)
    except Exception as exc:
        # The extraction is committed with its event flagged (the outbox): the relay
        # sends the event once the broker is back. Re-running the extraction would
        # change nothing, so this is not retried.
        logger.warning("report.extracted for %s not sent (%s); left to the relay", report_id, exc)
        try:
            with session_scope() as session:
                ExtractRepository(session).mark_event_unsent(key, EXTRACTOR_VERSION)
        except DatabaseError:
            pass  # the relay re-sends it anyway once the stale threshold passes
        return str(status)
    logger.info("report %s %s by extractor %s", report_id, status, EXTRACTOR_VERSION)
    return str(status)


@celery_app.task(name=EXTRACT_REPROCESS_OUTDATED, autoretry_for=(DatabaseError,), max_retries=5)
def reprocess_outdated_task(include_failed: bool = False) -> int:
    """Queue every report extracted by an older extractor version (POST /v1/reprocess).

    Idempotent: a requeued report is ``queued``, so a second run does not select it
    again; a report whose send fails stays ``queued`` and the relay sends it later.
    """
    with session_scope() as session:
        ids = ExtractRepository(session).requeue_outdated(
            EXTRACTOR_VERSION, now=_now(), include_failed=include_failed
        )
    for report_id in ids:
        celery_app.send_task(EXTRACT_REPORT, args=[str(report_id)], retry=False)
    logger.info("queued %d reports for extractor %s", len(ids), EXTRACTOR_VERSION)
    return len(ids)
