"""Engine and sessions for SQLite (embedded default) and PostgreSQL (scale).

SQLite is shared by several processes (API servers and worker children), so it
runs in WAL mode with a busy timeout; JSON is stored as readable UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from danvan_shared.data_dir import DIR_MODE, private_file
from danvan_shared.settings import get_settings


class JsonText(str):
    """A value already serialised as JSON (pydantic's ``model_dump_json``), bound to a
    JSON column as it is: a dict would be serialised again by ``json.dumps``, which for
    an extraction costs more than pydantic's dump and dumps together."""


def _json_dumps(value: Any) -> str:
    if isinstance(value, JsonText):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def build_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            private_file(Path(path))  # before SQLite creates it (and its -wal, -shm) 0644
        engine = create_engine(
            database_url,
            json_serializer=_json_dumps,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        database_url,
        json_serializer=_json_dumps,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


@lru_cache(maxsize=4)
def get_engine(database_url: str | None = None) -> Engine:
    return build_engine(database_url or get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for background code: commits on success, rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's database dialect, for its ``ON CONFLICT`` clauses: the
    set-based writes (batch intake, bulk extraction saves) resolve conflicts inside the
    statement, so a batch costs one statement instead of one round trip a row."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


#: Tables changed by more rows than this since their last ANALYZE (plus a tenth of
#: their rows, as autovacuum's analyze rule says) have stale statistics.
STALE_AFTER_CHANGES = 1000
_STALE_TABLES = text(
    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
    "AND n_mod_since_analyze > :changes + 0.1 * n_live_tup ORDER BY relname"
)


def refresh_statistics(session: Session, table: str | None = None) -> list[str]:
    """Refresh the query planner's statistics: of ``table`` (after a bulk change), else
    of the tables that changed much since they were last analysed; the tables analysed
    (SQLite's ``PRAGMA optimize`` does not say).

    Without statistics SQLite guesses that a status matches few reports, and for a
    statement naming a batch of 100 ids it walks the status index instead of the
    primary key: a batch's claim or requeue read every queued or finished report (100
    ms instead of 10 at 100,000 reports). PostgreSQL's autovacuum analyses tables as
    they change, but it can be switched off (this machine's CI configuration does):
    then nothing did, and at 100,000 reports the planner, still reading the tables as
    empty, hashed whole tables for batches of 100 rows. Without ``table``, PostgreSQL
    is analysed here only when autovacuum is off."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text(f'ANALYZE "{table}"' if table else "PRAGMA optimize"))
        return [table] if table else []
    if dialect != "postgresql":
        return []
    if table:
        tables = [table]
    elif session.execute(text("SELECT current_setting('autovacuum')")).scalar_one() == "off":
        tables = list(
            session.execute(_STALE_TABLES, {"changes": STALE_AFTER_CHANGES}).scalars().all()
        )
    else:
        return []
    quote = session.get_bind().dialect.identifier_preparer.quote
    for name in tables:
        session.execute(text(f"ANALYZE {quote(name)}"))
    return tables


#: Tables with more dead rows than this (plus a fifth of their live rows, autovacuum's
#: vacuum rule) are vacuumed by ``vacuum_dead_rows``.
DEAD_ROWS_BEFORE_VACUUM = 1000
_BLOATED_TABLES = text(
    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
    "AND n_dead_tup > :dead + 0.2 * n_live_tup ORDER BY relname"
)


def vacuum_dead_rows(engine: Engine) -> list[str]:
    """On PostgreSQL with autovacuum off, VACUUM the tables autovacuum would have: those
    whose dead rows exceed ``DEAD_ROWS_BEFORE_VACUUM`` and a fifth of their live rows;
    the tables vacuumed.

    Every report is rewritten three or four times on its way (queued, claimed,
    finished, acknowledged), and its status is indexed, so each time its old version
    stays in every index of the table until a vacuum. With nothing vacuuming, a
    reprocess of 100,000 reports left 285,000 dead rows in ``report``: a batch's
    look for the reports it held read 8,000 pages (95 ms) through the status index to
    find none, and the observer's counts read the whole table four times over."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if connection.execute(text("SELECT current_setting('autovacuum')")).scalar_one() != "off":
            return []
        tables = list(
            connection.execute(_BLOATED_TABLES, {"dead": DEAD_ROWS_BEFORE_VACUUM}).scalars().all()
        )
        quote = connection.dialect.identifier_preparer.quote
        for name in tables:
            connection.execute(text(f"VACUUM {quote(name)}"))  # outside a transaction block
    return tables
