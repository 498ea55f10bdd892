"""Load: how fast ingest answers, and how fast fresh reports get through, under load.

Runs on a stack of its own (``--backend postgres``: its own redis-server and a scratch
PostgreSQL database; ``embedded``: SQLite and the embedded broker), workers running;
the machine's shared Redis is never touched. Two modes:

1. Sustained rate (default): single POSTs at ``--rate`` a second for ``--duration``
   seconds, open loop (each request leaves on schedule whether or not earlier ones
   were answered, as independent clients do). Prints the answers' latency
   p50/p95/p99/max and every error. Goal: p99 ≤ 100 ms at 100 POSTs/s for 30 s.
   Every accepted report must be stored; with ``--drain-timeout`` the bench also
   waits until all are indexed and reconciles the statuses.

2. Backlog (``--backlog N``): uploads N reports by NDJSON batches, then, while that
   backlog drains, sends single POSTs at ``--probe-rate`` a second for ``--duration``
   seconds and follows each to its feeds (finished, report.extracted acknowledged).
   Goal: with 50,000 in the backlog, probes at 20/s indexed with p95 ≤ 2 s. A probe
   not indexed within ``--probe-timeout`` of the last one sent counts as slower than
   every indexed one (the percentiles then say "> …").

    uv run python bench/load.py                                  # 100/s for 30 s
    uv run python bench/load.py --backlog 50000 --probe-rate 20  # fresh reports vs backlog
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time

from intake import Intake, open_loop, payloads, post_single, tag, upload_batches
from observe import Observer, ReportTimes
from scratch import percentile, print_table
from stack import BACKENDS, Stack, interruptible

POST_P99_GOAL_S = 0.100
PROBE_P95_GOAL_S = 2.0
WARMUP_POSTS = 20


def _ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{1000 * seconds:.1f}"


def latency_row(label: str, values: list[float], unit: str = "ms") -> list[object]:
    show = _ms if unit == "ms" else _s
    if not values:
        return [label, 0, "–", "–", "–", "–"]
    return [
        label,
        len(values),
        *(show(percentile(values, p)) for p in (0.50, 0.95, 0.99)),
        show(max(values)),
    ]


def _s(seconds: float) -> str:
    return "> timeout" if math.isinf(seconds) else f"{seconds:.2f}"


# ---- mode 1: sustained rate --------------------------------------------------------------


def sustained(args: argparse.Namespace, stack: Stack) -> dict:
    warmup = payloads(WARMUP_POSTS, seed=args.seed + 1, tag=tag())
    asyncio.run(post_single(stack.ingest_url, warmup, concurrency=4, progress_every=0))
    bodies = payloads(int(args.rate * args.duration), seed=args.seed, tag=tag())
    print(f"sending {len(bodies)} POSTs at {args.rate:g}/s", file=sys.stderr, flush=True)
    run = asyncio.run(open_loop(stack.ingest_url, bodies, args.rate))
    result = {
        "mode": "rate",
        "rate": args.rate,
        "duration_s": args.duration,
        "sent": len(bodies),
        "send_rate": round(len(bodies) / max(1e-9, run.dispatched - run.started), 1),
        "accepted": run.accepted,
        "errors": run.errors,
        "late_starts": run.late_starts,
        "last_answer_s": round(run.finished - run.started, 1),
        "latency_ms": _percentiles_ms(run.latencies),
    }
    observer = Observer(stack.database_url)
    try:
        stored = observer.stored_among(run.sent_at)
        result["missing"] = run.accepted - len(stored)
        if args.drain_timeout:
            expected = run.accepted + WARMUP_POSTS
            deadline = time.monotonic() + args.drain_timeout
            progress = observer.progress(time.time())
            while not progress.all_indexed(expected) and time.monotonic() < deadline:
                time.sleep(1)
                progress = observer.progress(time.time())
            result["drained"] = progress.all_indexed(expected)
            result["statuses"] = progress.by_status
            result["events_pending"] = progress.outstanding
    finally:
        observer.close()
    show_sustained(result, run)
    return result


def _percentiles_ms(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    points = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
    figures = {name: round(1000 * percentile(values, p), 1) for name, p in points.items()}
    return {**figures, "max": round(1000 * max(values), 1)}


def _percentiles_s(values: list[float]) -> dict[str, float | None]:
    """None for a percentile that falls on a report not indexed in time."""
    figures: dict[str, float | None] = {}
    for name, point in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        value = percentile(values, point) if values else math.inf
        figures[name] = None if math.isinf(value) else round(value, 2)
    return figures


def show_sustained(result: dict, run: Intake) -> None:
    print()
    print_table(
        ["POST /v1/reports", "answers", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        [latency_row(f"{result['rate']:g}/s for {result['duration_s']:g} s", run.latencies)],
    )
    p99 = result["latency_ms"]["p99"]
    verdict = (
        "met" if p99 is not None and p99 <= 1000 * POST_P99_GOAL_S and not run.errors else "NOT met"
    )
    print(
        f"sent {result['sent']} at {result['send_rate']}/s (late starts {run.late_starts}), "
        f"the last answered after {result['last_answer_s']} s; "
        f"accepted {run.accepted}; errors {run.errors or 'none'}; "
        f"accepted but not stored {result['missing']}"
    )
    lighter = result["rate"] < 100 or result["duration_s"] < 30
    note = " (but this run's load is lighter than the goal's)" if lighter else ""
    print(f"goal: p99 ≤ {1000 * POST_P99_GOAL_S:.0f} ms at 100/s for 30 s: {verdict}{note}")
    if "drained" in result:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))
        state = "all indexed" if result["drained"] else "NOT all indexed in time"
        print(f"drain: {state}; {statuses}; events pending {result['events_pending']}")


# ---- mode 2: probes through a backlog ----------------------------------------------------


async def probe_through_backlog(args: argparse.Namespace, stack: Stack, observer: Observer) -> dict:
    backlog = payloads(args.backlog, seed=args.seed, tag=tag())
    probes = payloads(int(args.probe_rate * args.duration), seed=args.seed + 1, tag=tag())
    uploaded = await upload_batches(
        stack.ingest_url, backlog, concurrency=args.upload_concurrency, max_lines=args.batch_lines
    )
    before = await asyncio.to_thread(observer.progress, time.time())
    print(
        f"backlog of {uploaded.accepted} uploaded in {uploaded.seconds:.0f} s; "
        f"{before.line()}; probing at {args.probe_rate:g}/s for {args.duration:g} s",
        file=sys.stderr,
        flush=True,
    )
    probing = Intake()
    indexed_at: dict[str, float] = {}
    sender = asyncio.create_task(open_loop(stack.ingest_url, probes, args.probe_rate, probing))
    deadline = math.inf
    while True:
        pending = probing.sent_at.keys() - indexed_at.keys()
        if pending:
            found = await asyncio.to_thread(observer.indexed_among, list(pending))
            now = time.time()
            for report_id in found:
                indexed_at[report_id] = now
        if sender.done():
            if deadline == math.inf:
                deadline = time.monotonic() + args.probe_timeout
            if probing.sent_at.keys() <= indexed_at.keys() or time.monotonic() > deadline:
                break
        await asyncio.sleep(args.poll)
    await sender
    after = await asyncio.to_thread(observer.progress, time.time())
    stages = probe_stages(
        await asyncio.to_thread(observer.report_times), set(probing.sent_at) & set(indexed_at)
    )
    to_feed = [
        indexed_at[key] - sent if key in indexed_at else math.inf
        for key, sent in probing.sent_at.items()
    ]
    result = {
        "mode": "backlog",
        "backlog": args.backlog,
        "backlog_accepted": uploaded.accepted,
        "upload_s": round(uploaded.seconds, 1),
        "upload_errors": uploaded.errors,
        "probe_rate": args.probe_rate,
        "duration_s": args.duration,
        "probes_sent": len(probes),
        "probes_accepted": probing.accepted,
        "probes_indexed": len(indexed_at),
        "probe_timeout_s": args.probe_timeout,
        "probe_errors": probing.errors,
        "probe_post_ms": _percentiles_ms(probing.latencies),
        "probe_indexed_s": _percentiles_s(to_feed),
        "probe_extract_s": _percentiles_s(stages[0]),
        "probe_publish_s": _percentiles_s(stages[1]),
        "backlog_indexed_before": before.indexed,
        "backlog_indexed_after": after.indexed - len(indexed_at),
        "backlog_window_s": round(after.at - before.at, 1),
    }
    show_backlog(result, probing, to_feed, stages)
    return result


def probe_stages(times: list[ReportTimes], probes: set[str]) -> tuple[list[float], list[float]]:
    """Where the indexed probes' time went, by the database's clocks: received →
    extracted (waiting for an extract worker, and the extraction) and extracted → the
    start of the publish task that indexed it (a feed entry's creation time is when
    its indexing began); the rest of POST → indexed is the indexing itself and this
    bench's polling."""
    extract, publish = [], []
    for report in times:
        if report.id in probes and report.finished_at and report.first_entry_at:
            extract.append((report.finished_at - report.received_at).total_seconds())
            publish.append((report.first_entry_at - report.finished_at).total_seconds())
    return extract, publish


