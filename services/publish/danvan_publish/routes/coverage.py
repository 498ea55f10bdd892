"""Coverage: ``/v1/coverage/{province}/{period}`` (JSON), its Atom feed of first reports,
and the page ``/coverage/{province}/{period}`` the dashboard's cells open."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from danvan_publish import coverage, http_cache, labels, reader, repository
from danvan_publish.coverage_schemas import Coverage
from danvan_publish.deps import BaseUrlDep, SessionDep
from danvan_publish.http_cache import conditional_response, make_etag
from danvan_publish.renderers import MEDIA_TYPES, FeedDocument, render_atom
from danvan_shared.http import PROBLEM_RESPONSES
from danvan_shared.settings import get_settings

router = APIRouter(tags=["coverage"])
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.globals.update(
    period_label=labels.period_label,
    meeting_label=labels.meeting_label,
    level_label=labels.level_label,
    date_label=labels.date_label,
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified"},
    404: PROBLEM_RESPONSES[404],
    422: PROBLEM_RESPONSES[422],
    503: PROBLEM_RESPONSES[503],
}
#: reports the page links per unit; the unit's count and its own page say the rest
PAGE_REPORTS_PER_UNIT = 10
ReportsPerUnit = Annotated[
    int | None,
    Query(ge=0, le=10_000, description="List at most this many reports per unit (default: all)"),
]
AsOf = Annotated[
    date | None,
    Query(
        description="Judge lateness on this day and count only reports published by then "
        "(default: today, Vietnam time)"
    ),
]


class CoverageRequest:
    """A coverage asked for: its scope, period, day, and the validators of its answer."""

    def __init__(
        self,
        session: SessionDep,
        province: str,
        period: str,
        as_of: date | None,
        base_url: str,
        reports_per_unit: int | None = None,
    ) -> None:
        self.session, self.base_url, self.period = session, base_url, period
        self.reports_per_unit = reports_per_unit
        self.scope = reader.resolve_scope(province)
        self.end = reader.resolve_period(period)[1]
        self.day = as_of or coverage.today()
        version, self.last_modified = repository.feed_version(session.connection(), self.scope.slug)
        self.etag = make_etag(
            "coverage",
            get_settings().database_url,
            base_url,
            version,
            self.scope.slug,
            period,
            self.day,
            reports_per_unit,
        )

    def build(self) -> Coverage:
        return coverage.coverage(
            self.session,
            self.scope,
            self.period,
            self.end,
            as_of=self.day,
            base_url=self.base_url,
            reports_per_unit=self.reports_per_unit,
        )


@router.get(
    "/v1/coverage/{province}/{period}.atom",
    responses={200: {"content": {"application/atom+xml": {}}}, **RESPONSES},
    summary="A feed announcing each unit's first report on the period's review",
)
def coverage_feed(
    request: Request, session: SessionDep, base_url: BaseUrlDep, province: str, period: str
) -> Response:
    asked = CoverageRequest(session, province, period, None, base_url)
    scope = asked.scope
    self_url = f"{base_url}/v1/coverage/{scope.slug}/{period}.atom"

    def build() -> tuple[bytes, str]:
        result = asked.build()
        document = FeedDocument(
            id=self_url,
            title=f"Đơn vị đã báo cáo – {scope.title} – {result.period_label}",
            description=(
                f"Mỗi mục là báo cáo đầu tiên của một đơn vị cấp dưới {scope.name} "
                f"về {result.period_label}."
            ),
            self_url=self_url,
            home_page_url=f"{base_url}/coverage/{scope.slug}/{period}",
            first_url=self_url,
            updated=asked.last_modified,
            items=coverage.first_report_items(result),
        )
        return render_atom(document), MEDIA_TYPES["atom"]

    return conditional_response(
        request, make_etag("atom", asked.etag), asked.last_modified, build, http_cache.render_cache
    )


@router.get(
    "/v1/coverage/{province}/{period}",
    response_model=Coverage,
    responses={200: {"model": Coverage}, **RESPONSES},
    summary="Every unit of the level below: reported (with its reports) or not seen, and late",
)
def get_coverage(
    request: Request,
    session: SessionDep,
    base_url: BaseUrlDep,
    province: str,
    period: str,
    as_of: AsOf = None,
    reports_per_unit: ReportsPerUnit = None,
) -> Response:
    asked = CoverageRequest(session, province, period, as_of, base_url, reports_per_unit)
    return conditional_response(
        request,
        asked.etag,
        asked.last_modified,
        lambda: (asked.build().model_dump_json().encode(), "application/json"),
        http_cache.render_cache,
    )


@router.get(
    "/coverage/{province}/{period}",
    response_class=HTMLResponse,
    tags=["pages"],
    summary="Coverage page: who has and has not reported the period's review",
    responses={404: PROBLEM_RESPONSES[404], 422: PROBLEM_RESPONSES[422]},
)
def coverage_page(
    request: Request, session: SessionDep, province: str, period: str, as_of: AsOf = None
) -> HTMLResponse:
    result = CoverageRequest(session, province, period, as_of, "", PAGE_REPORTS_PER_UNIT).build()
    return templates.TemplateResponse(request, "coverage.html", {"coverage": result})
