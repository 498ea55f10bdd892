"""Publish's per-report read model for search, coverage and exports (owned by publish),
and the WebSub hub's subscriptions.

``ReportDocument`` is one row per published report (a report with at least one feed
entry): its text and the fields that search filters on, coverage counts (the unit's
GSO code) and exports write. ``PersonMention`` is one row per person named in such a
report, with their titles and roles, for the official pages and per-person exports.
Both are rewritten by the indexer in the transaction that writes the feed entries.

Full-text search needs more than these columns (migration 0010): on PostgreSQL a
generated ``tsvector`` column ``search_vector`` under the ``danvan_unaccent`` text
search configuration, with a GIN index; on SQLite an FTS5 table ``report_fts`` whose
rowid is ``ReportDocument.id`` and which holds diacritic-free text.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReportDocument(SQLModel, table=True):
    __tablename__ = "report_document"
    __table_args__ = (
        # coverage: the reports of one period at one level in a province (either set)
        Index("ix_report_document_old_period", "province_code", "period_key", "level"),
        Index("ix_report_document_new_period", "province_2025_code", "period_key", "level"),
        Index("ix_report_document_published", "published_at", "id"),
        # search with both filters (migration 0010)
        Index("ix_report_document_level_type", "level", "meeting_type", "published_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: uuid.UUID = Field(
        foreign_key="report.id", unique=True, ondelete="CASCADE", nullable=False
    )
    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    #: the report's text (the article of an HTML report), as plain text
    body: str = Field(sa_column=Column(Text, nullable=False))
    #: names and titles of the people named, one per line (searchable)
    people_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    unit_name: str | None = Field(default=None, sa_column=Column(Text))
    #: GSO code of the holding unit (district, commune or province), when resolved
    unit_code: str | None = Field(default=None, max_length=16)
    unit_kind: str | None = Field(default=None, max_length=16)
    level: str | None = Field(default=None, max_length=16)
    meeting_type: str | None = Field(default=None, max_length=16)
    #: pre-2025 and post-2025 province codes
    province_code: str | None = Field(default=None, max_length=8)
    province_2025_code: str | None = Field(default=None, max_length=8)
    #: "|feed-a|feed-b|": the feeds the report is in
    feeds: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    period_key: str | None = Field(default=None, max_length=16)
    period_kind: str | None = Field(default=None, max_length=16)
    period_start: date | None = None
    period_end: date | None = None
    event_date: date | None = None
    event_key: str | None = Field(default=None, max_length=200)
    published_at: datetime
    source_url: str | None = Field(default=None, sa_column=Column(Text))
    source_name: str | None = Field(default=None, max_length=200)
    extractor_version: str = Field(max_length=32)
    content_hash: str = Field(max_length=64)
    #: when the report was first published here (a unit's "first report" time)
    created_at: datetime = Field(default_factory=_utcnow)
    updated_at: datetime = Field(default_factory=_utcnow)


class PersonMention(SQLModel, table=True):
    __tablename__ = "person_mention"

    id: int | None = Field(default=None, primary_key=True)
    report_id: uuid.UUID = Field(
        foreign_key="report.id", index=True, ondelete="CASCADE", nullable=False
    )
    name: str = Field(max_length=200)
    #: lower case, no diacritics, single spaces: the name as a matching key
    name_key: str = Field(max_length=200, index=True)
    titles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: "|chair|speaker|"
    roles: str = Field(default="", max_length=200)
    #: the tier the title names: central, province, district, commune (None: no title)
    tier: str | None = Field(default=None, max_length=16)
    province_code: str | None = Field(default=None, max_length=8)
    province_2025_code: str | None = Field(default=None, max_length=8)
    #: the holding unit's code when the person's tier is the report's level
    unit_code: str | None = Field(default=None, max_length=16)
    unit_name: str | None = Field(default=None, sa_column=Column(Text))
    level: str | None = Field(default=None, max_length=16)
    period_key: str | None = Field(default=None, max_length=16)
    event_date: date | None = None
    published_at: datetime


class WebSubSubscription(SQLModel, table=True):
    """A subscriber's callback for one topic (W3C WebSub); stored once its intent is verified."""

    __tablename__ = "websub_subscription"
    __table_args__ = (
        UniqueConstraint("topic", "callback", name="uq_websub_topic_callback"),
        Index("ix_websub_feed", "feed", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(sa_column=Column(Text, nullable=False))
    #: "feed", "coverage" or "search"
    kind: str = Field(max_length=16)
    #: the feed slug a feed or coverage topic reads (None for searches)
    feed: str | None = Field(default=None, max_length=64)
    callback: str = Field(sa_column=Column(Text, nullable=False))
    secret: str | None = Field(default=None, max_length=200)
    lease_seconds: int
    expires_at: datetime
    #: sha256 of the topic content last delivered to this callback
    delivered_hash: str | None = Field(default=None, max_length=64)
    delivered_at: datetime | None = None
    failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=_utcnow)
    updated_at: datetime = Field(default_factory=_utcnow)
