"""Store the pre-rendered items of published reports that lack current ones:
``python -m danvan_publish.backfill``.

Needed once after migration 0015 (which moved the items from each feed entry to one
row per report), after a change of the public base URL, and after a
``fragments.FORMAT_VERSION`` bump; until then such entries are rendered on request
(correct, just slower). Safe to run beside the indexer: entries are taken with
``FOR UPDATE SKIP LOCKED`` (on PostgreSQL), so a report being re-indexed is left to
the indexer, which renders its items itself, and items are written by upsert. Feed
versions are not bumped: what a reader sees does not change.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from danvan_publish import fragments, index_repository
from danvan_shared.db import get_engine
from danvan_shared.models import FeedEntry, ReportItem
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.backfill")


def backfill(engine: Engine | None = None, base_url: str | None = None, batch: int = 500) -> int:
    """Render and store the items of reports whose entries have no current ones, batch by
    batch in entry order, one transaction each; returns how many reports got items.

    Each entry is looked at once (a report whose text holds a placeholder gets no item
    and stays rendered on request), so the pass ends."""
    engine = engine or get_engine()
    base_url = base_url or get_settings().public_base_url
    current = fragments.key(base_url)
    done = 0
    after = 0
    while True:
        with Session(engine) as session:
            entries = session.exec(
                select(FeedEntry)
                .outerjoin(ReportItem, col(ReportItem.report_id) == col(FeedEntry.report_id))
                .where(
                    col(FeedEntry.id) > after,
                    or_(
                        col(ReportItem.report_id).is_(None),
                        col(ReportItem.fragment_base_url) != current,
                        col(ReportItem.content_hash) != col(FeedEntry.content_hash),
                    ),
                )
                .order_by(col(FeedEntry.id))
                .limit(batch)
                .with_for_update(of=FeedEntry, skip_locked=True)
            ).all()
            items: dict[Any, dict[str, Any]] = {}
            for entry in entries:
                if entry.report_id in items:
                    continue
                rendered = fragments.render_report(entry, base_url)
                if rendered is not None:
                    items[entry.report_id] = {
                        "report_id": entry.report_id,
                        "content_hash": entry.content_hash,
                        **rendered.as_columns(),
                    }
            index_repository.write_items(session, list(items.values()))
            last = entries[-1].id if entries else None
            session.commit()
        done += len(items)
        if len(entries) < batch or last is None:
            return done
        after = last
        logger.info("rendered the items of %d reports", done)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logger.info("rendered the items of %d published reports in all", backfill())


if __name__ == "__main__":
    main()
