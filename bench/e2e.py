"""End-to-end benchmark: POST N generated reports, wait until all are extracted.

Reports accepted/s (POST throughput), extracted/s (first receipt to last
extraction, server clocks) and POST-to-extracted latency p50/p95/p99 (from each
report's own received_at and finished_at).

Against a stack you run yourself:
    uv run python bench/e2e.py --ingest-url http://127.0.0.1:8000
Or let it start ingest + workers on Redis + PostgreSQL (a scratch database):
    uv run python bench/e2e.py --start-stack --count 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from templates import generate_reports

FINISHED = {"extracted", "irrelevant", "failed"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def post_all(base: str, reports: list[dict], concurrency: int) -> tuple[list[str], float]:
    semaphore = asyncio.Semaphore(concurrency)
    urls: list[str] = []
    errors: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def post(report: dict) -> None:
            payload = {key: report[key] for key in ("text", "title", "published_at")}
            payload["source_url"] = report.get("source_url")
            payload["text"] += f"\n(bench {uuid.uuid4().hex[:8]})"  # unique content
            async with semaphore:
                response = await client.post("/v1/reports", json=payload)
            if response.status_code == 202:
                urls.append(response.json()["links"]["self"])
            else:
                errors[response.status_code] = errors.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post(report) for report in reports))
        elapsed = time.perf_counter() - started
    if errors:
        print(f"warning: POSTs not accepted, by status: {errors}", file=sys.stderr)
    return urls, elapsed


async def wait_finished(urls: list[str], timeout: float, concurrency: int) -> list[dict]:
    semaphore = asyncio.Semaphore(concurrency)
    deadline = time.monotonic() + timeout
    pending = set(urls)
    results: dict[str, dict] = {}
    async with httpx.AsyncClient(timeout=30) as client:

        async def check(url: str) -> None:
            async with semaphore:
                body = (await client.get(url)).json()
            if body["status"] in FINISHED:
                results[url] = body
                pending.discard(url)

        while pending and time.monotonic() < deadline:
            await asyncio.gather(*(check(url) for url in list(pending)))
            if pending:
                await asyncio.sleep(0.5)
    if pending:
        raise SystemExit(f"{len(pending)} reports not finished within {timeout:.0f} s")
    return list(results.values())


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import text

    from danvan_shared.db import build_engine

    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start_stack(args: argparse.Namespace) -> tuple[list, str]:
    """Ingest, extract worker and publish worker on a scratch PostgreSQL database."""
    import subprocess

    import redis
    from sqlalchemy import text

    from danvan_shared.db import build_engine
    from danvan_shared.migrate import upgrade_database
    from danvan_shared.settings import Settings
    from danvan_shared.supervisor import process_command

    name = f"danvan_bench_{uuid.uuid4().hex[:8]}"
    admin = build_engine(args.pg_admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade_database(database_url)
    redis.Redis.from_url(args.broker_url).flushdb()
    env = {
        **os.environ,
        "DANVAN_DATABASE_URL": database_url,
        "DANVAN_BROKER_URL": args.broker_url,
        "DANVAN_LOG_LEVEL": "WARNING",
        "DANVAN_INGEST_PORT": str(args.port),
        "DANVAN_EXTRACT_CONCURRENCY": str(args.workers),
        # One client posting thousands of reports: not what the per-client limit is for.
        "DANVAN_RATE_LIMIT_PER_MINUTE": "100000000",
        "DANVAN_DATA_DIR": tempfile.mkdtemp(prefix="danvan-bench-"),
    }
    settings = Settings(
        database_url=database_url,
        broker_url=args.broker_url,
        ingest_port=args.port,
        extract_concurrency=args.workers,
    )
    processes = [
        subprocess.Popen(
            process_command(process, settings),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for process in ("ingest", "extract", "publish-worker")
    ]
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    args.scratch_database = name
    print(f"stack started on {database_url.rsplit('@', 1)[-1]} and {args.broker_url}")
    return processes, base


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000, help="reports to post (2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel POSTs (16)")
    parser.add_argument("--ingest-url", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait (600)")
    parser.add_argument(
        "--start-stack",
        action="store_true",
        help="start ingest and workers on Redis + a scratch PostgreSQL database",
    )
    parser.add_argument(
        "--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--port", type=int, default=8100, help="ingest port with --start-stack")
    parser.add_argument("--workers", type=int, default=2, help="extract worker processes (2)")
    args = parser.parse_args()

    processes: list = []
    base = args.ingest_url
    if args.start_stack:
        processes, base = start_stack(args)
    try:
        reports = generate_reports(args.count, seed=42)
        urls, post_seconds = asyncio.run(post_all(base, reports, args.concurrency))
        finished = asyncio.run(wait_finished(urls, args.timeout, args.concurrency))
    finally:
        import signal

        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        if getattr(args, "scratch_database", None):
            drop_database(args.pg_admin_url, args.scratch_database)

    received = [datetime.fromisoformat(body["received_at"]) for body in finished]
    started = [datetime.fromisoformat(body["started_at"]) for body in finished]
    done = [datetime.fromisoformat(body["finished_at"]) for body in finished]
    latencies = [(end - start).total_seconds() for start, end in zip(received, done, strict=True)]
    span = (max(done) - min(received)).total_seconds()
    working_span = (max(done) - min(started)).total_seconds()
    statuses: dict[str, int] = {}
    for body in finished:
        statuses[body["status"]] = statuses.get(body["status"], 0) + 1
    print(f"reports:      {len(urls)} accepted of {args.count} ({statuses})")
    print(f"accepted/s:   {len(urls) / post_seconds:.0f}  (concurrency {args.concurrency})")
    print(
        f"extracted/s:  {len(finished) / span:.0f} (first receipt to last extraction), "
        f"{len(finished) / working_span:.0f} (first task start to last extraction)"
    )
    print(
        "POST→extracted latency: "
        f"p50 {percentile(latencies, 0.50):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
        f"p99 {percentile(latencies, 0.99):.2f} s, mean {statistics.fmean(latencies):.2f} s"
    )


if __name__ == "__main__":
    main()
