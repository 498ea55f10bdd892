"""Every database query of the publish service.

Feed pages are keyset-paged over ``ix_feed_entry_page``: for each year the feed
period touches, one ordered index range (``feed``, ``period_year``) is read newest
first from the cursor, and the per-year streams are merged (on PostgreSQL a Merge
Append of limited index scans, one statement). A page therefore costs about
``limit`` index rows per year, however many entries exist or how deep the page is.

The request path (``feed_version``, ``page_rows``) uses SQLAlchemy Core on a plain
connection and reads only the columns it needs: no ORM identity map, no full rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    false,
    func,
    tuple_,
    union_all,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from danvan_publish import fragments
from danvan_shared.extraction_schema import is_period_key
from danvan_shared.models import ExtractionRecord, FeedEntry, FeedVersion, Report, ReportItem

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedQuery:
    feed: str
    start: date
    end: date
    level: str | None = None
    meeting_type: str | None = None
    campaign: str | None = None
    only_canonical: bool = False


@dataclass(frozen=True)
class Cursor:
    sort_at: datetime
    id: int


# ---- the task's side -------------------------------------------------------------------


def report_and_extraction(
    session: Session, report_id: uuid.UUID
) -> tuple[Report | None, ExtractionRecord | None]:
    """The report and its current extraction: the report's version, else the newest."""
    report = session.get(Report, report_id)
    if report is None:
        return None, None
    statement = select(ExtractionRecord).where(ExtractionRecord.report_id == report_id)
    if report.extractor_version:
        current = session.exec(
            statement.where(ExtractionRecord.extractor_version == report.extractor_version)
        ).first()
        if current is not None:
            return report, current
    newest = session.exec(
        statement.order_by(col(ExtractionRecord.created_at).desc(), col(ExtractionRecord.id).desc())
    ).first()
    return report, newest


def entries_of_report(
    session: Session, report_id: uuid.UUID, *, lock: bool = False
) -> list[FeedEntry]:
    statement = select(FeedEntry).where(FeedEntry.report_id == report_id)
    if lock:
        statement = statement.with_for_update()
    return list(session.exec(statement))


# ---- the readers' side -----------------------------------------------------------------


_VERSION = FeedVersion.metadata.tables["feed_version"].c
_ENTRY_TABLE = FeedEntry.metadata.tables["feed_entry"]
_ENTRY = _ENTRY_TABLE.c
_ITEM_TABLE = ReportItem.metadata.tables["report_item"]
_ITEM = _ITEM_TABLE.c
_VERSION_QUERY = core_select(_VERSION.version, _VERSION.updated_at).where(
    _VERSION.feed == bindparam("feed")
)


def feed_version(connection: Connection, feed: str) -> tuple[int, datetime]:
    """The feed's change counter and time: one primary-key lookup, read fresh every time
    (never cached in process), so no process answers 304 for a feed that has changed."""
    row = connection.execute(_VERSION_QUERY, {"feed": feed}).first()
    if row is None:
        return 0, EPOCH
    return int(row.version), row.updated_at


def global_version(session: Session) -> tuple[int, datetime]:
    total, latest = session.exec(
        select(func.coalesce(func.sum(FeedVersion.version), 0), func.max(FeedVersion.updated_at))
    ).one()
    return int(total), latest or EPOCH


#: the escape character of the campaign filter's LIKE pattern
LIKE_ESCAPE = "/"
#: what ``campaign_slugs`` wraps each slug in: ``|slug-1|slug-2|``
SLUG_DELIMITER = "|"


@dataclass(frozen=True)
class FilterShape:
    """Which filters a feed query applies: the shape of its statement, whose values are
    bound at execution (``filter_parameters``)."""

    level: bool
    meeting_type: bool
    #: "slug": entries listing the campaign; "none": no entry can (the value is no slug)
    campaign: Literal["slug", "none"] | None
    canonical: bool


