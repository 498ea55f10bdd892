"""SQLite's planner, given statistics, reads a batch's reports by primary key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import event, insert
from sqlmodel import Session

from danvan_shared import lifecycle
from danvan_shared.db import build_engine, refresh_statistics
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
