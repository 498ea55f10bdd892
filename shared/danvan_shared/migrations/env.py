"""Alembic environment: runs against the URL given by ``danvan_shared.migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import danvan_shared.models  # noqa: F401  (registers every table on SQLModel.metadata)
from danvan_shared.db import build_engine

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    engine = build_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
