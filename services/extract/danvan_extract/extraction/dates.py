"""Vietnamese date mentions: "Sáng ngày 04/8/2022", "Chiều 11-10", "ngày 18 tháng 12".

Hand-written regexes (the library notes measured dateparser at ~1 ms a call, missing
"Sáng ngày 04/8/2022" outright and turning "6 tháng" durations into dates); dates here are
always day/month. All patterns run on the folded text (no diacritics, lower case), which
has the same length as the text, so match offsets are spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_PART_OF_DAY = r"(?:(?P<part>sang|chieu|trua|toi|dem)\s+(?:hom\s+)?(?:qua\s+)?(?:nay\s+)?)?"
_CUE = r"(?P<cue>(?:ngay|hom)\s*(?::\s*)?)?"
# Each pattern opens with optional groups, which defeat re's prefix scan: a lookahead on
# the first character a match can have rejects most positions at once.
_NUMERIC_DATE = re.compile(
    r"(?=[\dschtdn])"
    + _PART_OF_DAY
    + _CUE
    + r"(?<![\d.,/])(?P<day>[0-3]?\d)\s?(?P<sep>[/.-])\s?(?P<month>[01]?\d)"
    r"(?:(?P=sep)\s?(?P<year>(?:19|20)\d{2}|\d{2}))?(?![\d]|[.,/-]\d)"
)
_WORDED_DATE = re.compile(
    r"(?=[schtdn])"
    + _PART_OF_DAY
    + r"(?P<cue>ngay)\s+(?P<day>[0-3]?\d)\s+thang\s+(?P<month>[01]?\d)"
    r"(?:\s*(?:,\s*)?nam\s+(?P<year>(?:19|20)\d{2}))?(?!\d)"
)
_ISO_DATE = re.compile(
    r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)(?:-(?P<day>[0-3]\d))?(?![\d-])"
)
_DIGIT = re.compile(r"\d")
_TIME = re.compile(r"(?<!\d)([0-2]?\d):([0-5]\d)(?::([0-5]\d))?(?!\d)")


@dataclass
class FoundDate:
    """One date written in the text; ``year`` is None when the writer left it out."""

    start: int
    end: int
    day: int | None
    month: int
    year: int | None
    part_of_day: str | None
    cued: bool  # preceded by "ngày", "sáng", "chiều" … or written in words

    def as_date(self, year: int | None = None) -> date | None:
        chosen = year if year is not None else self.year
        if chosen is None:
            return None
        try:
            return date(chosen, self.month, self.day or 1)
        except ValueError:
            return None


def _year_of(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if value < 100 else value


def find_dates(folded: str, start: int = 0, end: int | None = None) -> list[FoundDate]:
    """Every plausible date in ``folded[start:end]``, in text order."""
    end = len(folded) if end is None else end
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    if not _DIGIT.search(folded, start, end):  # every date has a digit: skip the scans
        return found
    patterns = [_NUMERIC_DATE]
    if folded.find("thang", start, end) >= 0:
        patterns.insert(0, _WORDED_DATE)
    if folded.find("-", start, end) >= 0:
        patterns.append(_ISO_DATE)
    for pattern in patterns:
        for match in pattern.finditer(folded, start, end):
            day_text = match.group("day")
            day = int(day_text) if day_text else None
            month = int(match.group("month"))
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            groups = match.groupdict()
            year = _year_of(groups.get("year"))
            # "1.300" is a number; "30.7" a date only when cued ("ngày 30.7").
            dotted = pattern is _NUMERIC_DATE and year is None and groups.get("sep") == "."
            if dotted and not (groups.get("cue") or groups.get("part")):
                continue
            part = groups.get("part")
            cued = bool(groups.get("cue") or part or pattern is _WORDED_DATE)
            taken.append((match.start(), match.end()))
            found.append(FoundDate(match.start(), match.end(), day, month, year, part, cued))
    found.sort(key=lambda item: item.start)
    return found


_PAGE_DATE_NOISE = re.compile(
    r"thu\s+(?:hai|ba|tu|nam|sau|bay|\d)|chu nhat|dang luc|cap nhat(?: ngay| luc)?|ngay dang"
    r"|luot xem|da xem|gmt\s*\+?\s*\d*|date|[\d:/.,|()+-]|\s"
)


# A site header's clock ("Hôm nay: Thứ Hai, 30/11/2026 | 28°C") dates the crawl, not the page.
_CRAWL_CLOCK = re.compile(r"hom nay|bay gio|nhiet do|°|do c(?![a-z])|thoi tiet")


def find_page_date(folded: str, lines: list[tuple[int, int]]) -> tuple[datetime, int, int] | None:
    """The page's own date: a short header line that is little more than a date."""
    for line_start, line_end in lines[:20]:
        if line_end - line_start > 90:
            continue
        line = folded[line_start:line_end]
        if _CRAWL_CLOCK.search(line):
            continue
        for found in find_dates(folded, line_start, line_end):
            if found.year is None or found.day is None:
                continue
            rest = _PAGE_DATE_NOISE.sub("", line.replace(folded[found.start : found.end], ""))
            if len(rest) > 12:
                continue
            hour = minute = second = 0
            time_match = _TIME.search(line)
            if time_match:
                hour, minute = int(time_match.group(1)), int(time_match.group(2))
                second = int(time_match.group(3) or 0)
            try:
                stamp = datetime(found.year, found.month, found.day, hour % 24, minute, second)
            except ValueError:
                continue
            return stamp, found.start, found.end
    return None


_URL_DATE = re.compile(
    r"(?<!\d)(?P<year>(?:19[5-9]|20[0-4])\d)(?:[/-](?P<month>[01]?\d)(?:[/-][0-3]?\d)?(?!\d)"
    # Compact stamps ("/202101/", "d2013080501562718") may run on into a time.
    r"|(?P<cmonth>0[1-9]|1[0-2])(?:[0-2]\d|3[01])?)"
)


def find_url_date(url: str | None) -> tuple[int, int] | None:
    """(year, month) of a date in a URL path ("/2021-6-28/", "/d20130805…", "/202101/")."""
    if not url:
        return None
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    for match in _URL_DATE.finditer(path):
        month = int(match.group("month") or match.group("cmonth"))
        if 1 <= month <= 12:
            return int(match.group("year")), month
    return None


def find_url_years(url: str | None) -> list[int]:
    """Years written in a URL path ("…-nam-2022-…", "/202101/", "/d20130805…")."""
    if not url:
        return []
    years = [int(m.group(0)) for m in re.finditer(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?!\d)", url)]
    years += [int(m.group("year")) for m in _URL_DATE.finditer(url)]
    return years
