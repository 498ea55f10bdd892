"""Response body of ``/v1/coverage/{province}/{period}``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class CoveredReport(BaseModel):
    report_id: str
    report_url: str
    title: str
    meeting_date: date | None
    published_at: datetime
    first_seen_at: datetime = Field(description="When the report was first published here")


class UnitCoverage(BaseModel):
    code: str
    name: str = Field(description="Official name, e.g. 'Huyện Chiêm Hóa', 'Phường Hạc Thành'")
    kind: str
    status: Literal["reported", "not_seen"]
    late: bool = Field(description="Not seen, and the usual window for this review has closed")
    meeting_date: date | None = Field(description="Date of its (earliest) reported meeting")
    first_reported_at: datetime | None = Field(description="When its first report arrived here")
    report_count: int = Field(description="How many reports name it (``reports`` may list fewer)")
    reports: list[CoveredReport] = Field(
        description="Its reports, first arrived first: all of them, or the first "
        "``reports_per_unit`` when asked"
    )
    coverage_url: str | None = Field(
        default=None,
        description="The unit's own coverage of the period, one level down (national: each "
        "province's)",
    )


class UnplacedReport(CoveredReport):
    unit_name: str | None = Field(description="The unit as the report names it")


class ReviewWindowInfo(BaseModel):
    meeting_type: str = Field(description="so_ket, tong_ket or giao_ban")
    opens: date
    closes: date
    state: Literal["before", "open", "passed"] = Field(description="On the as_of day")


class Coverage(BaseModel):
    province: str
    province_name: str
    period: str
    period_label: str
    as_of: date = Field(description="The day lateness is judged on; reports published by then")
    boundary: Literal["old", "2025"] = Field(
        description="The boundary set in force at the period's end, whose units are listed"
    )
    level: Literal["province", "district", "commune"] = Field(
        description="The level of the units listed: the one below the province (or national)"
    )
    units_total: int
    units_reported: int
    units_late: int
    share_reported: float = Field(description="units_reported / units_total, 0 to 1")
    window: ReviewWindowInfo | None
    units: list[UnitCoverage]
    unplaced: list[UnplacedReport] = Field(
        description="Reports at that level whose unit is none of the units listed "
        "(not resolved to a code, or a unit no longer in force)"
    )
    feed: str = Field(description="Atom feed announcing each unit's first report")
