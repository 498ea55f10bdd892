"""``extract_report``: one report in, one ``Extraction`` out; pure, total and linear.

The steps read the same prepared text (see ``text.py``): find the sentence that announces
the meeting, judge relevance, read the holder, periods and date from it (falling back to
the headline, the URL slug and the page date), then collect people, organisations,
campaigns, documents and figures from the whole article (``assemble.py``).

Each document is split into sentences and scanned for periods once; the lead, the
candidate sentences' scores and the body's periods are shared by the steps that need them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from danvan_shared.extraction_schema import Extraction, ExtractionWarning

from . import places
from .assemble import entity_fields, holder_fields, people_models, period_model, spans_of
from .dates import find_page_date, find_url_date, find_url_years
from .events import event_key
from .periods import FoundPeriod, find_periods, periods_within
from .relevance import REVIEW, judge
from .resolve import TextView, resolve
from .sentences import Sentence, score_event_sentence, split_sentences
from .text import MAX_TEXT_CHARS, PreparedText, html_to_article, prepare_text
from .timing import (
    EventDate,
    fill_period_year,
    periods_in_view,
    pick_event_date,
    resolve_event_date,
)

EXTRACTOR_VERSION = "2026.11.3"
ANALYSIS_LIMIT = 60_000  # characters of article read for entities (reports are 2–10 KB)
LEAD_CHARS = 1500  # the headline and lead paragraph: where the meeting is announced
LEAD_SENTENCES = 8
_MEETING_TYPES = {"so ket": "so_ket", "tong ket": "tong_ket", "giao ban": "giao_ban"}
# The folded body, its periods (one scan) and where that scan ended.
BodyPeriods = tuple[str, list[FoundPeriod], int]
_NOTES = {
    "html_simplified": "page too large for article detection: its tags were stripped instead",
    "input_truncated": "page too large: only its beginning was read",
}
_NAMED_MEETING = re.compile(
    r"(?:hoi nghi|cuoc hop|buoi hop)\s+(?:[a-z ]{0,25}?)(so ket|tong ket|giao ban)"
)


def extract_report(
    body: str,
    *,
    content_type: str = "text/plain",
    url: str | None = None,
    title: str | None = None,
    published_at: datetime | None = None,
    host_provinces: Mapping[str, str] | None = None,
) -> Extraction:
    """Everything the rules conclude about one report. Never raises.

    ``host_provinces`` extends the built-in table of outlets whose host does not spell
    their province (``{"sggp": "Hồ Chí Minh"}``: host label → province name).
    """
    try:
        return _extract(body, content_type, url, title, published_at, host_provinces)
    except Exception as error:  # a bug must not stop a batch: report it in the result
        return Extraction(
            relevant=False,
            relevance_confidence=0.0,
            extractor_version=EXTRACTOR_VERSION,
            warnings=[
                ExtractionWarning(
                    code="extractor_error", message=f"{type(error).__name__}: {error}"[:300]
                )
            ],
        )


def _view(prepared: PreparedText, start: int, end: int, kind: str, in_body: bool) -> TextView:
    return TextView(prepared.norm, prepared.folded, start, end, kind, in_body)


def _title_view(prepared: PreparedText, title: str | None) -> TextView | None:
    if title:
        external = prepare_text(title[:1000])
        folded_title = external.folded.strip()
        if folded_title:
            index = prepared.folded.find(folded_title[:80], 0, 3000)
            if index >= 0:
                return _view(prepared, index, index + len(folded_title[:80]), "title", True)
            return _view(external, 0, len(external.norm), "title", False)
    if prepared.lines:
        start, end = prepared.lines[0]
        line = prepared.norm[start:end].strip()
        if 15 <= len(line) <= 220 and not line.endswith((".", ":")):
            return _view(prepared, start, end, "title", True)
    return None


def _lead(prepared: PreparedText, sentences: list[Sentence]) -> list[Sentence]:
    """The first sentences of the content (those in its first ``LEAD_CHARS`` characters)."""
    norm = prepared.norm
    lead: list[Sentence] = []
    for sentence in sentences:
        if sentence.start >= LEAD_CHARS or len(lead) >= LEAD_SENTENCES:
            break
        end = min(sentence.end, LEAD_CHARS)
        while end > sentence.start and norm[end - 1].isspace():
            end -= 1
        if end - sentence.start >= 12:
            lead.append(Sentence(sentence.start, end, "body"))
    return lead


def _read_input(
    body: str, content_type: str, url: str | None, warnings: list[ExtractionWarning]
) -> tuple[str, str | None, str | None, datetime | None]:
    """(text, article_text, page_title, meta_date) of a submitted body, size-capped."""
    article_text: str | None = None
    page_title: str | None = None
    meta_date: datetime | None = None
    if "html" in (content_type or "").lower():
        text, page_title, date_text, notes = html_to_article(body, url)
        for code in notes:
            warnings.append(ExtractionWarning(code=code, message=_NOTES[code]))
        if date_text:
            try:
                meta_date = datetime.fromisoformat(date_text[:19])
            except ValueError:
                meta_date = None
    else:
        text = body
    if len(text) > MAX_TEXT_CHARS:
        if not any(w.code == "input_truncated" for w in warnings):
            warnings.append(
                ExtractionWarning(
                    code="input_truncated",
                    message=f"text of {len(text):,} characters read up to {MAX_TEXT_CHARS:,}",
                )
            )
        text = text[:MAX_TEXT_CHARS]
    if "html" in (content_type or "").lower():
        article_text = text
    return text, article_text, page_title, meta_date


def _extract(
    body: str,
    content_type: str,
    url: str | None,
    title: str | None,
    published_at: datetime | None,
    host_provinces: Mapping[str, str] | None,
) -> Extraction:
    body = body if isinstance(body, str) else str(body or "")
    warnings: list[ExtractionWarning] = []
    text, article_text, page_title, meta_date = _read_input(body, content_type, url, warnings)
    prepared = prepare_text(text)

    page = find_page_date(prepared.folded, prepared.lines)
    published = published_at or (page[0] if page else None) or meta_date
    url_places = places.read_url(url, host_provinces)
    slug_prepared = prepare_text(url_places.slug_text)
    slug_view = _view(slug_prepared, 0, len(slug_prepared.norm), "url", False)
    title_view = _title_view(prepared, title or page_title)

    full_end = min(len(prepared.norm), ANALYSIS_LIMIT)
    sentences = split_sentences(prepared, 0, full_end)
    body_periods = find_periods(prepared.folded, 0, full_end)
    lead_views = [_view(prepared, s.start, s.end, "body", True) for s in _lead(prepared, sentences)]
    candidates = [
        v
        for v in lead_views
        if not (title_view and title_view.in_body and v.start == title_view.start)
    ]
    scores = [score_event_sentence(v.folded[v.start : v.end]) for v in candidates]
    scored = sorted(
        (
            (score - 0.2 * i, i, v)
            for i, (score, v) in enumerate(zip(scores, candidates, strict=True))
        ),
        key=lambda item: (-item[0], item[1]),
    )
    event_view = scored[0][2] if scored and scored[0][0] >= 4 else None
    ordered: list[TextView] = []
    for view in (event_view, title_view, *candidates, slug_view):
        if view is not None and view not in ordered:
            ordered.append(view)
    primary = ordered[0] if ordered else slug_view
    if (
        event_view is None
        and title_view is not None
        and REVIEW.search(title_view.folded, title_view.start, title_view.end)
    ):
        primary = title_view
    elif event_view is None and REVIEW.search(slug_view.folded):
        primary = slug_view

    full = _view(prepared, 0, full_end, "body", True)
    lead_text = " ".join(v.folded[v.start : v.end] for v in ordered[:3] if v.kind != "url")
    verdict = judge(
        prepared.folded[:full_end],
        primary.folded[primary.start : primary.end],
        lead_text,
        slug_view.folded,
    )

    meeting_type = _meeting_type([primary, *ordered])
    holder_views = [primary] + [
        v for v in (title_view, slug_view) if v is not None and v is not primary
    ]
    holder_views += [
        v for v, score in zip(candidates, scores, strict=True) if v is not primary and score >= 3
    ]
    holder = resolve(holder_views, full, url_places)
    anchor = published
    url_date = find_url_date(url)
    url_years = find_url_years(url)
    if anchor is None and url_date:
        anchor = datetime(url_date[0], url_date[1], 28)
    elif anchor is None and url_years:
        anchor = datetime(url_years[0], 12, 31)
    reviewed, planned, inferred_period = _periods(
        primary, ordered, (prepared.folded, body_periods, full_end), anchor
    )

    date_ranges = [(primary.start, primary.end)] if primary.in_body else []
    date_ranges += [(v.start, v.end) for v in lead_views[:4] if v is not primary]
    if page:  # the page's own date line is not the meeting's date
        date_ranges = [r for r in date_ranges if not (r[0] <= page[1] < r[1])]
    found_date = pick_event_date(prepared.folded, date_ranges)
    event = resolve_event_date(found_date, published, reviewed) if found_date else None
    if reviewed and reviewed.year is None and event and not event.year_inferred:
        fill_period_year(reviewed, planned, [], None, int(event.value[:4]))
    if event is None and found_date is None and url_date and verdict.relevant and not page:
        # Only the URL dates the report (a publication date): the month, flagged inferred.
        month_value = f"{url_date[0]:04d}-{url_date[1]:02d}-??"
        event = EventDate(month_value, True, None, 0, 0)
        event_from_url = True
    else:
        event_from_url = False
    if event and event.warning:
        warnings.append(
            ExtractionWarning(
                code="event_date_inconsistent",
                message=event.warning,
                spans=spans_of(prepared, [(event.start, event.end)]),
            )
        )

    period = period_model(reviewed, prepared, primary, inferred_period)
    data: dict[str, Any] = {
        "relevant": verdict.relevant,
        "relevance_confidence": verdict.confidence,
        "extractor_version": EXTRACTOR_VERSION,
        "article_text": article_text,
        "title": (
            title
            or page_title
            or (title_view.norm[title_view.start : title_view.end].strip() if title_view else None)
        ),
        "published_at": None if published_at else published,
        "meeting_type": meeting_type if verdict.relevant else None,
        **holder_fields(holder, prepared),
        "period": period,
        "next_period": period_model(planned, prepared, primary, False),
        "people": people_models(prepared, sentences),
        **entity_fields(prepared, full_end, body_periods),
        "warnings": warnings,
    }
    if event:
        data["event_date"] = event.value
        data["event_date_detail"] = {
            "value": event.value,
            "year_inferred": event.year_inferred,
            "part_of_day": event.part_of_day,
            "text": prepared.norm[event.start : event.end],
            "spans": [] if event_from_url else spans_of(prepared, [(event.start, event.end)]),
            "confidence": 0.3 if event_from_url else 0.6 if event.year_inferred else 0.85,
        }
    if verdict.relevant:
        unit = data.get("unit")
        data["event_key"] = event_key(
            level=holder.level,
            province_code=holder.province_code,
            unit_name=unit["name"] if unit else None,
            meeting_type=data["meeting_type"],
            period_key=period["key"] if period else None,
            event_date=data.get("event_date"),
        )
    return Extraction.model_validate(data)


def _meeting_type(views: list[TextView]) -> str | None:
    for view in views:
        match = REVIEW.search(view.folded, view.start, view.end)
        if match:
            named = _NAMED_MEETING.search(view.folded, view.start, view.end)
            return _MEETING_TYPES[named.group(1) if named else match.group(1)]
    return None


def _known_periods(view: TextView, body_periods: BodyPeriods) -> list[FoundPeriod] | None:
    """The periods of a view of the article body, from the one scan of the whole body."""
    folded, periods, end = body_periods
    if view.folded is not folded or view.end > end:
        return None
    return periods_within(periods, folded, view.start, view.end)


def _periods(
    primary: TextView,
    ordered: list[TextView],
    body_periods: BodyPeriods,
    published: datetime | None,
) -> tuple[FoundPeriod | None, FoundPeriod | None, bool]:
    reviewed = planned = None
    for view in [primary, *ordered]:
        reviewed, planned = periods_in_view(
            view.folded, view.start, view.end, _known_periods(view, body_periods)
        )
        if reviewed:
            break
    if reviewed is None:
        reviewed = replace(body_periods[1][0]) if body_periods[1] else None
    if reviewed is None:
        return None, planned, False
    elsewhere: list[FoundPeriod] = []
    if reviewed.year is None:  # only then is a same-kind mention elsewhere needed
        for view in ordered:
            found = _known_periods(view, body_periods)
            elsewhere += find_periods(view.folded, view.start, view.end) if found is None else found
        elsewhere += body_periods[1]
    inferred = fill_period_year(reviewed, planned, elsewhere, published, None)
    if planned is not None and planned.year is None and reviewed.year is not None:
        planned.year = reviewed.year + (
            1
            if planned.kind == "FY"
            or (reviewed.kind in ("FY", "Q4", "H2") and planned.kind in ("Q1", "H1"))
            else 0
        )
    return reviewed, planned, inferred
