"""Celery app of the publish workers:
``celery -A danvan_publish.worker worker -Q publish,publish.bulk -n publish@%h``, and
on PostgreSQL a second one for backlogs only, ``-Q publish.bulk -n publish-bulk@%h``
(``danvan serve`` starts both).

When the worker is ready it renders, in a background thread, the stored feed items
that are missing or outdated (after a migration, a new item format or a new public
base URL), so operators never have to remember ``python -m danvan_publish.backfill``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import worker_init, worker_ready

from danvan_shared.celery_app import create_celery
from danvan_shared.gazetteer import get_gazetteer
from danvan_shared.memory import collect_less_often, freeze_loaded_objects
from danvan_shared.settings import get_settings

celery_app = create_celery(
    "danvan-publish", include=["danvan_publish.tasks", "danvan_publish.websub_tasks"]
)
celery_app.conf.worker_niceness = get_settings().publish_worker_nice
logger = logging.getLogger("danvan.publish.worker")


def _backfill_items() -> None:
    from danvan_publish import documents
    from danvan_publish.backfill import backfill

    try:
        rendered = backfill()
        documents.backfill()  # search documents of reports indexed before migration 0010
    except Exception as exc:  # the pages render missing items on request anyway
        logger.warning("could not render stored feed items: %s: %s", type(exc).__name__, exc)
        return
    if rendered:
        logger.info("rendered the stored items of %d published reports", rendered)


@worker_init.connect
def _load_gazetteer(**_: Any) -> None:
    """Load the gazetteer before taking work, then keep it out of the collector's way."""
    get_gazetteer()
    freeze_loaded_objects("publish worker")  # before the pool forks: children inherit it
    collect_less_often("publish worker")


@worker_ready.connect
def _render_outdated_items(**_: Any) -> None:
    threading.Thread(target=_backfill_items, name="danvan-backfill", daemon=True).start()
