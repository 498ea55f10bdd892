"""Sending tasks to the broker from the ingest side.

A failed send is logged and reported as ``False``, never raised: the report is
already committed, and the relay sends it later.
"""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache

from celery import Celery

from danvan_shared.celery_app import create_celery
from danvan_shared.events import EXTRACT_REPORT, PUBLISH_INDEX_REPORT, ReportExtracted
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.ingest.queue")


@lru_cache(maxsize=4)
def _producer(broker_url: str) -> Celery:
    app = create_celery("danvan-ingest")
    app.conf.broker_url = broker_url
    return app


def producer() -> Celery:
    return _producer(get_settings().effective_broker_url)


def send_extract(report_id: uuid.UUID) -> bool:
    try:
        producer().send_task(EXTRACT_REPORT, args=[str(report_id)], retry=False)
    except Exception as exc:  # the broker being down must not fail the request
        logger.warning("could not queue report %s for extraction: %s", report_id, exc)
        return False
    return True


def send_report_extracted(event: ReportExtracted) -> bool:
    try:
        producer().send_task(
            PUBLISH_INDEX_REPORT, kwargs=event.model_dump(mode="json"), retry=False
        )
    except Exception as exc:
        logger.warning("could not re-send report.extracted for %s: %s", event.report_id, exc)
        return False
    return True
