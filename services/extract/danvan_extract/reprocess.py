"""``danvan reprocess``: re-run stored reports whose extraction is outdated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from danvan_extract.extraction import EXTRACTOR_VERSION
from danvan_extract.repository import ExtractRepository
from danvan_extract.worker import celery_app
from danvan_shared.db import session_scope
from danvan_shared.events import EXTRACT_REPORT

console = Console(stderr=True)


def reprocess(
    include_failed: Annotated[bool, typer.Option(help="Also re-run failed reports.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only count what would be re-run.")] = False,
) -> None:
    """Queue every report extracted by an older extractor version (now: the current one is
    shown below) for extraction with its original input."""
    with session_scope() as session:
        repository = ExtractRepository(session)
        if dry_run:
            count = repository.count_outdated(EXTRACTOR_VERSION)
            typer.echo(f"{count} reports are older than extractor {EXTRACTOR_VERSION}")
            return
        ids = repository.requeue_outdated(
            EXTRACTOR_VERSION, now=datetime.now(UTC), include_failed=include_failed
        )
    sent = 0
    with Progress(console=console) as progress:
        task = progress.add_task("queueing", total=len(ids))
        for report_id in ids:
            try:
                celery_app.send_task(EXTRACT_REPORT, args=[str(report_id)], retry=False)
                sent += 1
            except Exception as exc:
                console.print(f"[yellow]broker unavailable ({exc}); the relay will send the rest")
                break
            progress.advance(task)
    typer.echo(f"queued {sent} of {len(ids)} reports for extractor {EXTRACTOR_VERSION}")
