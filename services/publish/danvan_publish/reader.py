"""The read side of publish: what the routes ask for (feed pages, aggregates, the
scope and period a URL names, page cursors), read from the feed entries the indexer
keeps."""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection
from sqlmodel import Session, col

from danvan_publish import fragments, provinces, repository
from danvan_publish.errors import BadCursor, UnknownFeed, UnknownPeriod
from danvan_publish.repository import Cursor, FeedQuery
from danvan_publish.schemas import Aggregate, CountedName, Official
from danvan_shared.extraction_schema import period_bounds_for_key
from danvan_shared.models import FeedEntry
from danvan_shared.timestamps import in_published_range

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def resolve_scope(slug: str) -> provinces.FeedScope:
    found = provinces.scope(slug)
    if found is None:
        raise UnknownFeed(f"No province or feed is called {slug!r}; see /v1/provinces.")
    return found


def resolve_period(key: str) -> tuple[date, date]:
    bounds = period_bounds_for_key(key)
    if bounds is None:
        raise UnknownPeriod(
            f"{key!r} is not a period key (e.g. 2022, 2022-H1, 2022-9M, 2022-Q3, 2021-2025)."
        )
    return bounds


def encode_cursor(sort_at: datetime, entry_id: int) -> str:
    raw = f"{sort_at.astimezone(UTC).isoformat()}~{entry_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: an entry id as the cursor writes it: ASCII digits of a positive 64-bit integer
_CURSOR_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_ENTRY_ID = 2**63 - 1


def decode_cursor(token: str) -> Cursor:
    """A cursor as ``encode_cursor`` writes it, or ``BadCursor`` (400): its time must be
    a publication time the service holds and its id a positive 64-bit integer, so no
    value reaches a query that the database (or the UTC conversion) cannot represent."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, _, entry_id = raw.partition("~")
        sort_at = datetime.fromisoformat(moment)
        if sort_at.tzinfo is None or not in_published_range(sort_at):
            raise ValueError("naive or out of range")
        if not _CURSOR_ID.fullmatch(entry_id) or int(entry_id) > MAX_ENTRY_ID:
            raise ValueError("not an entry id")
        return Cursor(sort_at=sort_at.astimezone(UTC), id=int(entry_id))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise BadCursor("The page cursor is not valid; start again from the first page.") from exc


@dataclass
class FeedPage:
    #: the page's items, rendered in the requested format, newest first
    items: list[str]
    next_cursor: str | None
    prev_cursor: str | None


def feed_page(
    connection: Connection,
    query: FeedQuery,
    fmt: str,
    base_url: str,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
) -> FeedPage:
    """One keyset query for the page's entries with their reports' stored items, each
    filled in with the entry's feed and update time; entries whose report has no
    current item (indexed before items existed, for another base URL) are loaded and
    rendered here."""
    after_cursor = decode_cursor(after) if after else None
    before_cursor = decode_cursor(before) if before else None
    rows = repository.page_rows(
        connection, query, fmt, after=after_cursor, before=before_cursor, limit=limit + 1
    )
    if before_cursor is not None:
        has_newer, has_older = len(rows) > limit, True
        rows = rows[-limit:]
    else:
        has_newer, has_older = after_cursor is not None, len(rows) > limit
        rows = rows[:limit]
    stale = {
        row.id
        for row in rows
        if row.fragment is None
        or not fragments.is_current(row.item_key, row.item_hash, row.content_hash, base_url)
    }
    rendered: dict[int, str] = {}
    if stale:
        with Session(bind=connection) as session:
            render = fragments.RENDER[fmt]
            rendered = {
                entry_id: render(fragments.feed_item(entry, base_url))
                for entry_id, entry in repository.entries_by_id(session, stale).items()
            }
    items = [
        rendered.get(row.id)
        if row.id in stale
        else fragments.fill(fmt, row.fragment, row.feed, row.province_name, row.updated_at)
        for row in rows
    ]
    return FeedPage(
        items=[item for item in items if item is not None],  # None: deleted in between
        next_cursor=encode_cursor(rows[-1].sort_at, rows[-1].id) if rows and has_older else None,
        prev_cursor=encode_cursor(rows[0].sort_at, rows[0].id) if rows and has_newer else None,
    )


def aggregate(
    session: Session, query: FeedQuery, scope: provinces.FeedScope, period_key: str
) -> Aggregate:
    by_level = repository.grouped_counts(session, query, col(FeedEntry.level))
    by_type = repository.grouped_counts(session, query, col(FeedEntry.meeting_type))
    canonical = repository.grouped_counts(session, query, col(FeedEntry.is_canonical))
    units: Counter[str] = Counter()
    chairs: dict[str, Official] = {}
    campaigns: Counter[str] = Counter()
    campaign_names: dict[str, str] = {}
    documents: Counter[str] = Counter()
    for unit_name, entry_chairs, entry_campaigns, entry_documents in repository.aggregate_rows(
        session, query
    ):
        if unit_name:
            units[unit_name] += 1
        for person in entry_chairs or []:
            official = chairs.setdefault(person["name"], Official(name=person["name"]))
            official.meetings += 1
            official.titles = sorted({*official.titles, *person.get("titles", [])})
        for campaign in entry_campaigns or []:
            campaigns[campaign["slug"]] += 1
            campaign_names.setdefault(campaign["slug"], campaign["name"])
        for document in entry_documents or []:
            documents[document["text"]] += 1
    return Aggregate(
        province=scope.slug,
        province_name=scope.name,
        boundary=scope.boundary,
        period=period_key,
        reports=sum(by_level.values()),
        meetings=sum(count for key, count in canonical.items() if key in ("True", "1")),
        by_level=by_level,
        by_meeting_type=by_type,
        units=[CountedName(name=name, count=count) for name, count in units.most_common()],
        officials=sorted(chairs.values(), key=lambda o: (-o.meetings, o.name)),
        campaigns=[
            CountedName(name=campaign_names[slug], slug=slug, count=count)
            for slug, count in campaigns.most_common()
        ],
        documents=[CountedName(name=text, count=count) for text, count in documents.most_common()],
    )
