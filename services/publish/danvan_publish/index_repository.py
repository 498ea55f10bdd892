"""The indexer's queries: every one takes a whole batch of reports, so indexing a batch
costs the same handful of statements whether it holds one report or a hundred, and
whether a meeting has one copy or thousands.

Writes go in bulk: new entries in one multi-row INSERT … RETURNING (on PostgreSQL, ids
drawn from the sequence in one query and one executemany INSERT), changed ones in one
executemany UPDATE by primary key, stale ones in one DELETE, feed versions and the
reports' rendered items in one upsert each.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, cast, func, insert, text, true, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, delete, select

from danvan_shared.db import dialect_insert
from danvan_shared.models import ExtractionRecord, FeedEntry, FeedVersion, Report, ReportItem

#: (feed, event_key): the entries of one meeting in one feed
Event = tuple[str, str]

_ENTRY_TABLE = FeedEntry.metadata.tables["feed_entry"]
_INSERTED_COLUMNS = tuple(column.key for column in _ENTRY_TABLE.columns if column.key != "id")
#: the columns the indexer writes on an update: all but the identity and creation time
UPDATED_COLUMNS = tuple(
    column.key for column in _ENTRY_TABLE.columns if column.key not in ("id", "created_at")
)
#: an UPDATE of one entry by id; the parameters name the columns it sets (Core, not the
#: ORM's bulk update, which would also check that no row vanished meanwhile)
_BY_ID = update(_ENTRY_TABLE).where(_ENTRY_TABLE.c.id == bindparam("_id"))
#: the first key of the PostgreSQL advisory locks on events (the second is the event's
#: hash), so they cannot collide with advisory locks taken for anything else
_EVENT_LOCK_SPACE = 0x6476_6E01


class EntryRow:
    """A feed entry's columns, as the indexer reads and writes them: every column of
    ``feed_entry`` is an attribute. A plain object, because building a mapped
    ``FeedEntry`` (pydantic and SQLAlchemy instrumentation on every attribute) took a
    third of the time of indexing a batch."""

    # the columns read by name (the indexer, ``canonical``, ``fragments``, ``documents``)
    id: int | None
    report_id: uuid.UUID
    feed: str
    province_name: str | None
    period_key: str | None
    period_kind: str | None
    period_start: date | None
    period_end: date | None
    level: str | None
    meeting_type: str | None
    event_key: str | None
    is_canonical: bool
    title: str
    summary: str
    content_html: str
    unit_name: str | None
    source_url: str | None
    source_name: str | None
    campaigns: list[dict[str, Any]]
    event_date: date | None
    published_at: datetime
    extractor_version: str
    created_at: datetime
    updated_at: datetime

    def __init__(self, **columns: Any) -> None:
        self.__dict__.update(columns)

    def column(self, name: str) -> Any:
        return self.__dict__[name]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class StoredExtraction(NamedTuple):
    """A report's current extraction as the indexer reads it: its data as the JSON text
    stored (pydantic validates the text in one pass; decoding it into dicts first cost
    as much again)."""

    relevant: bool
    data_json: str


def reports_and_extractions(
    session: Session, report_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[Report, StoredExtraction | None]]:
    """Each stored report with its current extraction (its own version's, else the
    newest), in one statement; reports that do not exist are left out."""
    if not report_ids:
        return {}
    if _dialect(session) == "postgresql":
        # A LATERAL subquery with LIMIT 1 can only be run per report, by index. As a join
        # on the current extraction's id, PostgreSQL hashed the whole extraction table
        # (spilling to disk) once its statistics were stale: 0.2-0.9 s a batch at
        # 100,000 reports with autovacuum off, as this machine's CI set-up has it.
        current = (
            select(col(ExtractionRecord.relevant), col(ExtractionRecord.data))
            .where(col(ExtractionRecord.report_id) == Report.id)
            .order_by(
                (col(ExtractionRecord.extractor_version) == Report.extractor_version).desc(),
                col(ExtractionRecord.created_at).desc(),
                col(ExtractionRecord.id).desc(),
            )
            .limit(1)
            .lateral("current_extraction")
        )
        statement = select(Report, current.c.relevant, cast(current.c.data, Text)).outerjoin(
            current, true()
        )
    else:  # SQLite: no LATERAL; its planner probes the correlated subqueries by index
        of_report = select(ExtractionRecord.id).where(ExtractionRecord.report_id == Report.id)
        own_version = of_report.where(
            ExtractionRecord.extractor_version == Report.extractor_version
        )
        newest = of_report.order_by(
            col(ExtractionRecord.created_at).desc(), col(ExtractionRecord.id).desc()
        ).limit(1)
        chosen = func.coalesce(
            own_version.correlate(Report).scalar_subquery(),
            newest.correlate(Report).scalar_subquery(),
        )
        statement = select(
            Report, col(ExtractionRecord.relevant), cast(col(ExtractionRecord.data), Text)
        ).outerjoin(
            ExtractionRecord,
            (col(ExtractionRecord.report_id) == Report.id) & (col(ExtractionRecord.id) == chosen),
        )
    rows = session.exec(statement.where(col(Report.id).in_(list(report_ids))))
    return {
        report.id: (report, None if data is None else StoredExtraction(bool(relevant), data))
        for report, relevant, data in rows
    }


def entries_of_reports(
    session: Session, report_ids: Collection[uuid.UUID], *, lock: bool = False
) -> list[EntryRow]:
    """The reports' entries, oldest first; ``lock`` takes their rows (PostgreSQL) in
    that order, so two tasks sharing reports queue instead of deadlocking."""
    if not report_ids:
        return []
    statement = (
        core_select(_ENTRY_TABLE)
        .where(_ENTRY_TABLE.c.report_id.in_(list(report_ids)))
        .order_by(_ENTRY_TABLE.c.id)
    )
    if lock:
        statement = statement.with_for_update()
    return [EntryRow(**row) for row in session.execute(statement).mappings()]


def insert_entries(session: Session, entries: Sequence[EntryRow]) -> None:
    """Insert new entries in bulk; their ids are set on return.

    Core, not the ORM: the ORM wants the returned ids in the order of the rows, which
    SQLite does not promise, so there it inserts one row per statement. On PostgreSQL a
    multi-row INSERT … RETURNING of a batch's 300 entries is one statement with 10,000
    placeholders, which psycopg re-parses in Python on every call (no cache for
    statements that long): a fifth of the indexing time. The ids are drawn from the
    sequence first instead, and the rows go by executemany, whose one short statement
    psycopg parses once and pipelines."""
    if not entries:
        return
    if _dialect(session) == "postgresql":
        drawn = session.execute(_NEXT_ENTRY_IDS, {"count": len(entries)}).scalars().all()
        for entry, entry_id in zip(entries, sorted(drawn), strict=True):
            entry.id = entry_id
        session.execute(
            insert(_ENTRY_TABLE),
            [
                {"id": entry.id, **{name: entry.column(name) for name in _INSERTED_COLUMNS}}
                for entry in entries
            ],
        )
        return
    rows = session.execute(
        insert(_ENTRY_TABLE).returning(
            _ENTRY_TABLE.c.id, _ENTRY_TABLE.c.report_id, _ENTRY_TABLE.c.feed
        ),
        [{name: entry.column(name) for name in _INSERTED_COLUMNS} for entry in entries],
    )
    ids = {(row.report_id, row.feed): row.id for row in rows}
    for entry in entries:
        entry.id = ids[(entry.report_id, entry.feed)]


_NEXT_ENTRY_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('feed_entry', 'id')) FROM generate_series(1, :count)"
)


def update_entries(session: Session, entries: Sequence[EntryRow]) -> None:
    """Write every column but the id and creation time of existing entries (one
    executemany UPDATE by primary key)."""
    if entries:
        session.execute(
            _BY_ID,
            [
                {"_id": entry.id, **{name: entry.column(name) for name in UPDATED_COLUMNS}}
                for entry in entries
            ],
        )


def delete_entries(session: Session, ids: Collection[int]) -> None:
    if ids:
        session.exec(delete(FeedEntry).where(col(FeedEntry.id).in_(list(ids))))


class StoredItem(NamedTuple):
    """What a report's stored items were rendered under and from."""

    key: str
    content_hash: str


