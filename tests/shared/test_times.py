"""Every stored time is timezone-aware UTC when read back, on both databases, however it
is read: so no reader patches a naive value (three did)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, func, inspect, text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel, select

from danvan_shared.db import build_engine
from danvan_shared.models import FeedVersion, IdempotencyRecord, Report

HANOI = timezone(timedelta(hours=7))


def datetime_columns() -> list[tuple[str, str, object]]:
    import danvan_shared.models  # noqa: F401  (registers every table)

    return [
        (table.name, column.name, column.type)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime)
        or isinstance(getattr(column.type, "impl", None), DateTime)
    ]


def test_every_datetime_column_is_declared_timezone_aware() -> None:
    columns = datetime_columns()
    named = {(table, name) for table, name, _ in columns}
    assert {("report", "received_at"), ("feed_entry", "sort_at")} <= named
    naive = [
        f"{table}.{name}"
        for table, name, kind in columns
        if not getattr(kind, "timezone", False) or type(kind).__name__ != "UTCDateTime"
    ]
    assert naive == []


def test_migrated_postgresql_columns_are_timestamptz(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    with engine.connect() as connection:
        stored = {
            (table, name): kind
            for table, name, kind in connection.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type LIKE 'timestamp%'"
                )
            )
        }
    engine.dispose()
    declared = {(table, name) for table, name, _ in datetime_columns()}
    assert set(stored) == declared
    assert set(stored.values()) == {"timestamp with time zone"}


def test_times_come_back_aware_in_utc_from_rows_and_aggregates(database_url: str) -> None:
    engine = build_engine(database_url)
    received = datetime(2026, 11, 30, 15, 30, tzinfo=HANOI)
    with Session(engine) as session:
        session.add(
            Report(content_hash="t" * 64, content_type="text/plain", body="x", received_at=received)
        )
        session.add(FeedVersion(feed="ha-noi", version=1, updated_at=received))
        session.add(IdempotencyRecord(owner="o", key="k", request_hash="h"))
        session.commit()
    with Session(engine) as session:
        oldest = session.exec(select(func.min(Report.received_at))).one()
        latest = session.exec(select(func.max(FeedVersion.updated_at))).one()
        record = session.exec(select(IdempotencyRecord)).one()
        for moment in (oldest, latest, record.created_at):
            assert moment is not None and moment.tzinfo is not None
            assert moment.utcoffset() == timedelta(0)
        assert oldest == latest == received == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    engine.dispose()


def test_a_naive_time_is_refused_not_stored_as_some_local_time(database_url: str) -> None:
    engine = build_engine(database_url)
    with Session(engine) as session:
        session.add(
            Report(
                content_hash="n" * 64,
                content_type="text/plain",
                body="x",
                received_at=datetime(2026, 11, 30, 15, 30),
            )
        )
        with pytest.raises(StatementError, match="timezone"):
            session.commit()
    engine.dispose()


def test_the_declared_columns_match_the_database(sqlite_url: str) -> None:
    """The helper changed declarations only: the migrated schema has the same columns."""
    engine = build_engine(sqlite_url)
    found = {
        (table, column["name"])
        for table in inspect(engine).get_table_names()
        for column in inspect(engine).get_columns(table)
        if "DATETIME" in str(column["type"]).upper() or "TIMESTAMP" in str(column["type"]).upper()
    }
    engine.dispose()
    assert found == {(table, name) for table, name, _ in datetime_columns()}
