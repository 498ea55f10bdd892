"""Reprocessing: ``danvan reprocess`` of N stored reports, to all re-extracted and indexed.

Fills a database of its own (``--backend postgres``: a scratch PostgreSQL database and
its own redis-server, the default; ``embedded``: SQLite and the embedded broker) with
N generated reports stored as extracted by an older extractor version (inserted in
bulk, straight into the tables, as a long-running site's database would hold them),
starts ingest (whose relay re-sends what gets lost) and the extract and publish
workers, runs ``danvan reprocess`` and times, from its start:

- how long the command itself takes (selecting and queueing the reports);
- when every report is re-extracted (finished by another version than the old one);
- when every report is indexed too (no report.extracted event left pending).

Progress is printed every ``--every`` seconds. Goal: 100,000 reports in ≤ 5 minutes.

    uv run python bench/reprocess.py --count 2000
    uv run python bench/reprocess.py                 # 100,000 reports on PostgreSQL
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

from intake import payloads, tag
from observe import Observer, Progress
from scratch import print_table
from stack import BACKENDS, Stack, interruptible

OLD_VERSION = "0.0.0-bench"
GOAL_SECONDS = 300
INSERT_CHUNK = 2000


def store_reports(database_url: str, bodies: list[dict], every: float = 10) -> float:
    """Insert ``bodies`` as reports extracted by ``OLD_VERSION``, with an extraction
    row each; the seconds it took."""
    from sqlalchemy import insert

    from danvan_shared.db import build_engine
    from danvan_shared.models import ExtractionRecord, Report, ReportStatus

    engine = build_engine(database_url)
    started = time.perf_counter()
    next_line = started + every
    long_ago = datetime.now(UTC) - timedelta(days=400)
    try:
        for at in range(0, len(bodies), INSERT_CHUNK):
            reports, extractions = [], []
            for body in bodies[at : at + INSERT_CHUNK]:
                key = uuid.uuid4()
                normalised = unicodedata.normalize("NFC", body["text"]).encode()
                reports.append(
                    {
                        "id": key,
                        "content_hash": hashlib.sha256(b"text/plain\n" + normalised).hexdigest(),
                        "content_type": "text/plain",
                        "body": body["text"],
                        "title": body["title"],
                        "source_url": body["source_url"],
                        "source_name": None,
                        "published_at": datetime.fromisoformat(body["published_at"]),
                        "received_at": long_ago,
                        "status": ReportStatus.extracted,
                        "attempts": 1,
                        "claim_task_id": None,
                        "queued_at": long_ago,
                        "started_at": long_ago,
                        "finished_at": long_ago,
                        "last_error": None,
                        "extractor_version": OLD_VERSION,
                        "event_pending": False,
                        "event_sent_at": None,
                        "submitted_by": "bench",
                    }
                )
                extractions.append(
                    {
                        "report_id": key,
                        "extractor_version": OLD_VERSION,
                        "relevant": True,
                        "data": {"bench": "stored by an older extractor"},
                        "created_at": long_ago,
                    }
                )
            with engine.begin() as connection:
                connection.execute(insert(Report.__table__), reports)  # type: ignore[attr-defined]
                connection.execute(insert(ExtractionRecord.__table__), extractions)  # type: ignore[attr-defined]
            if time.perf_counter() >= next_line:
                next_line = time.perf_counter() + every
                done = min(at + INSERT_CHUNK, len(bodies))
                print(f"  stored {done}/{len(bodies)}", file=sys.stderr, flush=True)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def done(progress: Progress, count: int) -> tuple[bool, bool]:
    """(every report re-extracted or failed, and every one indexed as well)."""
    failed = progress.by_status.get("failed", 0)
    extracted = progress.by_version + failed >= count and progress.unfinished == 0
    return extracted, extracted and progress.outstanding == 0


def follow(
    stack: Stack, count: int, timeout: float, every: float, poll: float
) -> dict[str, float | None]:
    """Run ``danvan reprocess`` and watch the table until every report is indexed."""
    observer = Observer(stack.database_url)
    output = stack.workdir / "reprocess.out"
    started = time.time()
    command = stack.danvan(
        "reprocess", stdout=output.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    times: dict[str, float | None] = {"command": None, "extracted": None, "indexed": None}
    progress = observer.progress(started, version_not=OLD_VERSION)
    next_line = time.monotonic() + every
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            now = time.time()
            if times["command"] is None and command.poll() is not None:
                times["command"] = now - started
                lines = output.read_text(errors="replace").strip().splitlines() or [""]
                print(f"  danvan reprocess exited {command.returncode}: {lines[-1]}", flush=True)
                if command.returncode != 0:
                    break
            progress = observer.progress(now, version_not=OLD_VERSION)
            extracted, indexed = done(progress, count)
            if extracted and times["extracted"] is None:
                times["extracted"] = now - started
            if indexed and times["command"] is not None:
                times["indexed"] = now - started
                break
            if time.monotonic() >= next_line:
                next_line = time.monotonic() + every
                print(
                    f"  {now - started:6.0f} s: re-extracted {progress.by_version}/{count}, "
                    f"re-indexed {progress.by_version - progress.outstanding}; "
                    f"{progress.line()}",
                    flush=True,
                )
            time.sleep(poll)
    finally:
        if command.poll() is None:
            command.terminate()
            command.wait(timeout=30)
        observer.close()
    # where it got to, for a run cut short by --timeout
    times["elapsed"] = progress.at - started
    times["reextracted"] = progress.by_version
    times["reindexed"] = progress.by_version - progress.outstanding
    return times


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="stored reports (100000)")
    parser.add_argument("--backend", choices=BACKENDS, default="postgres")
    parser.add_argument("--workers", type=int, default=2, help="extract worker processes (2)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait (3600)")
    parser.add_argument("--every", type=float, default=10, help="seconds between lines (10)")
    # Each look counts the whole report table: at 100,000 reports, one a second took a
    # tenth of a core from the pipeline it measured; a look every 2 s adds at most 2 s.
    parser.add_argument("--poll", type=float, default=2, help="seconds between looks (2)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    generating = time.perf_counter()
    bodies = payloads(args.count, seed=args.seed, tag=tag())
    print(
        f"reprocess: {args.count} reports generated in {time.perf_counter() - generating:.0f} s",
        flush=True,
    )
    with interruptible():
        try:
            with Stack(args.backend, extract_workers=args.workers) as stack:
                stored = store_reports(stack.database_url, bodies)
                print(f"stored as extractor {OLD_VERSION} in {stored:.0f} s", flush=True)
                stack.start()
                print(f"stack: {stack.describe()}; {args.workers} extract workers", flush=True)
                times = follow(stack, args.count, args.timeout, args.every, args.poll)
            print(f"the services' output: {stack.kept_log}", file=sys.stderr)
        except KeyboardInterrupt:
            print("interrupted; the stack is stopped", file=sys.stderr)
            return 130
    result = {"backend": args.backend, "count": args.count, "workers": args.workers}
    for key in ("command", "extracted", "indexed", "elapsed"):
        result[f"{key}_s"] = None if times[key] is None else round(times[key], 1)
    result["reextracted"], result["reindexed"] = times["reextracted"], times["reindexed"]
    show(result)
    if args.json:
        print(json.dumps(result))
    return 0 if times["indexed"] is not None else 1


def show(result: dict) -> None:
    count = result["count"]

    def row(label: str, seconds: float | None) -> list[object]:
        if seconds is None:
            return [label, "not reached", "–"]
        return [label, f"{seconds:.1f}", f"{count / max(seconds, 1e-9):.1f}"]

    print()
    print_table(
        ["danvan reprocess of " + str(count), "seconds", "reports/s"],
        [
            row("command done (reports queued)", result["command_s"]),
            row("all re-extracted", result["extracted_s"]),
            row("all re-extracted and indexed", result["indexed_s"]),
        ],
    )
    indexed = result["indexed_s"]
    if indexed is None:
        elapsed = result["elapsed_s"]
        print(
            f"cut short after {elapsed:.0f} s: {result['reextracted']} re-extracted "
            f"({result['reextracted'] / elapsed:.1f}/s), {result['reindexed']} re-indexed "
            f"({result['reindexed'] / elapsed:.1f}/s)"
        )
    setup = f"{result['backend']}, {result['workers']} extract workers"
    if indexed is None:
        print(f"goal: 100,000 reports in ≤ {GOAL_SECONDS // 60} minutes: NOT met ({setup})")
    elif count >= 100_000:
        verdict = "met" if indexed <= GOAL_SECONDS else "NOT met"
        print(f"goal: 100,000 reports in ≤ {GOAL_SECONDS // 60} minutes: {verdict} ({setup})")
    else:
        projected = indexed * 100_000 / count / 60
        print(
            f"goal: 100,000 reports in ≤ {GOAL_SECONDS // 60} minutes; at this rate they "
            f"would take {projected:.0f} minutes ({setup})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
