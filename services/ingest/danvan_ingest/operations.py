"""What operators do: watch the pipeline, re-run failed or outdated reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from danvan_ingest.broker import live_workers, queue_depths, send_extract, send_reprocess_outdated
from danvan_ingest.errors import BrokerUnavailable, ReportNotRetryable
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import PipelineView, QueueDepths
from danvan_shared import lifecycle
from danvan_shared.errors import UnknownReport
from danvan_shared.models import Report, ReportStatus


def pipeline_view(session: Session, *, now: datetime | None = None) -> PipelineView:
    """The database's counts first, then the broker's view, with the session's
    connection handed back in between: a slow broker never holds a database
    connection (the broker calls are bounded and the worker ping is cached, see
    ``broker``)."""
    now = now or datetime.now(UTC)
    repository = ReportRepository(session)
    reports = dict.fromkeys(ReportStatus, 0) | repository.counts_by_status()
    oldest = repository.oldest_unfinished_received_at()
    failed_last_hour = repository.failed_since(now - timedelta(hours=1))
    session.commit()  # read only: ends the transaction and returns the connection
    depths = queue_depths()
    return PipelineView(
        broker_available=depths is not None,
        queues=QueueDepths(**depths) if depths is not None else None,
        workers=live_workers() if depths is not None else None,
        reports=reports,
        oldest_unprocessed_seconds=round((now - oldest).total_seconds(), 3) if oldest else None,
        failed_last_hour=failed_last_hour,
    )


def retry_report(session: Session, report_id: uuid.UUID) -> Report:
    """Run a finished report again from its stored original input."""
    repository = ReportRepository(session)
    report = repository.get(report_id)
    if report is None:
        raise UnknownReport(f"No report with id {report_id}.")
    if not lifecycle.retry(session, [report_id]):
        raise ReportNotRetryable(
            f"Report {report_id} is {report.status}; only finished reports can be retried."
        )
    session.commit()
    if send_extract(report_id):
        lifecycle.mark_queued(
            session, [report_id], from_status=ReportStatus.received, now=datetime.now(UTC)
        )
        session.commit()
    # Otherwise it stays "received" and the relay sends it once the broker is back.
    session.refresh(report)
    return report


def request_reprocessing(*, include_failed: bool) -> None:
    if not send_reprocess_outdated(include_failed=include_failed):
        raise BrokerUnavailable("The broker is unavailable; try again shortly.")
