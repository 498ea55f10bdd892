"""Every query the extract service runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from danvan_shared.models import Extraction, Report, ReportStatus

CLAIMABLE = (ReportStatus.received, ReportStatus.queued)


class ExtractRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, report_id: uuid.UUID) -> Report | None:
        return self.session.get(Report, report_id)

    def claim(self, report_id: uuid.UUID, *, now: datetime, reclaim: bool = False) -> Report | None:
        """Mark a waiting report as being extracted and count the delivery.

        Conditional, so two deliveries of one message never both run it. With
        ``reclaim`` (a task's own retry after a transient fault) a report left
        ``extracting`` by the failed run is taken back instead of waiting for
        the relay.
        """
        claimable = [*CLAIMABLE, ReportStatus.extracting] if reclaim else list(CLAIMABLE)
        # UPDATE … RETURNING: the claim and the read of the report in one round trip.
        return self.session.scalars(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.status).in_(claimable))
            .values(status=ReportStatus.extracting, started_at=now, attempts=Report.attempts + 1)
            .returning(Report),
            execution_options={"synchronize_session": False},
        ).first()

    def save_extraction(
        self, report: Report, *, version: str, relevant: bool, data: dict[str, Any], now: datetime
    ) -> None:
        """Replace the report's extraction for this version and finish the report."""
        self.session.execute(
            delete(Extraction).where(
                col(Extraction.report_id) == report.id,
                col(Extraction.extractor_version) == version,
            )
        )
        self.session.add(
            Extraction(
                report_id=report.id,
                extractor_version=version,
                relevant=relevant,
                data=data,
                created_at=now,
            )
        )
        report.status = ReportStatus.extracted if relevant else ReportStatus.irrelevant
        report.extractor_version = version
        report.finished_at = now
        report.last_error = None
        report.event_pending = True
        # Recorded as sent in this commit (the send follows at once); a failed send
        # clears it again, so the relay re-sends without waiting for the stale threshold.
        report.event_sent_at = now
        self.session.add(report)

    def record_failure(self, report: Report, *, reason: str, final: bool, now: datetime) -> None:
        report.last_error = reason
        report.finished_at = now if final else None
        report.status = ReportStatus.failed if final else ReportStatus.queued
        report.queued_at = now
        self.session.add(report)

    def mark_event_unsent(self, report_id: uuid.UUID, version: str) -> None:
        """The send failed: let the relay send the event at its next round."""
        self.session.execute(
            update(Report)
            .where(col(Report.id) == report_id, col(Report.extractor_version) == version)
            .values(event_sent_at=None)
        )

    def requeue_outdated(
        self, current_version: str, *, now: datetime, include_failed: bool = False
    ) -> list[uuid.UUID]:
        """Reports extracted by another extractor version, put back in the queue."""
        finished = [ReportStatus.extracted, ReportStatus.irrelevant]
        if include_failed:
            finished.append(ReportStatus.failed)
        condition = col(Report.status).in_(finished) & or_(
            col(Report.extractor_version).is_(None),
            col(Report.extractor_version) != current_version,
        )
        if include_failed:
            # A failed report may have failed under the current version too.
            condition = condition | (col(Report.status) == ReportStatus.failed)
        ids = list(self.session.exec(select(Report.id).where(condition)).all())
        if ids:
            self.session.execute(
                update(Report)
                .where(col(Report.id).in_(ids))
                .values(status=ReportStatus.queued, queued_at=now, attempts=0, last_error=None)
            )
        return ids

    def count_outdated(self, current_version: str) -> int:
        return int(
            self.session.exec(
                select(func.count())
                .select_from(Report)
                .where(
                    col(Report.status).in_([ReportStatus.extracted, ReportStatus.irrelevant]),
                    or_(
                        col(Report.extractor_version).is_(None),
                        col(Report.extractor_version) != current_version,
                    ),
                )
            ).one()
        )
