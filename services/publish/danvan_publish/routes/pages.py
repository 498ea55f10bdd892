"""Server-rendered pages (Jinja2, no build step): dashboard, province, report."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlmodel import Session

from danvan_publish import labels, provinces, repository, service
from danvan_publish.deps import SessionDep
from danvan_publish.highlights import KIND_LABELS, segments
from danvan_publish.indexing import report_text
from danvan_shared.extraction_schema import Extraction, period_bounds_for_key
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError
from danvan_shared.settings import get_settings

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.globals.update(
    period_label=labels.period_label,
    meeting_label=labels.meeting_label,
    level_label=labels.level_label,
    date_label=labels.date_label,
)
HEAT_LEVELS = 5


def _period_order(key: str) -> tuple[Any, ...]:
    bounds = period_bounds_for_key(key)
    return (bounds[0], bounds[1]) if bounds else (key,)


def _counts(session: Session) -> list[tuple[str, str, int, int]]:
    """Entries per (feed, period), cached under the data version like the feeds."""
    version, _ = repository.global_version(session)
    key = f"page-counts|{get_settings().database_url}|{version}"
    cached = service.render_cache.get(key)
    if cached is None:
        cached = repository.counts_by_feed_and_period(session)
        service.render_cache.put(key, cached)
    return list(cached)


@router.get("/", summary="Dashboard: provinces × periods")
def dashboard(
    request: Request,
    session: SessionDep,
    boundary: Annotated[Literal["old", "2025"], Query()] = "old",
) -> HTMLResponse:
    counts = _counts(session)
    cells: dict[str, dict[str, int]] = defaultdict(dict)
    for feed, key, entries, _meetings in counts:
        cells[feed][key] = entries
    periods = sorted({key for _feed, key, _e, _m in counts}, key=_period_order)
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
    scope = service.resolve_scope(province)
    entries = repository.timeline(session, scope.slug)
    chairs: Counter[str] = Counter()
    chair_titles: dict[str, str] = {}
    campaigns: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    by_period: dict[str, list[Any]] = defaultdict(list)
    for entry in entries:
        by_period[entry.period_key or ""].append(entry)
        for person in entry.chairs:
            chairs[person["name"]] += 1
            if person.get("titles"):
                chair_titles.setdefault(person["name"], person["titles"][0])
        campaigns.update(campaign["name"] for campaign in entry.campaigns)
        documents.update(document["text"] for document in entry.documents)
    keys = {key for key in by_period if key} | {key[:4] for key in by_period if key}
    feed_periods = sorted(keys, key=_period_order, reverse=True)
    timeline = sorted(
        by_period.items(), key=lambda item: _period_order(item[0] or "0"), reverse=True
    )
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
        raise ProblemError(404, "No report has this id.")
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