_ITEM_TABLE = ReportItem.metadata.tables["report_item"]


def items_of_reports(
    session: Session, report_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, StoredItem]:
    """The key and content hash of the reports' stored items (not the items)."""
    if not report_ids:
        return {}
    statement = core_select(
        _ITEM_TABLE.c.report_id, _ITEM_TABLE.c.fragment_base_url, _ITEM_TABLE.c.content_hash
    ).where(_ITEM_TABLE.c.report_id.in_(list(report_ids)))
    return {
        row.report_id: StoredItem(row.fragment_base_url, row.content_hash)
        for row in session.execute(statement)
    }


def write_items(session: Session, items: Sequence[Mapping[str, Any]]) -> None:
    """Store reports' rendered items (one upsert run, in report order)."""
    if not items:
        return
    statement = dialect_insert(session, _ITEM_TABLE)
    replaced = ("fragment_base_url", "content_hash", "rss_item", "atom_entry", "json_item")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[_ITEM_TABLE.c.report_id],
            set_={name: statement.excluded[name] for name in replaced},
        ),
        sorted(items, key=lambda item: item["report_id"]),
    )


def delete_items(session: Session, report_ids: Collection[uuid.UUID]) -> None:
    if report_ids:
        session.execute(_ITEM_TABLE.delete().where(_ITEM_TABLE.c.report_id.in_(list(report_ids))))


