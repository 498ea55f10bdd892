"""Accepting reports: store durably first, queue only after the commit."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from danvan_ingest.queue import send_extract
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import ReportMetadata, ReportView, Timings, check_content
from danvan_shared.extraction_schema import Extraction
from danvan_shared.models import Report, ReportStatus

logger = logging.getLogger("danvan.ingest")


@dataclass(frozen=True)
class Accepted:
    report: Report
    duplicate: bool


def content_hash(content_type: str, body: str) -> str:
    digest = hashlib.sha256(content_type.encode() + b"\n" + body.encode("utf-8"))
    return digest.hexdigest()


def decode_body(raw: bytes) -> str:
    """Raw request bytes as text; raises ValueError with a reader-friendly reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    return check_content(text)


def accept_report(
    session: Session,
    *,
    body: str,
    content_type: str,
    metadata: ReportMetadata,
    submitted_by: str | None = None,
) -> Accepted:
    """Store a report (or find the same content already stored) and queue it.

    The report is committed as ``queued`` and its extract task sent right after
    the commit, so a worker never sees a report that is not in the database. If
    the send fails the report goes back to ``received`` and the relay sends it at
    its next round; if this process dies in between, the relay finds it queued
    for longer than ``stale_queued_seconds`` and sends it then. Duplicates are
    found by the unique content hash, so a new report costs one commit.
    """
    repository = ReportRepository(session)
    digest = content_hash(content_type, body)
    now = _now()
    report = Report(
        content_hash=digest,
        content_type=content_type,
        body=body,
        title=metadata.title,
        source_url=str(metadata.source_url) if metadata.source_url else None,
        source_name=metadata.source_name,
        published_at=metadata.published_at,
        submitted_by=submitted_by,
        received_at=now,
        status=ReportStatus.queued,
        queued_at=now,
    )
    try:
        repository.add(report)
        session.commit()
    except IntegrityError:
        # The same content was submitted before (or concurrently, and won the insert).
        session.rollback()
        existing = repository.get_by_hash(digest)
        if existing is None:
            raise
        return Accepted(existing, duplicate=True)
    logger.info("accepted report %s (%s, %d chars)", report.id, content_type, len(body))
    if not send_extract(report.id):
        try:
            if repository.mark_received(report.id):
                report.status, report.queued_at = ReportStatus.received, None
            session.commit()
        except OperationalError:
            # Stored but neither sent nor marked: the relay's stale-queued sweep sends it.
            session.rollback()
            logger.warning("report %s not sent and its status not updated", report.id)
    return Accepted(report, duplicate=False)


def _now() -> datetime:
    return datetime.now(UTC)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def report_view(session: Session, report: Report, self_url: str) -> ReportView:
    extraction_row = ReportRepository(session).current_extraction(report)
    extraction = (
        Extraction.model_validate(extraction_row.data) if extraction_row is not None else None
    )
    return ReportView(
        id=report.id,
        status=report.status,
        content_type=report.content_type,
        title=report.title,
        source_url=report.source_url,
        source_name=report.source_name,
        published_at=report.published_at,
        received_at=report.received_at,
        queued_at=report.queued_at,
        started_at=report.started_at,
        finished_at=report.finished_at,
        attempts=report.attempts,
        last_error=report.last_error,
        extractor_version=report.extractor_version,
        timings=Timings(
            queue_seconds=_seconds(report.received_at, report.started_at),
            extraction_seconds=_seconds(report.started_at, report.finished_at),
            total_seconds=_seconds(report.received_at, report.finished_at),
        ),
        extraction=extraction,
        links={"self": self_url},
    )
