"""``danvan extract`` and ``danvan eval``: the extractor on JSONL files, no service needed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import typer

from danvan_extract.evaluation import FIELDS, TARGETS, as_json, explain, score
from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    return Path(path).open(encoding="utf-8")


def _lines(handle: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def extract_record(
    record: dict[str, Any], host_provinces: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One input record → one output object (the extraction plus its id)."""
    html = record.get("html")
    body = html if isinstance(html, str) and html.strip() else record.get("text")
    if not isinstance(body, str):
        raise ValueError('needs a "text" (or "html") string')
    extraction = extract_report(
        body,
        content_type="text/html" if body is html else "text/plain",
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        title=record.get("title") if isinstance(record.get("title"), str) else None,
        published_at=_parse_time(record.get("published_at")),
        host_provinces=host_provinces,
    )
    output = extraction.model_dump(mode="json")
    output["id"] = record.get("id")
    return output


def extract(
    source: str = typer.Argument(..., help="JSONL file of reports, or - for stdin."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write extractions here instead of stdout."
    ),
    host_provinces_file: str | None = typer.Option(
        None,
        "--host-provinces",
        help="JSON object of extra host → province entries "
        "(default: the DANVAN_HOST_PROVINCES_FILE setting).",
    ),
) -> None:
    """Extract structured data from reports: one JSON object per input line.

    Input lines: {"id", "text", "url"?, "published_at"?, "title"?, "html"?}.
    Output lines: the extraction (see danvan_shared.extraction_schema) plus "id".
    """
    from rich.console import Console
    from rich.progress import Progress

    from danvan_extract.extraction.host_table import HostTableError, load_host_provinces
    from danvan_shared.settings import get_settings

    try:
        host_provinces = load_host_provinces(
            host_provinces_file or get_settings().host_provinces_file
        )
    except HostTableError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    failures = 0
    target: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    progress_console = Console(stderr=True)
    # The bar goes to stderr, and only to a terminal, so piped output stays clean.
    show_progress = progress_console.is_terminal
    try:
        handle = _open(source)
    except OSError as error:
        typer.echo(f"error: cannot read {source}: {error}", err=True)
        raise typer.Exit(2) from None
    with (
        handle,
        Progress(transient=True, disable=not show_progress, console=progress_console) as progress,
    ):
        task = progress.add_task("extracting", total=None)
        for number, line in _lines(handle):
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("a line must be a JSON object")
                result = extract_record(record, host_provinces)
            except (ValueError, TypeError) as error:
                failures += 1
                typer.echo(f"error: line {number}: {error}", err=True)
                continue
            target.write(json.dumps(result, ensure_ascii=False) + "\n")
            progress.advance(task)
    if output:
        target.close()
    if failures:
        typer.echo(f"{failures} line(s) failed", err=True)
        raise typer.Exit(1)


def evaluate(
    gold: list[Path] = typer.Argument(
        ..., help="Gold JSONL files (corpus format: id, text, url, gold); scored together."
    ),
    predictions: Path | None = typer.Option(
        None,
        "--predictions",
        "-p",
        help="Extractions JSONL (from danvan extract); default: run the extractor now.",
    ),
    explain_id: str | None = typer.Option(
        None,
        "--explain",
        metavar="ID",
        help="Show one report's fields next to its gold labels, with the evidence and rule "
        "that decided each.",
    ),
    as_json_output: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score extractions against gold labels, per field (as shared/corpus/score.py does),
    listing every miss; or explain one report's decisions."""
    gold_records: list[dict[str, Any]] = []
    for path in gold:
        try:
            handle = path.open(encoding="utf-8")
        except OSError as error:
            typer.echo(f"error: {path}: {error.strerror}", err=True)
            raise typer.Exit(2) from None
        with handle:
            for number, line in _lines(handle):
                try:
                    gold_records.append(json.loads(line))
                except ValueError as error:
                    typer.echo(f"error: {path}:{number}: {error}", err=True)
                    raise typer.Exit(2) from None
    if explain_id is not None:
        gold_records = [r for r in gold_records if str(r.get("id")) == explain_id]
        if not gold_records:
            typer.echo(f"error: no report with id {explain_id!r} in {len(gold)} file(s)", err=True)
            raise typer.Exit(2)
    predicted: dict[str, dict[str, Any]] = {}
    if predictions is not None:
        with predictions.open(encoding="utf-8") as handle:
            for number, line in _lines(handle):
                try:
                    record = json.loads(line)
                    predicted[str(record["id"])] = record
                except (ValueError, KeyError, TypeError) as error:
                    typer.echo(f"error: {predictions}:{number}: {error}", err=True)
    else:
        for record in gold_records:
            predicted[str(record.get("id"))] = extract_record(record)
    if explain_id is not None:
        record = gold_records[0]
        for line in explain(explain_id, predicted.get(explain_id, {}), record.get("gold") or {}):
            typer.echo(line)
        return
    pairs = [
        (str(r.get("id")), predicted.get(str(r.get("id")), {}), r.get("gold") or {})
        for r in gold_records
    ]
    scores = score(pairs)
    if as_json_output:
        typer.echo(
            json.dumps(
                {
                    "extractor_version": EXTRACTOR_VERSION,
                    "reports": len(pairs),
                    "fields": as_json(scores),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo(f"extractor {EXTRACTOR_VERSION}, {len(pairs)} reports")
    for name in FIELDS:
        entry = scores[name]
        mark = "ok " if entry.accuracy >= TARGETS[name] else "LOW"
        typer.echo(
            f"{mark} {name:<13} {entry.accuracy:6.3f}  (n={entry.total}, target {TARGETS[name]})"
        )
    for name in FIELDS:
        for miss in scores[name].misses:
            typer.echo(
                f"  miss {name:<13} {miss['id']:<8} predicted={miss['predicted']!r} "
                f"gold={miss['gold']!r}"
            )
