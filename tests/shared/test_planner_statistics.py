"""The planner has statistics: SQLite's reads a batch's reports by primary key, and
PostgreSQL's are refreshed, and its dead rows vacuumed, when autovacuum is off."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import event, insert, text
from sqlmodel import Session

from danvan_shared import lifecycle
from danvan_shared.db import build_engine, refresh_statistics, vacuum_dead_rows
from danvan_shared.models import Report


def test_a_batch_claim_reads_its_reports_by_primary_key_once_statistics_exist(
    sqlite_url: str,
) -> None:
    """Without statistics SQLite took the status index for a claim naming 100 ids and
    read every queued report: with a backlog of 100,000, 100 ms a batch instead of 10."""
    engine = build_engine(sqlite_url)
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "content_hash": uuid.uuid4().hex,
            "content_type": "text/plain",
            "body": "x",
            "status": "queued",
            "received_at": now,
            "queued_at": now,
            "attempts": 0,
            "event_pending": False,
        }
        for _ in range(3000)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Report.__table__), rows)  # type: ignore[attr-defined]
    batch = [row["id"] for row in rows[:100]]

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
    the relay's refresh analyses those that changed much, and leaves the rest; with
    autovacuum on it leaves them all to autovacuum."""
    engine = build_engine(own_postgres_url)
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "content_hash": uuid.uuid4().hex,
            "content_type": "text/plain",
            "body": "x",
            "status": "queued",
            "received_at": now,
            "attempts": 0,
            "event_pending": False,
        }
        for _ in range(3000)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Report.__table__), rows)  # type: ignore[attr-defined]
    changed = text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'report'")
    with Session(engine) as session:
        # a backend reports its counts to the statistics at most once a second
        deadline = time.monotonic() + 10
        while session.execute(changed).scalar_one() < len(rows):
            assert time.monotonic() < deadline, "the inserts never reached pg_stat"
            time.sleep(0.2)
            session.rollback()
        autovacuum = session.execute(text("SHOW autovacuum")).scalar_one()
        analysed = refresh_statistics(session)
        session.commit()
        again = refresh_statistics(session)
        session.commit()
        estimate = session.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'report'")
        ).scalar_one()
    engine.dispose()
    if autovacuum == "off":
        assert analysed == ["report"]  # only the table that changed
        assert estimate == len(rows)
    else:
        assert analysed == []
    assert again == []


def test_postgresql_dead_rows_are_vacuumed_when_autovacuum_is_off(own_postgres_url: str) -> None:
    """Each move of a report leaves its old version in the table and its indexes; with
    autovacuum off the relay vacuums a table once its dead rows outnumber a fifth of
    its live ones (and 1,000), as autovacuum would."""
    engine = build_engine(own_postgres_url)
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(3000)]
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
                    "attempts": 0,
                    "event_pending": False,
                }
                for report_id in ids
            ],
        )
    with Session(engine) as session:
        lifecycle.claim(session, ids, task_id="t", now=now)  # every row moves once
        session.commit()
    dead = text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'report'")
    with engine.connect() as connection:
        deadline = time.monotonic() + 10
        while connection.execute(dead).scalar_one() < len(ids):
            assert time.monotonic() < deadline, "the updates never reached pg_stat"
            time.sleep(0.2)
            connection.rollback()
        autovacuum = connection.execute(text("SHOW autovacuum")).scalar_one()
        connection.rollback()
    vacuumed = vacuum_dead_rows(engine)
    with engine.connect() as connection:
        left = connection.execute(dead).scalar_one()
    again = vacuum_dead_rows(engine)
    engine.dispose()
    if autovacuum == "off":
        assert vacuumed == ["report"]
        assert left == 0
    else:
        assert vacuumed == []
    assert again == []