def show_backlog(
    result: dict, probing: Intake, to_feed: list[float], stages: tuple[list[float], list[float]]
) -> None:
    print()
    print_table(
        [f"probes at {result['probe_rate']:g}/s", "reports", "p50", "p95", "p99", "max"],
        [
            latency_row("POST answered (ms)", probing.latencies),
            latency_row("POST → indexed (s)", to_feed, unit="s"),
            latency_row("  received → extracted (s)", stages[0], unit="s"),
            latency_row("  extracted → publish took it (s)", stages[1], unit="s"),
        ],
    )
    p95 = percentile(to_feed, 0.95) if to_feed else math.inf
    verdict = "met" if p95 <= PROBE_P95_GOAL_S else "NOT met"
    window = result["backlog_window_s"]
    drained = result["backlog_indexed_after"] - result["backlog_indexed_before"]
    print(
        f"probes: {result['probes_accepted']} accepted of {result['probes_sent']}, "
        f"{result['probes_indexed']} indexed within {result['probe_timeout_s']:g} s of the "
        f"last one sent; errors {result['probe_errors'] or 'none'}"
    )
    print(
        f"backlog: {result['backlog_accepted']} uploaded in {result['upload_s']} s; "
        f"{drained} of it indexed during the {window:.0f} s of probing "
        f"({drained / max(window, 1e-9):.1f}/s); {result['backlog_indexed_after']} indexed so far"
    )
    lighter = result["backlog"] < 50_000 or result["probe_rate"] < 20
    note = " (but this run's load is lighter than the goal's)" if lighter else ""
    print(
        f"goal: probes at 20/s indexed with p95 ≤ {PROBE_P95_GOAL_S:g} s with 50,000 in the "
        f"backlog: {verdict}{note}"
    )


