"""Every query the extract service runs (status moves are ``danvan_shared.lifecycle``'s)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from danvan_shared import lifecycle
from danvan_shared.db import JsonText, dialect_insert
from danvan_shared.models import ExtractionRecord, Report, ReportStatus


class ExtractRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, report_id: uuid.UUID) -> Report | None:
        return self.session.get(Report, report_id)

    def held_by(self, report_ids: Collection[uuid.UUID], task_id: str | None) -> set[uuid.UUID]:
        """Which of these reports are being extracted under the claim of task ``task_id``."""
        if not report_ids or task_id is None:
            return set()
        return set(
            self.session.exec(
                select(Report.id).where(
                    col(Report.id).in_(list(report_ids)),
                    Report.status == ReportStatus.extracting,
                    Report.claim_task_id == task_id,
                )
            ).all()
        )

    def save_extractions(
        self,
        extractions: Mapping[uuid.UUID, tuple[bool, JsonText]],
        *,
        version: str,
        now: datetime,
    ) -> None:
        """Store each report's extraction (relevant, data as JSON) for this version,
        replacing the one stored before, by one ``INSERT … ON CONFLICT (report_id,
        extractor_version) DO UPDATE`` run over the rows (an executemany: one short
        statement parsed once, not a multi-row one parsed again for every batch);
        ``lifecycle.finish`` then finishes the reports in the same commit."""
        if not extractions:
            return
        table = ExtractionRecord.__table__  # type: ignore[attr-defined]
        statement = dialect_insert(self.session, table)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.report_id, table.c.extractor_version],
                set_={
                    "relevant": statement.excluded.relevant,
                    "data": statement.excluded.data,
                    "created_at": statement.excluded.created_at,
                },
            ),
            [
                {
                    "report_id": report_id,
                    "extractor_version": version,
                    "relevant": relevant,
                    "data": data,
                    "created_at": now,
                }
                for report_id, (relevant, data) in extractions.items()
            ],
        )

    def outdated_ids(
        self,
        current_version: str,
        *,
        include_failed: bool,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[uuid.UUID]:
        """The next ``limit`` reports ``lifecycle.requeue`` would queue, in id order from
        ``after``: walking the primary key, each chunk costs the same however many
        reports came before it."""
        query = select(Report.id).where(
            lifecycle.outdated(current_version, include_failed=include_failed)
        )
        if after is not None:
            query = query.where(Report.id > after)
        return list(self.session.exec(query.order_by(col(Report.id)).limit(limit)).all())

    def count_outdated(self, current_version: str, *, include_failed: bool = False) -> int:
        """How many reports ``outdated_ids`` would walk through (reprocess's total)."""
        return int(
            self.session.exec(
                select(func.count())
                .select_from(Report)
                .where(lifecycle.outdated(current_version, include_failed=include_failed))
            ).one()
        )
