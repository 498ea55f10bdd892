"""What operators do: watch the pipeline, re-run failed or outdated reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from danvan_ingest.queue import live_workers, queue_depths, send_extract, send_reprocess_outdated
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import PipelineView, QueueDepths
from danvan_shared.http import ProblemError
from danvan_shared.models import Report, ReportStatus


def pipeline_view(session: Session, *, now: datetime | None = None) -> PipelineView:
    now = now or datetime.now(UTC)
    repository = ReportRepository(session)
    depths = queue_depths()
    oldest = repository.oldest_unfinished_received_at()
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    return PipelineView(
        broker_available=depths is not None,
        queues=QueueDepths(**depths) if depths is not None else None,
        workers=live_workers() if depths is not None else None,
        reports=dict.fromkeys(ReportStatus, 0) | repository.counts_by_status(),
        oldest_unprocessed_seconds=round((now - oldest).total_seconds(), 3) if oldest else None,
        failed_last_hour=repository.failed_since(now - timedelta(hours=1)),
    )


def retry_report(session: Session, report_id: uuid.UUID) -> Report:
    """Run a finished report again from its stored original input."""
    repository = ReportRepository(session)
    report = repository.get(report_id)
    if report is None:
        raise ProblemError(404, f"No report with id {report_id}.")
    if not repository.reset_for_retry(report_id):
        raise ProblemError(
            409, f"Report {report_id} is {report.status}; only finished reports can be retried."
        )
    session.commit()
    if send_extract(report_id):
        repository.mark_queued(report_id, from_status=ReportStatus.received, now=datetime.now(UTC))
        session.commit()
    # Otherwise it stays "received" and the relay sends it once the broker is back.
    session.refresh(report)
    return report


def request_reprocessing(*, include_failed: bool) -> None:
    if not send_reprocess_outdated(include_failed=include_failed):
        raise ProblemError(
            503, "The broker is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )
