"""Coverage: which units of the level below a province (or the nation) reported the review
of a period, which have not been seen, and which are late.

The units are those of the boundary set in force at the end of the period
(``layer_on``): before 1 July 2025 the districts of a province in force then (a
post-2025 province lists the districts of the provinces it was formed from), since then
the communes of a post-2025 province (a pre-2025 province lists the communes that lie
in its former territory); for ``national`` the 63 or the 34 provinces.

A unit has *reported* when a report on the review of exactly this period, held at that
level, names it: by its GSO code, or, for a report whose unit has no code, by its name
when exactly one listed unit bears it. A 2024-H1 report does not make a unit reported
for 2024: the year's review is another meeting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from danvan_publish import documents_repository, fragments, labels, provinces
from danvan_publish.coverage_schemas import (
    Coverage,
    CoveredReport,
    ReviewWindowInfo,
    UnitCoverage,
    UnplacedReport,
)
from danvan_publish.renderers import FeedItem
from danvan_publish.review_calendar import review_window
from danvan_shared.gazetteer import get_gazetteer, layer_on
from danvan_shared.vietnamese import fold

VIETNAM_TZ = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class ExpectedUnit:
    code: str
    name: str
    full_name: str
    kind: str


@dataclass(frozen=True)
class Frame:
    """What a coverage lists and where its reports are looked for."""

    boundary: str
    level: str
    units: tuple[ExpectedUnit, ...]
    old_codes: tuple[str, ...] = ()
    new_codes: tuple[str, ...] = ()


@lru_cache(maxsize=1024)
def frame(slug: str, period_end: date) -> Frame:
    scope = provinces.scope(slug)
    assert scope is not None
    gazetteer = get_gazetteer()
    layer = layer_on(period_end)
    if scope.boundary == provinces.NATIONAL:
        listed = gazetteer.provinces if layer == "old" else gazetteer.provinces_2025
        units = tuple(ExpectedUnit(p.code, p.name, p.full_name, p.kind) for p in listed)
        return Frame(layer, "province", units)
    assert scope.code is not None
    if layer == "old":
        if scope.boundary == "old":
            old_codes: tuple[str, ...] = (scope.code,)
        else:
            province = gazetteer.province(scope.code, boundary="2025")
            old_codes = province.merged_from if province else ()
        districts = tuple(
            ExpectedUnit(d.code, d.name, d.full_name, d.kind)
            for d in gazetteer.districts
            if d.province_code in old_codes and (d.valid_to is None or d.valid_to >= period_end)
        )
        return Frame(layer, "district", districts, old_codes=old_codes)
    new_code = scope.code if scope.boundary == "2025" else gazetteer.to_2025(scope.code).code
    communes = [
        c
        for c in gazetteer.province_2025_communes(new_code)
        if scope.boundary == "2025" or scope.code in gazetteer.old_provinces_of_2025_commune(c.code)
    ]
    units = tuple(ExpectedUnit(c.code, c.name, c.full_name, c.kind) for c in communes)
    return Frame(layer, "commune", units, new_codes=(new_code,))


def _belongs(document: Any, slug: str, found: Frame) -> bool:
    """Whether a report no listed unit claims is still the scope's (to list as unplaced)."""
    if slug == provinces.NATIONAL:
        return True
    scope = provinces.scope(slug)
    if scope is not None and scope.boundary == "old":
        return document.province_code == scope.code
    return document.province_2025_code in found.new_codes or (
        document.province_code in found.old_codes
    )


class _UnitIndex:
    """Finds the listed unit a report names: by code, else by a unique name."""

    def __init__(self, found: Frame) -> None:
        self.level = found.level
        self.boundary = found.boundary
        self.by_code = {unit.code: unit for unit in found.units}
        self.by_name: dict[str, list[ExpectedUnit]] = defaultdict(list)
        for unit in found.units:
            self.by_name[fold(unit.name)].append(unit)

    def unit_of(self, document: Any) -> ExpectedUnit | None:
        if self.level == "province":
            code = document.province_code if self.boundary == "old" else document.province_2025_code
            return self.by_code.get(code or "")
        if document.unit_code and document.unit_code in self.by_code:
            return self.by_code[document.unit_code]
        written = fold(document.unit_name or "")
        words = written.split()
        for size in range(len(words), 0, -1):  # the longest name the unit's words end with
            named = self.by_name.get(" ".join(words[-size:]), [])
            if len(named) == 1:
                return named[0]
            if named:
                return None
        return None


