"""Turn one report's current extraction into its feed entries (pure functions).

``indexer.index_report`` loads the rows and hands them to ``entries_for_report``;
what it returns is the complete desired state of the report's entries, which the
indexer then writes idempotently. The report page reads ``report_text`` too.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from markupsafe import escape

from danvan_publish import labels, provinces
from danvan_publish.sanitize import clean_html, plain_text, safe_url
from danvan_shared.extraction_schema import (
    Extraction,
    Period,
    is_period_key,
    period_bounds_for_key,
)
from danvan_shared.models import Report
from danvan_shared.timestamps import plausible_published_at
from danvan_shared.vietnamese import slugify

logger = logging.getLogger("danvan.publish")
VIETNAM_TZ = timezone(timedelta(hours=7))
EXCERPT_CHARS = 500


@dataclass
class EntryValues:
    """Every column of a ``FeedEntry`` except the identity and timestamps."""

    feed: str
    boundary: str
    province_code: str | None
    province_name: str | None
    values: dict[str, Any] = field(default_factory=dict)

    def as_columns(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "boundary": self.boundary,
            "province_code": self.province_code,
            "province_name": self.province_name,
            **self.values,
        }


def report_text(report: Report, extraction: Extraction) -> str:
    """The text the extraction's spans point into."""
    if report.content_type == "text/html":
        return extraction.article_text or ""
    return report.body


def _aware(value: datetime) -> datetime:
    # Vietnamese sources print local time; a naive value is read as UTC+7.
    return value if value.tzinfo else value.replace(tzinfo=VIETNAM_TZ)


def published_time(report: Report, extraction: Extraction) -> datetime:
    """What orders the feeds: the submitted publication time, else the one the extractor
    read, else the arrival. A time stored before ingest checked it, or read from the
    text, that is out of range or in the future is skipped (and logged), so no report
    is pinned at the top of a feed (``danvan_shared.timestamps``)."""
    received = _aware(report.received_at).astimezone(UTC)
    for source, value in (
        ("submitted", report.published_at),
        ("extracted", extraction.published_at),
    ):
        if value is None:
            continue
        if plausible_published_at(_aware(value), received):
            return _aware(value).astimezone(UTC)
        logger.warning(
            "report %s: %s published_at %s is not plausible; it is not used to order the feeds",
            report.id,
            source,
            value.isoformat(),
        )
    return received


def feed_period(extraction: Extraction) -> Period | None:
    """The extraction's period if its key is a canonical period key, else None.

    A key publish cannot serve ("?-Q3", "10Y" from a yearless period, or any other
    spelling) must never be listed or linked, so such a report is indexed as one of
    unknown period: on its province's timeline, in no period feed."""
    period = extraction.period
    return period if period is not None and is_period_key(period.key) else None


def _event_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:  # "2022-08-??": the day is unknown
        return None


def _scopes(extraction: Extraction) -> list[provinces.FeedScope]:
    national = provinces.scope(provinces.NATIONAL)
    assert national is not None
    if extraction.level == "central":
        return [national]
    scopes: list[provinces.FeedScope] = []
    old = None
    if extraction.province:
        old = provinces.scope(extraction.province.slug) or provinces.old_scope_by_code(
            extraction.province.code
        )
    if old and old.boundary == "old":
        scopes.append(old)
    new = provinces.scope(extraction.province_2025.slug) if extraction.province_2025 else None
    if new is None and old is not None and old.code:
        new = provinces.new_scope_for_old_code(old.code)
    if new and new.boundary == "2025":
        scopes.append(new)
    return [*scopes, national]


def _who(extraction: Extraction) -> str:
    unit = extraction.unit
    if unit is None:
        return plain_text(extraction.province.name) if extraction.province else "Một đơn vị"
    name = plain_text(unit.name)
    body = plain_text(unit.body)
    if body and body.lower() not in name.lower():
        name = f"{body} {name}"
    return name


def summary_sentence(extraction: Extraction) -> str:
    """Who met, when, about what period, chaired by whom — one Vietnamese paragraph."""
    who = _who(extraction)
    if extraction.province and extraction.level != "province":
        province_name = plain_text(extraction.province.name)
        if province_name.lower() not in who.lower():
            who = f"{who} ({province_name})"
    period = feed_period(extraction)
    what = labels.meeting_label(extraction.meeting_type).lower()
    sentence = f"{who} tổ chức hội nghị {what} công tác dân vận"
    if period:
        sentence += " " + labels.period_label(period.key, period.kind)
    next_period = extraction.next_period
    if next_period and is_period_key(next_period.key):
        sentence += ", triển khai nhiệm vụ " + labels.period_label(
            next_period.key, next_period.kind
        )
    when = _event_date(extraction.event_date)
    if when:
        sentence = f"Ngày {labels.date_label(when)}, {sentence}"
    sentence += "."
    chairs = [_person(person.name, person.titles) for person in extraction.chairs()]
    if chairs:
        sentence += f" Đồng chí {', đồng chí '.join(chairs)} chủ trì hội nghị."
    return sentence


