"""Every query the ingest service runs (status moves are ``danvan_shared.lifecycle``'s)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, cast, false, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from danvan_shared.db import dialect_insert
from danvan_shared.lifecycle import event_outstanding
from danvan_shared.models import ExtractionRecord, Report, ReportStatus


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

    def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert the rows whose content is not stored yet; the content hashes inserted.

        One multi-row ``INSERT … ON CONFLICT (content_hash) DO NOTHING RETURNING``: the
        database skips the duplicates inside the statement, also those a concurrent
        request stored a moment before. On PostgreSQL the rows travel as one array a
        column (``INSERT … SELECT … FROM unnest(…)``): a VALUES list of 1000 rows is
        20,000 parameters, and converting that statement cost psycopg more than the
        insert itself. On SQLite SQLAlchemy writes VALUES lists, in pages under its
        parameter limit."""
        if not rows:
            return set()
        table = Report.__table__  # type: ignore[attr-defined]
        insert = dialect_insert(self.session, table)
        parameters: list[dict[str, Any]] | None = list(rows)
        if self.session.get_bind().dialect.name == "postgresql":
            columns = list(rows[0])
            insert = insert.from_select(columns, _unnest(table, columns, rows))
            parameters = None
        statement = insert.on_conflict_do_nothing(index_elements=[table.c.content_hash]).returning(
            table.c.content_hash
        )
        return set(self.session.scalars(statement, parameters))

    def by_hashes(self, content_hashes: Collection[str]) -> dict[str, tuple[uuid.UUID, str]]:
        """Id and status of the stored reports with these content hashes, in one query."""
        if not content_hashes:
            return {}
        rows = self.session.exec(
            select(Report.content_hash, Report.id, Report.status).where(
                col(Report.content_hash).in_(list(content_hashes))
            )
        ).all()
        return {digest: (key, str(status)) for digest, key, status in rows}

    def current_extraction(self, report: Report) -> ExtractionRecord | None:
        if report.extractor_version is None:
            return None
        return self.session.exec(
            select(ExtractionRecord).where(
                ExtractionRecord.report_id == report.id,
                ExtractionRecord.extractor_version == report.extractor_version,
            )
        ).first()

    def due_for_delivery(
        self,
        *,
        received_before: datetime,
        queued_before: datetime | None,
        extracting_before: datetime,
        limit: int,
    ) -> list[Report]:
        """Reports whose extract task was never sent, or was sent and seems lost
        (``queued_before`` None: no queued report counts as lost this round)."""
        stale_queued: ColumnElement[bool] = false()
        if queued_before is not None:
            stale_queued = (col(Report.status) == ReportStatus.queued) & (
                col(Report.queued_at) < queued_before
            )
        return list(
            self.session.exec(
                select(Report)
                .where(
                    or_(
                        (col(Report.status) == ReportStatus.received)
                        & (col(Report.received_at) < received_before),
                        stale_queued,
                        (col(Report.status) == ReportStatus.extracting)
                        & (col(Report.started_at) < extracting_before),
                    )
                )
                .order_by(col(Report.received_at))
                .limit(limit)
            ).all()
        )

    def pending_events(
        self, *, finished_before: datetime, sent_before: datetime | None, limit: int
    ) -> list[Report]:
        """Extractions whose report.extracted event publish has not acknowledged: never
        sent (the broker was down), or sent long enough ago to count as lost
        (``sent_before`` None: none counts as lost this round)."""
        lost: ColumnElement[bool] = false()
        if sent_before is not None:
            lost = col(Report.event_sent_at) < sent_before
        return list(
            self.session.exec(
                select(Report)
                .where(
                    event_outstanding(),
                    or_(
                        col(Report.event_sent_at).is_(None)
                        & (col(Report.finished_at) < finished_before),
                        lost,
                    ),
                )
                .order_by(col(Report.finished_at))
                .limit(limit)
            ).all()
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


def _unnest(table: Table, columns: list[str], rows: Sequence[dict[str, Any]]) -> Select[Any]:
    """``SELECT * FROM unnest(:column1::type[], :column2::type[], …)``: the rows as one
    array parameter a column (PostgreSQL)."""
    arrays = []
    for name in columns:
        array_type = ARRAY(table.c[name].type)
        values = [row[name] for row in rows]
        arrays.append(cast(bindparam(f"rows_{name}", values, array_type), array_type))
    unnested = func.unnest(*arrays).table_valued(*columns).render_derived()
    return sql_select(*(unnested.c[name] for name in columns))
