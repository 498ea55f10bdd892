"""Re-running stored reports whose extraction is outdated: ``danvan reprocess`` and the
``extract.reprocess_outdated`` task (``POST /v1/reprocess``) share ``requeue_outdated``.

Reports are queued a round at a time: one query picks the next ``CHUNKS_PER_COMMIT``
chunks of ``batch_size`` along the primary key, one statement requeues them, the
commit, then one ``extract.batch`` message a chunk. One message a report made
100,000 reports take about 8 minutes (on a loaded 2-core machine); rounds take 20 s
on PostgreSQL, 40 s on SQLite, and a commit a chunk instead of a round took half as
long again. Nothing outdated is left behind what was queued, so a run that stops
(Ctrl-C, the broker down) is resumed by running it again; a round committed but not
wholly sent (the process killed in between) waits as ``queued`` and the relay sends
it.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from danvan_extract.extraction import EXTRACTOR_VERSION
from danvan_extract.repository import ExtractRepository
from danvan_extract.worker import celery_app
from danvan_shared import lifecycle
from danvan_shared.db import refresh_statistics, session_scope
from danvan_shared.events import EXTRACT_BATCH, EXTRACT_BULK_QUEUE
from danvan_shared.settings import get_settings

#: chunks requeued in one statement and commit (each is still a message of its own)
CHUNKS_PER_COMMIT = 10
# soft_wrap: a message is one line whatever the terminal width (paths are long; scripts grep it)
console = Console(stderr=True, soft_wrap=True)


class ChunkNotSent(Exception):
    """The broker refused a chunk; its reports went back to ``received`` for the relay."""

    def __init__(self, queued: int, unsent: int, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.queued = queued
        self.unsent = unsent


def send_batch(report_ids: list[uuid.UUID]) -> None:
    celery_app.send_task(
        EXTRACT_BATCH,
        args=[[str(key) for key in report_ids]],
        queue=EXTRACT_BULK_QUEUE,
        retry=False,
    )


def requeue_outdated(
    *,
    include_failed: bool,
    on_chunk: Callable[[int], None] = lambda _count: None,
    stop: threading.Event | None = None,
) -> int:
    """Queue the reports an older extractor version produced, a round at a time, until
    none is left or ``stop`` is set; how many were queued. Raises ``ChunkNotSent``
    when the broker refuses a chunk (what was sent before it stays queued)."""
    size = get_settings().batch_size
    queued = 0
    after: uuid.UUID | None = None
    with session_scope() as session:
        refresh_statistics(session, "report")
        while stop is None or not stop.is_set():
            chosen = ExtractRepository(session).outdated_ids(
                EXTRACTOR_VERSION,
                include_failed=include_failed,
                after=after,
                limit=size * CHUNKS_PER_COMMIT,
            )
            if not chosen:
                break
            after = chosen[-1]
            ids = sorted(
                lifecycle.requeue(
                    session,
                    chosen,
                    EXTRACTOR_VERSION,
                    now=datetime.now(UTC),
                    include_failed=include_failed,
                )
            )
            session.commit()
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                try:
                    send_batch(chunk)
                except Exception as exc:
                    # Back to received: the relay sends them as soon as the broker is
                    # back, instead of waiting for them to look lost.
                    lifecycle.mark_received(session, ids[start:])
                    session.commit()
                    raise ChunkNotSent(queued, len(ids) - start, exc) from exc
                queued += len(chunk)
                on_chunk(len(chunk))
    return queued


def reprocess(
    include_failed: Annotated[bool, typer.Option(help="Also re-run failed reports.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only count what would be re-run.")] = False,
) -> None:
    """Queue every report extracted by an older extractor version (now: the current one is
    shown below) for extraction with its original input. Ctrl-C stops after the round
    being queued; running the command again queues what is left."""
    with session_scope() as session:
        total = ExtractRepository(session).count_outdated(
            EXTRACTOR_VERSION, include_failed=include_failed
        )
    if dry_run:
        failed = " or failed" if include_failed else ""
        typer.echo(f"{total} reports are older than extractor {EXTRACTOR_VERSION}{failed}")
        return
    stop = threading.Event()
    queued = 0

    def count(chunk: int) -> None:
        nonlocal queued
        queued += chunk
        progress.advance(bar, chunk)

    def interrupted(_signal: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        stop.set()
        console.print("[yellow]stopping after the reports being queued (Ctrl-C again: at once)")

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        with Progress(
            TextColumn("[bold]queueing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            bar = progress.add_task("queueing", total=total)
            requeue_outdated(include_failed=include_failed, on_chunk=count, stop=stop)
    except ChunkNotSent as exc:
        console.print(
            f"[red]broker unavailable ({exc}): queued {queued} of {total} reports; the "
            f"{exc.unsent} not sent are sent by the relay once the broker is back; "
            "run `danvan reprocess` again to queue the rest"
        )
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        stop.set()
    finally:
        signal.signal(signal.SIGINT, previous)
    if stop.is_set() and queued < total:
        console.print(
            f"[yellow]interrupted: queued {queued} of {total} reports for extractor "
            f"{EXTRACTOR_VERSION}; run `danvan reprocess` again to queue the rest "
            "(a chunk queued but not sent is sent by the relay)"
        )
        raise typer.Exit(130)
    typer.echo(f"queued {queued} of {total} reports for extractor {EXTRACTOR_VERSION}")
