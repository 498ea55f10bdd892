"""The extract worker's Celery app: ``celery -A danvan_extract.worker worker -Q
extract,extract.bulk``: single reports from the interactive queue, served first, and
batches from the bulk one (``danvan_shared.events``)."""

from typing import Any

from celery.signals import worker_init

from danvan_shared.celery_app import create_celery
from danvan_shared.memory import freeze_loaded_objects

celery_app = create_celery(
    "danvan-extract", include=["danvan_extract.tasks", "danvan_extract.batch_tasks"]
)


@worker_init.connect
def _load_rules(**_kwargs: Any) -> None:
    """Load the gazetteer, its name indexes and the lexicon before taking work: a broken
    installation stops the worker at start, and the first report pays no loading time."""
    from danvan_extract.extraction import lexicon, places

    places.gazetteer()
    places.province_index()
    places.district_index()
    lexicon.group_names()
    freeze_loaded_objects("extract worker")  # before the pool forks: children inherit it
