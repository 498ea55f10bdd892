"""Store the pre-rendered items of entries that lack current ones:
``python -m danvan_publish.backfill``.

Needed once after migration 0004, after a change of the public base URL, and after a
``fragments.FORMAT_VERSION`` bump; until then such entries are rendered on request
(correct, just slower). Safe to run beside the indexer: rows are taken with
``FOR UPDATE SKIP LOCKED`` (on PostgreSQL), so an entry being re-indexed is left to
the indexer, which renders its items itself. Feed versions are not bumped: what a
reader sees does not change.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from danvan_publish import fragments
from danvan_shared.db import get_engine
from danvan_shared.models import FeedEntry
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.backfill")


def backfill(engine: Engine | None = None, base_url: str | None = None, batch: int = 500) -> int:
    """Render and store items batch by batch, one transaction each; returns the count."""
    engine = engine or get_engine()
    base_url = base_url or get_settings().public_base_url
    current = fragments.key(base_url)
    done = 0
    while True:
        with Session(engine) as session:
            entries = session.exec(
                select(FeedEntry)
                .where(
                    or_(
                        col(FeedEntry.fragment_base_url).is_(None),
                        col(FeedEntry.fragment_base_url) != current,
                    )
                )
                .order_by(col(FeedEntry.id))
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            for entry in entries:
                fragments.store(entry, base_url)
                session.add(entry)
            session.commit()
        done += len(entries)
        if len(entries) < batch:
            return done
        logger.info("rendered the items of %d entries", done)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logger.info("rendered the items of %d feed entries in all", backfill())


if __name__ == "__main__":
    main()
