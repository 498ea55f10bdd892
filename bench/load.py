"""Load: drive ingest at a set rate for 60 s on Redis + PostgreSQL, then reconcile.

Starts ingest (uvicorn, exactly as ``make run`` does), the extract and publish
workers, and a bare FastAPI endpoint with the same uvicorn flags, then

1. measures the most each of the two answers (closed loop, ``--concurrency``
   clients, ``--probe`` seconds each): ingest's share of the bare rate is the
   figure that counts, since both run on the same machine in the same run;
2. posts distinct generated reports at ``--rate`` a second for ``--duration``
   seconds (open loop: a request is sent on schedule whether or not earlier ones
   have been answered) and records every answer's status and latency;
3. waits until nothing is left received, queued or extracting, and reconciles:
   accepted = extracted + irrelevant + failed, and every accepted id is stored.

    uv run python bench/load.py                      # rate: 70% of the probed ingest rate
    uv run python bench/load.py --rate 150 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from templates import generate_reports

BENCH_DIR = Path(__file__).resolve().parent


# The bare endpoint: same framework, same server flags, same request shape, no work.
class _Submission(BaseModel):
    text: str
    title: str | None = None
    source_url: str | None = None
    published_at: str | None = None


bare_app = FastAPI()


@bare_app.post("/v1/reports", status_code=202)
def _accept(submission: _Submission) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "status": "queued",
        "duplicate": not submission.text,
        "links": {"self": "/v1/reports/x"},
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


@dataclass
class Run:
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    exceptions: int = 0
    late_starts: int = 0

    @property
    def errors(self) -> int:
        return self.exceptions + sum(n for code, n in self.statuses.items() if code >= 300)


def payloads(count: int, tag: str) -> list[dict]:
    reports = generate_reports(min(count, 5000), seed=7)
    out = []
    for n in range(count):
        report = reports[n % len(reports)]
        out.append(
            {
                "text": f"{report['text']}\n(tải {tag}-{n})",
                "title": report.get("title"),
                "source_url": report.get("source_url"),
                "published_at": report.get("published_at"),
            }
        )
    return out


async def closed_loop(base: str, seconds: float, concurrency: int, tag: str) -> float:
    """Requests answered 2xx per second with ``concurrency`` clients back to back."""
    bodies = payloads(20000, tag)
    done = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def client_loop(offset: int) -> None:
            nonlocal done
            n = offset
            while time.perf_counter() < deadline:
                answer = await client.post("/v1/reports", json=bodies[n % len(bodies)])
                if answer.status_code < 300:
                    done += 1
                n += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(client_loop(i) for i in range(concurrency)))
        return done / (time.perf_counter() - started)


async def open_loop(base: str, rate: float, seconds: float) -> Run:
    run = Run()
    count = int(rate * seconds)
    bodies = payloads(count, uuid.uuid4().hex[:6])
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(body: dict) -> None:
            started = time.perf_counter()
            try:
                answer = await client.post("/v1/reports", json=body)
            except httpx.HTTPError:
                run.exceptions += 1
                return
            run.latencies.append(time.perf_counter() - started)
            run.statuses[answer.status_code] = run.statuses.get(answer.status_code, 0) + 1
            if answer.status_code == 202:
                run.ids.append(answer.json()["id"])

        tasks = []
        start = time.perf_counter()
        for n, body in enumerate(bodies):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                run.late_starts += 1  # the generator itself fell behind
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    return run


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready within {timeout:.0f} s")


def reconcile(database_url: str, accepted_ids: list[str], timeout: float) -> dict[str, int]:
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from danvan_shared.db import build_engine
    from danvan_shared.models import Report

    engine = build_engine(database_url)
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            counts = dict(
                session.exec(select(Report.status, func.count()).group_by(col(Report.status))).all()
            )
        unfinished = sum(counts.get(s, 0) for s in ("received", "queued", "extracting"))
        if not unfinished or time.monotonic() > deadline:
            break
        time.sleep(1)
    with Session(engine) as session:
        stored = {str(i) for i in session.exec(select(Report.id)).all()}
    counts["missing"] = len(set(accepted_ids) - stored)
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=0, help="POSTs a second (0: 70%% of probe)")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--probe", type=float, default=10, help="seconds per capacity probe")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="extract worker processes")
    parser.add_argument("--drain-timeout", type=float, default=900)
    parser.add_argument(
        "--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    import redis
    from sqlalchemy import text

    from danvan_shared.db import build_engine
    from danvan_shared.migrate import upgrade_database
    from danvan_shared.settings import Settings
    from danvan_shared.supervisor import process_command

    name = f"danvan_load_{uuid.uuid4().hex[:8]}"
    admin = build_engine(args.pg_admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade_database(database_url)
    redis.Redis.from_url(args.broker_url).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="danvan-load-"))
    ingest_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "DANVAN_DATABASE_URL": database_url,
        "DANVAN_BROKER_URL": args.broker_url,
        "DANVAN_LOG_LEVEL": "WARNING",
        "DANVAN_INGEST_PORT": str(ingest_port),
        "DANVAN_DATA_DIR": str(workdir),
        "DANVAN_EXTRACT_CONCURRENCY": str(args.workers),
        "DANVAN_RATE_LIMIT_PER_MINUTE": "100000000",
        "DANVAN_EXTRACT_METRICS_PORT": str(free_port()),
        "DANVAN_PUBLISH_WORKER_METRICS_PORT": str(free_port()),
    }
    settings = Settings(
        database_url=database_url,
        broker_url=args.broker_url,
        ingest_port=ingest_port,
        extract_concurrency=args.workers,
    )
    ingest_command = process_command("ingest", settings)
    bare_command = [
        *ingest_command[:3],
        "--app-dir",
        str(BENCH_DIR),
        "load:bare_app",
        *ingest_command[4:],
    ]
    bare_command[bare_command.index(str(ingest_port))] = str(bare_port)
    processes = [
        start(bare_command, env, workdir / "bare.log"),
        start(ingest_command, env, workdir / "ingest.log"),
    ]
    try:
        wait_ready(f"http://127.0.0.1:{bare_port}/docs")
        wait_ready(f"http://127.0.0.1:{ingest_port}/readyz")
        ingest = f"http://127.0.0.1:{ingest_port}"
        # Capacity probes first, with the workers still stopped, so that neither
        # endpoint shares the two cores with extraction while it is measured.
        bare_rate = asyncio.run(
            closed_loop(f"http://127.0.0.1:{bare_port}", args.probe, args.concurrency, "bare")
        )
        ingest_rate = asyncio.run(closed_loop(ingest, args.probe, args.concurrency, "probe"))
        os.killpg(processes[0].pid, signal.SIGTERM)
        print(
            f"capacity: bare FastAPI {bare_rate:.0f}/s, ingest {ingest_rate:.0f}/s "
            f"(ratio {ingest_rate / bare_rate:.2f}; {args.concurrency} clients, "
            f"{args.probe:.0f} s each)",
            flush=True,
        )
        processes += [
            start(process_command(n, settings), env, workdir / f"{n}.log")
            for n in ("extract", "publish-worker")
        ]
        rate = args.rate or round(0.7 * ingest_rate)
        run = asyncio.run(open_loop(ingest, rate, args.duration))
        probe_ids: list[str] = []  # the probe's reports are reconciled too
        counts = reconcile(database_url, run.ids + probe_ids, args.drain_timeout)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with admin.connect() as connection:  # the scratch database goes with the run
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finished = sum(counts.get(s, 0) for s in ("extracted", "irrelevant", "failed"))
    total = sum(v for k, v in counts.items() if k != "missing")
    summary = {
        "rate_target": rate,
        "duration_s": args.duration,
        "sent": sum(run.statuses.values()) + run.exceptions,
        "statuses": run.statuses,
        "errors": run.errors,
        "late_starts": run.late_starts,
        "latency_p50_ms": round(1000 * percentile(run.latencies, 0.50), 1),
        "latency_p99_ms": round(1000 * percentile(run.latencies, 0.99), 1),
        "bare_capacity_per_s": round(bare_rate),
        "ingest_capacity_per_s": round(ingest_rate),
        "capacity_ratio": round(ingest_rate / bare_rate, 2),
        "reports": counts,
        "stored_total": total,
        "finished": finished,
        "reconciled": counts["missing"] == 0 and finished == total,
    }
    print(
        f"load: {rate:.0f}/s for {args.duration:.0f} s: {summary['sent']} sent, "
        f"{run.errors} errors, p50 {summary['latency_p50_ms']} ms, "
        f"p99 {summary['latency_p99_ms']} ms"
    )
    print(
        f"reconcile: stored {total} = extracted {counts.get('extracted', 0)} + irrelevant "
        f"{counts.get('irrelevant', 0)} + failed {counts.get('failed', 0)}"
        f"{' + unfinished ' + str(total - finished) if total != finished else ''}; "
        f"missing {counts['missing']}"
    )
    print(json.dumps(summary))
    if not summary["reconciled"] or run.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