def filter_shape(query: FeedQuery) -> FilterShape:
    campaign: Literal["slug", "none"] | None = None
    if query.campaign:
        # A slug never holds the delimiter, and "a|b" would otherwise match entries
        # listing a and b side by side.
        campaign = "none" if SLUG_DELIMITER in query.campaign else "slug"
    return FilterShape(
        level=bool(query.level),
        meeting_type=bool(query.meeting_type),
        campaign=campaign,
        canonical=query.only_canonical,
    )


def filter_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    """The one builder of a feed query's conditions, for feed pages and aggregates
    alike. Every value is a bound parameter (``feed``, ``start``, ``end``, ``level``,
    ``meeting_type``, ``campaign``), so a filter value is never part of the SQL."""
    conditions: list[ColumnElement[bool]] = [
        _ENTRY.feed == bindparam("feed"),
        _ENTRY.period_start >= bindparam("start"),
        _ENTRY.period_end <= bindparam("end"),
    ]
    if shape.level:
        conditions.append(_ENTRY.level == bindparam("level"))
    if shape.meeting_type:
        conditions.append(_ENTRY.meeting_type == bindparam("meeting_type"))
    if shape.campaign == "slug":
        conditions.append(_ENTRY.campaign_slugs.like(bindparam("campaign"), escape=LIKE_ESCAPE))
    elif shape.campaign == "none":
        conditions.append(false())
    if shape.canonical:
        conditions.append(_ENTRY.is_canonical.is_(True))
    return conditions


def filter_parameters(query: FeedQuery) -> dict[str, Any]:
    """The values ``filter_conditions`` binds."""
    return {
        "feed": query.feed,
        "start": query.start,
        "end": query.end,
        "level": query.level,
        "meeting_type": query.meeting_type,
        "campaign": campaign_pattern(query.campaign) if query.campaign else None,
    }


def campaign_pattern(slug: str) -> str:
    """The LIKE pattern of entries listing ``slug``, its ``%`` and ``_`` (and the escape
    character itself) taken literally."""
    escaped = "".join(
        LIKE_ESCAPE + char if char in ("%", "_", LIKE_ESCAPE) else char for char in slug
    )
    return f"%{SLUG_DELIMITER}{escaped}{SLUG_DELIMITER}%"


@lru_cache(maxsize=512)
def _page_statement(fmt: str, years: int, shape: FilterShape, cursor: str | None) -> Select[Any]:
    """The page query of one shape, built once: every value is a bound parameter
    (those of ``filter_conditions``, ``year_0``…, ``cursor_sort_at``, ``cursor_id``,
    ``limit``)."""
    columns = (
        _ENTRY.id,
        _ENTRY.sort_at,
        _ENTRY.feed,
        _ENTRY.province_name,
        _ENTRY.updated_at,
        _ENTRY.content_hash,
        _ITEM.fragment_base_url.label("item_key"),
        _ITEM.content_hash.label("item_hash"),
        _ITEM[fragments.COLUMNS[fmt]].label("fragment"),
    )
    # the report's stored item: one primary-key probe per row of the page
    entries = _ENTRY_TABLE.outerjoin(_ITEM_TABLE, _ITEM.report_id == _ENTRY.report_id)
    conditions = filter_conditions(shape)
    if cursor is not None:
        key = tuple_(_ENTRY.sort_at, _ENTRY.id)
        bound = tuple_(
            bindparam("cursor_sort_at", type_=_ENTRY.sort_at.type),
            bindparam("cursor_id", type_=Integer),
        )
        conditions.append(key < bound if cursor == "after" else key > bound)
    newest_first = cursor != "before"
    limit = bindparam("limit", type_=Integer)
    per_year = [
        core_select(*columns)
        .select_from(entries)
        .where(*conditions, _ENTRY.period_year == bindparam(f"year_{n}"))
        .order_by(
            *(
                (_ENTRY.sort_at.desc(), _ENTRY.id.desc())
                if newest_first
                else (_ENTRY.sort_at.asc(), _ENTRY.id.asc())
            )
        )
        .limit(limit)
        for n in range(years)
    ]
    if years == 1:
        return per_year[0]
    merged = union_all(*(core_select(part.subquery()) for part in per_year)).subquery()
    return (
        core_select(merged)
        .order_by(
            *(
                (merged.c.sort_at.desc(), merged.c.id.desc())
                if newest_first
                else (merged.c.sort_at.asc(), merged.c.id.asc())
            )
        )
        .limit(limit)
    )


