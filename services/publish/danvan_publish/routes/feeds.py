"""Feeds: ``/v1/feeds/{province}/{period}.rss|.atom|.json`` and the OPML list of them.

An entry is in a feed when its reviewed period lies within the feed's period: the
``2022`` feed holds the quarters, halves, nine months and full year of 2022; the
``2021-2025`` feed holds everything from 2021 to 2025, including the term itself.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from danvan_publish import labels, reader, repository
from danvan_publish.deps import BaseUrlDep, SessionDep
from danvan_publish.errors import UnknownFeedFormat
from danvan_publish.http_cache import conditional_response, make_etag
from danvan_publish.opml import render_opml
from danvan_publish.renderers import MEDIA_TYPES, RENDERERS, FeedDocument
from danvan_publish.repository import FeedQuery
from danvan_shared.db import get_engine
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError
from danvan_shared.settings import get_settings

router = APIRouter(prefix="/v1", tags=["feeds"])

FEED_RESPONSES = {
    200: {
        "description": "The feed page",
        "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
    },
    304: {"description": "Not modified since the client's copy"},
    400: {**PROBLEM_RESPONSES[422], "description": "Bad Request (a page cursor is invalid)"},
    404: PROBLEM_RESPONSES[404],
    422: PROBLEM_RESPONSES[422],
    503: PROBLEM_RESPONSES[503],
}
Level = Literal["central", "province", "district", "commune"]
MeetingType = Literal["so_ket", "tong_ket", "giao_ban", "other"]


@router.get(
    "/feeds/{province}/{period}.{fmt}",
    responses=FEED_RESPONSES,  # type: ignore[arg-type]
    summary="A province's (or the national) feed for a period",
)
def get_feed(
    request: Request,
    base_url: BaseUrlDep,
    province: str,
    period: str,
    fmt: str,
    level: Level | None = None,
    meeting_type: MeetingType | None = None,
    campaign: Annotated[str | None, Query(max_length=200, description="campaign slug")] = None,
    duplicates: Annotated[bool, Query(description="false: one item per meeting")] = True,
    after: Annotated[str | None, Query(max_length=200, description="next-page cursor")] = None,
    before: Annotated[str | None, Query(max_length=200, description="previous-page cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=reader.MAX_PAGE_SIZE)] = reader.PAGE_SIZE,
) -> Response:
    if fmt not in RENDERERS:
        raise UnknownFeedFormat(f"Feeds come as .rss, .atom or .json, not .{fmt}.")
    scope = reader.resolve_scope(province)
    start, end = reader.resolve_period(period)
    if after and before:
        raise ProblemError(400, "Give either 'after' or 'before', not both.")
    query = FeedQuery(
        scope.slug, start, end, level, meeting_type, campaign, only_canonical=not duplicates
    )
    filters = {
        key: value
        for key, value in (
            ("level", level),
            ("meeting_type", meeting_type),
            ("campaign", campaign),
            ("duplicates", None if duplicates else "false"),
            ("limit", None if limit == reader.PAGE_SIZE else str(limit)),
        )
        if value
    }
    path = f"/v1/feeds/{scope.slug}/{period}"

    def url(suffix: str = fmt, **cursor: str) -> str:
        query_string = urlencode({**filters, **cursor})
        return f"{base_url}{path}.{suffix}" + (f"?{query_string}" if query_string else "")

    # A plain autocommit connection, not a session: a 304 costs one primary-key lookup
    # (no BEGIN/ROLLBACK round trips), and a page one keyset query over the stored item
    # fragments. The version is read first, and the indexer bumps it in the transaction
    # that changes the entries, so a page is never older than the ETag it is cached under.
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        version, last_modified = repository.feed_version(connection, scope.slug)
        etag = make_etag(
            "feed",
            get_settings().database_url,
            base_url,
            version,
            path,
            fmt,
            sorted(filters.items()),
            after,
            before,
        )

        def build() -> tuple[bytes, str]:
            page = reader.feed_page(
                connection, query, fmt, base_url, after=after, before=before, limit=limit
            )
            title = labels.period_label(period)
            document = FeedDocument(
                id=url("atom"),
                title=f"Công tác dân vận – {scope.title} – {title}",
                description=(
                    f"Hội nghị sơ kết, tổng kết, giao ban công tác dân vận của {scope.name}, "
                    f"{title} và các kỳ nằm trong đó."
                ),
                self_url=url(
                    **({"after": after} if after else {"before": before} if before else {})
                ),
                home_page_url=f"{base_url}/provinces/{scope.slug}",
                first_url=url(),
                next_url=url(after=page.next_cursor) if page.next_cursor else None,
                prev_url=url(before=page.prev_cursor) if page.prev_cursor else None,
                updated=last_modified,
                items=page.items,
            )
            return RENDERERS[fmt](document), MEDIA_TYPES[fmt]

        return conditional_response(request, etag, last_modified, build)


@router.get(
    "/feeds.opml",
    summary="Every feed that has entries, as OPML 2.0",
    responses={
        200: {"content": {"text/x-opml": {}}},
        304: {"description": "Not modified"},
        503: PROBLEM_RESPONSES[503],
    },
)
def get_opml(request: Request, session: SessionDep, base_url: BaseUrlDep) -> Response:
    version, last_modified = repository.global_version(session)
    etag = make_etag("opml", get_settings().database_url, base_url, version)

    def build() -> tuple[bytes, str]:
        counts = repository.counts_by_feed_and_period(session)
        return render_opml(counts, base_url, last_modified), "text/x-opml; charset=utf-8"

    return conditional_response(request, etag, last_modified, build)
