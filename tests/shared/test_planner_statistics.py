"""The planner has statistics: SQLite's reads a batch's reports by primary key, and
PostgreSQL's are refreshed, and its dead rows vacuumed, when autovacuum is off."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, event, insert, text
from sqlmodel import Session

from danvan_shared import lifecycle
from danvan_shared.db import Maintenance, build_engine, maintain_tables, refresh_statistics
from danvan_shared.models import Report

REPORTS = 3000


def store_queued(engine: Engine, now: datetime) -> list[uuid.UUID]:
    """``REPORTS`` queued reports, in one statement; their ids."""
    ids = [uuid.uuid4() for _ in range(REPORTS)]
    with engine.begin() as connection:
        connection.execute(
            insert(Report.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": report_id,
                    "content_hash": report_id.hex,
                    "content_type": "text/plain",
                    "body": "x",
                    "status": "queued",
                    "received_at": now,
                    "queued_at": now,
                    "attempts": 0,
                    "event_pending": False,
                }
                for report_id in ids
            ],
        )
    return ids


def counted_in_pg_stat(engine: Engine, column: str, at_least: int) -> str:
    """Wait until ``report``'s ``column`` in pg_stat_user_tables reaches ``at_least`` (a
    backend reports its counts at most once a second); the server's autovacuum setting."""
    statistic = text(f"SELECT {column} FROM pg_stat_user_tables WHERE relname = 'report'")
    with engine.connect() as connection:
        deadline = time.monotonic() + 10
        while connection.execute(statistic).scalar_one() < at_least:
            assert time.monotonic() < deadline, f"{column} never reached {at_least}"
            time.sleep(0.2)
            connection.rollback()  # a transaction keeps one snapshot of the statistics
        return str(connection.execute(text("SHOW autovacuum")).scalar_one())


def test_a_batch_claim_reads_its_reports_by_primary_key_once_statistics_exist(
    sqlite_url: str,
) -> None:
    """Without statistics SQLite took the status index for a claim naming 100 ids and
    read every queued report: with a backlog of 100,000, 100 ms a batch instead of 10."""
    engine = build_engine(sqlite_url)
    now = datetime.now(UTC)
    batch = store_queued(engine, now)[:100]

    def claim_plan() -> str:
        plans: list[str] = []

        def explain(connection, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if statement.startswith("UPDATE"):
                plan = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans.append(" ".join(str(step[-1]) for step in plan.fetchall()))

        event.listen(engine, "before_cursor_execute", explain)
        try:
            with Session(engine) as session:
                lifecycle.claim(session, batch, task_id="t", now=now)
                session.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", explain)
        return plans[0]

    with Session(engine) as session:
        refresh_statistics(session, "report")
        session.commit()
    plan = claim_plan()
    assert "sqlite_autoindex_report_1 (id=?)" in plan and "status" not in plan, plan
    engine.dispose()


def test_postgresql_statistics_are_refreshed_when_autovacuum_is_off(
    own_postgres_url: str,
) -> None:
    """With autovacuum off (this machine's CI configuration) nothing analysed the tables:
    the relay's upkeep analyses those that changed much, and leaves the rest; with
    autovacuum on it leaves them all to autovacuum."""
    engine = build_engine(own_postgres_url)
    store_queued(engine, datetime.now(UTC))
    autovacuum = counted_in_pg_stat(engine, "n_mod_since_analyze", REPORTS)
    kept = maintain_tables(engine)
    again = maintain_tables(engine)
    with engine.connect() as connection:
        estimate = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'report'")
        ).scalar_one()
    engine.dispose()
    if autovacuum == "off":
        assert kept == Maintenance(analysed=["report"], vacuumed=[])  # only what changed
        assert estimate == REPORTS
    else:
        assert kept == Maintenance([], [])
    assert again == Maintenance([], [])


def test_postgresql_dead_rows_are_vacuumed_when_autovacuum_is_off(own_postgres_url: str) -> None:
    """Each move of a report leaves its old version in the table and its indexes; with
    autovacuum off the relay vacuums a table once its dead rows outnumber a fifth of
    its live ones (and 1,000), as autovacuum would."""
    engine = build_engine(own_postgres_url)
    now = datetime.now(UTC)
    ids = store_queued(engine, now)
    with Session(engine) as session:
        lifecycle.claim(session, ids, task_id="t", now=now)  # every row moves once
        session.commit()
    autovacuum = counted_in_pg_stat(engine, "n_dead_tup", REPORTS)
    kept = maintain_tables(engine)
    with engine.connect() as connection:
        left = connection.execute(
            text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'report'")
        ).scalar_one()
    again = maintain_tables(engine)
    engine.dispose()
    if autovacuum == "off":
        assert kept.vacuumed == ["report"]
        assert left == 0
    else:
        assert kept == Maintenance([], [])
    assert again == Maintenance([], [])


def test_postgresql_analyze_leaves_out_the_text_that_is_only_shown(
    own_postgres_url: str,
) -> None:
    """ANALYZE sorts a sample of every column's values; a report's text, title and links
    are never filtered on, so their statistics cost half of each ANALYZE for nothing
    (migration 0014). The columns the queries filter on keep theirs."""
    engine = build_engine(own_postgres_url)
    store_queued(engine, datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE report"))
        described = set(
            connection.execute(
                text("SELECT attname FROM pg_stats WHERE tablename = 'report'")
            ).scalars()
        )
    engine.dispose()
    assert {"status", "content_hash", "received_at", "event_pending"} <= described
    assert not described & {"body", "title", "source_url", "source_name", "last_error"}
