"""Queries over the report documents and person mentions: writes (the indexer's side),
the start-up backfill, and the reads of coverage and the official pages."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    Engine,
    Row,
    Uuid,
    any_,
    bindparam,
    cast,
    exists,
    insert,
    or_,
    text,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import array
from sqlmodel import Session, col, select

from danvan_shared.models import FeedEntry, PersonMention, ReportDocument

_DOCUMENTS = ReportDocument.metadata.tables["report_document"]
_MENTIONS = PersonMention.metadata.tables["person_mention"]
_DOCUMENT, _MENTION = _DOCUMENTS.c, _MENTIONS.c


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def keeps_folded_text(session: Session) -> bool:
    """Whether documents need their diacritic-free text written beside them (the FTS5
    table of SQLite)."""
    return _is_sqlite(session)


# ---- the indexer's side --------------------------------------------------------------


class StoredDocument(NamedTuple):
    report_id: uuid.UUID
    id: int
    content_hash: str


def stored_documents(
    session: Session, report_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, StoredDocument]:
    """The id and content hash of each report's document (never its text)."""
    if not report_ids:
        return {}
    rows = session.execute(
        core_select(_DOCUMENT.report_id, _DOCUMENT.id, _DOCUMENT.content_hash).where(
            _DOCUMENT.report_id.in_(list(report_ids))
        )
    )
    return {row.report_id: StoredDocument(*row) for row in rows}


@dataclass
class DocumentChanges:
    """The documents a batch writes; the mentions of their reports are replaced."""

    #: each new document: every column but its id
    inserted: list[dict[str, Any]] = field(default_factory=list)
    #: each changed document, with every column but its identity and creation time
    updated: list[tuple[StoredDocument, dict[str, Any]]] = field(default_factory=list)
    deleted: list[StoredDocument] = field(default_factory=list)
    #: the diacritic-free fields of the FTS5 row of each inserted and updated document,
    #: by report (SQLite only: PostgreSQL derives its vector itself)
    folded: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)
    #: every mention of the inserted and updated documents' reports: their columns
    mentions: list[dict[str, Any]] = field(default_factory=list)


def write(session: Session, changes: DocumentChanges) -> None:
    """Write a batch's documents (and on SQLite their FTS5 rows) and replace their
    reports' mentions: one statement per kind of write, however many documents."""
    rewritten = [document for document, _ in changes.updated] + changes.deleted
    if rewritten and _is_sqlite(session):
        session.execute(_FTS_DELETE, {"ids": [document.id for document in rewritten]})
    replaced = [
        *(document.report_id for document in changes.deleted),
        *(document.report_id for document, _ in changes.updated),
        *(values["report_id"] for values in changes.inserted),
    ]
    if replaced:
        # One array parameter on PostgreSQL: an IN list of a batch's ids is a statement
        # psycopg would parse again in Python on every call.
        # Core, not the ORM: no session objects to synchronise.
        mentioned = _MENTION.report_id
        session.execute(
            _MENTIONS.delete().where(
                mentioned.in_(replaced)
                if _is_sqlite(session)
                else mentioned == any_(cast(array(replaced), ARRAY(Uuid)))
            )
        )
    if changes.deleted:
        gone = [document.id for document in changes.deleted]
        session.execute(_DOCUMENTS.delete().where(_DOCUMENT.id.in_(gone)))
    new_ids: dict[uuid.UUID, int] = {}
    if changes.inserted and not _is_sqlite(session):
        # No RETURNING (only FTS5 needs the ids): an executemany, whose one short statement
        # psycopg parses once, not a multi-row INSERT it would parse in Python every time.
        session.execute(insert(_DOCUMENTS), changes.inserted)
    elif changes.inserted:  # Core: the ORM inserts one row per statement on SQLite
        rows = session.execute(
            insert(_DOCUMENTS).returning(_DOCUMENT.report_id, _DOCUMENT.id), changes.inserted
        )
        new_ids = {row.report_id: row.id for row in rows}  # the FTS5 rowids
    if changes.updated:
        session.execute(
            _UPDATE_BY_ID,
            [{"_id": document.id, **values} for document, values in changes.updated],
        )
    if changes.folded and _is_sqlite(session):
        ids = {document.report_id: document.id for document, _ in changes.updated}
        ids.update(new_ids)
        session.execute(
            _FTS_INSERT,
            [{"id": ids[report_id], **folded} for report_id, folded in changes.folded.items()],
        )
    if changes.mentions:
        session.execute(insert(_MENTIONS), changes.mentions)


