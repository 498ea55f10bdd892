"""End to end: N generated reports from intake to their feeds, on a stack of its own.

Starts ``danvan serve`` (ingest, the extract and publish workers; no samples) on
``--backend postgres`` (its own redis-server + a scratch PostgreSQL database) or
``--backend embedded`` (SQLite + the embedded broker in a temporary directory), sends
the reports by NDJSON batch upload (``POST /v1/reports:batch``) or one POST each,
waits until every report is indexed (finished, its report.extracted event
acknowledged by publish), stops everything and prints:

- accepted/s (intake), extracted/s (first request → last extraction) and indexed/s
  (first request → nothing left unfinished or pending);
- request → extracted and request → first feed entry latencies, p50/p95/p99;
- the extractor's own rate over the same reports in this process (CPU time, measured
  before the stack starts and again after it stops, as the machine's speed drifts; the
  mean is the rate), per core and × the extract worker processes, and the share of it
  the whole pipeline reaches (goal: ≥ 25 % on postgres, ≥ 10 % embedded).

    uv run python bench/e2e.py --count 2000                       # postgres, batch upload
    uv run python bench/e2e.py --count 2000 --intake single
    uv run python bench/e2e.py --count 50000 --backend embedded
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime

from intake import Intake, payloads, post_single, tag, upload_batches
from observe import Observer, Progress, ReportTimes
from scratch import percentile, print_table
from stack import BACKENDS, Stack, interruptible

GOALS = {"postgres": 0.25, "embedded": 0.10}
#: ``--intake auto``: batch upload above this many reports, single POSTs up to it
AUTO_BATCH_ABOVE = 500


def extractor_rate(bodies: list[dict]) -> tuple[float, float]:
    """Reports per second of the extractor on one core (CPU time) and by the wall clock,
    called exactly as the extract task calls it, in this process."""
    from danvan_extract.extraction import extract_report

    extract_report(bodies[0]["text"])  # loads the gazetteer and the automatons
    cpu, wall = time.process_time(), time.perf_counter()
    for body in bodies:
        extract_report(
            body["text"],
            content_type="text/plain",
            url=body["source_url"],
            title=body["title"],
            published_at=datetime.fromisoformat(body["published_at"]),
        )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(bodies) / cpu, len(bodies) / wall


#: the shortest wait between two looks, near the end
CLOSEST_LOOK_S = 0.02
#: the wait before a look while nothing is indexed yet (no rate to go by)
EARLY_LOOK_S = 0.5


def wait_indexed(
    observer: Observer,
    expected: int,
    started: float,
    timeout: float,
    poll: float,
    every: float = 5,
) -> tuple[Progress, bool]:
    """Poll until every report is indexed; the first look that finds it so."""
    deadline = time.monotonic() + timeout
    next_line = time.monotonic() + every
    previous: Progress | None = None
    while True:
        progress = observer.progress(time.time())
        if progress.all_indexed(expected):
            return progress, True
        if time.monotonic() > deadline:
            return progress, False
        if time.monotonic() >= next_line:
            next_line = time.monotonic() + every
            print(f"  {progress.line()}", file=sys.stderr, flush=True)
        time.sleep(next_look(progress, previous, expected, started, poll))
        previous = progress


def next_look(
    progress: Progress, previous: Progress | None, expected: int, started: float, poll: float
) -> float:
    """Seconds to the next look: half the time the rest should take at the rate since
    the last look, at most a tenth of the time run so far and at most ``poll``.

    The run ends at the look that sees every report indexed, so looks ``poll`` apart
    would put the end up to ``poll`` late (a tenth of a 2,000-report run at half a
    second). And each look counts the whole report table on the database under test:
    at 50,000 reports a look took about 70 ms, and looks every half second cost
    PostgreSQL 3.7-5.4 s of CPU a run, about 2 % of what the pipeline spent. Hence
    looks far apart while the end is far, and closer as it nears. The rate is the last
    stretch's: the first seconds, while the pipeline fills, are slower."""
    done, elapsed = progress.indexed, progress.at - started
    if done <= 0 or elapsed <= 0:
        return min(poll, EARLY_LOOK_S)
    rate = done / elapsed
    if previous is not None and done > previous.indexed and progress.at > previous.at:
        rate = (done - previous.indexed) / (progress.at - previous.at)
    expected_in = (expected - done) / rate
    return min(poll, elapsed / 10, max(CLOSEST_LOOK_S, expected_in / 2))


