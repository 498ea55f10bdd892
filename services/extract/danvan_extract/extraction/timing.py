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

from . import tuning
from .dates import FoundDate, find_dates
from .lexicon import TextScan, group, search_in
from .periods import FoundPeriod, find_periods, next_year_for, periods_within, span_length
from .views import TextView

_DOC_BEFORE = re.compile(r"[a-zđ]{1,6}/[a-zđ0-9]{1,10}\s*,?\s*(?:ngay\s*)?$")


def periods_in_view(
    folded: str,
    start: int,
    end: int,
    found: list[FoundPeriod] | None = None,
    scan: TextScan | None = None,
) -> tuple[FoundPeriod | None, FoundPeriod | None]:
    """(reviewed, planned) in ``folded[start:end]``; ``found``: its periods, if known."""
    periods = list(find_periods(folded, start, end)) if found is None else found
    if not periods:
        return None, None
    review = search_in(scan, "assessment", folded, start, end)
    review_at = review.start if review else start
    marker = search_in(scan, "next_marker", folded, review.end if review else start, end)
    marker_at = marker.start if marker else end
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
            reviewed.year = anchor - (span_length(reviewed) or 0)
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
            if bounds and bounds[1] - review_lead_time(reviewed.kind) <= published.date():
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
    rule: str = "date.written"


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


def _bounds(period: FoundPeriod | None) -> tuple[date, date] | None:
    if period is None or period.year is None:
        return None
    return period_bounds_for_key(period.key() or "")


def review_lead_time(kind: str) -> timedelta:
    """How long before its period ends a review of it may be held."""
    if kind.startswith("M"):
        return tuning.REVIEW_LEAD_TIME["month"]
    if kind.startswith("Q") or kind == "9M":
        return tuning.REVIEW_LEAD_TIME["quarter"]
    if kind in ("H1", "H2"):
        return tuning.REVIEW_LEAD_TIME["half"]
    if kind == "FY":
        return tuning.REVIEW_LEAD_TIME["FY"]
    return tuning.REVIEW_LEAD_TIME["span"]


def in_review_window(when: date, period: FoundPeriod, bounds: tuple[date, date]) -> bool:
    """Whether a meeting on ``when`` can review ``period`` (held from shortly before its
    end to a few months after)."""
    return bounds[1] - review_lead_time(period.kind) <= when <= bounds[1] + tuning.REVIEW_LAG


def _yearless(
    found: FoundDate, published: datetime | None, reviewed: FoundPeriod | None
) -> int | None:
    """The year of "sáng 13/12": from a reliable page date (the year before when the month
    is later than the page's), checked against the reviewed period's window; else from the
    period (a December review of year Y is in Y, a January one in Y + 1)."""
    bounds = _bounds(reviewed)
    candidates: list[int] = []
    if published is not None:
        year = published.year
        if found.month > published.month + tuning.YEARLESS_MONTHS_AHEAD:
            year -= 1
        candidates.append(year)
    if bounds is not None:
        candidates += [bounds[1].year, bounds[1].year + 1]
    elif reviewed is not None and reviewed.year is not None:
        candidates.append(reviewed.end_year or reviewed.year)
    if bounds is not None and reviewed is not None:
        for year in candidates:
            when = found.as_date(year)
            if when is not None and in_review_window(when, reviewed, bounds):
                return year
    return candidates[0] if candidates else None


def _check_written_year(
    found: FoundDate,
    when: date,
    published: datetime | None,
    reviewed: FoundPeriod,
    bounds: tuple[date, date],
) -> tuple[date, str | None]:
    """A written year is kept, with a warning when it does not fit the reviewed period;
    "Chiều ngày 12/01/2023" reviewing 2023 on a page of 17/01/2024 is read as 2024 only
    when the page date confirms the next year (a typo of the year)."""
    if when >= bounds[1] - review_lead_time(reviewed.kind):
        return when, None
    shifted = found.as_date(when.year + 1)
    if (
        shifted is not None
        and published is not None
        and shifted <= published.date() + tuning.PAGE_DATE_SLACK
        and in_review_window(shifted, reviewed, bounds)
    ):
        return shifted, (
            f"meeting dated {when.isoformat()} before the end of the period it reviews "
            f"({reviewed.key()}); year read as {when.year + 1}"
        )
    return when, (
        f"meeting dated {when.isoformat()} does not fit the period it reviews "
        f"({reviewed.key()}); kept as written"
    )


