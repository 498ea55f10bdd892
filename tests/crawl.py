"""Follow every link the publish side shows a reader or a feed reader, and check each.

Used in-process (a TestClient) by the publish tests and over real HTTP by the crawl
test on the corpus. A page, listing or feed must never link something it cannot
serve, so every internal link has to answer 200; feeds must parse, JSON Feeds must
carry their required fields, and every feed and aggregate must carry an ETag.

Starting points: both dashboards, the OPML list, the province and period listings
and any extra paths (report pages). From there: every ``href`` of an HTML page; every
OPML feed in RSS, Atom and JSON; every province page, feed and aggregate the listings
name; each feed's next and previous pages; every report a feed item points to.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import feedparser
from lxml import etree, html

START = ("/", "/?boundary=2025", "/v1/feeds.opml", "/v1/provinces", "/v1/periods")
FEED_SUFFIXES = (".rss", ".atom", ".json")
SKIPPED_PREFIXES = ("/docs", "/redoc", "/openapi.json")  # fuzzed by schemathesis instead


class Response(Protocol):
    status_code: int
    headers: Any
    content: bytes
    text: str


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    feeds: int = 0
    aggregates: int = 0
    reports: int = 0

    def fail(self, path: str, why: str) -> None:
        self.problems.append(f"{path}: {why}")


def crawl(
    get: Callable[[str], Response],
    internal_origins: Iterable[str],
    extra: Iterable[str] = (),
    limit: int = 20_000,
) -> Crawl:
    """Visit everything reachable; ``get(path)`` answers a path (it may raise on a
    connection failure, which is recorded as a problem)."""
    origins = tuple(origin.rstrip("/") for origin in internal_origins)
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((path, "start") for path in (*START, *extra))
    seen = {path for path, _ in queue}

    def follow(link: str, source: str) -> None:
        path = _internal_path(link, origins)
        if path is None or path in seen or path.startswith(SKIPPED_PREFIXES):
            return
        seen.add(path)
        queue.append((path, source))

    while queue and len(result.visited) < limit:
        path, source = queue.popleft()
        try:
            response = get(path)
        except Exception as exc:  # a reset or refused connection is a finding, not a crash
            result.fail(path, f"{type(exc).__name__}: {exc} (linked from {source})")
            continue
        result.visited[path] = response.status_code
        if response.status_code != 200:
            result.fail(path, f"answered {response.status_code} (linked from {source})")
            continue
        for link in _links(path, response, result):
            follow(link, path)
    if queue:
        result.fail("(crawl)", f"stopped after {limit} requests with {len(queue)} left")
    return result


def _internal_path(link: str, origins: tuple[str, ...]) -> str | None:
    for origin in origins:
        if link.startswith(origin + "/"):
            link = link[len(origin) :]
            break
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not link.startswith("/"):
        return None  # a source's own site, a mailto: …
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _links(path: str, response: Response, result: Crawl) -> list[str]:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    route = urlsplit(path).path
    if media == "text/html":
        result.reports += route.startswith("/reports/")
        return _html_links(response)
    if route == "/v1/feeds.opml":
        return _opml_links(path, response, result)
    if route.startswith("/v1/feeds/"):
        result.feeds += 1
        return _feed_links(path, response, result)
    if route.startswith("/v1/aggregates/"):
        result.aggregates += 1
        _needs_etag(path, response, result)
        return []
    if route.startswith("/v1/provinces"):
        return _province_listing_links(response)
    if route == "/v1/periods":
        return [f"/v1/aggregates/national/{item['key']}" for item in response.json()]  # type: ignore[attr-defined]
    return []


def _html_links(response: Response) -> list[str]:
    document = html.fromstring(response.content)
    return [str(link) for link in document.xpath("//a/@href | //link/@href | //script/@src")]


def _opml_links(path: str, response: Response, result: Crawl) -> list[str]:
    try:
        outline = etree.fromstring(response.content)
    except etree.XMLSyntaxError as exc:
        result.fail(path, f"OPML does not parse: {exc}")
        return []
    links = []
    for url in outline.xpath("//outline/@xmlUrl"):
        stem = str(url).removesuffix(".rss")
        links.extend(stem + suffix for suffix in FEED_SUFFIXES)
    links.extend(str(url) for url in outline.xpath("//outline/@htmlUrl"))
    return links


def _province_listing_links(response: Response) -> list[str]:
    links = []
    for province in response.json():  # type: ignore[attr-defined]
        links.append(province["page"])
        for key in province["periods"]:
            links.append(f"/v1/aggregates/{province['slug']}/{key}")
            links.extend(f"/v1/feeds/{province['slug']}/{key}{suffix}" for suffix in FEED_SUFFIXES)
    return links


def _needs_etag(path: str, response: Response, result: Crawl) -> None:
    if not response.headers.get("etag"):
        result.fail(path, "answered without an ETag")


def _feed_links(path: str, response: Response, result: Crawl) -> list[str]:
    _needs_etag(path, response, result)
    if urlsplit(path).path.endswith(".json"):
        try:
            feed = json.loads(response.content)
        except ValueError as exc:
            result.fail(path, f"JSON Feed does not parse: {exc}")
            return []
        missing = {"version", "title", "items"} - set(feed)
        if missing:
            result.fail(path, f"JSON Feed lacks {sorted(missing)}")
        links = [feed.get("next_url", ""), feed.get("home_page_url", "")]
        links.extend(item.get("url", "") for item in feed.get("items", []))
        links.extend(item["id"].replace("urn:uuid:", "/reports/") for item in feed.get("items", []))
        return [link for link in links if link]
    parsed = feedparser.parse(response.content)
    if parsed.bozo:
        result.fail(path, f"feed does not parse: {parsed.get('bozo_exception')}")
        return []
    links = [link.get("href", "") for link in parsed.feed.get("links", [])]
    for entry in parsed.entries:
        links.append(entry.get("link", ""))
        links.append(entry.get("id", "").replace("urn:uuid:", "/reports/"))
    return [link for link in links if link.startswith(("/", "http"))]
