"""Full-text queries over the report documents, each database with its own engine.

PostgreSQL: ``search_vector @@ websearch_to_tsquery('simple', danvan_fold(q))`` over
the generated column (GIN index; the query is folded and split exactly as the
documents are, migration 0012), ranked by ``ts_rank`` (title A > unit and people B >
summary C > body D). SQLite: ``report_fts MATCH`` over the folded FTS5 table, ranked
by ``bm25`` with the same column order of weights. Scores are returned so that higher
is better on both (bm25's are negated).

Ranking reads each candidate's whole vector (about 5 µs a row on PostgreSQL, mostly
decompression), so a word that occurs in most reports ("dân vận") would cost half a
second at 100,000 reports. The ranked candidates are therefore the newest
``RANK_WINDOW`` matches (all of them for any query with fewer): PostgreSQL finds them
by the GIN index when they are few and by walking the publication-time index newest
first when they are many, so a search costs about the same whatever it matches. A
query that common ranks its recent reports; its ``total`` says "at least 1,000".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from danvan_publish import fragments
from danvan_shared.models import FeedEntry, ReportDocument, ReportItem

_ITEM = ReportItem.metadata.tables["report_item"].c

TS_CONFIG = "simple"
#: bm25 weights of report_fts's columns: title, people (and unit), summary, body
BM25_WEIGHTS = "10.0, 4.0, 2.0, 1.0"
RESULT_COLUMNS = (
    "id",
    "report_id",
    "title",
    "summary",
    "unit_name",
    "level",
    "meeting_type",
    "period_key",
    "event_date",
    "published_at",
    "source_url",
    "source_name",
    "feeds",
)
#: how many of the newest matches are ranked (see the module docstring)
RANK_WINDOW = 1000


@dataclass(frozen=True)
class SearchFilters:
    feed: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    level: str | None = None
    meeting_type: str | None = None
    #: the feed's province in its own boundary set ("old" or "2025"), so that an index on
    #: the province codes narrows the search before any vector is read
    boundary: str | None = None
    province_code: str | None = None


@dataclass(frozen=True)
class SearchQuery:
    #: the text as typed (PostgreSQL parses it with websearch_to_tsquery)
    text: str
    #: the same query as an FTS5 expression over folded text (SQLite)
    fts5: str
    filters: SearchFilters


def _where(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.feed:
        clauses.append("d.feeds LIKE :feed_pattern")
        params["feed_pattern"] = f"%|{filters.feed}|%"
    if filters.province_code and filters.boundary in ("old", "2025"):
        column = "province_code" if filters.boundary == "old" else "province_2025_code"
        clauses.append(f"d.{column} = :province_code")
        params["province_code"] = filters.province_code
    if filters.period_start and filters.period_end:
        clauses.append("d.period_start >= :period_start AND d.period_end <= :period_end")
        params.update(period_start=filters.period_start, period_end=filters.period_end)
    if filters.level:
        clauses.append("d.level = :level")
        params["level"] = filters.level
    if filters.meeting_type:
        clauses.append("d.meeting_type = :meeting_type")
        params["meeting_type"] = filters.meeting_type
    return "".join(f" AND {clause}" for clause in clauses), params


def _candidates(connection: Connection, query: SearchQuery) -> tuple[str, dict[str, Any]]:
    """The newest ``RANK_WINDOW`` matches with their score, as a statement to select from."""
    where, params = _where(query.filters)
    columns = ", ".join(f"d.{name}" for name in RESULT_COLUMNS)
    if connection.dialect.name == "postgresql":
        source = (
            f"report_document d, websearch_to_tsquery('{TS_CONFIG}', danvan_fold(:q)) AS query "
            f"WHERE d.search_vector @@ query{where}"
        )
        score = "ts_rank(d.search_vector, query)"
        params["q"] = query.text
    else:
        source = (
            "report_fts JOIN report_document d ON d.id = report_fts.rowid "
            f"WHERE report_fts MATCH :q{where}"
        )
        score = f"-bm25(report_fts, {BM25_WEIGHTS})"
        params["q"] = query.fts5
    # The score is computed as rows leave the LIMIT, so only for the window's rows when
    # PostgreSQL walks the publication-time index newest first (a common query).
    statement = (
        f"SELECT {columns}, {score} AS score FROM {source} "
        "ORDER BY d.published_at DESC, d.id DESC LIMIT :window"
    )
    return statement, {**params, "window": RANK_WINDOW}


def ranked(
    connection: Connection, query: SearchQuery, *, limit: int, offset: int
) -> list[Row[Any]]:
    """The best matches first (score, then newest), each with ``score`` and ``matched``:
    how many matches the window holds (``RANK_WINDOW`` means at least that many)."""
    candidates, params = _candidates(connection, query)
    columns = ", ".join(f"c.{name}" for name in RESULT_COLUMNS)
    statement = text(
        f"WITH c AS ({candidates}) SELECT {columns}, c.score, count(*) OVER () AS matched "
        "FROM c ORDER BY c.score DESC, c.published_at DESC, c.id DESC "
        "LIMIT :limit OFFSET :offset"
    )
    return list(connection.execute(statement, {**params, "limit": limit, "offset": offset}))


def newest(connection: Connection, query: SearchQuery, *, limit: int) -> list[uuid.UUID]:
    """The newest matches first (the search's feed)."""
    candidates, params = _candidates(connection, query)
    statement = text(f"WITH c AS ({candidates}) SELECT c.report_id FROM c LIMIT :limit")
    rows = connection.execute(statement, {**params, "window": limit, "limit": limit})
    return [as_uuid(value) for (value,) in rows]


def as_uuid(value: object) -> uuid.UUID:
    """A report id read by a raw query (SQLite stores UUIDs as 32 hex digits)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def count(connection: Connection, query: SearchQuery) -> int:
    """Matches in the window (``RANK_WINDOW``: at least that many)."""
    candidates, params = _candidates(connection, query)
    statement = text(f"WITH c AS ({candidates}) SELECT count(*) FROM c")
    return int(connection.execute(statement, params).scalar_one())


def bodies(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(body, people_text) of a page's documents, for their snippets."""
    if not ids:
        return {}
    statement = select(ReportDocument.id, ReportDocument.body, ReportDocument.people_text).where(
        col(ReportDocument.id).in_(list(ids))
    )
    return {row[0]: (row[1], row[2]) for row in connection.execute(statement)}


def stored_items(
    connection: Connection, report_ids: Sequence[uuid.UUID], fmt: str
) -> dict[uuid.UUID, tuple[str, str, str]]:
    """(key, content hash, item in ``fmt``) of the reports' stored items."""
    if not report_ids:
        return {}
    statement = core_select(
        _ITEM.report_id, _ITEM.fragment_base_url, _ITEM.content_hash, _ITEM[fragments.COLUMNS[fmt]]
    ).where(_ITEM.report_id.in_(list(report_ids)))
    return {row[0]: (row[1], row[2], row[3]) for row in connection.execute(statement)}


def national_entries(session: Session, report_ids: Sequence[uuid.UUID]) -> list[FeedEntry]:
    """The reports' entries in the national feed (every published report has one), in
    the order of ``report_ids``."""
    if not report_ids:
        return []
    entries = {
        entry.report_id: entry
        for entry in session.exec(
            select(FeedEntry).where(
                FeedEntry.feed == "national", col(FeedEntry.report_id).in_(list(report_ids))
            )
        )
    }
    return [entries[report_id] for report_id in report_ids if report_id in entries]