def publish_env(args: argparse.Namespace) -> dict[str, str]:
    """The publish workers' settings the options ask for (unset: serve's defaults)."""
    env = {}
    if args.publish_workers:
        env["DANVAN_PUBLISH_CONCURRENCY"] = str(args.publish_workers)
    if args.publish_bulk_workers is not None:
        env["DANVAN_PUBLISH_BULK_CONCURRENCY"] = str(args.publish_bulk_workers)
    return env


def measure(args: argparse.Namespace, bodies: list[dict]) -> dict:
    batch = args.intake == "batch"
    with Stack(
        args.backend,
        extract_workers=args.workers,
        log_level=args.log_level,
        extra_env=publish_env(args),
    ) as stack:
        stack.start()
        bulk = (
            "the default number of"
            if args.publish_bulk_workers is None
            else str(args.publish_bulk_workers)
        )
        print(
            f"stack: {stack.describe()}; {args.workers} extract, "
            f"{args.publish_workers or 'the default number of'} publish and {bulk} "
            "bulk-only publish worker processes",
            flush=True,
        )
        observer = Observer(stack.database_url)
        try:
            intake: Intake
            if batch:
                intake = asyncio.run(
                    upload_batches(
                        stack.ingest_url,
                        bodies,
                        concurrency=args.upload_concurrency,
                        max_lines=args.batch_lines,
                    )
                )
            else:
                intake = asyncio.run(
                    post_single(stack.ingest_url, bodies, concurrency=args.concurrency)
                )
            print(
                f"intake done in {intake.seconds:.1f} s: {intake.accepted} accepted, "
                f"{intake.requests} requests; waiting for extraction and indexing",
                file=sys.stderr,
                flush=True,
            )
            progress, complete = wait_indexed(
                observer, intake.accepted, intake.started, args.timeout, args.poll
            )
            times = observer.report_times()
        finally:
            observer.close()
    print(f"the services' output: {stack.kept_log}", file=sys.stderr)
    return summarise(args, intake, progress, complete, times)


