"""The publish read model (owned by publish): one feed entry per report per feed.

A relevant report appears in up to three feeds: its pre-2025 province, its
post-2025 province and ``national`` (central meetings only in ``national``).
Everything a feed, an aggregate or a page shows is denormalised here, so a
request never reads the extraction JSON or scans reports.

A report's pre-rendered feed items are stored once, in ``ReportItem``, for all its
entries, so a feed page is a keyset query and a string join.

``FeedVersion`` is a per-feed change counter: it turns an ETag check into one
primary-key lookup and keys the in-process cache of rendered pages.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from danvan_shared.models.columns import utc_datetime


class FeedEntry(SQLModel, table=True):
    __tablename__ = "feed_entry"
    __table_args__ = (
        UniqueConstraint("report_id", "feed", name="uq_feed_entry_report_feed"),
        # Feed pages: one ordered range per (feed, year the period ends), read newest
        # first with a keyset cursor; the period bounds are in the index so the
        # containment filter needs no table lookups.
        Index(
            "ix_feed_entry_page",
            "feed",
            "period_year",
            "sort_at",
            "id",
            "period_start",
            "period_end",
        ),
        # The copies of one meeting, lowest id first: the canonical one is one probe.
        Index("ix_feed_entry_event_id", "feed", "event_key", "id"),
        Index("ix_feed_entry_boundary_period", "boundary", "period_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: looked up through the unique (report_id, feed) index
    report_id: uuid.UUID = Field(foreign_key="report.id", ondelete="CASCADE")
    #: province slug (pre-2025 or post-2025) or "national"
    feed: str = Field(max_length=64)
    #: "old", "2025" or "national": which boundary set the feed belongs to
    boundary: str = Field(max_length=16)
    province_code: str | None = Field(default=None, max_length=8)
    province_name: str | None = Field(default=None, max_length=100)

    period_key: str | None = Field(default=None, max_length=16)
    period_kind: str | None = Field(default=None, max_length=16)
    period_start: date | None = None
    period_end: date | None = None
    #: year the period ends in: the page index's bucket
    period_year: int | None = None

    level: str | None = Field(default=None, max_length=16)
    meeting_type: str | None = Field(default=None, max_length=16)
    #: "|slug-a|slug-b|" so one LIKE matches a whole slug on every database
    campaign_slugs: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    event_key: str | None = Field(default=None, max_length=200)
    #: False for every report of a meeting but one (``?duplicates=false``)
    is_canonical: bool = True

    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    content_html: str = Field(sa_column=Column(Text, nullable=False))
    unit_name: str | None = Field(default=None, sa_column=Column(Text))
    source_url: str | None = Field(default=None, sa_column=Column(Text))
    source_name: str | None = Field(default=None, max_length=200)
    #: [{"name", "titles"}], [{"name", "slug"}], [{"text", "kind"}]
    chairs: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    campaigns: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    documents: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )

    event_date: date | None = None
    published_at: datetime = utc_datetime()
    #: order of the feed: the publication date, ties broken by id
    sort_at: datetime = utc_datetime()
    extractor_version: str = Field(max_length=32)
    #: hash of everything shown, so a re-run that changes nothing keeps ``updated_at``
    content_hash: str = Field(max_length=64)
    created_at: datetime = utc_datetime(now=True)
    updated_at: datetime = utc_datetime(now=True)


class ReportItem(SQLModel, table=True):
    """A published report pre-rendered as an RSS ``<item>``, an Atom ``<entry>`` and a
    JSON Feed item, once for all its feed entries: the feed's own category and the
    entry's update time are placeholders that a feed page fills in (publish's
    ``fragments`` module). ``fragment_base_url`` is the public base URL they were
    rendered for, prefixed by the item format version ("v1 https://…"), and
    ``content_hash`` the entries' hash they were rendered from; another value of either
    means "render on request"."""

    __tablename__ = "report_item"

    report_id: uuid.UUID = Field(primary_key=True, foreign_key="report.id", ondelete="CASCADE")
    fragment_base_url: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)
    rss_item: str = Field(sa_column=Column(Text, nullable=False))
    atom_entry: str = Field(sa_column=Column(Text, nullable=False))
    json_item: str = Field(sa_column=Column(Text, nullable=False))


class FeedVersion(SQLModel, table=True):
    """Bumped whenever an entry of the feed is added, changed or removed."""

    __tablename__ = "feed_version"

    feed: str = Field(primary_key=True, max_length=64)
    version: int = 0
    updated_at: datetime = utc_datetime(now=True)
