"""Reports as received (owned by ingest) and their versioned extractions (owned by extract)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReportStatus(StrEnum):
    received = "received"
    queued = "queued"
    extracting = "extracting"
    extracted = "extracted"
    irrelevant = "irrelevant"
    failed = "failed"

    @classmethod
    def finished(cls) -> tuple[ReportStatus, ...]:
        return (cls.extracted, cls.irrelevant, cls.failed)


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
    published_at: datetime | None = None
    received_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=ReportStatus.received, max_length=16, index=True)
    attempts: int = 0
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    extractor_version: str | None = Field(default=None, max_length=32)
    # Transactional outbox for report.extracted: set in the same commit as the
    # extraction and cleared by the consumer (publish) once it has indexed that
    # version, so an event lost anywhere (a broker restarted without persistence)
    # is re-sent by the relay once event_sent_at is older than the stale threshold.
    event_pending: bool = Field(default=False, index=True)
    event_sent_at: datetime | None = None
    submitted_by: str | None = Field(default=None, max_length=64)


class Extraction(SQLModel, table=True):
    """One extraction of a report per extractor version; re-running replaces it."""

    __tablename__ = "extraction"
    __table_args__ = (UniqueConstraint("report_id", "extractor_version"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    extractor_version: str = Field(max_length=32)
    relevant: bool = False
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