_UPDATE_BY_ID = update(_DOCUMENTS).where(_DOCUMENTS.c.id == bindparam("_id"))
_FTS_DELETE = text("DELETE FROM report_fts WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_FTS_INSERT = text(
    "INSERT INTO report_fts (rowid, title, people, summary, body) "
    "VALUES (:id, :title, :people, :summary, :body)"
)


def reports_without_document(session: Session, limit: int) -> list[uuid.UUID]:
    """Reports that have feed entries but no document (indexed before migration 0010)."""
    has_document = exists().where(col(ReportDocument.report_id) == col(FeedEntry.report_id))
    return list(
        session.exec(
            select(FeedEntry.report_id)
            .where(~has_document)
            .group_by(col(FeedEntry.report_id))
            .limit(limit)
        )
    )


# ---- coverage ---------------------------------------------------------------------------


#: what coverage reads of a report (never its text)
COVERAGE_COLUMNS = (
    "id",
    "report_id",
    "title",
    "unit_code",
    "unit_name",
    "province_code",
    "province_2025_code",
    "event_date",
    "published_at",
    "created_at",
)


def documents_at_level(
    session: Session,
    *,
    period_key: str,
    level: str,
    old_codes: Sequence[str] = (),
    new_codes: Sequence[str] = (),
    published_by: datetime | None = None,
) -> list[Row[Any]]:
    """Reports on the review of ``period_key`` held at ``level`` in any of the given
    pre-2025 or post-2025 provinces (both lists empty: every province), first indexed
    first; only the ``COVERAGE_COLUMNS``."""
    table = ReportDocument.metadata.tables["report_document"].c
    statement = core_select(*(table[name] for name in COVERAGE_COLUMNS)).where(
        table.period_key == period_key, table.level == level
    )
    places = []
    if old_codes:
        places.append(table.province_code.in_(list(old_codes)))
    if new_codes:
        places.append(table.province_2025_code.in_(list(new_codes)))
    if places:
        statement = statement.where(or_(*places))
    if published_by is not None:
        statement = statement.where(table.published_at <= published_by)
    return list(session.connection().execute(statement.order_by(table.created_at, table.id)))


# ---- people -----------------------------------------------------------------------------


def mentions_named(session: Session, words: Sequence[str], limit: int = 2000) -> list[str]:
    """Distinct name keys containing every one of ``words`` (folded), shortest first."""
    statement = select(PersonMention.name_key).distinct()
    for word in words:
        statement = statement.where(col(PersonMention.name_key).contains(word, autoescape=True))
    keys = list(session.exec(statement.limit(limit)))
    return sorted(keys, key=lambda key: (len(key), key))


def mentions_of(session: Session, keys: Sequence[str]) -> list[tuple[PersonMention, str]]:
    """Every mention of these name keys, with the title of the report it is in."""
    if not keys:
        return []
    rows: Sequence[Any] = session.exec(
        select(PersonMention, ReportDocument.title)
        .join(ReportDocument, col(ReportDocument.report_id) == col(PersonMention.report_id))
        .where(col(PersonMention.name_key).in_(list(keys)))
        .order_by(col(PersonMention.event_date), col(PersonMention.published_at))
    ).all()
    return [(mention, title) for mention, title in rows]


# ---- exports ----------------------------------------------------------------------------


def export_partitions(
    engine: Engine, kind: str, feed: str, start: date, end: date, batch_rows: int
) -> Iterator[Sequence[Row[Any]]]:
    """The rows of an export (documents, or mentions with their report's title), oldest
    report first, read with a server-side cursor ``batch_rows`` at a time."""
    in_feed = (
        _DOCUMENT.feeds.contains(f"|{feed}|", autoescape=True),
        _DOCUMENT.period_start >= start,
        _DOCUMENT.period_end <= end,
    )
    if kind == "reports":
        statement = (
            core_select(_DOCUMENTS).where(*in_feed).order_by(_DOCUMENT.published_at, _DOCUMENT.id)
        )
    else:
        statement = (
            core_select(_MENTIONS, _DOCUMENT.title.label("report_title"))
            .select_from(_MENTIONS.join(_DOCUMENTS, _DOCUMENT.report_id == _MENTION.report_id))
            .where(*in_feed)
            .order_by(_DOCUMENT.published_at, _DOCUMENT.id, _MENTION.id)
        )
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(
            statement
        )
        yield from result.partitions()
