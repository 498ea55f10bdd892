"""What the benchmarks share: a scratch PostgreSQL database per run, percentiles, tables.

Each benchmark measures on a database of its own, created (and migrated) for the
run and dropped afterwards, so runs never mix and nothing is left on the server.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database


def create_scratch_database(admin_url: str, prefix: str, *, migrate: bool = True) -> str:
    """A new empty database next to ``admin_url``'s; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    if migrate:
        upgrade_database(url)
    return url


def drop_scratch_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_scratch_database``, ending its connections."""
    name = url.rsplit("/", 1)[1]
    admin = build_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in [0, 1]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first, *rest = row
        right = [cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
        parts = [first.ljust(widths[0]), *right]
        return "  ".join(parts).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))
