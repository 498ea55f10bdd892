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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    func,
    literal,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, delete, select

from danvan_shared.models import Extraction, FeedEntry, FeedVersion, Report

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
) -> tuple[Report | None, Extraction | None]:
    """The report and its current extraction: the report's version, else the newest."""
    report = session.get(Report, report_id)
    if report is None:
        return None, None
    statement = select(Extraction).where(Extraction.report_id == report_id)
    if report.extractor_version:
        current = session.exec(
            statement.where(Extraction.extractor_version == report.extractor_version)
        ).first()
        if current is not None:
            return report, current
    newest = session.exec(
        statement.order_by(col(Extraction.created_at).desc(), col(Extraction.id).desc())
    ).first()
    return report, newest


def entries_of_report(
    session: Session, report_id: uuid.UUID, *, lock: bool = False
) -> list[FeedEntry]:
    statement = select(FeedEntry).where(FeedEntry.report_id == report_id)
    if lock:
        statement = statement.with_for_update()
    return list(session.exec(statement))


def refresh_canonical(session: Session, feed: str, event_key: str) -> None:
    """Of several reports of one meeting in a feed, the first indexed one is shown."""
    ids = list(
        session.exec(
            select(FeedEntry.id)
            .where(FeedEntry.feed == feed, FeedEntry.event_key == event_key)
            .order_by(col(FeedEntry.id))
        )
    )
    if not ids:
        return
    for entry in session.exec(select(FeedEntry).where(col(FeedEntry.id).in_(ids))):
        wanted = entry.id == ids[0]
        if entry.is_canonical != wanted:
            entry.is_canonical = wanted
            session.add(entry)


def bump_versions(session: Session, feeds: Iterable[str], now: datetime) -> None:
    for feed in sorted(set(feeds)):  # a fixed order, so concurrent tasks cannot deadlock
        version = session.get(FeedVersion, feed, with_for_update=True)
        if version is None:
            session.add(FeedVersion(feed=feed, version=1, updated_at=now))
        else:
            version.version += 1
            version.updated_at = now
            session.add(version)


# ---- the readers' side -----------------------------------------------------------------


_VERSION = FeedVersion.metadata.tables["feed_version"].c
_ENTRY = FeedEntry.metadata.tables["feed_entry"].c
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
    if latest is not None and latest.tzinfo is None:  # SQLite's max() drops the type
        latest = datetime.fromisoformat(str(latest)).replace(tzinfo=UTC)
    return int(total), latest or EPOCH


def _filters(query: FeedQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(FeedEntry.feed) == query.feed,
        col(FeedEntry.period_start) >= query.start,
        col(FeedEntry.period_end) <= query.end,
    ]
    if query.level:
        conditions.append(col(FeedEntry.level) == query.level)
    if query.meeting_type:
        conditions.append(col(FeedEntry.meeting_type) == query.meeting_type)
    if query.campaign:
        slug = f"|{query.campaign}|"
        conditions.append(col(FeedEntry.campaign_slugs).contains(slug, autoescape=True))
    if query.only_canonical:
        conditions.append(col(FeedEntry.is_canonical).is_(True))
    return conditions


def _sort_key_param(cursor: Cursor) -> Any:
    sort_type = _ENTRY.sort_at.type
    return tuple_(bindparam("cursor_sort_at", cursor.sort_at, type_=sort_type), literal(cursor.id))


_FRAGMENT_COLUMNS = {"rss": "rss_item", "atom": "atom_entry", "json": "json_item"}


@lru_cache(maxsize=512)
def _page_statement(
    fmt: str,
    years: int,
    *,
    level: bool,
    meeting_type: bool,
    campaign: bool,
    canonical: bool,
    cursor: str | None,
) -> Select[Any]:
    """The page query of one shape, built once: every value is a bound parameter
    (``feed``, ``start``, ``end``, ``year_0``…, ``level``, ``meeting_type``,
    ``campaign``, ``cursor_sort_at``, ``cursor_id``, ``limit``)."""
    columns = (
        _ENTRY.id,
        _ENTRY.sort_at,
        _ENTRY.fragment_base_url,
        _ENTRY[_FRAGMENT_COLUMNS[fmt]].label("fragment"),
    )
    conditions: list[ColumnElement[bool]] = [
        _ENTRY.feed == bindparam("feed"),
        _ENTRY.period_start >= bindparam("start"),
        _ENTRY.period_end <= bindparam("end"),
    ]
    if level:
        conditions.append(_ENTRY.level == bindparam("level"))
    if meeting_type:
        conditions.append(_ENTRY.meeting_type == bindparam("meeting_type"))
    if campaign:
        conditions.append(_ENTRY.campaign_slugs.like(bindparam("campaign"), escape="/"))
    if canonical:
        conditions.append(_ENTRY.is_canonical.is_(True))
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

    Only (id, sort_at, fragment_base_url, fragment) of each, where fragment is the
    entry's pre-rendered item in ``fmt`` ("rss", "atom" or "json")."""
    cursor = after or before
    first_year = query.start.year
    years = query.end.year - first_year + 1
    statement = _page_statement(
        fmt,
        years,
        level=bool(query.level),
        meeting_type=bool(query.meeting_type),
        campaign=bool(query.campaign),
        canonical=query.only_canonical,
        cursor="after" if after else "before" if before else None,
    )
    params: dict[str, Any] = {
        "feed": query.feed,
        "start": query.start,
        "end": query.end,
        "limit": limit,
        "level": query.level,
        "meeting_type": query.meeting_type,
        **{f"year_{n}": first_year + n for n in range(years)},
    }
    if query.campaign:
        escaped = query.campaign.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["campaign"] = f"%|{escaped}|%"
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
    rows = session.exec(select(column, func.count()).where(*_filters(query)).group_by(column)).all()
    return {str(value) if value is not None else "unknown": int(count) for value, count in rows}


def aggregate_rows(session: Session, query: FeedQuery, limit: int = 5000) -> Sequence[Any]:
    """The columns aggregates list (units, chairs, campaigns, documents) of a feed period."""
    return session.exec(
        select(FeedEntry.unit_name, FeedEntry.chairs, FeedEntry.campaigns, FeedEntry.documents)
        .where(*_filters(query))
        .order_by(col(FeedEntry.sort_at).desc())
        .limit(limit)
    ).all()


def counts_by_feed_and_period(
    session: Session, boundary: str | None = None
) -> list[tuple[str, str, int, int]]:
    """(feed, period key, entries, reports of distinct meetings) for every pair with entries."""
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


def delete_entries(session: Session, ids: list[int]) -> None:
    if ids:
        session.exec(delete(FeedEntry).where(col(FeedEntry.id).in_(ids)))


def acknowledge_event(session: Session, report_id: uuid.UUID, extractor_version: str) -> None:
    """Clear the report's outbox flag: this version's report.extracted is indexed."""
    session.execute(
        update(Report)
        .where(col(Report.id) == report_id, col(Report.extractor_version) == extractor_version)
        .values(event_pending=False)
    )
