"""Engine and sessions for SQLite (embedded default) and PostgreSQL (scale).

SQLite is shared by several processes (API servers and worker children), so it
runs in WAL mode with a busy timeout; JSON is stored as readable UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def refresh_statistics(session: Session, table: str | None = None) -> None:
    """Refresh the query planner's statistics: of ``table`` (after a bulk change), or
    on SQLite (``PRAGMA optimize``) of the tables this connection used that changed
    much since they were last analysed (PostgreSQL: ``maintain_tables``).

    Without statistics SQLite guesses that a status matches few reports, and for a
    statement naming a batch of 100 ids it walks the status index instead of the
    primary key: a batch's claim or requeue read every queued or finished report (100
    ms instead of 10 at 100,000 reports)."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        session.execute(text(f'ANALYZE "{table}"' if table else "PRAGMA optimize"))
    elif dialect.name == "postgresql" and table:
        session.execute(text(f"ANALYZE {dialect.identifier_preparer.quote(table)}"))


#: A table changed by more rows than this since its last ANALYZE, and by a tenth of its
#: rows, has stale statistics; one with more dead rows than this, and than a fifth of its
#: live rows, wants a VACUUM (autovacuum's rules, from 1,000 rows instead of 50).
ROWS_BEFORE_MAINTENANCE = 1000
_TABLES_DUE = text(
    "SELECT relname, n_mod_since_analyze > :rows + 0.1 * n_live_tup AS stale, "
    "n_dead_tup > :rows + 0.2 * n_live_tup AS bloated FROM pg_stat_user_tables "
    "WHERE schemaname = current_schema() ORDER BY relname"
)


@dataclass(frozen=True)
class Maintenance:
    analysed: list[str]
    vacuumed: list[str]


def maintain_tables(engine: Engine) -> Maintenance:
    """On PostgreSQL with autovacuum off, do what autovacuum would: ANALYZE the tables
    whose statistics are stale and VACUUM those with many dead rows (see
    ``ROWS_BEFORE_MAINTENANCE``). Nothing elsewhere.

    Autovacuum can be switched off (this machine's CI configuration does), and then
    nothing did either. At 100,000 reports the planner, still reading the tables as
    empty, hashed whole tables for batches of 100 rows. And every report is rewritten
    three or four times on its way (queued, claimed, finished, acknowledged) with its
    status indexed, so each old version stayed in every index of the table: a reprocess
    of 100,000 reports left 285,000 dead rows in ``report``, and a batch's look for the
    reports it held read 8,000 pages (95 ms) through the status index to find none."""
    if engine.dialect.name != "postgresql":
        return Maintenance([], [])
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if connection.execute(text("SELECT current_setting('autovacuum')")).scalar_one() != "off":
            return Maintenance([], [])
        due = connection.execute(_TABLES_DUE, {"rows": ROWS_BEFORE_MAINTENANCE}).all()
        done = Maintenance(
            analysed=[row.relname for row in due if row.stale],
            vacuumed=[row.relname for row in due if row.bloated],
        )
        quote = connection.dialect.identifier_preparer.quote
        for name in done.vacuumed:
            connection.execute(text(f"VACUUM {quote(name)}"))  # outside a transaction block
        for name in done.analysed:
            connection.execute(text(f"ANALYZE {quote(name)}"))
    return done
