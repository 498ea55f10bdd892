"""Server-rendered pages (Jinja2, no build step): dashboard, province, report."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlmodel import Session

from danvan_publish import labels, provinces, reader, repository
from danvan_publish.deps import SessionDep
from danvan_publish.entries import report_text
from danvan_publish.highlights import KIND_LABELS, segments
from danvan_publish.http_cache import render_cache
from danvan_shared.errors import UnknownReport
from danvan_shared.extraction_schema import Extraction, is_period_key, period_bounds_for_key
from danvan_shared.gazetteer import REFORM_DATE
from danvan_shared.http import PROBLEM_RESPONSES
from danvan_shared.settings import get_settings

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.globals.update(
    period_label=labels.period_label,
    meeting_label=labels.meeting_label,
    level_label=labels.level_label,
    date_label=labels.date_label,
    is_period_key=is_period_key,
    evidence_fields=labels.EVIDENCE_FIELDS,
    evidence_kinds=labels.EVIDENCE_KINDS,
)
HEAT_LEVELS = 5


def boundary_in_force(periods: list[str]) -> Literal["old", "2025"]:
    """The province boundary set in force when the latest period listed ended: since the
    reform of 1 July 2025, the 34 provinces."""
    ends = [bounds[1] for key in periods if (bounds := period_bounds_for_key(key))]
    return "2025" if ends and max(ends) >= REFORM_DATE else "old"


def ordered_periods(keys: Iterable[str], *, newest_first: bool = False) -> list[str]:
    """Period keys in calendar order (by first, then last day), then every key that is
    not a calendar period ("10Y", a key missing its year) in text order.

    Dated and undated keys are never compared with each other: mixing a ``date`` and a
    ``str`` in one sort key made the dashboard answer 500 once such a key was indexed.
    """
    dated: list[tuple[date, date, str]] = []
    undated: list[str] = []
    for key in set(keys):
        bounds = period_bounds_for_key(key)
        if bounds:
            dated.append((bounds[0], bounds[1], key))
        else:
            undated.append(key)
    dated.sort(reverse=newest_first)
    return [key for _start, _end, key in dated] + sorted(undated)


def _counts(session: Session) -> list[tuple[str, str, int, int]]:
    """Entries per (feed, period), cached under the data version like the feeds."""
    version, _ = repository.global_version(session)
    key = f"page-counts|{get_settings().database_url}|{version}"
    cached = render_cache.get(key)
    if cached is None:
        cached = repository.counts_by_feed_and_period(session)
        render_cache.put(key, cached)
    return list(cached)


@router.get("/", summary="Dashboard: provinces × periods")
def dashboard(
    request: Request,
    session: SessionDep,
    boundary: Annotated[
        Literal["old", "2025"] | None,
        Query(description="Province boundary set; default: the one in force at the latest period"),
    ] = None,
) -> HTMLResponse:
    counts = _counts(session)
    cells: dict[str, dict[str, int]] = defaultdict(dict)
    for feed, key, entries, _meetings in counts:
        cells[feed][key] = entries
    periods = ordered_periods(key for _feed, key, _e, _m in counts)
    boundary = boundary or boundary_in_force(periods)
    national = provinces.scope(provinces.NATIONAL)
    rows = [national, *provinces.scopes_for_boundary(boundary)]
    peak = max(
        (
            count
            for feed, row in cells.items()
            if feed != provinces.NATIONAL
            for count in row.values()
        ),
        default=1,
    )
    covered = sum(1 for scope in rows[1:] if scope and cells.get(scope.slug))
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "boundary": boundary,
            "periods": periods,
            "rows": rows,
            "cells": cells,
            "peak": peak,
            "heat_levels": HEAT_LEVELS,
            "covered": covered,
            "province_count": len(rows) - 1,
            "total": sum(cells.get(provinces.NATIONAL, {}).values()),
        },
    )


@router.get(
    "/provinces/{province}",
    summary="A province: timeline, chairs, campaigns, feeds",
    responses={404: PROBLEM_RESPONSES[404]},
)
def province_page(request: Request, session: SessionDep, province: str) -> HTMLResponse:
    scope = reader.resolve_scope(province)
    entries = repository.timeline(session, scope.slug)
    chairs: Counter[str] = Counter()
    chair_titles: dict[str, str] = {}
    campaigns: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    units: Counter[tuple[str, str]] = Counter()
    by_period: dict[str, list[Any]] = defaultdict(list)
    for entry in entries:
        if entry.unit_name and entry.level in ("district", "commune"):
            units[(entry.level, entry.unit_name)] += 1
        # A key publish cannot serve (stored before it checked them) is an unknown period.
        key = entry.period_key if is_period_key(entry.period_key) else ""
        by_period[key].append(entry)
        for person in entry.chairs:
            chairs[person["name"]] += 1
            if person.get("titles"):
                chair_titles.setdefault(person["name"], person["titles"][0])
        campaigns.update(campaign["name"] for campaign in entry.campaigns)
        documents.update(document["text"] for document in entry.documents)
    keys = {key for key in by_period if key} | {key[:4] for key in by_period if key[:4].isdigit()}
    feed_periods = ordered_periods(keys, newest_first=True)
    # reports without a period come last
    timeline = [
        (key, by_period[key])
        for key in [*ordered_periods(by_period.keys() - {""}, newest_first=True), ""]
        if key in by_period
    ]
    return templates.TemplateResponse(
        request,
        "province.html",
        {
            "scope": scope,
            "timeline": timeline,
            "count": len(entries),
            "chairs": [(name, chair_titles.get(name, ""), n) for name, n in chairs.most_common(20)],
            "campaigns": campaigns.most_common(20),
            "documents": documents.most_common(20),
            # the districts, or since 2025 the communes, that reported (names as at the meeting)
            "units": sorted(units.items(), key=lambda item: (item[0][0], item[0][1])),
            "feed_periods": feed_periods,
        },
    )


@router.get(
    "/reports/{report_id}",
    summary="A report with its extracted entities highlighted",
    responses={404: PROBLEM_RESPONSES[404]},
)
def report_page(request: Request, session: SessionDep, report_id: uuid.UUID) -> HTMLResponse:
    report, row = repository.report_and_extraction(session, report_id)
    if report is None:
        raise UnknownReport("No report has this id.")
    extraction = None
    if row is not None:
        try:
            extraction = Extraction.model_validate(row.data)
        except ValidationError:
            extraction = None
    text = report_text(report, extraction) if extraction else report.body
    parts = segments(text, extraction) if extraction else []
    entries = repository.entries_of_report(session, report_id)
    kinds = sorted({part.kind for part in parts if part.kind}, key=list(KIND_LABELS).index)
    return templates.TemplateResponse(
        request,
        "report.html",
        {
            "report": report,
            "extraction": extraction,
            "segments": parts,
            "kinds": [(kind, KIND_LABELS[kind]) for kind in kinds],
            "entries": entries,
            "feed_titles": {
                entry.feed: scope.title
                for entry in entries
                if (scope := provinces.scope(entry.feed)) is not None
            },
            "chairs": extraction.chairs() if extraction else [],
            "plain_text": text if not parts else None,
        },
    )
