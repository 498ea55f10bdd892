"""The extraction contract: what the extract service writes and publish reads.

Every entity carries ``spans``: half-open ``[start, end)`` character offsets into
the text as submitted (for a plain-text report) or into ``article_text`` (for an
HTML report, whose article is extracted first). ``confidence`` is in ``[0, 1]``.
The CLI (``danvan extract``), ``GET /v1/reports/{id}`` and the publish read model
all use these models, so a change here is a change of the public contract.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, field_validator

VIETNAM_TZ = timezone(timedelta(hours=7))
MeetingType = Literal["so_ket", "tong_ket", "giao_ban", "other"]
Level = Literal["central", "province", "district", "commune"]
PeriodKind = (
    Literal["H1", "H2", "9M", "Q1", "Q2", "Q3", "Q4", "FY", "term", "multi_year", "other"] | str
)  # also "M<n>" for the first n months
Role = Literal["chair", "director", "speaker", "attendee", "author", "photographer"]
Evidence = Literal["text", "unit", "district", "url", "context"]
# Where the deciding candidate of a field was found (see ``FieldEvidence``).
EvidenceKind = Literal[
    "title",
    "lead",
    "body",
    "official",
    "url_slug",
    "url_host",
    "page_date",
    "gazetteer",
    "inferred",
]


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
    key: str | None = Field(
        default=None,
        description="Canonical key: 2022-H1, 2022-9M, 2022-Q3, 2022, 2021-2025 …; null when "
        "the period's year is unknown (a period_year_unknown warning says so)",
    )
    kind: PeriodKind
    year: int | None = Field(default=None, description="The year the period ends")
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


class FieldEvidence(BaseModel):
    """Why a field has its value: where the deciding candidate was found, by which rule.

    ``kind`` is the place (the headline, the organiser frame in the lead, the body, an
    official's title, the URL slug or host, the page date, the gazetteer, or an inference
    from other fields); ``rule`` the rule id (``lexicon`` entries read ``group.entry``).
    """

    kind: EvidenceKind
    rule: str
    text: str = ""
    spans: list[Span] = Field(default_factory=list)


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
    published_at: datetime | None = Field(
        default=None,
        description="Publication time printed on the page; one without an offset is Vietnam time",
    )
    title: str | None = None
    people: list[Person] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    warnings: list[ExtractionWarning] = Field(default_factory=list)
    evidence: dict[str, FieldEvidence] = Field(
        default_factory=dict,
        description="Per decided field (relevant, meeting_type, level, unit, province, "
        "province_2025, period, event_date): where its value came from and which rule",
    )
    event_key: str | None = Field(
        default=None,
        description="Same value for reports of one meeting (unit, type, period, date)",
    )
    article_text: str | None = Field(
        default=None, description="For HTML input: the article text the spans point into"
    )
    extractor_version: str

    @field_validator("published_at")
    @classmethod
    def _vietnam_time(cls, value: datetime | None) -> datetime | None:
        # Pages print local time without an offset; a naive value would break the
        # documented RFC 3339 date-time (and compare with nothing aware).
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=VIETNAM_TZ)
        return value

    def chairs(self) -> list[Person]:
        return [person for person in self.people if "chair" in person.roles]


# ASCII digits only ([0-9], never \d): superscript, fullwidth or Arabic-Indic digits
# are not keys, so no feed has a second URL and int() never sees a digit it rejects.
_PERIOD_KEY = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?:(?P<end_year>[0-9]{4})|(?P<part>H[12]|Q[1-4]|9M|M(?:1[0-2]|[1-9]))))?"
)


@lru_cache(maxsize=1024)
def period_bounds_for_key(key: str) -> tuple[date, date] | None:
    """The first and last day a canonical period key covers, or None if it is not a key.

    Keys: ``YYYY`` (the year), ``YYYY-H1``/``H2``, ``YYYY-Q1``…``Q4``, ``YYYY-9M``,
    ``YYYY-M<n>`` (first n months, n without a leading zero), ``YYYY-YYYY`` (a term or
    multi-year span of at most 20 years), for the years 1945 to 2100. This is the one
    parser of period keys: the extractor takes bounds from it, and publish serves, lists
    and links only the keys it accepts.
    """
    match = _PERIOD_KEY.fullmatch(key)
    if match is None:
        return None
    year = int(match["year"])
    if not 1945 <= year <= 2100:
        return None
    if match["end_year"]:
        end_year = int(match["end_year"])
        if not year < end_year <= year + 20:
            return None
        return date(year, 1, 1), date(end_year, 12, 31)
    part = match["part"]
    if part is None:
        return date(year, 1, 1), date(year, 12, 31)
    if part in ("H1", "H2"):
        first_month = 1 if part == "H1" else 7
        last_month = first_month + 5
    elif part.startswith("Q"):
        first_month = 3 * (int(part[1]) - 1) + 1
        last_month = first_month + 2
    elif part == "9M":
        first_month, last_month = 1, 9
    else:  # M<n>
        first_month, last_month = 1, int(part[1:])
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def is_period_key(key: str | None) -> TypeGuard[str]:
    """True for a canonical period key: one a feed can be served for."""
    return bool(key) and period_bounds_for_key(key or "") is not None
