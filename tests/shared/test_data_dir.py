"""The data directory and the SQLite database in it are readable by their owner only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common shell default, under which files come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_database_and_its_directory_are_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    data_dir = tmp_path / "var"
    upgrade_database(f"sqlite:///{data_dir / 'danvan.db'}")
    engine = build_engine(f"sqlite:///{data_dir / 'danvan.db'}")
    with engine.begin() as connection:  # WAL mode: -wal and -shm files now exist
        connection.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))
        assert mode(data_dir) == 0o700
        files = sorted(data_dir.glob("danvan.db*"))
        assert [path.name for path in files][:1] == ["danvan.db"]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    engine.dispose()


def test_an_existing_world_readable_database_is_tightened(
    tmp_path: Path, permissive_umask: None
) -> None:
    database = tmp_path / "danvan.db"
    upgrade_database(f"sqlite:///{database}")
    database.chmod(0o644)
    build_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600
