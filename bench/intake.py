"""Sending generated reports to ingest's public API, the ways a client does.

- ``post_single``: ``POST /v1/reports``, one report a request, ``concurrency`` at a time;
- ``upload_batches``: ``POST /v1/reports:batch``, NDJSON, as many lines a request as the
  line and byte limits allow, ``concurrency`` uploads at a time;
- ``open_loop``: single POSTs on a fixed schedule (``rate`` a second), whether or not
  earlier ones were answered, as independent clients do.

Every accepted report is recorded with the wall-clock time (``time.time()``, the
clock the services stamp rows with on the same machine) its request was sent, so a
latency is "request sent → row stamped", whatever the intake path.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from rawhttp import RawClient
from templates import generate_reports

#: ``DANVAN_MAX_BODY_BYTES`` defaults to 1 MiB; a batch stays under it with room to spare
BATCH_BYTES = 900_000
BATCH_LINES = 500


@dataclass
class Intake:
    #: report id → time.time() its request was sent (new reports only)
    sent_at: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    rejected: int = 0
    #: answer status (or exception name) → count, for requests not accepted
    errors: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    #: seconds each request took, in the order answered
    latencies: list[float] = field(default_factory=list)
    late_starts: int = 0
    started: float = 0.0
    #: open loop: when the last request's slot was reached
    dispatched: float = 0.0
    finished: float = 0.0

    @property
    def accepted(self) -> int:
        return len(self.sent_at)

    @property
    def seconds(self) -> float:
        return max(1e-9, self.finished - self.started)

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    def answered(
        self, status: int, started: float, sent: float, report_id: Callable[[], str]
    ) -> None:
        """A single POST's answer: its latency from ``started`` (perf_counter), and the
        report (``report_id`` reads it from a 202) as sent at ``sent`` (wall clock)."""
        self.latencies.append(time.perf_counter() - started)
        if status == 202:
            self.sent_at[report_id()] = sent
        elif status == 200:
            self.duplicates += 1
        else:
            self.error(str(status))


def payloads(count: int, *, seed: int, tag: str) -> list[dict]:
    """``count`` distinct reports: generated, each marked with the run's ``tag`` and its
    number, so no two (and no report of an earlier run) share a content hash."""
    reports = generate_reports(count, seed=seed)
    return [
        {
            "text": f"{report['text']}\n(bản tin thử tải {tag}-{number})\n",
            "title": report["title"],
            "source_url": report["source_url"],
            "published_at": report["published_at"],
        }
        for number, report in enumerate(reports)
    ]


def _client(base: str, connections: int, timeout: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits)


class _Ticker:
    """Prints ``label: done/total`` at most every ``every`` seconds."""

    def __init__(self, label: str, total: int, every: float) -> None:
        self.label, self.total, self.every = label, total, every
        self.next = time.monotonic() + every

    def __call__(self, done: int) -> None:
        if self.every and time.monotonic() >= self.next:
            self.next = time.monotonic() + self.every
            print(f"  {self.label}: {done}/{self.total}", file=sys.stderr, flush=True)


async def post_single(
    base: str, bodies: list[dict], *, concurrency: int = 16, progress_every: float = 5
) -> Intake:
    intake = Intake()
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    tick = _Ticker("posted", len(bodies), progress_every)
    async with _client(base, concurrency, 30) as client:

        async def sender() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                await _post_one(client, body, intake)
                tick(intake.requests)

        intake.started = time.time()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        intake.finished = time.time()
    return intake


async def _post_one(
    client: httpx.AsyncClient, body: dict, intake: Intake, slot: tuple[float, float] | None = None
) -> None:
    """One POST; its latency and sent time count from ``slot`` (perf_counter, wall
    clock) when given: the moment an open loop meant to send it."""
    started, sent = slot or (time.perf_counter(), time.time())
    try:
        answer = await client.post("/v1/reports", json=body)
    except httpx.HTTPError as error:
        intake.error(type(error).__name__)
        return
    finally:
        intake.requests += 1
    intake.answered(answer.status_code, started, sent, lambda: answer.json()["id"])


def ndjson_chunks(
    bodies: list[dict], max_lines: int = BATCH_LINES, max_bytes: int = BATCH_BYTES
) -> list[bytes]:
    chunks: list[bytes] = []
    lines: list[bytes] = []
    size = 0
    for body in bodies:
        line = json.dumps(body, ensure_ascii=False).encode() + b"\n"
        if lines and (len(lines) >= max_lines or size + len(line) > max_bytes):
            chunks.append(b"".join(lines))
            lines, size = [], 0
        lines.append(line)
        size += len(line)
    if lines:
        chunks.append(b"".join(lines))
    return chunks


async def upload_batches(
    base: str,
    bodies: list[dict],
    *,
    concurrency: int = 2,
    max_lines: int = BATCH_LINES,
    progress_every: float = 5,
) -> Intake:
    intake = Intake()
    chunks = ndjson_chunks(bodies, max_lines)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)
    tick = _Ticker("uploaded reports", len(bodies), progress_every)
    headers = {"Content-Type": "application/x-ndjson"}
    async with _client(base, concurrency, 600) as client:

        async def uploader() -> None:
            while not queue.empty():
                chunk = queue.get_nowait()
                sent = time.time()
                started = time.perf_counter()
                try:
                    answer = await client.post("/v1/reports:batch", content=chunk, headers=headers)
                except httpx.HTTPError as error:
                    intake.error(type(error).__name__)
                    continue
                finally:
                    intake.requests += 1
                intake.latencies.append(time.perf_counter() - started)
                if answer.status_code >= 300:
                    intake.error(str(answer.status_code))
                    continue
                result = answer.json()
                intake.duplicates += result.get("duplicates", 0)
                intake.rejected += result.get("rejected", 0)
                for line in result["results"]:
                    if line.get("id") and not line.get("duplicate"):
                        intake.sent_at[line["id"]] = sent
                tick(len(intake.sent_at) + intake.duplicates + intake.rejected)

        intake.started = time.time()
        await asyncio.gather(*(uploader() for _ in range(concurrency)))
        intake.finished = time.time()
    return intake


async def open_loop(
    base: str,
    bodies: list[dict],
    rate: float,
    intake: Intake | None = None,
    *,
    connections: int = 200,
) -> Intake:
    """POST ``bodies`` one by one at ``rate`` a second on a fixed schedule; ``intake``
    (given, it fills as answers arrive, for a concurrent reader).

    Each latency runs from the request's slot in the schedule, so time spent waiting
    for one of the ``connections`` (all busy when the server falls behind) counts:
    the server's slowness is not hidden by the client waiting to send. The requests go
    through ``rawhttp``'s lean client: httpx took most of a core at 100/s, from the
    server being measured. A request whose slot came while this loop was busy
    elsewhere (more than 50 ms late) counts as a late start: the bench fell behind,
    not the server. The loop runs with this process's garbage collector paused
    (``collector_paused``)."""
    intake = intake or Intake()
    client = RawClient(base, connections, timeout=30)

    async def one(body: dict, slot: tuple[float, float]) -> None:
        started, sent = slot
        try:
            status, answer = await client.post_json("/v1/reports", body)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
            intake.error(type(error).__name__)
            return
        finally:
            intake.requests += 1
        intake.answered(status, started, sent, lambda: json.loads(answer)["id"])

    tasks = []
    try:
        with collector_paused():
            intake.started = time.time()
            start = time.perf_counter()
            for number, body in enumerate(bodies):
                due = start + number / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -0.05:
                    intake.late_starts += 1
                slot = (due, intake.started + number / rate)
                tasks.append(asyncio.create_task(one(body, slot)))
            intake.dispatched = time.time()
            await asyncio.gather(*tasks)
    finally:
        await client.close()
    intake.finished = time.time()
    return intake


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in this process while the block runs.

    The bench holds every report it sends and every answer, so a full collection here
    took 130 ms: the loop stopped sending and reading, and the requests in flight were
    charged the pause (at 100/s, a burst of slow answers at the same second of every
    run). What is alive on entry is frozen out of the collector's way; collection
    resumes on exit."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def tag() -> str:
    """A short random mark that makes this run's reports differ from any earlier run's."""
    return uuid.uuid4().hex[:8]