def lock_events(session: Session, events: Iterable[Event]) -> None:
    """On PostgreSQL, hold each event until the commit (advisory transaction locks,
    taken in one fixed order): two tasks indexing copies of one meeting then see each
    other's entries when they pick the canonical one, instead of both keeping their
    own. SQLite has one writer at a time already."""
    if _dialect(session) != "postgresql":
        return
    keys = sorted({_event_hash(event) for event in events})
    if keys:
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(:space, k) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS sorted"
            ),
            {"space": _EVENT_LOCK_SPACE, "keys": keys},
        )


def _event_hash(event: Event) -> int:
    digest = hashlib.blake2b("\n".join(event).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


# The lowest id of each event, one index probe per event on ix_feed_entry_event_id (feed,
# event_key, id), however many copies it has. A list of pairs is a parameter of its
# own on each database (arrays on PostgreSQL, JSON on SQLite), so the text never grows.
_LOWEST_IDS = {
    "postgresql": text(
        "SELECT e.feed, e.event_key, (SELECT min(f.id) FROM feed_entry AS f "
        "WHERE f.feed = e.feed AND f.event_key = e.event_key) AS lowest "
        "FROM unnest(CAST(:feeds AS varchar[]), CAST(:keys AS varchar[])) AS e(feed, event_key)"
    ),
    "sqlite": text(
        "SELECT json_extract(e.value, '$[0]') AS feed, json_extract(e.value, '$[1]') AS "
        "event_key, (SELECT min(f.id) FROM feed_entry AS f "
        "WHERE f.feed = json_extract(e.value, '$[0]') "
        "AND f.event_key = json_extract(e.value, '$[1]')) AS lowest FROM json_each(:events) AS e"
    ),
}


def lowest_ids(session: Session, events: Collection[Event]) -> dict[Event, int | None]:
    """The lowest entry id of each event (None: the event has no entry), one statement."""
    if not events:
        return {}
    ordered = sorted(events)
    dialect = _dialect(session)
    if dialect == "postgresql":
        params: dict[str, Any] = {
            "feeds": [feed for feed, _ in ordered],
            "keys": [key for _, key in ordered],
        }
    else:
        params = {"events": json.dumps(ordered, ensure_ascii=False)}
    rows = session.execute(_LOWEST_IDS[dialect], params)
    return {(row.feed, row.event_key): row.lowest for row in rows}


def set_canonical(session: Session, flags: Mapping[int, bool]) -> None:
    """Write ``is_canonical`` of the given entries (one executemany UPDATE)."""
    if flags:
        session.execute(
            _BY_ID,
            [{"_id": entry_id, "is_canonical": flag} for entry_id, flag in sorted(flags.items())],
        )


def bump_versions(session: Session, feeds: Iterable[str], now: datetime) -> None:
    """Count one change of each feed (one upsert run over the feeds: an executemany of
    a statement compiled once, where a multi-row one was compiled again for every set
    of feeds). The rows are written in feed order, so concurrent tasks lock them in the
    same order and cannot deadlock."""
    changed = sorted(set(feeds))
    if not changed:
        return
    table = FeedVersion.metadata.tables["feed_version"]
    # Core: the ORM's bulk path would process every row
    statement = dialect_insert(session, table)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.feed],
            set_={
                "version": table.c.version + 1,
                "updated_at": statement.excluded.updated_at,
            },
        ),
        [{"feed": feed, "version": 1, "updated_at": now} for feed in changed],
    )
