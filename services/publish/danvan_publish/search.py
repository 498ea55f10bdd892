"""Report search: the query language, ranked results with highlighted snippets, and the
search's Atom feed.

The query language is the one of PostgreSQL's ``websearch_to_tsquery``: words must all
occur (in any order), ``"quoted words"`` in that order, ``-word`` must not occur, and
``OR`` between two terms takes either. Accents are optional everywhere: "dan van kheo"
finds "Dân vận khéo" (PostgreSQL through its ``unaccent`` configuration, SQLite through
the folded FTS5 text, see ``search_repository``).

Snippets and highlights are computed here, on the page's few documents, not with
``ts_headline`` / FTS5 ``snippet()``: those do not HTML-escape the text they cut, and
FTS5 would cut its folded copy (without diacritics) rather than the text as written.
Every character of NFC text folds to one character (``documents.search_fold``), so a
match found in the folded text marks the same span of the original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import Connection
from sqlmodel import Session

from danvan_publish import fragments, search_repository
from danvan_publish.documents import search_fold
from danvan_publish.search_repository import SearchFilters, SearchQuery
from danvan_publish.search_schemas import SearchHit, SearchResults
from danvan_shared.http import ProblemError
from danvan_shared.vietnamese import fold

MAX_QUERY_CHARS = 300
SNIPPET_CHARS = 240
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class ParsedQuery:
    #: each group must match: one of its phrases (a phrase is a list of folded words)
    groups: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)

    @property
    def words(self) -> set[str]:
        return {word for group in self.groups for phrase in group for word in phrase}


def parse(text: str) -> ParsedQuery:
    """The query's terms, folded; a 422 when it names nothing to look for."""
    if len(text) > MAX_QUERY_CHARS:
        raise ProblemError(422, f"A search is at most {MAX_QUERY_CHARS} characters.")
    refuse_control_characters(text)
    groups: list[list[list[str]]] = []
    excluded: list[list[str]] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            join_next = bool(groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        phrase = _WORD.findall(fold(quoted if quoted is not None else bare or ""))
        if not phrase:
            continue
        if negated:
            excluded.append(phrase)
        elif join_next:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        join_next = False
    if not groups:
        raise ProblemError(
            422, "The search names no word to look for (accents and case do not matter)."
        )
    return ParsedQuery(groups, excluded)


def refuse_control_characters(text: str) -> None:
    """A 422 for text no feed title, database string or UTF-8 can carry (NUL, controls,
    lone surrogates)."""
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise ProblemError(422, "The search contains control characters.")


def fts5_expression(parsed: ParsedQuery) -> str:
    """The query for SQLite FTS5: every token quoted, so nothing in it is syntax."""

    def phrase(words: list[str]) -> str:
        return '"' + " ".join(words) + '"'

    expression = " AND ".join(
        "(" + " OR ".join(phrase(words) for words in group) + ")" for group in parsed.groups
    )
    return expression + "".join(f" NOT {phrase(words)}" for words in parsed.excluded)


def build_query(text: str, filters: SearchFilters) -> tuple[SearchQuery, ParsedQuery]:
    parsed = parse(text)
    return SearchQuery(text=text, fts5=fts5_expression(parsed), filters=filters), parsed


def _matches(text: str, words: set[str]) -> list[tuple[int, int]]:
    if not words:
        return []
    pattern = _word_pattern(frozenset(words))
    return [match.span() for match in pattern.finditer(search_fold(text))]


@lru_cache(maxsize=256)
def _word_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")


def highlight(text: str, words: set[str]) -> Markup:
    """The text, escaped, with each occurrence of a query word in ``<mark>``."""
    parts: list[Markup] = []
    at = 0
    for start, end in _matches(text, words):
        parts.append(escape(text[at:start]))
        parts.append(Markup("<mark>{}</mark>").format(text[start:end]))
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def snippet(text: str, words: set[str], width: int = SNIPPET_CHARS) -> Markup:
    """The ``width`` characters of ``text`` with the most matches, highlighted; the
    start of the text when nothing matches (the match was in the title or a name)."""
    text = unicodedata.normalize("NFC", text)
    spans = _matches(text, words)
    start = 0
    if spans:
        best = 0
        for index, (first, _end) in enumerate(spans):
            inside = sum(1 for other, _ in spans[index:] if other < first + width)
            if inside > best:
                best, start = inside, first
        start = max(0, start - width // 4)
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start > 0 else 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    shown = highlight(text[start:end], words)
    prefix = Markup("… ") if start > 0 else Markup("")
    suffix = Markup(" …") if end < len(text) else Markup("")
    return prefix + shown + suffix


def results(
    connection: Connection,
    query: SearchQuery,
    parsed: ParsedQuery,
    *,
    base_url: str,
    limit: int,
    offset: int,
    page_url: Callable[[int], str],
    feed_url: str,
) -> SearchResults:
    """A page of ranked results with their highlighted title and snippet."""
    rows = search_repository.ranked(connection, query, limit=limit + 1, offset=offset)
    more, rows = len(rows) > limit, rows[:limit]
    matched = int(rows[0].matched) if rows else search_repository.count(connection, query)
    texts = search_repository.bodies(connection, [row.id for row in rows])
    words = parsed.words
    hits = []
    for row in rows:
        body, people = texts.get(row.id, ("", ""))
        passage = body if _matches(body, words) else (people if _matches(people, words) else "")
        report_id = search_repository.as_uuid(row.report_id)
        hits.append(
            SearchHit(
                report_id=str(report_id),
                report_url=f"{base_url}/reports/{report_id}",
                title=row.title,
                title_html=str(highlight(row.title, words)),
                snippet_html=str(snippet(passage or row.summary, words)),
                score=round(float(row.score), 6),
                unit_name=row.unit_name,
                level=row.level,
                meeting_type=row.meeting_type,
                period_key=row.period_key,
                event_date=_day(row.event_date),
                published_at=_moment(row.published_at),
                source_url=row.source_url,
                source_name=row.source_name,
                feeds=feed_list(row.feeds),
            )
        )
    return SearchResults(
        query=query.text,
        total=matched,
        total_exact=matched < search_repository.RANK_WINDOW,
        offset=offset,
        limit=limit,
        results=hits,
        next=page_url(offset + limit) if more else None,
        feed=feed_url,
    )


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: datetime | str) -> datetime:
    """A timestamp read by a raw query (SQLite returns text, without a zone)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_items(session: Session, query: SearchQuery, base_url: str, limit: int) -> list[str]:
    """The newest matches as Atom entries: the ones the national feed carries."""
    report_ids = search_repository.newest(session.connection(), query, limit=limit)
    entries = search_repository.national_entries(session, report_ids)
    stored = search_repository.stored_items(
        session.connection(), [entry.report_id for entry in entries], "atom"
    )
    items = []
    for entry in entries:
        item_key, item_hash, item = stored.get(entry.report_id, (None, None, None))
        if item is not None and fragments.is_current(
            item_key, item_hash, entry.content_hash, base_url
        ):
            items.append(
                fragments.fill("atom", item, entry.feed, entry.province_name, entry.updated_at)
            )
        else:
            items.append(fragments.RENDER["atom"](fragments.feed_item(entry, base_url)))
    return items


def feed_list(feeds: str) -> list[str]:
    return [feed for feed in feeds.split("|") if feed]
