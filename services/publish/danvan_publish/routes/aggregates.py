"""Counts over the read model: per feed period, and the lists of what has entries."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from danvan_publish import labels, provinces, reader, repository
from danvan_publish.deps import BaseUrlDep, SessionDep
from danvan_publish.http_cache import conditional_response, make_etag
from danvan_publish.opml import feed_periods
from danvan_publish.repository import FeedQuery
from danvan_publish.schemas import Aggregate, PeriodListing, ProvinceListing
from danvan_shared.extraction_schema import period_bounds_for_key
from danvan_shared.http import PROBLEM_RESPONSES
from danvan_shared.settings import get_settings

router = APIRouter(prefix="/v1", tags=["aggregates"])
JSON = "application/json"
Boundary = Literal["old", "2025", "national"]


def _responses(model: object) -> dict[int | str, dict[str, object]]:
    return {
        200: {"model": model},
        304: {"description": "Not modified"},
        404: PROBLEM_RESPONSES[404],
        422: PROBLEM_RESPONSES[422],
        503: PROBLEM_RESPONSES[503],
    }


@router.get(
    "/aggregates/{province}/{period}",
    response_model=Aggregate,
    responses=_responses(Aggregate),
    summary="Counts by level and meeting type, units, chairs, campaigns, documents",
)
def get_aggregate(request: Request, session: SessionDep, province: str, period: str) -> Response:
    scope = reader.resolve_scope(province)
    start, end = reader.resolve_period(period)
    version, last_modified = repository.feed_version(session.connection(), scope.slug)
    etag = make_etag("aggregate", get_settings().database_url, version, scope.slug, period)

    def build() -> tuple[bytes, str]:
        result = reader.aggregate(session, FeedQuery(scope.slug, start, end), scope, period)
        return result.model_dump_json().encode(), JSON

    return conditional_response(request, etag, last_modified, build)


@router.get(
    "/provinces",
    response_model=list[ProvinceListing],
    responses=_responses(list[ProvinceListing]),
    summary="Provinces (either boundary set) and `national` that have entries",
)
def list_provinces(
    request: Request,
    session: SessionDep,
    base_url: BaseUrlDep,
    boundary: Annotated[Boundary | None, Query()] = None,
) -> Response:
    version, last_modified = repository.global_version(session)
    etag = make_etag("provinces", get_settings().database_url, base_url, version, boundary)

    def build() -> tuple[bytes, str]:
        counts = repository.counts_by_feed_and_period(session, boundary)
        totals: dict[str, int] = defaultdict(int)
        for feed, _key, entries, _meetings in counts:
            totals[feed] += entries
        listing = []
        for feed, keys in sorted(feed_periods(counts).items()):
            scope = provinces.scope(feed)
            if scope is None:
                continue
            listing.append(
                ProvinceListing(
                    slug=scope.slug,
                    name=scope.name,
                    boundary=scope.boundary,
                    code=scope.code,
                    entries=totals[feed],
                    periods=keys,
                    page=f"{base_url}/provinces/{feed}",
                )
            )
        return TypeAdapter(list[ProvinceListing]).dump_json(listing), JSON

    return conditional_response(request, etag, last_modified, build)


@router.get(
    "/periods",
    response_model=list[PeriodListing],
    responses=_responses(list[PeriodListing]),
    summary="Period keys that have entries, newest first",
)
def list_periods(request: Request, session: SessionDep) -> Response:
    version, last_modified = repository.global_version(session)
    etag = make_etag("periods", get_settings().database_url, version)

    def build() -> tuple[bytes, str]:
        counts = repository.counts_by_feed_and_period(session)
        entries: dict[str, int] = defaultdict(int)
        province_feeds: dict[str, set[str]] = defaultdict(set)
        for feed, key, count, _meetings in counts:
            if feed == provinces.NATIONAL:
                entries[key] += count
            else:
                province_feeds[key].add(feed)
        listing = []
        for key in sorted(entries, reverse=True):
            bounds = period_bounds_for_key(key)
            if bounds is None:
                continue
            listing.append(
                PeriodListing(
                    key=key,
                    label=labels.period_label(key),
                    start=bounds[0].isoformat(),
                    end=bounds[1].isoformat(),
                    entries=entries[key],
                    provinces=len(province_feeds[key]),
                )
            )
        return TypeAdapter(list[PeriodListing]).dump_json(listing), JSON

    return conditional_response(request, etag, last_modified, build)
