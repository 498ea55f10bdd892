"""``danvan submit`` (post report files or JSONL to the ingest API) and ``danvan keys``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from danvan_ingest.keys import ApiKeyRepository, prefix_of
from danvan_shared.db import session_scope
from danvan_shared.models import ApiKeyScope
from danvan_shared.settings import get_settings

console = Console(stderr=True)


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
    "source_url" or "url", "source_name", "published_at").
    """
    base = (url or get_settings().ingest_base_url).rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    total = _count(files)
    failures = 0
    with (
        httpx.Client(base_url=base, headers=headers, timeout=30) as client,
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
        for label, item in _items(files):
            progress.advance(task)
            if isinstance(item, str):
                failures += 1
                console.print(f"[red]{label}: {item}")
                continue
            try:
                response = client.post("/v1/reports", json=item)
            except httpx.HTTPError as exc:
                console.print(f"[red]cannot reach {base}: {exc}")
                raise typer.Exit(2) from exc
            if response.status_code >= 400:
                failures += 1
                detail = response.json().get("detail", response.text) if response.content else ""
                console.print(f"[red]{label}: {response.status_code} {detail}")
                continue
            body = response.json()
            typer.echo(
                json.dumps(
                    {
                        "source": label,
                        "id": body["id"],
                        "status": body["status"],
                        "duplicate": body["duplicate"],
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
