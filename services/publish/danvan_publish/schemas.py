"""Response bodies of the JSON endpoints (feeds have their own formats in ``feeds.py``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CountedName(BaseModel):
    name: str
    slug: str | None = None
    count: int


class Official(BaseModel):
    """Someone who chaired at least one meeting in the feed period."""

    name: str
    titles: list[str] = Field(default_factory=list)
    meetings: int = 0


class Aggregate(BaseModel):
    province: str
    province_name: str
    boundary: str = Field(description="old (63 provinces), 2025 (34 provinces) or national")
    period: str
    reports: int = Field(description="Reports in the feed period (every source counted)")
    meetings: int = Field(description="Distinct meetings (reports of one meeting counted once)")
    by_level: dict[str, int]
    by_meeting_type: dict[str, int]
    units: list[CountedName] = Field(description="Units that held the meetings")
    officials: list[Official] = Field(description="Officials who chaired them")
    campaigns: list[CountedName]
    documents: list[CountedName] = Field(description="Documents cited")


class FeedLinks(BaseModel):
    rss: str
    atom: str
    json_feed: str


class ProvinceListing(BaseModel):
    slug: str
    name: str
    boundary: str
    code: str | None
    entries: int
    periods: list[str]
    page: str


class PeriodListing(BaseModel):
    key: str
    label: str
    start: str
    end: str
    entries: int
    provinces: int
