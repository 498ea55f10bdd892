"""Request and response bodies of the ingest API."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from danvan_shared.extraction_schema import Extraction
from danvan_shared.timestamps import published_at_problem

VIETNAM_TZ = timezone(timedelta(hours=7))
ContentType = Literal["text/plain", "text/html"]


# Scripts and styles are not text a reader sees; neither are tags.
_HIDDEN_BLOCKS = re.compile(
    r"<\s*(script|style|template|noscript)\b.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]{0,4000}>")


def readable_text(value: str) -> str:
    return _TAG.sub(" ", _HIDDEN_BLOCKS.sub(" ", value))


def check_content(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.strip():
        raise ValueError("must not be empty")
    if not any(character.isalnum() for character in readable_text(value)):
        raise ValueError("has no readable text (only markup or scripts)")
    return value


class ReportMetadata(BaseModel):
    """What a submitter may tell about a report besides its content."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, max_length=1000)
    source_url: AnyHttpUrl | None = Field(
        default=None, description="Where the report was published"
    )
    source_name: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = Field(
        default=None,
        description=(
            "Publication time; without an offset it is read as Vietnam time. From 1945 to "
            "at most one day ahead of the server's clock (it orders the feeds)."
        ),
    )

    @field_validator("published_at")
    @classmethod
    def _plausible_vietnam_time(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=VIETNAM_TZ)
        problem = published_at_problem(value, datetime.now(UTC))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("title", "source_name")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if value is not None and _TAG.search(value):
            raise ValueError("must be plain text, not markup")
        return value or None


class ReportSubmission(ReportMetadata):
    """A report as JSON: exactly one of ``text`` or ``html``."""

    text: str | None = Field(default=None, description="The report as plain text")
    html: str | None = Field(default=None, description="The report page as HTML")

    @model_validator(mode="after")
    def _one_body(self) -> ReportSubmission:
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of 'text' or 'html'")
        check_content(self.text if self.text is not None else self.html or "")
        return self

    @property
    def content_type(self) -> ContentType:
        return "text/plain" if self.text is not None else "text/html"

    @property
    def body(self) -> str:
        return self.text if self.text is not None else self.html or ""


class Links(BaseModel):
    self: str


class ReportAccepted(BaseModel):
    id: uuid.UUID
    status: str
    duplicate: bool = Field(description="True when this content was already submitted")
    links: Links


class Timings(BaseModel):
    queue_seconds: float | None = None
    extraction_seconds: float | None = None
    total_seconds: float | None = None


class ReportView(BaseModel):
    id: uuid.UUID
    status: str
    content_type: str
    title: str | None
    source_url: str | None
    source_name: str | None
    published_at: datetime | None
    received_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    last_error: str | None
    extractor_version: str | None
    timings: Timings
    extraction: Extraction | None
    links: Links


class BatchLineResult(BaseModel):
    line: int
    id: uuid.UUID | None = None
    status: str | None = None
    duplicate: bool | None = None
    error: dict[str, Any] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[BatchLineResult]


class FileResult(BaseModel):
    filename: str
    id: uuid.UUID | None = None
    status: str | None = None
    duplicate: bool | None = None
    error: dict[str, Any] | None = None


class UploadResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[FileResult]


class QueueDepths(BaseModel):
    """Keyed by queue name: the interactive queues and the bulk ones served after them."""

    model_config = ConfigDict(populate_by_name=True)

    extract: int
    extract_bulk: int = Field(alias="extract.bulk")
    publish: int
    publish_bulk: int = Field(alias="publish.bulk")


class PipelineView(BaseModel):
    """What an operator checks first: is work flowing, and what is stuck."""

    broker_available: bool
    queues: QueueDepths | None = Field(description="Messages waiting; null if the broker is down")
    workers: list[str] | None = Field(
        description="Workers that answered a ping; null if the broker is down"
    )
    reports: dict[str, int] = Field(description="Reports per status")
    oldest_unprocessed_seconds: float | None = Field(
        description="Age of the oldest report not yet finished"
    )
    failed_last_hour: int


class FailedReport(BaseModel):
    id: uuid.UUID
    reason: str | None
    attempts: int
    received_at: datetime
    finished_at: datetime | None
    links: dict[str, str]


class FailedReports(BaseModel):
    items: list[FailedReport]
    limit: int
    offset: int


class ReprocessRequested(BaseModel):
    requested: bool
    include_failed: bool
    detail: str
