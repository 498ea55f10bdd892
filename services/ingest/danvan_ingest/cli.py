"""``danvan submit`` (post report files or JSONL to the ingest API) and ``danvan keys``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from danvan_ingest.keys import ApiKeyRepository, prefix_of
from danvan_shared.db import session_scope
from danvan_shared.models import ApiKeyScope
from danvan_shared.settings import get_settings

# soft_wrap: a message is one line whatever the terminal width (paths are long; scripts grep it)
console = Console(stderr=True, soft_wrap=True)


def _items(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """(label, JSON object or error) for every report in the given files."""
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    label = f"{path}:{number}"
                    try:
                        data = json.loads(line)
                    except ValueError as exc:
                        yield label, f"not JSON: {exc}"
                        continue
                    if not isinstance(data, dict):
                        yield label, "not a JSON object"
                        continue
                    allowed = {"text", "html", "title", "source_url", "source_name", "published_at"}
                    report = {key: value for key, value in data.items() if key in allowed}
                    if "url" in data and "source_url" not in report:
                        report["source_url"] = data["url"]
                    yield label, report
        elif suffix in (".html", ".htm"):
            yield str(path), {"html": path.read_text(encoding="utf-8")}
        else:
            yield str(path), {"text": path.read_text(encoding="utf-8")}


def _count(paths: list[Path]) -> int:
    return sum(1 for _ in _items(paths))


def _chunks(
    items: Iterator[tuple[str, dict[str, Any] | str]],
    *,
    max_lines: int,
    max_bytes: int,
    on_error: Callable[[str, str], None],
) -> Iterator[list[tuple[str, bytes]]]:
    """The reports as NDJSON chunks (label, line) within the batch endpoint's limits;
    ``on_error`` gets each item that is no report at all."""
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for label, item in items:
        if isinstance(item, str):
            on_error(label, item)
            continue
        line = json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n"
        if chunk and (len(chunk) >= max_lines or size + len(line) > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append((label, line))
        size += len(line)
    if chunk:
        yield chunk


def _post_chunk(
    client: httpx.Client, chunk: list[tuple[str, bytes]]
) -> list[tuple[str, dict[str, Any]]]:
    """POST one chunk to /v1/reports:batch; (label, line result) for each line, a line
    result being {"id", "status", "duplicate"} or {"error": {"status", "detail"}}. A
    chunk too large for the server's limits is split in two and sent again."""
    response = client.post(
        "/v1/reports:batch",
        content=b"".join(line for _, line in chunk),
        headers={"Content-Type": "application/x-ndjson"},
    )
    if response.status_code == 413 and len(chunk) > 1:
        half = len(chunk) // 2
        return _post_chunk(client, chunk[:half]) + _post_chunk(client, chunk[half:])
    body = response.json() if response.content else {}
    if response.status_code < 400:
        results = body["results"]
    elif isinstance(body.get("errors"), list):  # every line refused: one error each
        results = body["errors"]
    else:  # the request as a whole (a key, a rate limit, the server): every line
        error = {"status": response.status_code, "detail": body.get("detail", response.text)}
        return [(label, {"error": error}) for label, _ in chunk]
    return [(chunk[result["line"] - 1][0], result) for result in results]


def submit(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Text, HTML or JSONL files.", exists=True, dir_okay=False, readable=True
        ),
    ],
    url: Annotated[str | None, typer.Option(help="Ingest base URL.")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="DANVAN_API_KEY", help="Submitter API key.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Post reports to the ingest API with a progress bar; print one result line each.

    JSONL lines take the fields of POST /v1/reports ("text" or "html", "title",
    "source_url" or "url", "source_name", "published_at"). Reports go in NDJSON batches
    (POST /v1/reports:batch) of up to DANVAN_MAX_BATCH_LINES lines and
    DANVAN_MAX_BODY_BYTES bytes: one request and one transaction a batch.
    """
    settings = get_settings()
    base = (url or settings.ingest_base_url).rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    total = _count(files)
    failures = 0
    with (
        httpx.Client(base_url=base, headers=headers, timeout=120) as client,
        Progress(
            TextColumn("[bold]submitting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
        ) as progress,
    ):
        task = progress.add_task("submit", total=total)

        def refused(label: str, reason: str) -> None:
            nonlocal failures
            failures += 1
            progress.advance(task)
            console.print(f"[red]{escape(label)}: {escape(reason)}")

        chunks = _chunks(
            _items(files),
            max_lines=settings.max_batch_lines,
            max_bytes=settings.max_body_bytes,
            on_error=refused,
        )
        for chunk in chunks:
            try:
                results = _post_chunk(client, chunk)
            except httpx.HTTPError as exc:
                console.print(f"[red]cannot reach {escape(base)}: {escape(str(exc))}")
                raise typer.Exit(2) from exc
            for label, result in results:
                if result.get("error"):
                    error = result["error"]
                    refused(label, f"{error.get('status')} {error.get('detail', '')}")
                    continue
                progress.advance(task)
                typer.echo(
                    json.dumps(
                        {
                            "source": label,
                            "id": result["id"],
                            "status": result["status"],
                            "duplicate": result["duplicate"],
                        },
                        ensure_ascii=False,
                    )
                )
    if failures:
        console.print(f"[yellow]{failures} of {total} reports were not accepted")
        raise typer.Exit(1)


keys_app = typer.Typer(
    help="Create, list and revoke API keys (stored hashed; a key is shown only once).",
    no_args_is_help=True,
)


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    scope: Annotated[
        ApiKeyScope, typer.Option(help="submit: post reports; operator: also run the pipeline.")
    ] = ApiKeyScope.submit,
) -> None:
    """Create a key and print it once; keep it, it cannot be shown again."""
    with session_scope() as session:
        created = ApiKeyRepository(session).create(name=name, scope=scope)
    typer.echo(created.secret)
    console.print(
        f"created {scope.value} key {created.record.prefix} for {name!r}; "
        "this is the only time the whole key is shown"
    )


@keys_app.command("list")
def list_keys(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """Every key's prefix, scope, name and dates (never the secret)."""
    with session_scope() as session:
        records = ApiKeyRepository(session).list(include_revoked=all_keys)
    for record in records:
        revoked = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
        typer.echo(
            f"{record.prefix}\t{record.scope}\t{record.created_at:%Y-%m-%d %H:%M}\t"
            f"{revoked}\t{record.name}"
        )


@keys_app.command("revoke")
def revoke_key(prefix: Annotated[str, typer.Argument(help="The key's prefix (dv_…).")]) -> None:
    """Revoke a key at once: every later request with it is refused with 401."""
    with session_scope() as session:
        record = ApiKeyRepository(session).revoke(prefix_of(prefix) or prefix)
    if record is None:
        console.print(f"[red]no key with prefix {prefix}")
        raise typer.Exit(1)
    typer.echo(f"revoked {record.prefix} ({record.name})")
