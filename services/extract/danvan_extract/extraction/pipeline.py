"""``extract_report``: one report in, one ``Extraction`` out; pure, total and linear.

The steps read the same prepared text (see ``text.py``): find the sentence that announces
the meeting, judge relevance, read the holder, periods and date from it (falling back to
the headline, the URL slug and the page date), then collect people, organisations,
campaigns, documents and figures from the whole article.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from danvan_shared.extraction_schema import (
    Campaign,
    DateMention,
    Document,
    Extraction,
    ExtractionWarning,
    Figure,
    Organization,
    Period,
    Person,
    ProvinceRef,
    Span,
    Unit,
    period_bounds_for_key,
)

from . import places
from .campaigns import find_campaigns
from .dates import find_page_date, find_url_date, find_url_years
from .documents import find_documents
from .events import event_key
from .figures import find_figures
from .organizations import find_organizations
from .people import find_credits, find_people
from .periods import FoundPeriod, find_periods
from .relevance import REVIEW, judge
from .resolve import Holder, TextView, resolve
from .sentences import Sentence, lead_sentences, score_event_sentence, split_sentences
from .text import PreparedText, html_to_article, prepare_text
from .timing import (
    EventDate,
    fill_period_year,
    periods_in_view,
    pick_event_date,
    resolve_event_date,
)

EXTRACTOR_VERSION = "2026.11.1"
ANALYSIS_LIMIT = 60_000  # characters of article read for entities (reports are 2–10 KB)
_MEETING_TYPES = {"so ket": "so_ket", "tong ket": "tong_ket", "giao ban": "giao_ban"}


def extract_report(
    body: str,
    *,
    content_type: str = "text/plain",
    url: str | None = None,
    title: str | None = None,
    published_at: datetime | None = None,
) -> Extraction:
    """Everything the rules conclude about one report. Never raises."""
    try:
        return _extract(body, content_type, url, title, published_at)
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


def _spans(prepared: PreparedText, ranges: list[tuple[int, int]]) -> list[Span]:
    out = []
    for start, end in ranges:
        a, b = prepared.to_original(start, end)
        if 0 <= a <= b <= len(prepared.original):
            out.append(Span.model_construct(start=a, end=b))  # checked above
    return out


def _title_view(prepared: PreparedText, title: str | None) -> TextView | None:
    if title:
        folded_title = prepare_text(title).folded.strip()
        if folded_title:
            index = prepared.folded.find(folded_title[:80], 0, 3000)
            if index >= 0:
                return _view(prepared, index, index + len(folded_title[:80]), "title", True)
            external = prepare_text(title)
            return _view(external, 0, len(external.norm), "title", False)
    if prepared.lines:
        start, end = prepared.lines[0]
        line = prepared.norm[start:end].strip()
        if 15 <= len(line) <= 220 and not line.endswith((".", ":")):
            return _view(prepared, start, end, "title", True)
    return None


@lru_cache(maxsize=1)
def _place_keys() -> frozenset[str]:
    gaz = places.gazetteer()
    if gaz is None:
        return frozenset()
    return frozenset(gaz.province_name_keys()) | frozenset(gaz.district_name_keys())


def _extract(
    body: str, content_type: str, url: str | None, title: str | None, published_at: datetime | None
) -> Extraction:
    body = body if isinstance(body, str) else str(body or "")
    article_text: str | None = None
    page_title: str | None = None
    meta_date: datetime | None = None
    if "html" in (content_type or "").lower():
        text, page_title, date_text = html_to_article(body, url)
        article_text = text
        if date_text:
            try:
                meta_date = datetime.fromisoformat(date_text[:19])
            except ValueError:
                meta_date = None
    else:
        text = body
    prepared = prepare_text(text)
    warnings: list[ExtractionWarning] = []

    page = find_page_date(prepared.folded, prepared.lines)
    published = published_at or (page[0] if page else None) or meta_date
    url_places = places.read_url(url)
    slug_prepared = prepare_text(url_places.slug_text)
    slug_view = _view(slug_prepared, 0, len(slug_prepared.norm), "url", False)
    title_view = _title_view(prepared, title or page_title)

    lead = lead_sentences(prepared)
    lead_views = [_view(prepared, s.start, s.end, "body", True) for s in lead]
    candidates = [
        v
        for v in lead_views
        if not (title_view and title_view.in_body and v.start == title_view.start)
    ]
    scored = sorted(
        (
            (score_event_sentence(v.folded[v.start : v.end]) - 0.2 * i, i, v)
            for i, v in enumerate(candidates)
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

    full_end = min(len(prepared.norm), ANALYSIS_LIMIT)
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
        v
        for v in candidates
        if v is not primary and score_event_sentence(v.folded[v.start : v.end]) >= 3
    ]
    holder = resolve(holder_views, full, url_places)
    anchor = published
    url_date = find_url_date(url)
    url_years = find_url_years(url)
    if anchor is None and url_date:
        anchor = datetime(url_date[0], url_date[1], 28)
    elif anchor is None and url_years:
        anchor = datetime(url_years[0], 12, 31)
    reviewed, planned, inferred_period = _periods(primary, ordered, full, anchor)

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
                spans=_spans(prepared, [(event.start, event.end)]),
            )
        )

    sentences = split_sentences(prepared, 0, full_end)
    extraction = Extraction(
        relevant=verdict.relevant,
        relevance_confidence=verdict.confidence,
        extractor_version=EXTRACTOR_VERSION,
        article_text=article_text,
        title=(
            title
            or page_title
            or (title_view.norm[title_view.start : title_view.end].strip() if title_view else None)
        ),
        published_at=None if published_at else published,
    )
    if verdict.relevant:
        extraction.meeting_type = meeting_type
    _fill_holder(extraction, holder, prepared)
    extraction.period = _period_model(reviewed, prepared, primary, inferred_period)
    extraction.next_period = _period_model(planned, prepared, primary, False)
    if event:
        extraction.event_date = event.value
        extraction.event_date_detail = DateMention(
            value=event.value,
            year_inferred=event.year_inferred,
            part_of_day=event.part_of_day,
            text=prepared.norm[event.start : event.end],
            spans=[] if event_from_url else _spans(prepared, [(event.start, event.end)]),
            confidence=0.3 if event_from_url else 0.6 if event.year_inferred else 0.85,
        )
    extraction.people = _people(prepared, sentences)
    _fill_entities(extraction, prepared, full_end)
    extraction.warnings = warnings
    if extraction.relevant:
        extraction.event_key = event_key(
            level=extraction.level,
            province_code=holder.province_code,
            unit_name=extraction.unit.name if extraction.unit else None,
            meeting_type=extraction.meeting_type,
            period_key=extraction.period.key if extraction.period else None,
            event_date=extraction.event_date,
        )
    return extraction


def _meeting_type(views: list[TextView]) -> str | None:
    for view in views:
        match = REVIEW.search(view.folded, view.start, view.end)
        if match:
            named = re.search(
                r"(?:hoi nghi|cuoc hop|buoi hop)\s+(?:[a-z ]{0,25}?)"
                r"(so ket|tong ket|giao ban)",
                view.folded[view.start : view.end],
            )
            return _MEETING_TYPES[named.group(1) if named else match.group(1)]
    return None


def _periods(
    primary: TextView, ordered: list[TextView], full: TextView, published: datetime | None
) -> tuple[FoundPeriod | None, FoundPeriod | None, bool]:
    reviewed = planned = None
    for view in [primary, *ordered]:
        reviewed, planned = periods_in_view(view.folded, view.start, view.end)
        if reviewed:
            break
    if reviewed is None:
        first_body = list(find_periods(full.folded, full.start, full.end))
        reviewed = first_body[0] if first_body else None
    if reviewed is None:
        return None, planned, False
    elsewhere: list[FoundPeriod] = []
    if reviewed.year is None:  # only then is a same-kind mention elsewhere needed
        for view in ordered:
            elsewhere += find_periods(view.folded, view.start, view.end)
        elsewhere += find_periods(full.folded, full.start, full.end)
    inferred = fill_period_year(reviewed, planned, elsewhere, published, None)
    if planned is not None and planned.year is None and reviewed.year is not None:
        planned.year = reviewed.year + (
            1
            if planned.kind == "FY"
            or (reviewed.kind in ("FY", "Q4", "H2") and planned.kind in ("Q1", "H1"))
            else 0
        )
    return reviewed, planned, inferred


def _period_model(
    period: FoundPeriod | None, prepared: PreparedText, view: TextView, inferred: bool
) -> Period | None:
    if period is None:
        return None
    key = period.key()
    if key is None:
        key = f"?-{period.key_suffix or period.kind}"
    bounds = period_bounds_for_key(key)
    in_body = view.in_body and view.norm is prepared.norm
    text = view.norm[period.start : period.end] if period.end <= len(view.norm) else ""
    return Period(
        key=key,
        kind=period.kind,
        year=period.year,
        start=bounds[0] if bounds else None,
        end=bounds[1] if bounds else None,
        text=text.strip(),
        spans=_spans(prepared, [(period.start, period.end)]) if in_body else [],
        confidence=0.6 if inferred or period.year is None else 0.85,
    )


def _fill_holder(extraction: Extraction, holder: Holder, prepared: PreparedText) -> None:
    extraction.level = holder.level
    if holder.level == "central":
        return
    if holder.unit_name:
        extraction.unit = Unit(
            name=holder.unit_name,
            kind=holder.unit_kind or "unknown",
            code=holder.unit_code,
            body=holder.body,
            spans=_spans(prepared, holder.spans),
            confidence=holder.confidence,
        )
    gaz = places.gazetteer()
    if holder.province_code and gaz is not None:
        province = gaz.province(holder.province_code)
        if province is not None:
            evidence = (
                holder.evidence
                if holder.evidence in ("text", "unit", "district", "url", "context")
                else "context"
            )
            extraction.province = ProvinceRef(
                code=province.code,
                name=province.name,
                slug=province.slug,
                evidence=evidence,
                confidence=0.9 if evidence in ("text", "district", "url") else 0.5,
            )
            try:
                new = gaz.to_2025(province.code)
                extraction.province_2025 = ProvinceRef(
                    code=new.code,
                    name=new.name,
                    slug=new.slug,
                    evidence=evidence,
                    confidence=extraction.province.confidence,
                )
            except Exception:
                extraction.province_2025 = None


def _people(prepared: PreparedText, sentences: list[Sentence]) -> list[Person]:
    credits = find_credits(prepared.norm, prepared.folded, prepared.lines)
    credit_keys = {prepared.folded[s:e].strip() for _, _, s, e in credits}
    found = find_people(prepared.norm, prepared.folded, _bounded(sentences), set(_place_keys()))
    people = [
        Person(
            name=p.name,
            titles=p.titles[:6],
            roles=p.roles,
            spans=_spans(prepared, p.spans),
            confidence=p.confidence,
        )
        for p in found
        if p.key not in credit_keys
    ]
    for role, name, start, end in credits:
        people.append(
            Person(
                name=name,
                roles=[role],
                spans=_spans(prepared, [(start, end)]),
                confidence=0.7,
            )
        )
    return people


def _bounded(sentences: list[Sentence], size: int = 1500) -> list[Sentence]:
    """Long run-on "sentences" in pieces, so per-sentence work stays linear overall."""
    out: list[Sentence] = []
    for sentence in sentences:
        for start in range(sentence.start, sentence.end, size):
            out.append(Sentence(start, min(sentence.end, start + size), sentence.source))
    return out


def _fill_entities(extraction: Extraction, prepared: PreparedText, limit: int) -> None:
    norm = prepared.norm[:limit]
    organizations: dict[str, Organization] = {}
    for org in find_organizations(norm):
        key = org.name.lower()
        if key in organizations:
            organizations[key].spans.extend(_spans(prepared, [(org.start, org.end)]))
            continue
        organizations[key] = Organization(
            name=org.name,
            abbreviation=org.abbreviation,
            spans=_spans(prepared, [(org.start, org.end)]),
            confidence=0.8,
        )
    extraction.organizations = list(organizations.values())[:100]
    extraction.campaigns = [
        Campaign(
            name=c.name,
            kind=c.kind,
            spans=_spans(prepared, [(c.start, c.end)]),
            confidence=0.85,
        )
        for c in find_campaigns(norm, prepared.folded[:limit])
    ][:50]
    documents = find_documents(norm)[:100]
    extraction.documents = [
        Document(
            text=d.text,
            kind=d.kind,
            number=d.number,
            issuer=d.issuer,
            date=d.date,
            title=d.title,
            spans=_spans(prepared, [(d.start, d.end)]),
            confidence=0.85,
        )
        for d in documents
    ]
    excluded = [(d.start, d.end) for d in documents]
    excluded += [(p.start, p.end) for p in find_periods(prepared.folded, 0, limit)]
    extraction.figures = [
        Figure(
            text=f.text,
            value=f.value,
            total=f.total,
            unit=f.unit,
            spans=_spans(prepared, [(f.start, f.end)]),
            confidence=0.7,
        )
        for f in find_figures(norm, excluded)
    ][:100]
