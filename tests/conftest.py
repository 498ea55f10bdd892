"""Shared fixtures: real databases and a real broker.

Tests that need PostgreSQL use the server on 127.0.0.1; tests that need Redis
use a ``redis-server`` of their own. Outside CI they are skipped when PostgreSQL
is down or ``redis-server`` is not installed; with CI=true they fail instead, so
a green CI run always means they ran.

Each test session gets its own PostgreSQL database (dropped at the end) and its
own throwaway Redis server on a free port (stopped at the end, without
persistence). The machine's shared Redis is never touched: other sessions, and
other people's data, may live there, and a ``FLUSHDB`` of a shared database
number once wiped them.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database

PG_ADMIN_URL = os.environ.get(
    "DANVAN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
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


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = build_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    with scratch_postgres("danvan_test") as url:
        yield url


@pytest.fixture
def own_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own (its tables' statistics are its own)."""
    with scratch_postgres("danvan_test_own") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server of this session's own: every key Celery, kombu and danvan write
    (queues, unacked sets, bindings, rate limits) lives and dies with it."""
    from tests.ops.servers import RedisServer

    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if IN_CI:
            pytest.fail(f"{message}; with CI=true this test must run, not skip")
        pytest.skip(message)
    server = RedisServer()
    server.start()
    yield server.url
    server.stop()


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


#: Modules whose tests start the pipeline's worker processes. Under pytest-xdist
#: (``make test`` runs two workers) they all run on one worker, one at a time, so two
#: full pipelines never fight over the machine's cores and their time limits hold;
#: every other test is spread over both workers beside them.
PIPELINE_MODULES = frozenset(
    {
        "tests/integration/test_pipeline.py",
        "tests/integration/test_serve.py",
        "tests/ops/test_broker_stalls.py",
        "tests/ops/test_outages.py",
        "tests/ops/test_worker_faults.py",
    }
)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        module = Path(str(item.path)).relative_to(root).as_posix()
        if module in PIPELINE_MODULES:
            item.add_marker(pytest.mark.xdist_group("pipeline"))
