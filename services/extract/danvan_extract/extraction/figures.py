"""Figures: "53 chương trình", "8/8 phường, xã", "99,9%", "749.648 người".

Vietnamese writes a comma as the decimal mark and a dot for thousands, which generic
number parsers (locale-free ``float``) get wrong; a regex plus a converter suffices.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# The first digit comes first so ``re`` scans for digits in C; the look-behind after it
# says what the usual leading ``(?<![\w.,/-])`` says.
_FIGURE = re.compile(
    r"(?P<value>\d(?<![\w.,/-]\d)(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?))"
    r"(?:/(?P<total>" + _NUMBER + r"))?"
    r"(?:\s*(?P<percent>%)|\s+(?P<unit>(?:[^\W\d_]+)(?:\s+[^\W\d_]+){0,2}))?"
)
_NOT_UNITS = {"tháng", "năm", "ngày", "giờ", "quý", "và", "của", "đến", "từ"}


@dataclass
class FoundFigure:
    text: str
    value: float | None
    total: float | None
    unit: str | None
    start: int
    end: int


def parse_number(text: str) -> float | None:
    """'749.648' → 749648.0; '99,9' → 99.9."""
    try:
        return float(text.replace(".", "").replace(",", "."))
    except ValueError:
        return None


def find_figures(norm: str, excluded: list[tuple[int, int]], limit: int = 200) -> list[FoundFigure]:
    found: list[FoundFigure] = []
    ranges = sorted(excluded)
    starts = [start for start, _ in ranges]
    reach: list[int] = []  # the furthest end of the ranges starting up to each one
    for _, end in ranges:
        reach.append(max(end, reach[-1]) if reach else end)
    for match in _FIGURE.finditer(norm):
        start, end = match.span()
        # A range starting before the figure ends and ending after it starts overlaps it.
        index = bisect.bisect_left(starts, end)
        if index and reach[index - 1] > start:
            continue
        value_text, total_text, percent, unit = match.groups()
        if unit:
            first_word = unit.split()[0].lower()
            if first_word in _NOT_UNITS or first_word[:1].isupper():
                continue
            unit = unit.lower()
        if not unit and not percent:
            continue
        value = parse_number(value_text)
        total = parse_number(total_text) if total_text else None
        if value is not None and 1900 <= value <= 2100 and total is None and not percent:
            continue
        found.append(
            FoundFigure(match.group(0), value, total, "%" if percent else unit, start, end)
        )
        if len(found) >= limit:
            break
    return found