def page_rows(
    connection: Connection,
    query: FeedQuery,
    fmt: str,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 50,
) -> list[Row[Any]]:
    """Up to ``limit`` entries newest first: older than ``after`` or newer than ``before``.

    Only what a page needs of each: (id, sort_at) for the cursors, and the stored item
    of its report in ``fmt`` ("rss", "atom" or "json") as ``fragment`` with what fills
    it in and tells whether it is current (``fragments.fill``, ``fragments.is_current``)."""
    cursor = after or before
    first_year = query.start.year
    years = query.end.year - first_year + 1
    statement = _page_statement(
        fmt, years, filter_shape(query), "after" if after else "before" if before else None
    )
    params: dict[str, Any] = {
        **filter_parameters(query),
        "limit": limit,
        **{f"year_{n}": first_year + n for n in range(years)},
    }
    if cursor is not None:
        params["cursor_sort_at"], params["cursor_id"] = cursor.sort_at, cursor.id
    rows = connection.execute(statement, params).all()
    return list(rows) if before is None else list(reversed(rows))


def entries_by_id(session: Session, ids: Iterable[int]) -> dict[int, FeedEntry]:
    if not ids:
        return {}
    rows = session.exec(select(FeedEntry).where(col(FeedEntry.id).in_(list(ids))))
    return {entry.id: entry for entry in rows if entry.id is not None}


def grouped_counts(session: Session, query: FeedQuery, column: Any) -> dict[str, int]:
    statement = (
        select(column, func.count()).where(*filter_conditions(filter_shape(query))).group_by(column)
    )
    rows = session.exec(statement, params=filter_parameters(query)).all()
    return {str(value) if value is not None else "unknown": int(count) for value, count in rows}


def aggregate_rows(session: Session, query: FeedQuery, limit: int = 5000) -> Sequence[Any]:
    """The columns aggregates list (units, chairs, campaigns, documents) of a feed period."""
    statement = (
        select(FeedEntry.unit_name, FeedEntry.chairs, FeedEntry.campaigns, FeedEntry.documents)
        .where(*filter_conditions(filter_shape(query)))
        .order_by(col(FeedEntry.sort_at).desc())
        .limit(limit)
    )
    return session.exec(statement, params=filter_parameters(query)).all()


def counts_by_feed_and_period(
    session: Session, boundary: str | None = None
) -> list[tuple[str, str, int, int]]:
    """(feed, period key, entries, reports of distinct meetings) for every pair with entries.

    Only canonical period keys: an entry indexed before publish checked its key ("?-Q3",
    "10Y") is in no feed, so its key is never listed or linked (dashboard, OPML,
    province and period listings all read this)."""
    statement = (
        select(
            FeedEntry.feed,
            FeedEntry.period_key,
            func.count(),
            func.sum(case((col(FeedEntry.is_canonical), 1), else_=0)),
        )
        .where(col(FeedEntry.period_key).is_not(None))
        .group_by(col(FeedEntry.feed), col(FeedEntry.period_key))
    )
    if boundary:
        statement = statement.where(col(FeedEntry.boundary).in_([boundary]))
    return [
        (feed, str(key), int(count), int(distinct or 0))
        for feed, key, count, distinct in session.exec(statement).all()
        if is_period_key(key)
    ]


def timeline(session: Session, feed: str, limit: int = 200) -> list[FeedEntry]:
    return list(
        session.exec(
            select(FeedEntry)
            .where(FeedEntry.feed == feed)
            .order_by(col(FeedEntry.period_end).desc(), col(FeedEntry.sort_at).desc())
            .limit(limit)
        )
    )