def _person(name: str, titles: list[str]) -> str:
    shown = plain_text(name)
    if titles:
        shown += ", " + plain_text(titles[0])
    return shown


def _title(extraction: Extraction, report: Report) -> str:
    if extraction.meeting_type in ("so_ket", "tong_ket", "giao_ban"):
        period = feed_period(extraction)
        title = f"{labels.meeting_label(extraction.meeting_type)} công tác dân vận"
        if period:
            title += " " + labels.period_label(period.key, period.kind)
        return f"{title} – {_who(extraction)}"
    return plain_text(report.title or extraction.title, limit=200) or _who(extraction)


def _content_html(
    extraction: Extraction,
    report: Report,
    summary: str,
    campaigns: list[dict[str, Any]],
    documents: list[dict[str, Any]],
    source_url: str | None,
) -> str:
    # Each value escaped into an f-string: ``Markup.format`` runs Python's string
    # formatter, a fifth of the cost of indexing a report's entries.
    parts = [f"<p>{escape(summary)}</p>"]
    facts = [
        ("Cấp", labels.level_label(extraction.level)),
        ("Loại hội nghị", labels.meeting_label(extraction.meeting_type)),
    ]
    if campaigns:
        facts.append(("Phong trào, mô hình", "; ".join(c["name"] for c in campaigns)))
    if documents:
        facts.append(("Văn bản được nêu", "; ".join(d["text"] for d in documents)))
    items = "".join(
        f"<li><strong>{escape(name)}:</strong> {escape(value)}</li>" for name, value in facts
    )
    parts.append(f"<ul>{items}</ul>")
    excerpt = plain_text(report_text(report, extraction), limit=EXCERPT_CHARS)
    if excerpt:
        parts.append(f"<blockquote>{escape(excerpt)}</blockquote>")
    if source_url:
        source_name = plain_text(report.source_name) or source_url
        parts.append(f'<p>Nguồn: <a href="{escape(source_url)}">{escape(source_name)}</a></p>')
    return clean_html("".join(parts))


def entries_for_report(report: Report, extraction: Extraction) -> list[EntryValues]:
    """The entries a relevant extraction yields; an empty list for anything else."""
    if not extraction.relevant:
        return []
    period = feed_period(extraction)
    if extraction.period and extraction.period.key and period is None:
        logger.warning(
            "report %s: period key %r is not a canonical key; indexed without a period",
            report.id,
            extraction.period.key,
        )
    # The key's own bounds, not the extractor's dates: an entry is always in the feed its
    # key names (a term that began in October is still in the "2021-2025" feed).
    bounds = period_bounds_for_key(period.key) if period and period.key else None
    start, end = bounds or (None, None)
    campaigns: dict[str, dict[str, Any]] = {}
    for campaign in extraction.campaigns:
        name = plain_text(campaign.name, limit=200)
        if slug := slugify(name):
            campaigns.setdefault(slug, {"name": name, "slug": slug, "kind": campaign.kind})
    documents: dict[str, dict[str, Any]] = {}
    for document in extraction.documents:
        text = plain_text(document.text or document.number, limit=200)
        if text:
            documents.setdefault(text, {"text": text, "kind": plain_text(document.kind)})
    source_url = safe_url(report.source_url)
    summary = summary_sentence(extraction)
    published = published_time(report, extraction)
    shown: dict[str, Any] = {
        "period_key": period.key if period else None,
        "period_kind": str(period.kind) if period else None,
        "period_start": start,
        "period_end": end,
        "period_year": end.year if end else None,
        "level": extraction.level,
        "meeting_type": extraction.meeting_type,
        "campaign_slugs": "".join(f"|{slug}" for slug in campaigns) + ("|" if campaigns else ""),
        "event_key": plain_text(extraction.event_key, limit=200) or None,
        "title": plain_text(_title(extraction, report), limit=300),
        "summary": summary,
        "content_html": _content_html(
            extraction,
            report,
            summary,
            list(campaigns.values()),
            list(documents.values()),
            source_url,
        ),
        "unit_name": _who(extraction),
        "source_url": source_url,
        "source_name": plain_text(report.source_name, limit=200) or None,
        "chairs": [
            {"name": plain_text(p.name), "titles": [plain_text(t) for t in p.titles]}
            for p in extraction.chairs()
        ],
        "campaigns": list(campaigns.values()),
        "documents": list(documents.values()),
        "event_date": _event_date(extraction.event_date),
        "published_at": published,
        "sort_at": published,
        "extractor_version": extraction.extractor_version,
    }
    digest = hashlib.sha256(
        json.dumps(shown, default=str, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    shown["content_hash"] = digest
    return [
        EntryValues(
            feed=scope.slug,
            boundary=scope.boundary,
            province_code=scope.code,
            province_name=None if scope.slug == provinces.NATIONAL else scope.name,
            values=dict(shown),
        )
        for scope in _scopes(extraction)
    ]