def resolve_event_date(
    found: FoundDate, published: datetime | None, reviewed: FoundPeriod | None
) -> EventDate | None:
    bounds = _bounds(reviewed)
    inferred = found.year is None
    year = _yearless(found, published, reviewed) if inferred else found.year
    warning = None
    if year is None:
        return None
    when = found.as_date(year)
    if when is None:
        return None
    slack = tuning.PAGE_DATE_SLACK
    if not inferred and bounds is not None and reviewed is not None:
        when, warning = _check_written_year(found, when, published, reviewed, bounds)
    if published is not None and when > published.date() + slack:
        warning = warning or (
            f"meeting date {when.isoformat()} is after the page date {published.date().isoformat()}"
        )
    value = (
        f"{when.year:04d}-{when.month:02d}-{found.day:02d}"
        if found.day
        else (f"{when.year:04d}-{when.month:02d}-??")
    )
    rule = "date.year_from_page_or_period" if inferred else "date.written"
    return EventDate(value, inferred, found.part_of_day, found.start, found.end, warning, rule)


def relative_event_date(
    folded: str, norm: str, ranges: list[tuple[int, int]], published: datetime | None
) -> EventDate | None:
    """ "Sáng nay, …", "Chiều hôm qua, …": the page's own date (the day before), only when
    the page date is reliable (it has a day)."""
    if published is None:
        return None
    for start, end in ranges:
        hit = group("relative_day").search(folded, start, end, norm)
        if hit is None:
            continue
        when = published.date() - (timedelta(days=1) if hit.entry == "yesterday" else timedelta())
        part = folded[hit.start : hit.end].split()[0]
        part_of_day = part if part in ("sang", "chieu", "toi", "trua") else None
        return EventDate(when.isoformat(), True, part_of_day, hit.start, hit.end, rule=hit.rule)
    return None


# The folded body, its periods (one scan) and where that scan ended.
BodyPeriods = tuple[str, list[FoundPeriod], int]


def _known_periods(view: TextView, body_periods: BodyPeriods) -> list[FoundPeriod] | None:
    """The periods of a view of the article body, from the one scan of the whole body."""
    folded, periods, end = body_periods
    if view.folded is not folded or view.end > end:
        return None
    return periods_within(periods, folded, view.start, view.end)


def reviewed_periods(
    primary: TextView,
    ordered: list[TextView],
    body_periods: BodyPeriods,
    published: datetime | None,
    scan: TextScan | None = None,
) -> tuple[FoundPeriod | None, FoundPeriod | None, bool, TextView | None]:
    """(reviewed, planned, year inferred, the view the reviewed period was read in): from
    the announcing view first, then the headline, the lead and the slug, else the body's
    first period."""
    reviewed = planned = None
    source: TextView | None = None
    for view in [primary, *ordered]:
        reviewed, planned = periods_in_view(
            view.folded, view.start, view.end, _known_periods(view, body_periods), scan
        )
        if reviewed:
            source = view
            break
    if reviewed is None and body_periods[1]:
        reviewed = body_periods[1][0].copy()
    if reviewed is None:
        return None, planned, False, None
    elsewhere: list[FoundPeriod] = []
    if reviewed.year is None:  # only then is a same-kind mention elsewhere needed
        for view in ordered:
            found = _known_periods(view, body_periods)
            elsewhere += find_periods(view.folded, view.start, view.end) if found is None else found
        elsewhere += body_periods[1]
    inferred = fill_period_year(reviewed, planned, elsewhere, published, None)
    if planned is not None and planned.year is None and reviewed.year is not None:
        planned.year = reviewed.year + (
            1
            if planned.kind == "FY"
            or (reviewed.kind in ("FY", "Q4", "H2") and planned.kind in ("Q1", "H1"))
            else 0
        )
    return reviewed, planned, inferred, source