def summarise(
    args: argparse.Namespace,
    intake: Intake,
    progress: Progress,
    complete: bool,
    times: list[ReportTimes],
) -> dict:
    start = intake.started
    ours = [t for t in times if t.id in intake.sent_at]
    finished = [t for t in ours if t.finished_at is not None and t.status != "failed"]
    last_extracted = max((t.finished_at.timestamp() for t in finished), default=start)
    to_extracted = [t.finished_at.timestamp() - intake.sent_at[t.id] for t in finished]
    in_feeds = [t for t in ours if t.first_entry_at is not None]
    to_feed = [t.first_entry_at.timestamp() - intake.sent_at[t.id] for t in in_feeds]
    indexed_span = max(1e-9, progress.at - start)
    return {
        "backend": args.backend,
        "intake": args.intake,
        "count": args.count,
        "workers": args.workers,
        "complete": complete,
        "accepted": intake.accepted,
        "duplicates": intake.duplicates,
        "rejected": intake.rejected,
        "intake_errors": intake.errors,
        "requests": intake.requests,
        "intake_s": round(intake.seconds, 2),
        "accepted_per_s": round(intake.accepted / intake.seconds, 1),
        "extracted": len(finished),
        "extracted_s": round(last_extracted - start, 2),
        "extracted_per_s": round(len(finished) / max(1e-9, last_extracted - start), 1),
        "indexed": progress.indexed,
        "indexed_s": round(indexed_span, 2),
        "indexed_per_s": round(progress.indexed / indexed_span, 1),
        "statuses": progress.by_status,
        "events_pending": progress.outstanding,
        "latency_extracted_s": _percentiles(to_extracted),
        "latency_feed_s": _percentiles(to_feed),
        "in_feeds": len(in_feeds),
    }


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {
        "p50": round(percentile(values, 0.50), 2),
        "p95": round(percentile(values, 0.95), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
    }


def show(result: dict) -> None:
    print()
    print_table(
        ["stage", "reports", "seconds", "reports/s"],
        [
            ["accepted", result["accepted"], result["intake_s"], result["accepted_per_s"]],
            ["extracted", result["extracted"], result["extracted_s"], result["extracted_per_s"]],
            ["indexed", result["indexed"], result["indexed_s"], result["indexed_per_s"]],
        ],
    )
    print("  seconds from the first request sent; indexed: nothing unfinished or pending")
    print()
    rows = []
    for label, key, note in (
        ("request → extracted", "latency_extracted_s", f"{result['extracted']} reports"),
        ("request → first feed entry", "latency_feed_s", f"{result['in_feeds']} in feeds"),
    ):
        figures = result[key]
        rows.append([label, *(_seconds(figures[p]) for p in ("p50", "p95", "p99", "max")), note])
    print_table(["latency (s)", "p50", "p95", "p99", "max", ""], rows)
    print()
    core, workers = result["extractor_per_core"], result["workers"]
    goal = GOALS[result["backend"]]
    share = result["share_of_extractor"]
    print_table(
        ["extractor in-process", "reports/s"],
        [
            [
                f"one core (CPU time, {result['extractor_sample']} reports), before the run",
                result["extractor_per_core_before"],
            ],
            ["one core, after the run", result["extractor_per_core_after"]],
            ["one core, mean", round(core, 1)],
            [f"× {workers} extract worker processes", round(core * workers, 1)],
            ["end to end (indexed/s)", result["indexed_per_s"]],
        ],
    )
    verdict = "met" if share >= goal else "NOT met"
    print(
        f"end to end / extractor: {100 * share:.1f} % "
        f"(goal ≥ {100 * goal:.0f} % on {result['backend']}: {verdict})"
    )
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result["statuses"].items()))
    print(f"reports: {statuses}; events pending {result['events_pending']}")
    if result["duplicates"] or result["rejected"] or result["intake_errors"]:
        print(
            f"intake: {result['duplicates']} duplicates, {result['rejected']} rejected, "
            f"errors {result['intake_errors']}"
        )
    if not result["complete"]:
        print(f"NOT COMPLETE: {result['indexed']} of {result['accepted']} indexed in time")


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=2000, help="reports to send (2000)")
    parser.add_argument("--backend", choices=BACKENDS, default="postgres")
    parser.add_argument(
        "--intake",
        choices=("auto", "batch", "single"),
        default="auto",
        help=f"NDJSON batch uploads or single POSTs (auto: batch above {AUTO_BATCH_ABOVE})",
    )
    parser.add_argument(
        "--start-stack",
        action="store_true",
        default=True,
        help="start a stack of the bench's own (always: the counts read the whole database)",
    )
    parser.add_argument("--workers", type=int, default=2, help="extract worker processes (2)")
    parser.add_argument(
        "--publish-workers",
        type=int,
        default=None,
        help="publish worker processes (default: DANVAN_PUBLISH_CONCURRENCY's default, 1)",
    )
    parser.add_argument(
        "--publish-bulk-workers",
        type=int,
        default=None,
        help="processes of the bulk-only publish worker, 0: none (default: "
        "DANVAN_PUBLISH_BULK_CONCURRENCY's, 1 on postgres and 0 embedded)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="parallel single POSTs (16)")
    parser.add_argument("--upload-concurrency", type=int, default=2, help="parallel uploads (2)")
    parser.add_argument("--batch-lines", type=int, default=500, help="lines per upload (500)")
    parser.add_argument(
        "--extractor-sample",
        type=int,
        default=2000,
        help="reports (of the same set) the extractor's own rate is timed on (2000)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait (3600)")
    parser.add_argument(
        "--poll",
        type=float,
        default=5.0,
        help="the longest wait between two looks at the database, in seconds (5); "
        "looks come closer as the end nears",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        help="the services' log level; their output is kept in a file named at the end",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.intake == "auto":
        args.intake = "batch" if args.count > AUTO_BATCH_ABOVE else "single"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bodies = payloads(args.count, seed=args.seed, tag=tag())
    sample = bodies[: max(1, min(len(bodies), args.extractor_sample))]
    before, _wall = extractor_rate(sample)
    per_core = before
    print(
        f"e2e: {args.count} reports by {args.intake} intake on {args.backend}; "
        f"extractor {per_core:.0f} reports/s per core over {len(sample)} of them",
        flush=True,
    )
    with interruptible():
        try:
            result = measure(args, bodies)
        except KeyboardInterrupt:
            print("interrupted; the stack is stopped", file=sys.stderr)
            return 130
    # Measured again once the stack has stopped: this machine's speed drifts by a fifth
    # within minutes, and the mean of the rates on either side of the run is the
    # extractor's rate over it better than either alone.
    after, _wall = extractor_rate(sample)
    per_core = (before + after) / 2
    result["extractor_per_core_before"] = round(before, 1)
    result["extractor_per_core_after"] = round(after, 1)
    result["extractor_per_core"] = round(per_core, 1)
    result["extractor_sample"] = len(sample)
    result["share_of_extractor"] = round(result["indexed_per_s"] / (per_core * args.workers), 4)
    show(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0 if result["complete"] and not result["intake_errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
