"""Reports as received (owned by ingest) and their versioned extractions (owned by extract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from danvan_shared.models.columns import status_column, utc_datetime


class ReportStatus(StrEnum):
    """Where a report is; ``danvan_shared.lifecycle.TRANSITIONS`` says how it moves."""

    received = "received"
    queued = "queued"
    extracting = "extracting"
    extracted = "extracted"
    irrelevant = "irrelevant"
    failed = "failed"


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (Index("ix_report_status_queued_at", "status", "queued_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True, index=True)
    content_type: str = Field(max_length=32)
    body: str = Field(sa_column=Column(Text, nullable=False))
    title: str | None = Field(default=None, sa_column=Column(Text))
    source_url: str | None = Field(default=None, sa_column=Column(Text))
    source_name: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = utc_datetime(default=None)
    received_at: datetime = utc_datetime(now=True)
    status: ReportStatus = Field(
        default=ReportStatus.received, sa_column=status_column(ReportStatus, length=16)
    )
    attempts: int = 0
    # The Celery task id of the delivery that claimed the report last (extract).
    claim_task_id: str | None = Field(default=None, max_length=64)
    queued_at: datetime | None = utc_datetime(default=None)
    started_at: datetime | None = utc_datetime(default=None)
    finished_at: datetime | None = utc_datetime(default=None)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    extractor_version: str | None = Field(default=None, max_length=32)
    # Transactional outbox for report.extracted: set in the same commit as the
    # extraction and cleared by the consumer (publish) once it has indexed that
    # version, so an event lost anywhere (a broker restarted without persistence)
    # is re-sent by the relay once event_sent_at is older than the stale threshold.
    # Written, like ``status``, only by ``danvan_shared.lifecycle``.
    event_pending: bool = Field(default=False, index=True)
    event_sent_at: datetime | None = utc_datetime(default=None)
    submitted_by: str | None = Field(default=None, max_length=64)


class ExtractionRecord(SQLModel, table=True):
    """One extraction of a report per extractor version; re-running replaces it.

    ``data`` holds the contract, ``danvan_shared.extraction_schema.Extraction``."""

    __tablename__ = "extraction"
    __table_args__ = (UniqueConstraint("report_id", "extractor_version"),)

    id: int | None = Field(default=None, primary_key=True)
    #: looked up through the unique (report_id, extractor_version) index
    report_id: uuid.UUID = Field(foreign_key="report.id", ondelete="CASCADE")
    extractor_version: str = Field(max_length=32)
    relevant: bool = False
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_datetime(now=True)