# ---- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=BACKENDS, default="postgres")
    parser.add_argument("--workers", type=int, default=2, help="extract worker processes (2)")
    parser.add_argument(
        "--ingest-processes",
        type=int,
        default=1,
        help="ingest server processes (DANVAN_INGEST_PROCESSES, default 1)",
    )
    parser.add_argument("--rate", type=float, default=100, help="POSTs a second (100)")
    parser.add_argument("--duration", type=float, default=None, help="seconds (30; backlog 60)")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=0,
        help="rate mode: then wait this long for every report to be indexed (0: do not wait)",
    )
    parser.add_argument("--backlog", type=int, default=0, help="reports uploaded first (0)")
    parser.add_argument("--probe-rate", type=float, default=20, help="probe POSTs a second (20)")
    parser.add_argument(
        "--probe-timeout",
        type=float,
        default=60,
        help="seconds to follow the probes after the last is sent (60)",
    )
    parser.add_argument("--upload-concurrency", type=int, default=2, help="parallel uploads (2)")
    parser.add_argument("--batch-lines", type=int, default=500, help="lines per upload (500)")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between looks (0.2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = 60.0 if args.backlog else 30.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with interruptible():
        try:
            with Stack(
                args.backend,
                extract_workers=args.workers,
                extra_env={"DANVAN_INGEST_PROCESSES": str(args.ingest_processes)},
            ) as stack:
                stack.start()
                print(f"stack: {stack.describe()}; {args.workers} extract workers", flush=True)
                if args.backlog:
                    observer = Observer(stack.database_url)
                    try:
                        result = asyncio.run(probe_through_backlog(args, stack, observer))
                    finally:
                        observer.close()
                else:
                    result = sustained(args, stack)
            print(f"the services' output: {stack.kept_log}", file=sys.stderr)
        except KeyboardInterrupt:
            print("interrupted; the stack is stopped", file=sys.stderr)
            return 130
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