def _moment(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _covered(document: Any, base_url: str) -> CoveredReport:
    # Typed columns of our own table: built without validation (a national coverage
    # holds thousands, and validating each took a quarter of the page's time).
    return CoveredReport.model_construct(
        report_id=str(document.report_id),
        report_url=f"{base_url}/reports/{document.report_id}",
        title=document.title,
        meeting_date=document.event_date,
        published_at=_moment(document.published_at),
        first_seen_at=_moment(document.created_at),
    )


def _drilldown(found: Frame, unit: ExpectedUnit, period_key: str, base_url: str) -> str | None:
    """A province's own coverage page, for the rows of the national one."""
    if found.level != "province":
        return None
    province = provinces.scope_by_code(found.boundary, unit.code)
    return f"{base_url}/coverage/{province.slug}/{period_key}" if province else None


def today() -> date:
    return datetime.now(VIETNAM_TZ).date()


def coverage(
    session: Session,
    scope: provinces.FeedScope,
    period_key: str,
    period_end: date,
    *,
    as_of: date,
    base_url: str,
    reports_per_unit: int | None = None,
) -> Coverage:
    """Every unit of the level below ``scope`` for ``period_key``; each unit lists its
    reports, or its first ``reports_per_unit`` of them."""
    found = frame(scope.slug, period_end)
    documents = documents_repository.documents_at_level(
        session,
        period_key=period_key,
        level=found.level,
        old_codes=found.old_codes,
        new_codes=found.new_codes,
        published_by=datetime.combine(as_of, time.max, VIETNAM_TZ),
    )
    index = _UnitIndex(found)
    reports: dict[str, list[Any]] = defaultdict(list)
    unplaced = []
    for document in documents:
        unit = index.unit_of(document)
        if unit is not None:
            reports[unit.code].append(document)
        elif _belongs(document, scope.slug, found):
            unplaced.append(
                UnplacedReport(
                    **_covered(document, base_url).model_dump(), unit_name=document.unit_name
                )
            )
    window = review_window(period_key)
    state = window.state(as_of) if window else None
    units = []
    for unit in found.units:
        held = reports.get(unit.code, [])
        dates = [d.event_date for d in held if d.event_date]
        units.append(
            UnitCoverage(
                code=unit.code,
                name=unit.full_name,
                kind=unit.kind,
                status="reported" if held else "not_seen",
                late=not held and state == "passed",
                meeting_date=min(dates) if dates else None,
                first_reported_at=min(_moment(d.created_at) for d in held) if held else None,
                report_count=len(held),
                reports=[_covered(d, base_url) for d in held[:reports_per_unit]],
                coverage_url=_drilldown(found, unit, period_key, base_url),
            )
        )
    reported = sum(1 for unit in units if unit.status == "reported")
    return Coverage(
        province=scope.slug,
        province_name=scope.title,
        period=period_key,
        period_label=labels.period_label(period_key),
        as_of=as_of,
        boundary="old" if found.boundary == "old" else "2025",
        level=found.level,
        units_total=len(units),
        units_reported=reported,
        units_late=sum(1 for unit in units if unit.late),
        share_reported=round(reported / len(units), 4) if units else 0.0,
        window=ReviewWindowInfo(
            meeting_type=window.meeting_type, opens=window.opens, closes=window.closes, state=state
        )
        if window and state
        else None,
        units=units,
        unplaced=unplaced,
        feed=f"{base_url}/v1/coverage/{scope.slug}/{period_key}.atom",
    )


def first_report_items(result: Coverage) -> list[str]:
    """Atom entries announcing each unit's first report, newest first."""
    reported = [unit for unit in result.units if unit.first_reported_at and unit.reports]
    reported.sort(key=lambda unit: (unit.first_reported_at, unit.code), reverse=True)
    items = []
    for unit in reported:
        first = min(unit.reports, key=lambda report: (report.first_seen_at, report.report_id))
        when = labels.date_label(first.meeting_date) if first.meeting_date else "chưa rõ ngày"
        assert unit.first_reported_at is not None
        items.append(
            fragments.RENDER["atom"](
                FeedItem(
                    id=f"urn:danvan:coverage:{result.province}:{result.period}:{unit.code}",
                    url=first.report_url,
                    title=f"{unit.name} đã báo cáo {result.period_label}",
                    summary=f"{unit.name}: hội nghị ngày {when}. {first.title}",
                    content_html=str(
                        Markup('<p><a href="{}">{}</a></p>').format(first.report_url, first.title)
                    ),
                    published=unit.first_reported_at,
                    updated=unit.first_reported_at,
                )
            )
        )
    return items
