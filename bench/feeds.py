"""Benchmark the publish feeds at 10,000 and 100,000 reports on PostgreSQL.

Generates reports and their feed entries (three per report: pre-2025 province,
post-2025 province, national), with their pre-rendered items (one set per report) as
the indexer stores them, straight into the read model, then measures, in
process through httpx.AsyncClient + ASGITransport (no network, no TestClient thread
hops, so the figures are the app's own cost), sequential requests for:

* a first page (50 items) of a national and a province feed, render cache OFF
  (every request queries and renders) and ON (the normal configuration);
* deep pages (26 and, where the feed is that long, 251 pages in, reached through the
  keyset ``next`` cursors), cache OFF;
* a conditional request answered 304 (If-None-Match).

Each line gives wall-clock p50/p99 latency, requests/s, and the process CPU time per
request (client and app, not PostgreSQL), which is less sensitive to a busy machine.
Responses are requested with httpx's default Accept-Encoding (gzip).

Usage:
    uv run python bench/feeds.py                      # scratch DB on 127.0.0.1:5432
    uv run python bench/feeds.py --database-url postgresql+psycopg://u@host/db --keep
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from scratch import create_scratch_database, drop_scratch_database
from sqlalchemy import insert, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BASE_URL = "http://feeds.bench"
KINDS = ["Q1", "Q2", "Q3", "Q4", "H1", "H2", "9M", "FY"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL to load into (default: a "
        "scratch database created on 127.0.0.1:5432 as user postgres)",
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="report counts to measure at, ascending (default: %(default)s)",
    )
    parser.add_argument(
        "--requests", type=int, default=400, help="requests per measurement (default: %(default)s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def generate(
    count: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    from types import SimpleNamespace

    from danvan_publish import fragments, labels, provinces
    from danvan_shared.extraction_schema import period_bounds_for_key

    old = provinces.scopes_for_boundary("old")
    now = datetime.now(UTC)
    reports: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for _ in range(count):
        report_id = uuid.uuid4()
        year = rng.randint(2019, 2025)
        kind = rng.choice(KINDS)
        key = str(year) if kind == "FY" else f"{year}-{kind}"
        start, end = period_bounds_for_key(key)  # type: ignore[misc]
        published = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(
            days=rng.randint(1, 40), seconds=rng.randint(0, 86_400)
        )
        province = rng.choice(old)
        new = provinces.new_scope_for_old_code(province.code or "")
        meeting = rng.choice(["so_ket", "tong_ket", "giao_ban"])
        level = rng.choice(["province", "district", "district", "commune"])
        unit = f"Huyện ủy {rng.choice(['Chiêm Hóa', 'Bắc Quang', 'Thạch Thất', 'Mộc Châu'])}"
        summary = (
            f"Ngày {labels.date_label(published.date())}, {unit} ({province.name}) tổ "
            f"chức hội nghị {labels.meeting_label(meeting).lower()} công tác dân vận "
            f"{labels.period_label(key)}. Đồng chí Nguyễn Văn An, Bí thư chủ trì."
        )
        reports.append(
            {
                "id": report_id,
                "content_hash": report_id.hex,
                "content_type": "text/plain",
                "body": summary * 4,
                "title": summary[:120],
                "published_at": published,
                "received_at": published,
                "status": "extracted",
                "attempts": 1,
                "extractor_version": "bench",
            }
        )
        common = {
            "report_id": report_id,
            "period_key": key,
            "period_kind": kind,
            "period_start": start,
            "period_end": end,
            "period_year": end.year,
            "level": level,
            "meeting_type": meeting,
            "campaign_slugs": "|dan-van-kheo|",
            "event_key": f"{province.slug}|{key}|{rng.randint(0, 10**9)}",
            "is_canonical": True,
            "title": f"{labels.meeting_label(meeting)} công tác dân vận "
            f"{labels.period_label(key)} – {unit}",
            "summary": summary,
            "content_html": f"<p>{summary}</p><blockquote>{summary * 2}</blockquote>",
            "unit_name": unit,
            "source_url": f"https://example.gov.vn/tin/{report_id.hex}",
            "source_name": "Cổng thông tin",
            "chairs": [{"name": "Nguyễn Văn An", "titles": ["Bí thư"]}],
            "campaigns": [{"name": "Dân vận khéo", "slug": "dan-van-kheo", "kind": "movement"}],
            "documents": [],
            "event_date": published.date(),
            "published_at": published,
            "sort_at": published,
            "extractor_version": "bench",
            "content_hash": "x",
            "created_at": now,
            "updated_at": now,
        }
        for scope in (province, new, provinces.scope(provinces.NATIONAL)):
            if scope is not None:
                entries.append(
                    {
                        **common,
                        "feed": scope.slug,
                        "boundary": scope.boundary,
                        "province_code": scope.code,
                        "province_name": scope.name,
                    }
                )
        rendered = fragments.render_report(
            SimpleNamespace(**entries[-1]),  # type: ignore[arg-type]
            BASE_URL,
        )
        assert rendered is not None
        items.append({"report_id": report_id, "content_hash": "x", **rendered.as_columns()})
    return reports, entries, items


def load(url: str, count: int, rng: random.Random) -> None:
    from danvan_shared.db import build_engine
    from danvan_shared.models import FeedEntry, Report, ReportItem

    engine = build_engine(url)
    reports, entries, items = generate(count, rng)
    with engine.begin() as connection:
        for rows, table in (
            (reports, Report.__table__),
            (entries, FeedEntry.__table__),
            (items, ReportItem.__table__),
        ):
            for offset in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[offset : offset + 5000])  # type: ignore[arg-type]
        feeds = {row["feed"] for row in entries}
        now = datetime.now(UTC)
        for feed in feeds:
            connection.execute(
                text(
                    "INSERT INTO feed_version (feed, version, updated_at) VALUES (:f, 1, :now) "
                    "ON CONFLICT (feed) DO UPDATE SET version = feed_version.version + 1, "
                    "updated_at = :now"
                ),
                {"f": feed, "now": now},
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE feed_entry"))
        connection.execute(text("VACUUM ANALYZE feed_version"))
    engine.dispose()


class SyncClient:
    """Drives an httpx.AsyncClient on the ASGI app from synchronous code.

    A measurement runs all its requests inside one task: anyio stops its worker
    threads when the task that started them ends, so driving each request with its own
    ``run_until_complete`` would start a new thread per request (a cost a server,
    whose event loop keeps running, does not pay).
    """

    def __init__(self, app: Any) -> None:
        import asyncio

        import httpx

        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        # ASGITransport sends no lifespan events: run the app's start-up as a server does.
        self._lifespan = app.router.lifespan_context(app)
        self._loop.run_until_complete(self._lifespan.__aenter__())

    def get(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return self._loop.run_until_complete(self._client.get(url, headers=headers))

    def timed(
        self, url: str, requests: int, headers: dict[str, str] | None, expect: int
    ) -> tuple[list[float], float, float]:
        async def run() -> tuple[list[float], float, float]:
            for _ in range(10):  # warm-up
                await self._client.get(url, headers=headers)
            timings = []
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(requests):
                begin = time.perf_counter()
                response = await self._client.get(url, headers=headers)
                timings.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == expect, (url, response.status_code)
            return timings, time.perf_counter() - started, time.process_time() - cpu

        return self._loop.run_until_complete(run())

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self._loop.close()


def measure(
    client: Any, url: str, requests: int, headers: dict[str, str] | None = None, expect: int = 200
) -> dict[str, float]:
    timings, elapsed, cpu = client.timed(url, requests, headers, expect)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p99": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "rps": requests / elapsed,
        "cpu": cpu / requests * 1000,
    }


def run_suite(client: Any, requests: int) -> list[tuple[str, dict[str, float]]]:
    from danvan_publish.http_cache import render_cache

    results = []
    national = "/v1/feeds/national/2022.atom"
    province = "/v1/feeds/ha-noi/2022.rss"
    render_cache.enabled = False
    render_cache.clear()
    results.append(
        ("first page national 2022 (atom, no cache)", measure(client, national, requests))
    )
    results.append(("first page ha-noi 2022 (rss, no cache)", measure(client, province, requests)))
    results.append(
        (
            "first page national 2021-2025 (json, no cache)",
            measure(client, "/v1/feeds/national/2021-2025.json", requests),
        )
    )
    url = "/v1/feeds/national/2022.json"
    depth = 0
    for target in (25, 250):  # walk the keyset cursors; measure 26 and 251 pages deep
        while depth < target:
            next_url = client.get(url).json().get("next_url")
            if not next_url:
                break
            url = next_url.removeprefix(BASE_URL)
            depth += 1
        if depth == target:
            results.append(
                (
                    f"deep page ({depth + 1}th) national 2022 (atom, no cache)",
                    measure(client, url.replace(".json?", ".atom?"), requests),
                )
            )
    render_cache.enabled = True
    results.append(("first page national 2022 (atom, cached)", measure(client, national, requests)))
    etag = client.get(national).headers["etag"]
    results.append(
        (
            "304 national 2022 (If-None-Match)",
            measure(client, national, requests, {"If-None-Match": etag}, 304),
        )
    )
    return results


def main() -> None:
    args = parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    scratch = args.database_url is None
    url = args.database_url or create_scratch_database(ADMIN_URL, "danvan_bench", migrate=False)
    os.environ["DANVAN_DATABASE_URL"] = url
    os.environ["DANVAN_PUBLIC_BASE_URL"] = BASE_URL
    from danvan_publish.app import create_app
    from danvan_shared.migrate import upgrade_database

    upgrade_database(url)
    rng = random.Random(args.seed)
    loaded = 0
    print(
        f"database: {url}\nmode: in-process (httpx.AsyncClient + ASGITransport), sequential, "
        f"{args.requests} requests per line after 10 warm-up requests"
    )
    try:
        client = SyncClient(create_app())
        for size in sizes:
            begin = time.perf_counter()
            load(url, size - loaded, rng)
            loaded = size
            print(
                f"\n== {size:,} reports ({size * 3:,}-ish feed entries; "
                f"loaded in {time.perf_counter() - begin:.0f} s) =="
            )
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(f"{'request':52} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'cpu ms':>8}")
            for name, stats in run_suite(client, args.requests):
                print(
                    f"{name:52} {stats['p50']:8.2f} {stats['p99']:8.2f} "
                    f"{stats['rps']:8.0f} {stats['cpu']:8.2f}"
                )
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        client.close()
    finally:
        from danvan_shared.db import get_engine

        get_engine.cache_clear()
        if scratch and not args.keep:
            drop_scratch_database(ADMIN_URL, url)


if __name__ == "__main__":
    main()
