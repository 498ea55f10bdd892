"""``extract_report``: one report in, one ``Extraction`` out; pure, total and linear.

The steps read the same prepared text (see ``text.py``): find the sentence that announces
the meeting, judge relevance, read the holder, periods and date from it (falling back to
the headline, the URL slug and the page date), then collect people, organisations,
campaigns, documents and figures from the whole article (``assemble.py``).

Each document is split into sentences and scanned for periods once; the lead, the
candidate sentences' scores and the body's periods are shared by the steps that need them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from danvan_shared.extraction_schema import Extraction, ExtractionWarning

from . import tuning, urls
from .assemble import (
    entity_fields,
    evidence_models,
    holder_evidence,
    holder_fields,
    people_models,
    period_evidence,
    period_model,
    spans_of,
)
from .dates import find_page_date, find_url_date, find_url_years
from .decide import event_score, judge, primary_view, read_frames
from .decide import meeting_type as decide_meeting_type
from .events import event_key
from .evidence import Evidence
from .holder import choose_holder, guest_ranges
from .layers import apply_layer, new_province_in_text
from .lexicon import TextScan
from .periods import find_periods
from .sentences import Sentence, split_sentences
from .text import MAX_TEXT_CHARS, PreparedText, html_to_article, prepare_text
from .timing import (
    EventDate,
    fill_period_year,
    pick_event_date,
    relative_event_date,
    resolve_event_date,
    reviewed_periods,
)
from .views import TextView

EXTRACTOR_VERSION = "2026.11.3"
_NOTES = {
    "html_simplified": "page too large for article detection: its tags were stripped instead",
    "input_truncated": "page too large: only its beginning was read",
}


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
        while start < end and prepared.norm[start].isspace():
            start += 1
        line = prepared.norm[start:end].strip()
        if 15 <= len(line) <= 220 and not line.endswith((".", ":")):
            return _view(prepared, start, end, "title", True)
    return None


def _lead(prepared: PreparedText, sentences: list[Sentence]) -> list[Sentence]:
    """The first sentences of the content (in its first ``tuning.LEAD_CHARS`` characters)."""
    norm = prepared.norm
    lead: list[Sentence] = []
    for sentence in sentences:
        if sentence.start >= tuning.LEAD_CHARS or len(lead) >= tuning.LEAD_SENTENCES:
            break
        end = min(sentence.end, tuning.LEAD_CHARS)
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
    stamp = prepared.page_date
    published = (
        published_at
        or (page[0] if page else None)
        or (stamp if stamp and prepared.page_date_has_day else None)
        or meta_date
    )
    # What dates the page for inference; a month-only crawl stamp still does.
    reference = published or stamp
    url_places = urls.read_url(url, host_provinces)
    slug_prepared = prepare_text(url_places.slug_text)
    slug_view = _view(slug_prepared, 0, len(slug_prepared.norm), "url", False)
    title_view = _title_view(prepared, title or page_title)

    full_end = min(len(prepared.norm), tuning.ANALYSIS_LIMIT)
    sentences = split_sentences(prepared, 0, full_end)
    body_periods = find_periods(prepared.folded, 0, full_end)
    lead_views = [_view(prepared, s.start, s.end, "body", True) for s in _lead(prepared, sentences)]
    candidates = [
        v
        for v in lead_views
        if not (title_view and title_view.in_body and v.start == title_view.start)
    ]
    lead_end = max((v.end for v in lead_views), default=0)
    if title_view is not None and title_view.in_body:
        lead_end = max(lead_end, title_view.end)
    scan = TextScan(prepared.folded, prepared.norm, lead_end + 1)
    frames = read_frames(title_view, candidates, slug_view, scan)
    full = _view(prepared, 0, full_end, "body", True)
    opening = candidates[: tuning.LEAD_DOMAIN_SENTENCES]
    lead_folded = " ".join(v.folded[v.start : v.end] for v in opening)
    lead_norm = " ".join(v.norm[v.start : v.end] for v in opening)
    verdict = judge(frames, full, lead_folded, lead_norm)
    primary = primary_view(frames, verdict, slug_view)
    ordered: list[TextView] = []
    for view in (primary, title_view, *candidates, slug_view):
        if view is not None and view not in ordered:
            ordered.append(view)
    meeting_type, type_evidence = decide_meeting_type(frames, verdict)
    scores = [event_score(scan, v) for v in candidates]
    holder_views = [primary] + [
        v for v in (title_view, slug_view) if v is not None and v is not primary
    ]
    holder_views += [
        v
        for v, score in zip(candidates, scores, strict=True)
        if v is not primary and score >= tuning.HOLDER_SENTENCE_MIN_SCORE
    ]
    guests = guest_ranges(
        prepared.folded, prepared.norm, [(s.start, s.end) for s in sentences[:40]]
    )
    holder = choose_holder(
        holder_views, full, url_places, lead_end=tuning.LEAD_CHARS, guests=guests, scan=scan
    )
    anchor = reference
    url_date = find_url_date(url)
    url_years = find_url_years(url)
    if anchor is None and url_date:
        anchor = datetime(url_date[0], url_date[1], 28)
    elif anchor is None and url_years:
        anchor = datetime(url_years[0], 12, 31)
    reviewed, planned, inferred_period, period_view = reviewed_periods(
        primary, ordered, (prepared.folded, body_periods, full_end), anchor, scan
    )

    date_ranges = [(primary.start, primary.end)] if primary.in_body else []
    date_ranges += [(v.start, v.end) for v in lead_views[:4] if v is not primary]
    if page:  # the page's own date line is not the meeting's date
        date_ranges = [r for r in date_ranges if not (r[0] <= page[1] < r[1])]
    found_date = pick_event_date(prepared.folded, date_ranges)
    event = resolve_event_date(found_date, reference, reviewed) if found_date else None
    if event is None and found_date is None:
        event = relative_event_date(prepared.folded, prepared.norm, date_ranges, published)
    if reviewed and reviewed.year is None and event and not event.year_inferred:
        fill_period_year(reviewed, planned, [], None, int(event.value[:4]))
    if event is None and found_date is None and url_date and verdict.relevant and not page:
        # Only the URL dates the report (a publication date): the month, flagged inferred.
        month_value = f"{url_date[0]:04d}-{url_date[1]:02d}-??"
        event = EventDate(month_value, True, None, 0, 0, rule="date.url_month")
        event_from_url = True
    else:
        event_from_url = False
    layer_day = _layer_day(event, reference, url_date)
    apply_layer(holder, layer_day, url_places.province_code)
    if holder.level in (None, "province") and holder.province_2025_code is None:
        renamed = new_province_in_text(full)
        if renamed is not None:
            holder.province_2025_code, holder.layer = renamed[0], "2025"
            if holder.level == "province":
                holder.province_code = None
    if event and event.warning:
        warnings.append(
            ExtractionWarning(
                code="event_date_inconsistent",
                message=event.warning,
                spans=spans_of(prepared, [(event.start, event.end)]),
            )
        )

    period = period_model(reviewed, prepared, period_view or full, inferred_period)
    if verdict.relevant and period is not None and period["year"] is None:
        warnings.append(
            ExtractionWarning(
                code="period_year_unknown",
                message=f"the reviewed period ({period['text'] or period['kind']}) has no year "
                "in the text, the URL or the page date",
                spans=period["spans"],
            )
        )
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
        # Periods are those a review meeting reviews and plans: none for other news.
        "period": period if verdict.relevant else None,
        "next_period": (
            period_model(planned, prepared, period_view or primary, False)
            if verdict.relevant
            else None
        ),
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
    data["evidence"] = evidence_models(
        prepared,
        {
            "relevant": verdict.evidence,
            "meeting_type": type_evidence if data["meeting_type"] else None,
            **holder_evidence(holder),
            "period": (
                period_evidence(reviewed, period_view, inferred_period)
                if verdict.relevant
                else None
            ),
            "event_date": (
                None
                if event is None
                else Evidence(
                    "url_slug" if event_from_url else "lead",
                    event.rule,
                    event.start,
                    event.end,
                    not event_from_url,
                    prepared.norm[event.start : event.end] if not event_from_url else "",
                )
            ),
        },
    )
    if verdict.relevant:
        unit = data.get("unit")
        data["event_key"] = event_key(
            level=holder.level,
            province_code=holder.province_code
            or (f"2025-{holder.province_2025_code}" if holder.province_2025_code else None),
            unit_name=unit["name"] if unit else None,
            meeting_type=data["meeting_type"],
            period_key=period["key"] if period else None,
            event_date=data.get("event_date"),
        )
    return Extraction.model_validate(data)


def _layer_day(
    event: EventDate | None, reference: datetime | None, url_date: tuple[int, int] | None
) -> date | None:
    """The day that says which boundary set the report's names are in."""
    if event is not None:
        year, month = int(event.value[:4]), int(event.value[5:7])
        day = event.value[8:10]
        return date(year, month, int(day) if day.isdigit() else 1)
    if reference is not None:
        return reference.date()
    return date(url_date[0], url_date[1], 1) if url_date else None
