"""Keep reports' search documents and person mentions in step with their feed entries.

Called by ``indexer.index_reports`` in the transaction that writes the entries: a
report with feed entries has one ``ReportDocument`` (search, coverage, exports) and
one ``PersonMention`` per person named; a report without entries has neither. The
shared fields come from the feed entry just written, so the document always says
what the feeds say.

On SQLite the diacritic-free text for FTS5 is written here too (``report_fts``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from danvan_publish import documents_repository, index_repository, provinces
from danvan_publish.entries import report_text
from danvan_publish.index_repository import EntryRow
from danvan_publish.sanitize import plain_text
from danvan_shared.db import session_scope
from danvan_shared.extraction_schema import Extraction
from danvan_shared.models import Report
from danvan_shared.vietnamese import fold, match_key, strip_diacritics

logger = logging.getLogger("danvan.publish.documents")

#: the part of a report's text that is searched and shown in snippets
BODY_CHARS = 20_000
_NOT_NAME = re.compile(r"[^0-9a-z]+")

# The tier a title names, tried most local first (the words keep their diacritics:
# folded, "quận" would be "quan" as in "cơ quan", "phường" "phuong" as in "địa phương").
_TIERS = (
    ("commune", re.compile(r"\b(xã(?! hội)|phường|thị trấn|đặc khu)\b")),
    ("district", re.compile(r"\b(huyện|quận|thị xã|thị ủy|huyện ủy|quận ủy)\b")),
    ("province", re.compile(r"\b(tỉnh|tỉnh ủy|thành ủy|thành phố)\b")),
    ("central", re.compile(r"\b(trung ương|bộ chính trị|ban bí thư|quốc hội|chính phủ)\b")),
)


def name_key(name: str) -> str:
    """A person's name as a matching key: 'Hà Đức Tập' → 'ha duc tap'."""
    return _NOT_NAME.sub(" ", fold(name)).strip()


def title_tier(titles: list[str], level: str | None) -> str | None:
    """The tier of government a person's (first) title names, or None without a title.

    "Thành ủy" and "thành phố" name a province-level city or a district-level one; the
    report's own level decides between them."""
    if not titles:
        return None
    title = match_key(titles[0])
    for tier, pattern in _TIERS:
        found = pattern.search(title)
        if found is None:
            continue
        if found.group(1) in ("thành ủy", "thành phố") and level == "district":
            return "district"
        return tier
    return None


def _fold_char(char: str) -> str:
    return (strip_diacritics(char).lower() or char)[:1]


# Latin letters with marks (Latin-1 to Latin Extended-B, and Latin Extended Additional,
# where Vietnamese's precomposed letters are)
_FOLD_TABLE = {
    code: _fold_char(chr(code))
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
    if _fold_char(chr(code)) != chr(code)
}


