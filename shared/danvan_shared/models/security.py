"""API keys and idempotency records (owned by ingest).

A key is shown once, when it is created; only its SHA-256 digest is stored.
The secret part is 256 random bits, so a fast digest is enough (no password
stretching is needed for a secret nobody chose), and lookups go through the
short public ``prefix`` so no digest is ever compared across rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from danvan_shared.models.columns import utc_datetime


class ApiKeyScope(StrEnum):
    #: may submit reports
    submit = "submit"
    #: may also see the pipeline and retry or reprocess reports
    operator = "operator"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    #: the public start of the key ("dv_" + 8 characters): lookup and display
    prefix: str = Field(max_length=16, unique=True, index=True)
    #: hex SHA-256 of the whole key
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=100)
    scope: str = Field(max_length=16)
    created_at: datetime = utc_datetime(now=True)
    revoked_at: datetime | None = utc_datetime(default=None)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a request carrying an ``Idempotency-Key``.

    ``status_code`` is NULL while the first request is still running, so a
    concurrent repeat is told to wait (409) instead of running twice.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_idempotency_owner_key"),)

    id: int | None = Field(default=None, primary_key=True)
    #: the API key's prefix, or "ip:" and a digest of an anonymous client's address
    owner: str = Field(max_length=16)
    key: str = Field(max_length=255)
    #: SHA-256 of method, path, query, content type and body
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    response_headers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = utc_datetime(now=True, index=True)
