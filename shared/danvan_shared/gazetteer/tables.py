"""Reading the generated data file (``data/gazetteer.json.gz``, format 2).

The file is one JSON object. Small tables (provinces, districts, district keys) are JSON
lists and maps; the big commune tables are stored as one text each — a line per row, a tab
between fields, lists space-separated, None as an empty field — because parsing ~14,000
small JSON lists was most of the loading time. They are split here, only when first used.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, cast

DATA_FILE = "gazetteer.json.gz"
FORMAT = 2


def load_data() -> dict[str, Any]:
    """The raw generated data (a dict of lists, key maps and row texts)."""
    blob = resources.files("danvan_shared.gazetteer").joinpath("data", DATA_FILE).read_bytes()
    data = cast(dict[str, Any], json.loads(gzip.decompress(blob)))
    if data.get("format") != FORMAT:
        raise RuntimeError(f"{DATA_FILE}: format {data.get('format')!r}, expected {FORMAT}")
    return data


def rows(text: str) -> list[list[str]]:
    """The rows of a row text, each a list of fields."""
    return [line.split("\t") for line in text.split("\n")] if text else []


def code_lists(text: str) -> dict[str, tuple[str, ...]]:
    """A key text ("key<TAB>code code …" lines) as key → codes."""
    out: dict[str, tuple[str, ...]] = {}
    for line in text.split("\n") if text else ():
        key, _, codes = line.partition("\t")
        out[key] = tuple(codes.split(" "))
    return out


def day(text: str | None) -> date | None:
    """A stored ISO date ("" and None are no date)."""
    return _parse_day(text) if text else None


@lru_cache(maxsize=64)
def _parse_day(text: str) -> date:  # a handful of distinct dates: parse each once
    return date.fromisoformat(text)
