"""Response bodies of search and of the official (person) endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    report_id: str
    report_url: str = Field(description="The report's page, with its evidence")
    title: str
    title_html: str = Field(description="The title, HTML-escaped, query words in <mark>")
    snippet_html: str = Field(
        description="The passage of the report with the most query words, HTML-escaped, "
        "query words in <mark>"
    )
    score: float = Field(description="Relevance; higher is better (only compare within a query)")
    unit_name: str | None
    level: str | None
    meeting_type: str | None
    period_key: str | None
    event_date: date | None
    published_at: datetime
    source_url: str | None
    source_name: str | None
    feeds: list[str] = Field(description="Feeds the report is in (province slugs, national)")


class SearchResults(BaseModel):
    query: str
    total: int = Field(
        description="Reports matching the query and filters; when total_exact is false, at "
        "least this many (the newest 1,000 matches are the ones ranked)"
    )
    total_exact: bool
    offset: int
    limit: int
    results: list[SearchHit]
    next: str | None = Field(default=None, description="The next page of results")
    feed: str = Field(description="This search as an Atom feed, newest first")


class TitleSpan(BaseModel):
    """A title an official was reported with, and when."""

    title: str
    first_seen: date
    last_seen: date
    reports: int


class PersonMeeting(BaseModel):
    report_id: str
    report_url: str
    title: str = Field(description="The report's title")
    event_date: date | None
    period_key: str | None
    level: str | None
    unit_name: str | None
    roles: list[str]
    titles: list[str] = Field(description="The official's titles in this report")
    name_as_written: str


class PersonSummary(BaseModel):
    id: str = Field(description="Stable id: name, province (2025 code), tier and unit")
    name: str = Field(description="The most frequent spelling")
    variants: list[str] = Field(description="Every spelling merged into this official")
    tier: str | None = Field(description="central, province, district or commune")
    province_2025_code: str | None
    unit_name: str | None
    titles: list[str] = Field(description="Titles, latest first")
    meetings: int
    first_seen: date | None
    last_seen: date | None
    url: str


class Person(PersonSummary):
    roles: dict[str, int] = Field(description="Meetings per role (chair, speaker, …)")
    titles_over_time: list[TitleSpan]
    meeting_list: list[PersonMeeting] = Field(description="Meetings, oldest first")
