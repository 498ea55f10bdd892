"""Search: ``/v1/search`` (JSON), ``/v1/search.atom`` (the same search as a feed),
officials (``/v1/people``), and their pages (``/search``, ``/people/{id}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter

from danvan_publish import http_cache, labels, people, reader, repository, search
from danvan_publish.deps import BaseUrlDep, SessionDep
from danvan_publish.http_cache import conditional_response, make_etag
from danvan_publish.renderers import MEDIA_TYPES, FeedDocument, render_atom
from danvan_publish.search_repository import SearchFilters
from danvan_publish.search_schemas import Person, PersonSummary, SearchResults
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError
from danvan_shared.settings import get_settings

router = APIRouter(tags=["search"])
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.globals.update(
    period_label=labels.period_label,
    meeting_label=labels.meeting_label,
    level_label=labels.level_label,
    date_label=labels.date_label,
    role_labels={
        "chair": "Chủ trì",
        "director": "Chỉ đạo",
        "speaker": "Phát biểu",
        "attendee": "Dự",
        "author": "Tác giả",
        "photographer": "Ảnh",
    },
)
FEED_SIZE = 50
RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified"},
    404: PROBLEM_RESPONSES[404],
    422: PROBLEM_RESPONSES[422],
    503: PROBLEM_RESPONSES[503],
}


class Filters:
    """The query and the feed filters every search takes."""

    def __init__(
        self,
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=search.MAX_QUERY_CHARS,
                description='Words (all must occur), "a phrase", -excluded, a OR b; '
                "accents and case optional",
            ),
        ],
        province: Annotated[
            str | None, Query(max_length=64, description="A feed: province slug or national")
        ] = None,
        period: Annotated[
            str | None, Query(max_length=16, description="Period key; reports within it")
        ] = None,
        level: Literal["central", "province", "district", "commune"] | None = None,
        type: Annotated[
            Literal["so_ket", "tong_ket", "giao_ban", "other"] | None,
            Query(description="Meeting type"),
        ] = None,
    ) -> None:
        start = end = scope = None
        if province:
            scope = reader.resolve_scope(province)
            province = scope.slug
        if period:
            start, end = reader.resolve_period(period)
        self.filters = SearchFilters(
            province,
            start,
            end,
            level,
            type,
            boundary=scope.boundary if scope else None,
            province_code=scope.code if scope else None,
        )
        self.query, self.parsed = search.build_query(q, self.filters)
        self.params = {
            key: value
            for key, value in (
                ("q", q),
                ("province", province),
                ("period", period),
                ("level", level),
                ("type", type),
            )
            if value
        }

    def url(self, base_url: str, path: str, **extra: object) -> str:
        return f"{base_url}{path}?{urlencode({**self.params, **extra})}"


FiltersDep = Annotated[Filters, Depends()]


def _results(
    session: SessionDep, filters: Filters, base_url: str, limit: int, offset: int
) -> SearchResults:
    return search.results(
        session.connection(),
        filters.query,
        filters.parsed,
        base_url=base_url,
        limit=limit,
        offset=offset,
        page_url=lambda at: filters.url(base_url, "/v1/search", limit=limit, offset=at),
        feed_url=filters.url(base_url, "/v1/search.atom"),
    )


@router.get(
    "/v1/search",
    response_model=SearchResults,
    responses={200: {"model": SearchResults}, **RESPONSES},
    summary="Full-text search over reports, ranked, with highlighted snippets",
)
def search_reports(
    request: Request,
    session: SessionDep,
    base_url: BaseUrlDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[
        int, Query(ge=0, le=900, description="Results skipped; the newest 1,000 matches rank")
    ] = 0,
) -> Response:
    version, last_modified = repository.global_version(session)
    etag = make_etag(
        "search", get_settings().database_url, base_url, version, filters.params, limit, offset
    )

    def build() -> tuple[bytes, str]:
        page = _results(session, filters, base_url, limit, offset)
        return page.model_dump_json().encode(), "application/json"

    return conditional_response(request, etag, last_modified, build, http_cache.render_cache)


@router.get(
    "/v1/search.atom",
    responses={200: {"content": {"application/atom+xml": {}}}, **RESPONSES},
    summary="A search as an Atom feed (newest matching reports first), to subscribe to",
)
def search_feed(
    request: Request, session: SessionDep, base_url: BaseUrlDep, filters: FiltersDep
) -> Response:
    version, last_modified = repository.global_version(session)
    etag = make_etag("search.atom", get_settings().database_url, base_url, version, filters.params)
    self_url = filters.url(base_url, "/v1/search.atom")

    def build() -> tuple[bytes, str]:
        document = FeedDocument(
            id=self_url,
            title=f"Công tác dân vận – tìm kiếm: {filters.query.text}",
            description=f"Các bản tin mới nhất khớp với «{filters.query.text}».",
            self_url=self_url,
            home_page_url=filters.url(base_url, "/search"),
            first_url=self_url,
            updated=last_modified,
            items=search.feed_items(session, filters.query, base_url, FEED_SIZE),
        )
        return render_atom(document), MEDIA_TYPES["atom"]

    return conditional_response(request, etag, last_modified, build, http_cache.render_cache)


@router.get(
    "/v1/people",
    response_model=list[PersonSummary],
    responses={200: {"model": list[PersonSummary]}, **RESPONSES},
    summary="Officials by name (accents optional), variants of one official merged",
)
def find_people(
    session: SessionDep,
    base_url: BaseUrlDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="A name or part of it")],
) -> Response:
    found = people.find(session, q, base_url)
    return Response(
        TypeAdapter(list[PersonSummary]).dump_json(found), media_type="application/json"
    )


@router.get(
    "/v1/people/{person_id}",
    response_model=Person,
    responses={200: {"model": Person}, **RESPONSES},
    summary="An official: meetings, titles over time, roles",
)
def get_person(session: SessionDep, base_url: BaseUrlDep, person_id: str) -> Person:
    return people.get(session, person_id, base_url)


@router.get(
    "/search",
    response_class=HTMLResponse,
    summary="Search page: reports and officials",
    tags=["pages"],
    responses={422: PROBLEM_RESPONSES[422]},
)
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=search.MAX_QUERY_CHARS)] = "",
    offset: Annotated[
        int, Query(ge=0, le=900, description="Results skipped; the newest 1,000 matches rank")
    ] = 0,
) -> HTMLResponse:
    page, officials, problem = None, [], None
    if q.strip():
        try:
            filters = Filters(q=q)
            page = _results(session, filters, "", 20, offset)
            officials = people.find(session, q, "", limit=8)
        except ProblemError as error:  # a query with nothing to look for: say so on the page
            problem = error.detail
    return templates.TemplateResponse(
        request,
        "search.html",
        {"q": q, "page": page, "officials": officials, "problem": problem, "offset": offset},
    )


@router.get(
    "/people/{person_id}",
    response_class=HTMLResponse,
    summary="An official's page",
    tags=["pages"],
    responses={404: PROBLEM_RESPONSES[404]},
)
def person_page(request: Request, session: SessionDep, person_id: str) -> HTMLResponse:
    person = people.get(session, person_id, "")
    return templates.TemplateResponse(request, "person.html", {"person": person})