def search_fold(text: str) -> str:
    """Lower case without diacritics (đ → d), one character per character of NFC text."""
    text = unicodedata.normalize("NFC", text)
    folded = text.translate(_FOLD_TABLE).lower()
    if len(folded) == len(text):
        return folded
    return "".join(_fold_char(char) for char in text)  # a letter whose lower case is longer


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def document_values(
    report: Report, extraction: Extraction, entry: EntryRow, feeds: list[str]
) -> dict[str, Any]:
    """Every column of the report's document but identity and timestamps."""
    people = [
        f"{plain_text(p.name)}, {', '.join(plain_text(t) for t in p.titles)}".rstrip(", ")
        for p in extraction.people
    ]
    province = extraction.province
    new_province = extraction.province_2025
    new_code = new_province.code if new_province else None
    if new_code is None and province is not None:
        scope = provinces.new_scope_for_old_code(province.code)
        new_code = scope.code if scope else None
    unit = extraction.unit
    values: dict[str, Any] = {
        "title": entry.title,
        "summary": entry.summary,
        "body": unicodedata.normalize("NFC", plain_text(report_text(report, extraction)))[
            :BODY_CHARS
        ],
        "people_text": "\n".join(people),
        "unit_name": entry.unit_name,
        "unit_code": unit.code if unit else None,
        "unit_kind": unit.kind if unit else None,
        "level": entry.level,
        "meeting_type": entry.meeting_type,
        "province_code": province.code if province else None,
        "province_2025_code": new_code,
        "feeds": "".join(f"|{feed}" for feed in sorted(feeds)) + "|",
        "period_key": entry.period_key,
        "period_kind": entry.period_kind,
        "period_start": entry.period_start,
        "period_end": entry.period_end,
        "event_date": entry.event_date,
        "event_key": entry.event_key,
        "published_at": _aware(entry.published_at),
        "source_url": entry.source_url,
        "source_name": entry.source_name,
        "extractor_version": entry.extractor_version,
    }
    values["content_hash"] = hashlib.sha256(
        json.dumps(
            {**values, "people": [p.model_dump(mode="json") for p in extraction.people]},
            default=str,
            sort_keys=True,
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    return values


def mentions(
    report_id: uuid.UUID, extraction: Extraction, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The ``person_mention`` rows of a report (every column but the id): one per
    distinct person named (the same name twice is one person). Plain rows, not
    ``PersonMention`` objects: building a SQLModel table object cost ~0.15 ms each."""
    found: dict[str, dict[str, Any]] = {}
    for person in extraction.people:
        name = plain_text(person.name, limit=200)
        key = name_key(name)
        if not key:
            continue
        titles = [plain_text(title, limit=300) for title in person.titles if title.strip()]
        tier = title_tier(titles, values["level"])
        mention = found.get(key)
        if mention is not None:  # named twice: keep every title and role
            mention["titles"] = list(dict.fromkeys([*mention["titles"], *titles]))
            roles = {*mention["roles"].strip("|").split("|"), *person.roles} - {""}
            mention["roles"] = "|" + "|".join(sorted(roles)) + "|"
            mention["tier"] = mention["tier"] or tier
            continue
        own_unit = bool(tier) and tier == values["level"]
        found[key] = {
            "report_id": report_id,
            "name": name,
            "name_key": key[:200],
            "titles": titles,
            "roles": "|" + "|".join(sorted(set(person.roles))) + "|" if person.roles else "",
            "tier": tier,
            "province_code": values["province_code"],
            "province_2025_code": values["province_2025_code"],
            "unit_code": values["unit_code"] if own_unit else None,
            "unit_name": values["unit_name"] if own_unit else None,
            "level": values["level"],
            "period_key": values["period_key"],
            "event_date": values["event_date"],
            "published_at": values["published_at"],
        }
    return list(found.values())


@dataclass(frozen=True)
class Published:
    """A report with feed entries, and what its document is made of."""

    report: Report
    extraction: Extraction
    #: every entry of the report, as stored
    entries: list[EntryRow]


def sync(
    session: Session,
    published: Mapping[uuid.UUID, Published],
    report_ids: Collection[uuid.UUID],
    now: datetime | None = None,
) -> None:
    """Make the documents and mentions of ``report_ids`` match (idempotent): one for
    each report in ``published``, none for the others. A handful of statements for the
    whole batch; a document whose content is unchanged is not written."""
    now = now or datetime.now(UTC)
    existing = documents_repository.stored_documents(session, report_ids)
    changes = documents_repository.DocumentChanges(
        deleted=[found for report_id, found in existing.items() if report_id not in published]
    )
    for_fts5 = documents_repository.keeps_folded_text(session)
    for report_id, item in published.items():
        entries = item.entries
        values = document_values(
            item.report, item.extraction, entries[0], [e.feed for e in entries]
        )
        found = existing.get(report_id)
        if found is not None and found.content_hash == values["content_hash"]:
            continue
        if found is None:
            changes.inserted.append(
                {"report_id": report_id, **values, "created_at": now, "updated_at": now}
            )
        else:
            changes.updated.append((found, {**values, "updated_at": now}))
        if for_fts5:
            changes.folded[report_id] = {
                "title": search_fold(values["title"]),
                "people": search_fold(f"{values['unit_name'] or ''}\n{values['people_text']}"),
                "summary": search_fold(values["summary"]),
                "body": search_fold(values["body"]),
            }
        changes.mentions.extend(mentions(report_id, item.extraction, values))
    documents_repository.write(session, changes)


def sync_stored(
    session: Session, report_ids: Collection[uuid.UUID], now: datetime | None = None
) -> None:
    """``sync`` for reports as stored: their current extractions and feed entries."""
    loaded = index_repository.reports_and_extractions(session, report_ids)
    entries: dict[uuid.UUID, list[EntryRow]] = defaultdict(list)
    for entry in index_repository.entries_of_reports(session, report_ids):
        entries[entry.report_id].append(entry)
    published: dict[uuid.UUID, Published] = {}
    for report_id, (report, row) in loaded.items():
        if not entries[report_id] or row is None:
            continue
        try:
            extraction = Extraction.model_validate_json(row.data_json)
        except ValidationError:
            continue
        published[report_id] = Published(report, extraction, entries[report_id])
    sync(session, published, report_ids, now)


def backfill(batch: int = 200) -> int:
    """Write the documents of reports indexed before there were documents (migration
    0008); run by the publish worker at start. Returns how many were written."""
    done = 0
    while True:
        with session_scope() as session:
            report_ids = documents_repository.reports_without_document(session, batch)
            sync_stored(session, report_ids)
        done += len(report_ids)
        if len(report_ids) < batch:
            return done
