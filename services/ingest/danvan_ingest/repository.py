"""Every query the ingest service runs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from danvan_shared.models import Extraction, Report, ReportStatus


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, report_id: uuid.UUID) -> Report | None:
        return self.session.get(Report, report_id)

    def get_by_hash(self, content_hash: str) -> Report | None:
        return self.session.exec(select(Report).where(Report.content_hash == content_hash)).first()

    def add(self, report: Report) -> Report:
        self.session.add(report)
        self.session.flush()
        return report

    def current_extraction(self, report: Report) -> Extraction | None:
        if report.extractor_version is None:
            return None
        return self.session.exec(
            select(Extraction).where(
                Extraction.report_id == report.id,
                Extraction.extractor_version == report.extractor_version,
            )
        ).first()

    def mark_queued(self, report_id: uuid.UUID, *, from_status: str, now: datetime) -> bool:
        """Move a report to ``queued`` unless a worker already moved it on."""
        result = self.session.execute(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.status) == from_status)
            .values(status=ReportStatus.queued, queued_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    def mark_received(self, report_id: uuid.UUID) -> bool:
        """Back to ``received`` after a failed send, unless a worker already took it."""
        result = self.session.execute(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.status) == ReportStatus.queued)
            .values(status=ReportStatus.received, queued_at=None)
        )
        return bool(getattr(result, "rowcount", 0))

    def due_for_delivery(
        self,
        *,
        received_before: datetime,
        queued_before: datetime,
        extracting_before: datetime,
        limit: int,
    ) -> list[Report]:
        """Reports whose extract task was never sent, or was sent and seems lost."""
        return list(
            self.session.exec(
                select(Report)
                .where(
                    or_(
                        (col(Report.status) == ReportStatus.received)
                        & (col(Report.received_at) < received_before),
                        (col(Report.status) == ReportStatus.queued)
                        & (col(Report.queued_at) < queued_before),
                        (col(Report.status) == ReportStatus.extracting)
                        & (col(Report.started_at) < extracting_before),
                    )
                )
                .order_by(col(Report.received_at))
                .limit(limit)
            ).all()
        )

    def pending_events(
        self, *, finished_before: datetime, sent_before: datetime, limit: int
    ) -> list[Report]:
        """Extractions whose report.extracted event publish has not acknowledged: never
        sent (the broker was down), or sent long enough ago to count as lost."""
        return list(
            self.session.exec(
                select(Report)
                .where(
                    col(Report.event_pending).is_(True),
                    or_(
                        col(Report.event_sent_at).is_(None)
                        & (col(Report.finished_at) < finished_before),
                        col(Report.event_sent_at) < sent_before,
                    ),
                )
                .order_by(col(Report.finished_at))
                .limit(limit)
            ).all()
        )

    def mark_event_sent(
        self, report_id: uuid.UUID, extractor_version: str | None, now: datetime
    ) -> None:
        self.session.execute(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.extractor_version) == extractor_version)
            .values(event_sent_at=now)
        )

    # Operators' view of the pipeline

    def counts_by_status(self) -> dict[str, int]:
        rows = self.session.exec(
            select(Report.status, func.count()).group_by(col(Report.status))
        ).all()
        return {status: int(count) for status, count in rows}

    def oldest_unfinished_received_at(self) -> datetime | None:
        waiting = [ReportStatus.received, ReportStatus.queued, ReportStatus.extracting]
        return self.session.exec(
            select(func.min(Report.received_at)).where(col(Report.status).in_(waiting))
        ).one()

    def failed_since(self, since: datetime) -> int:
        return int(
            self.session.exec(
                select(func.count())
                .select_from(Report)
                .where(Report.status == ReportStatus.failed, col(Report.finished_at) >= since)
            ).one()
        )

    def failed(self, *, limit: int, offset: int) -> list[Report]:
        return list(
            self.session.exec(
                select(Report)
                .where(Report.status == ReportStatus.failed)
                .order_by(col(Report.finished_at).desc(), col(Report.id))
                .limit(limit)
                .offset(offset)
            ).all()
        )

    def reset_for_retry(self, report_id: uuid.UUID) -> bool:
        """Send a finished report back to the start, with a fresh delivery count.

        Conditional on the report being finished, so a retry never races a worker.
        """
        result = self.session.execute(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.status).in_(ReportStatus.finished()))
            .values(
                status=ReportStatus.received,
                queued_at=None,
                started_at=None,
                finished_at=None,
                attempts=0,
                last_error=None,
            )
        )
        return bool(getattr(result, "rowcount", 0))
