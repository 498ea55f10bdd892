"""Which period a meeting reviews, which it plans, and the meeting's date.

The rules encode how these reports are written: the reviewed period follows the review
word ("sơ kết … 6 tháng đầu năm"), the planned one follows "triển khai / phương hướng /
nhiệm vụ"; a year written once serves both; a missing year comes from the page date; and a
meeting dated well before the end of the period it reviews has a typo in its year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from danvan_shared.extraction_schema import period_bounds_for_key

from .dates import FoundDate, find_dates
from .periods import FoundPeriod, find_periods, next_year_for, span_length

_REVIEW = re.compile(r"(?<![a-z])(so ket|tong ket|giao ban|danh gia|bao cao ket qua)(?![a-z])")
_NEXT = re.compile(
    r"(?<![a-z])(trien khai|phuong huong|nhiem vu (?:cong tac )?(?:trong tam )?"
    r"(?=[0-9]|nam|quy|qui|thang)|ke hoach|de ra|chuong trinh cong tac|nhiem vu)(?![a-z])"
)
_DOC_BEFORE = re.compile(r"[a-zđ]{1,6}/[a-zđ0-9]{1,10}\s*,?\s*(?:ngay\s*)?$")


@dataclass
class PeriodChoice:
    reviewed: FoundPeriod | None
    planned: FoundPeriod | None
    reviewed_in: int  # index of the view it came from


def periods_in_view(
    folded: str, start: int, end: int, found: list[FoundPeriod] | None = None
) -> tuple[FoundPeriod | None, FoundPeriod | None]:
    """(reviewed, planned) in ``folded[start:end]``; ``found``: its periods, if known."""
    periods = list(find_periods(folded, start, end)) if found is None else found
    if not periods:
        return None, None
    review = _REVIEW.search(folded, start, end)
    review_at = review.start() if review else start
    marker = _NEXT.search(folded, review.end() if review else start, end)
    marker_at = marker.start() if marker else end
    reviewed = [p for p in periods if review_at <= p.start < marker_at]
    planned = [p for p in periods if p.start >= marker_at]
    if not reviewed:
        reviewed = [p for p in periods if p.start < review_at]
    if not reviewed and len(planned) >= 2 and marker_at > review_at:
        reviewed, planned = planned[:1], planned[1:]
    periodic = [p for p in reviewed if p.is_periodic]
    chosen = periodic[0] if periodic else (reviewed[0] if reviewed else None)
    return chosen, (planned[0] if planned else None)


def fill_period_year(
    reviewed: FoundPeriod,
    planned: FoundPeriod | None,
    same_kind_elsewhere: list[FoundPeriod],
    published: datetime | None,
    explicit_event_year: int | None,
) -> bool:
    """Give ``reviewed`` a year when it was written without one; True when inferred."""
    if reviewed.year is not None or reviewed.kind in ("term",):
        return False
    if reviewed.kind == "multi_year" and span_length(reviewed):
        anchor = explicit_event_year or (published.year if published else None)
        if anchor:
            reviewed.end_year = anchor
            reviewed.year = anchor
            reviewed.key_suffix = f"{anchor - (span_length(reviewed) or 0)}-{anchor}"
            return True
        return False
    if planned is not None:
        year = next_year_for(reviewed, planned)
        if year:
            reviewed.year = year
            return True
    if reviewed.this_year and published:
        reviewed.year = published.year
        return True
    for other in same_kind_elsewhere:
        if other.kind == reviewed.kind and other.year:
            reviewed.year = other.year
            return True
    if published:
        for year in (published.year, published.year - 1):
            reviewed.year = year
            bounds = period_bounds_for_key(reviewed.key() or "")
            if bounds and bounds[1] - timedelta(days=75) <= published.date():
                return True
        reviewed.year = None
    return False


@dataclass
class EventDate:
    value: str
    year_inferred: bool
    part_of_day: str | None
    start: int
    end: int
    warning: str | None = None


def pick_event_date(folded: str, ranges: list[tuple[int, int]]) -> FoundDate | None:
    """The meeting's date: a cued date in the announcing sentence, else in the lead."""
    for index, (start, end) in enumerate(ranges):
        for found in find_dates(folded, start, end):
            if _DOC_BEFORE.search(folded[max(0, found.start - 30) : found.start]):
                continue
            if found.day is None:
                continue
            before = folded[max(start, found.start - 2) : found.start]
            at_start = found.start - start < 3
            if found.cued or "(" in before or at_start or (index == 0 and found.year):
                return found
    return None


def _period_end(period: FoundPeriod | None) -> date | None:
    if period is None or period.year is None:
        return None
    bounds = period_bounds_for_key(period.key() or "")
    return bounds[1] if bounds else None


def resolve_event_date(
    found: FoundDate, published: datetime | None, reviewed: FoundPeriod | None
) -> EventDate | None:
    period_end = _period_end(reviewed)
    inferred = False
    year = found.year
    warning = None
    if year is None:
        inferred = True
        if published is not None:
            year = published.year
            if found.month > published.month + 1:
                year -= 1
        elif reviewed is not None and reviewed.year is not None and period_end is None:
            year = reviewed.end_year or reviewed.year
        elif period_end is not None:
            year = period_end.year
            candidate = found.as_date(year)
            if candidate and candidate < period_end - timedelta(days=75):
                year += 1
    if year is None:
        return None
    when = found.as_date(year)
    if when is None:
        return None
    if not inferred and period_end is not None and when < period_end - timedelta(days=75):
        shifted = found.as_date(year + 1)
        fits_page = published is None or (
            shifted is not None and shifted <= published.date() + timedelta(days=2)
        )
        if shifted and shifted >= period_end - timedelta(days=75) and fits_page:
            warning = (
                f"meeting dated {when.isoformat()} before the end of the period it "
                f"reviews ({reviewed.key() if reviewed else '?'}); year read as "
                f"{year + 1}"
            )
            when, year = shifted, year + 1
    if published is not None and when > published.date() + timedelta(days=2):
        warning = warning or (
            f"meeting date {when.isoformat()} is after the page date {published.date().isoformat()}"
        )
    value = (
        f"{when.year:04d}-{when.month:02d}-{found.day:02d}"
        if found.day
        else (f"{when.year:04d}-{when.month:02d}-??")
    )
    return EventDate(value, inferred, found.part_of_day, found.start, found.end, warning)
