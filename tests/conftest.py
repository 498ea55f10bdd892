"""Shared fixtures: real databases and a real broker.

Tests that need PostgreSQL or Redis use the servers on 127.0.0.1. Outside CI
they are skipped when a server is down; with CI=true they fail instead, so a
green CI run always means they ran.

Each test session gets its own PostgreSQL database and its own Redis database
number, so parallel runs and leftovers never mix.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database

PG_ADMIN_URL = os.environ.get(
    "DANVAN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ARTIFACTS_DIR = Path(__file__).parent / "artifacts"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}; with CI=true this test must run, not skip")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"danvan_test_{uuid.uuid4().hex[:10]}"
    admin = build_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database number of its own on the local Redis server, emptied first."""
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = 1 + int(worker[2:]) if worker.startswith("gw") else 1 + (os.getpid() % 8)
    client.execute_command("SELECT", database)
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{database}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'danvan.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on both the embedded and the scale database."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url = str(request.getfixturevalue("postgres_url"))
    engine = build_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


def _truncate_all(engine: Engine) -> None:
    from sqlmodel import SQLModel

    import danvan_shared.models  # noqa: F401

    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Point every ``get_settings()`` / ``get_engine()`` call at the given backends."""
    from danvan_shared.db import get_engine
    from danvan_shared.settings import get_settings

    def apply(**env: str) -> None:
        monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "var"))
        for key, value in env.items():
            monkeypatch.setenv(f"DANVAN_{key.upper()}", value)
        get_settings.cache_clear()
        get_engine.cache_clear()

    yield apply
    get_settings.cache_clear()
    get_engine.cache_clear()
