"""The extraction contract: what the extract service writes and publish reads.

Every entity carries ``spans``: half-open ``[start, end)`` character offsets into
the text as submitted (for a plain-text report) or into ``article_text`` (for an
HTML report, whose article is extracted first). ``confidence`` is in ``[0, 1]``.
The CLI (``danvan extract``), ``GET /v1/reports/{id}`` and the publish read model
all use these models, so a change here is a change of the public contract.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MeetingType = Literal["so_ket", "tong_ket", "giao_ban", "other"]
Level = Literal["central", "province", "district", "commune"]
PeriodKind = (
    Literal["H1", "H2", "9M", "Q1", "Q2", "Q3", "Q4", "FY", "term", "multi_year", "other"] | str
)  # also "M<n>" for the first n months
Role = Literal["chair", "director", "speaker", "attendee", "author", "photographer"]
Evidence = Literal["text", "unit", "district", "url", "context"]


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Located(BaseModel):
    spans: list[Span] = Field(default_factory=list)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)


class Unit(Located):
    """The holding unit: the Party body or organisation that held the meeting."""

    name: str
    kind: str = Field(description="tinh, thanh_pho, huyen, quan, thi_xa, xa, phuong, thi_tran, …")
    code: str | None = Field(default=None, description="GSO code of the administrative unit")
    body: str | None = Field(default=None, description="The body as written, e.g. 'Huyện ủy'")


class ProvinceRef(Located):
    code: str
    name: str
    slug: str
    evidence: Evidence | None = None


class Period(Located):
    key: str = Field(description="Canonical key: 2022-H1, 2022-9M, 2022-Q3, 2022, 2021-2025 …")
    kind: PeriodKind
    year: int | None = None
    start: date | None = None
    end: date | None = None
    text: str = ""


class DateMention(Located):
    value: str = Field(description="YYYY-MM-DD, or YYYY-MM-?? when the day is unknown")
    year_inferred: bool = False
    part_of_day: str | None = None
    text: str = ""


class Person(Located):
    name: str
    titles: list[str] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)


class Organization(Located):
    name: str
    abbreviation: str | None = None


class Campaign(Located):
    name: str
    kind: Literal["movement", "campaign", "model", "programme"] = "movement"


class Document(Located):
    text: str
    kind: str | None = None
    number: str | None = None
    issuer: str | None = None
    date: str | None = None
    title: str | None = None


class Figure(Located):
    text: str
    value: float | None = None
    total: float | None = None
    unit: str | None = None


class ExtractionWarning(BaseModel):
    code: str
    message: str
    spans: list[Span] = Field(default_factory=list)


class Extraction(BaseModel):
    """Everything the extractor concluded about one report."""

    relevant: bool
    relevance_confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    meeting_type: MeetingType | None = None
    level: Level | None = None
    unit: Unit | None = None
    province: ProvinceRef | None = None
    province_2025: ProvinceRef | None = None
    period: Period | None = None
    next_period: Period | None = None
    event_date: str | None = None
    event_date_detail: DateMention | None = None
    published_at: datetime | None = None
    title: str | None = None
    people: list[Person] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    warnings: list[ExtractionWarning] = Field(default_factory=list)
    event_key: str | None = Field(
        default=None,
        description="Same value for reports of one meeting (unit, type, period, date)",
    )
    article_text: str | None = Field(
        default=None, description="For HTML input: the article text the spans point into"
    )
    extractor_version: str

    def chairs(self) -> list[Person]:
        return [person for person in self.people if "chair" in person.roles]


def period_bounds_for_key(key: str) -> tuple[date, date] | None:
    """The first and last day a canonical period key covers, or None if it is not a key.

    Keys: ``YYYY`` (the year), ``YYYY-H1``/``H2``, ``YYYY-Q1``…``Q4``, ``YYYY-9M``,
    ``YYYY-M<n>`` (first n months), ``YYYY-YYYY`` (a term or multi-year span).
    """
    import calendar

    parts = key.split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4 or len(parts) > 2:
        return None
    year = int(parts[0])
    if not 1945 <= year <= 2100:
        return None
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    suffix = parts[1]
    first_month, last_month = 0, 0
    if suffix.isdigit() and len(suffix) == 4:
        end_year = int(suffix)
        if not year < end_year <= year + 20:
            return None
        return date(year, 1, 1), date(end_year, 12, 31)
    if suffix in ("H1", "H2"):
        first_month = 1 if suffix == "H1" else 7
        last_month = first_month + 5
    elif suffix in ("Q1", "Q2", "Q3", "Q4"):
        first_month = 3 * (int(suffix[1]) - 1) + 1
        last_month = first_month + 2
    elif suffix == "9M":
        first_month, last_month = 1, 9
    elif suffix.startswith("M") and suffix[1:].isdigit() and 1 <= int(suffix[1:]) <= 12:
        first_month, last_month = 1, int(suffix[1:])
    else:
        return None
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)
