"""``danvan export``: a feed period's reports or people as CSV or Parquet, to a file or
standard output, written as it is read (see ``exports``).

The export machinery (pyarrow, the read model) is imported when the command runs, so
that ``danvan --help`` and the other commands do not pay for it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

ROW_KINDS = ("reports", "people")
FORMATS = ("csv", "parquet")


def export(
    province: Annotated[
        str, typer.Argument(help="Province slug (tuyen-quang, tuyen-quang-2025) or national")
    ],
    period: Annotated[str, typer.Argument(help="Period key: 2024, 2024-H1, 2021-2025 …")],
    rows: Annotated[
        str, typer.Option("--rows", help="reports (one row per report) or people (per person-role)")
    ] = "reports",
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or parquet")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default: standard output")
    ] = None,
) -> None:
    """Export a feed period as CSV (UTF-8 with BOM) or Parquet; columns in README."""
    if rows not in ROW_KINDS:
        raise typer.BadParameter("--rows is reports or people")
    if fmt not in FORMATS:
        raise typer.BadParameter("--format is csv or parquet")
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise typer.BadParameter("Parquet is binary: give --output FILE (or redirect)")
    from danvan_publish import exports, reader
    from danvan_shared.db import get_engine
    from danvan_shared.errors import DomainError
    from danvan_shared.http import ProblemError
    from danvan_shared.settings import get_settings

    try:
        scope = reader.resolve_scope(province)
        bounds = reader.resolve_period(period)
    except (DomainError, ProblemError) as error:
        typer.echo(f"danvan export: {error.detail}", err=True)
        raise typer.Exit(2) from None
    base_url = get_settings().public_base_url
    chunks = exports.chunks(get_engine(), rows, fmt, scope.slug, bounds, base_url)  # type: ignore[arg-type]
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    typer.echo(f"wrote {output}", err=True)
