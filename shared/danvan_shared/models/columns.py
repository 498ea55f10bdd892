"""Column types every table shares: aware UTC times and the report's status.

Times. Every datetime column is declared through ``utc_datetime``: ``TIMESTAMP WITH
TIME ZONE`` on PostgreSQL, and on both databases an aware UTC ``datetime`` when read,
whether from a row, an ORM object or an aggregate (``min(received_at)``). The type is
SQLModel's ``UTCDateTime``, a ``TypeDecorator`` over ``DateTime(timezone=True)`` that
attaches UTC to the naive values SQLite hands back and refuses to store a naive value
(a naive time is a bug: whose local time?). SQLModel 0.0.50 picks it for a bare
``datetime`` annotation too, but stating it here keeps it this project's decision,
not a library default; the migrations have created these columns with this type
since 0001, so none is needed. Readers therefore never patch ``tzinfo`` themselves.

Status. ``status_column`` stores ``ReportStatus`` as its string value in the
``VARCHAR(16)`` migration 0001 created (no database enum type, no check constraint,
so no migration) and reads it back as the enum.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field
from sqlmodel.sql.sqltypes import UTCDateTime

__all__ = ["UTCDateTime", "status_column", "utc_datetime", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_datetime(*, now: bool = False, index: bool = False, **field: Any) -> Any:
    """A timezone-aware column; ``now=True`` fills it with the time the row is made.

    Other keywords go to ``sqlmodel.Field`` (``default=None`` for a nullable column)."""
    if now:
        field["default_factory"] = utcnow
    if index:
        field["index"] = True
    return Field(sa_type=UTCDateTime(), **field)


def status_column(enum: type[StrEnum], *, length: int) -> Column[Any]:
    """A string column holding ``enum``'s values, read back as its members (not indexed
    by itself: ``report``'s ``(status, queued_at)`` index serves it, migration 0016)."""
    return Column(
        SAEnum(
            enum,
            native_enum=False,
            create_constraint=False,
            length=length,
            values_callable=lambda members: [member.value for member in members],
        ),
        nullable=False,
    )
