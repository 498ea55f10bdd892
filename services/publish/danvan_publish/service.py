"""Publish logic: keep the read model in step with extractions, and read feeds from it."""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlmodel import Session, col

from danvan_publish import fragments, provinces, repository
from danvan_publish.indexing import entries_for_report
from danvan_publish.repository import Cursor, FeedQuery
from danvan_publish.schemas import Aggregate, CountedName, Official
from danvan_shared.extraction_schema import Extraction, period_bounds_for_key
from danvan_shared.http import ProblemError
from danvan_shared.models import FeedEntry, ReportStatus
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish")

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# ---- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexResult:
    report_id: uuid.UUID
    feeds: list[str]
    changed: bool


def index_report(
    session: Session, report_id: uuid.UUID, now: datetime | None = None
) -> IndexResult:
    """Make the report's feed entries match its current extraction (idempotent).

    Existing rows are updated in place, so an entry keeps its id and creation date;
    ``updated_at`` moves only when something a reader sees has changed.
    """
    now = now or datetime.now(UTC)
    base_url = get_settings().public_base_url
    report, row = repository.report_and_extraction(session, report_id)
    existing = {
        entry.feed: entry for entry in repository.entries_of_report(session, report_id, lock=True)
    }
    desired = []
    if (
        report is not None
        and row is not None
        and row.relevant
        and report.status not in (ReportStatus.irrelevant, ReportStatus.failed)
    ):
        try:
            desired = entries_for_report(report, Extraction.model_validate(row.data))
        except ValidationError:
            logger.warning("extraction of report %s does not match the contract", report_id)
    changed_feeds: set[str] = set()
    events: set[tuple[str, str]] = set()
    for values in desired:
        columns = values.as_columns()
        entry = existing.pop(values.feed, None)
        if entry is None:
            entry = FeedEntry(report_id=report_id, created_at=now, updated_at=now, **columns)
        elif any(
            getattr(entry, name) != value
            for name, value in columns.items()
            if name in ("content_hash", "boundary", "province_code", "province_name")
        ):
            if entry.event_key:
                events.add((entry.feed, entry.event_key))
            for name, value in columns.items():
                setattr(entry, name, value)
            entry.updated_at = now
        else:
            if not fragments.is_current(entry, base_url):
                fragments.store(entry, base_url)  # same content, items not (yet) rendered
                session.add(entry)
            continue
        fragments.store(entry, base_url)
        session.add(entry)
        changed_feeds.add(values.feed)
        if entry.event_key:
            events.add((values.feed, entry.event_key))
    for stale in existing.values():
        if stale.event_key:
            events.add((stale.feed, stale.event_key))
        changed_feeds.add(stale.feed)
    repository.delete_entries(session, [entry.id for entry in existing.values() if entry.id])
    session.flush()
    for feed, event_key in sorted(events):
        repository.refresh_canonical(session, feed, event_key)
    repository.bump_versions(session, changed_feeds, now)
    return IndexResult(report_id, sorted(values.feed for values in desired), bool(changed_feeds))


# ---- reading -----------------------------------------------------------------------------


def resolve_scope(slug: str) -> provinces.FeedScope:
    found = provinces.scope(slug)
    if found is None:
        raise ProblemError(404, f"No province or feed is called {slug!r}; see /v1/provinces.")
    return found


def resolve_period(key: str) -> tuple[date, date]:
    bounds = period_bounds_for_key(key)
    if bounds is None:
        raise ProblemError(
            404, f"{key!r} is not a period key (e.g. 2022, 2022-H1, 2022-9M, 2022-Q3, 2021-2025)."
        )
    return bounds


def encode_cursor(sort_at: datetime, entry_id: int) -> str:
    raw = f"{sort_at.astimezone(UTC).isoformat()}~{entry_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, _, entry_id = raw.partition("~")
        sort_at = datetime.fromisoformat(moment)
        if sort_at.tzinfo is None:
            raise ValueError("naive")
        return Cursor(sort_at=sort_at, id=int(entry_id))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ProblemError(
            400, "The page cursor is not valid; start again from the first page."
        ) from exc


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
    """One keyset query for the page's stored fragments; entries indexed before
    fragments existed (or for another base URL) are loaded and rendered here."""
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
    current = fragments.key(base_url)
    stale = {row.id for row in rows if row.fragment is None or row.fragment_base_url != current}
    rendered: dict[int, str] = {}
    if stale:
        with Session(bind=connection) as session:
            render = fragments.RENDER[fmt]
            rendered = {
                entry_id: render(fragments.feed_item(entry, base_url))
                for entry_id, entry in repository.entries_by_id(session, stale).items()
            }
    items = [rendered.get(row.id) if row.id in stale else row.fragment for row in rows]
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


class RenderCache:
    """Rendered feeds and aggregates keyed by their ETag, which already names the data
    version, so an entry can never be stale: a change makes a new key."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.enabled = True

    def get(self, key: str) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


render_cache = RenderCache()
