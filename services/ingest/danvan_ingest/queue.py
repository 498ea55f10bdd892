"""Sending tasks to the broker from the ingest side.

A failed send is logged and reported as ``False``, never raised: the report is
already committed, and the relay sends it later.
"""

from __future__ import annotations

import logging
import uuid
from functools import lru_cache

import redis
from celery import Celery

from danvan_shared.celery_app import create_celery
from danvan_shared.events import (
    EXTRACT_QUEUE,
    EXTRACT_REPORT,
    EXTRACT_REPROCESS_OUTDATED,
    PUBLISH_INDEX_REPORT,
    PUBLISH_QUEUE,
    ReportExtracted,
)
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.ingest.queue")


@lru_cache(maxsize=4)
def _producer(broker_url: str) -> Celery:
    app = create_celery("danvan-ingest")
    app.conf.broker_url = broker_url
    # kombu otherwise retries a refused connection for broker_connection_timeout
    # (~6 s) on every send: a POST while the broker is down would hang that long.
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "max_retries": 0,
    }
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


def send_reprocess_outdated(*, include_failed: bool) -> bool:
    try:
        producer().send_task(
            EXTRACT_REPROCESS_OUTDATED, kwargs={"include_failed": include_failed}, retry=False
        )
    except Exception as exc:
        logger.warning("could not request reprocessing: %s", exc)
        return False
    return True


def queue_depths() -> dict[str, int] | None:
    """Messages waiting on each queue, or None if the broker does not answer."""
    client = redis.Redis.from_url(
        get_settings().effective_broker_url, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        return {queue: int(client.llen(queue)) for queue in (EXTRACT_QUEUE, PUBLISH_QUEUE)}
    except redis.RedisError as exc:
        logger.warning("broker unavailable for queue depths: %s", type(exc).__name__)
        return None
    finally:
        client.close()


def live_workers(timeout: float = 0.5) -> list[str] | None:
    """Names of the workers answering a ping, or None if the broker does not answer."""
    try:
        replies = producer().control.ping(timeout=timeout) or []
    except Exception as exc:
        logger.warning("broker unavailable for a worker ping: %s", type(exc).__name__)
        return None
    return sorted(name for reply in replies for name in reply)
