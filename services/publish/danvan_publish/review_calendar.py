"""When the review of a period is usually held: the window a unit is expected to meet in.

The windows follow the usual practice of dân vận review meetings (and what the
extractor checks meeting dates against): the review of the first half-year in June or
July, of nine months in September or October, of the year (or its second half) in
December or the following January, a quarterly briefing in the quarter's last month or
the month after, a term's review from June of its last year to the following January.
A unit that has not reported once its window has closed is *late*.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from danvan_shared.extraction_schema import period_bounds_for_key


@dataclass(frozen=True)
class ReviewWindow:
    meeting_type: str
    opens: date
    closes: date

    def state(self, today: date) -> str:
        """ "before" the window, "open", or "passed"."""
        if today < self.opens:
            return "before"
        return "open" if today <= self.closes else "passed"


def _month_end(year: int, month: int) -> date:
    if month > 12:
        year, month = year + 1, month - 12
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def review_window(period_key: str) -> ReviewWindow | None:
    """The usual window for the review of ``period_key``, or None if it is not a key."""
    bounds = period_bounds_for_key(period_key)
    if bounds is None:
        return None
    _start, end = bounds
    part = period_key.partition("-")[2]
    if part == "H1":
        return ReviewWindow("so_ket", _month_start(end.year, 6), _month_end(end.year, 7))
    if part == "9M":
        return ReviewWindow("so_ket", _month_start(end.year, 9), _month_end(end.year, 10))
    if part.startswith("Q") or part.startswith("M"):
        return ReviewWindow(
            "giao_ban", _month_start(end.year, end.month), _month_end(end.year, end.month + 1)
        )
    if part.isdigit():  # a term or multi-year span
        return ReviewWindow("tong_ket", _month_start(end.year, 6), _month_end(end.year, 13))
    # the year, or its second half
    return ReviewWindow("tong_ket", _month_start(end.year, 12), _month_end(end.year, 13))
