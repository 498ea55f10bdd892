"""The broker as ingest sees it: sends, queue depths, live workers.

Every call here is bounded in time, because ingest must keep answering while the
broker is slow, frozen or gone (a stalled broker once held every request thread
of ingest, and with them every database connection, for good):

- a send waits at most ``POOL_WAIT_SECONDS`` for a pooled connection and at most
  ``SEND_TIMEOUT_SECONDS`` for the broker's answer, and never retries; a failed
  send is logged and reported as ``False`` (or the ids not sent), never raised: the
  report is already committed, and the relay sends it later; a batch of sends stops
  at the first failure instead of waiting out the timeout once per chunk;
- the worker ping (``GET /v1/pipeline``) runs on a connection of its own, outside
  the pool, one at a time, and its answer is cached for ``WORKERS_CACHE_SECONDS``:
  Celery's ``control.ping`` takes a pooled connection *and* a pooled producer, so
  a dozen concurrent pings used to hold every connection while each waited for a
  second one, with no timeout.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache

import redis
from celery import Celery

from danvan_shared import events
from danvan_shared.celery_app import create_celery
from danvan_shared.events import (
    EXTRACT_BATCH,
    EXTRACT_BULK_QUEUE,
    EXTRACT_QUEUE,
    EXTRACT_QUEUES,
    EXTRACT_REPORT,
    EXTRACT_REPROCESS_OUTDATED,
    PUBLISH_QUEUES,
    ReportExtracted,
)
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.ingest.broker")

POOL_WAIT_SECONDS = 2.0
SEND_TIMEOUT_SECONDS = 2.0
PING_TIMEOUT_SECONDS = 0.5
WORKERS_CACHE_SECONDS = 5.0
# A worker whose every slot runs a task answers a ping late, or not within its bound:
# one missed ping does not make it gone. Silent this long, it is.
WORKER_FORGET_SECONDS = 60.0


@lru_cache(maxsize=4)
def _producer(broker_url: str) -> Celery:
    app = create_celery("danvan-ingest")
    app.conf.broker_url = broker_url
    app.conf.broker_pool_acquire_timeout = POOL_WAIT_SECONDS
    # A task-sent event is one more Redis PUBLISH, on a client kombu builds per call: a
    # third of a POST's time. Ingest counts what it sends itself (celery_task_sent_total
    # on its /metrics), and Flower lists a task from its task-received event on.
    app.conf.task_send_sent_event = False
    # kombu otherwise retries a refused connection for broker_connection_timeout
    # (~6 s) on every send: a POST while the broker is down would hang that long.
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "max_retries": 0,
        "socket_timeout": SEND_TIMEOUT_SECONDS,
    }
    return app


def producer() -> Celery:
    return _producer(get_settings().effective_broker_url)


def send_extract(report_id: uuid.UUID, queue: str = EXTRACT_QUEUE) -> bool:
    try:
        producer().send_task(EXTRACT_REPORT, args=[str(report_id)], queue=queue, retry=False)
    except Exception as exc:  # the broker being down must not fail the request
        logger.warning("could not queue report %s for extraction: %s", report_id, exc)
        return False
    return True


def send_extract_batches(report_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Send ``extract.batch`` tasks of at most ``batch_size`` reports to the bulk queue;
    the ids whose task was not sent (all after the first failed send)."""
    size = get_settings().batch_size
    for start in range(0, len(report_ids), size):
        chunk = [str(key) for key in report_ids[start : start + size]]
        try:
            producer().send_task(EXTRACT_BATCH, args=[chunk], queue=EXTRACT_BULK_QUEUE, retry=False)
        except Exception as exc:  # the broker being down must not fail the request
            logger.warning(
                "could not queue %d reports for extraction: %s", len(report_ids) - start, exc
            )
            return list(report_ids[start:])
    return []


def send_extract_each(report_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Send one ``extract.report`` task per report to the bulk queue; the ids whose task
    was not sent (all after the first failed send)."""
    for index, key in enumerate(report_ids):
        if not send_extract(key, EXTRACT_BULK_QUEUE):
            return list(report_ids[index:])
    return []


def send_reports_extracted(pending: Sequence[ReportExtracted]) -> list[ReportExtracted]:
    """Re-send report.extracted events as ``publish.index_batch`` messages of at most
    ``batch_size``; the events not sent (all after the first failed send)."""
    size = get_settings().batch_size
    for start in range(0, len(pending), size):
        try:
            events.send_reports_extracted(producer(), list(pending[start : start + size]))
        except Exception as exc:
            logger.warning(
                "could not re-send %d report.extracted events: %s", len(pending) - start, exc
            )
            return list(pending[start:])
    return []


def send_reprocess_outdated(*, include_failed: bool) -> bool:
    try:
        producer().send_task(
            EXTRACT_REPROCESS_OUTDATED, kwargs={"include_failed": include_failed}, retry=False
        )
    except Exception as exc:
        logger.warning("could not request reprocessing: %s", exc)
        return False
    return True


QUEUES = (*EXTRACT_QUEUES, *PUBLISH_QUEUES)


def queue_depths() -> dict[str, int] | None:
    """Messages waiting on each queue, or None if the broker does not answer (within a
    second: the relay and ``GET /v1/pipeline`` ask on every round and request)."""
    client = redis.Redis.from_url(
        get_settings().effective_broker_url, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in QUEUES:
                pipe.llen(queue)
            return {queue: int(depth) for queue, depth in zip(QUEUES, pipe.execute(), strict=True)}
    except redis.RedisError as exc:
        logger.warning("broker unavailable for queue depths: %s", type(exc).__name__)
        return None
    finally:
        client.close()


def broker_problem() -> str | None:
    """Why ingest cannot reach the broker through its pool right now, or None.

    The same pool the sends use: when it is exhausted or the broker does not
    answer, POSTs cannot queue anything and readiness must say so."""
    try:
        with producer().pool.acquire(block=True, timeout=POOL_WAIT_SECONDS) as connection:
            connection.default_channel.client.ping()
    except Exception as exc:
        return f"broker: {type(exc).__name__}"
    return None


class WorkerInspection:
    """The names of the workers that answered a ping lately, with one ping in flight.

    Callers arriving while a ping runs wait for it (at most the ping's own bound)
    and share its answer instead of each sending one more broadcast. A worker stays
    listed until it has missed pings for ``forget_after`` seconds, since a busy
    worker may miss one (the pool's children are niced, the control thread is not,
    but under a full load a reply can still come after the bound).
    """

    def __init__(
        self,
        broker_url: str,
        max_age: float = WORKERS_CACHE_SECONDS,
        forget_after: float = WORKER_FORGET_SECONDS,
        ping: Callable[[str, float], list[str] | None] | None = None,
    ) -> None:
        self.broker_url = broker_url
        self._ping = ping or _ping_workers
        self.max_age = max_age
        self.forget_after = forget_after
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._last_seen: dict[str, float] = {}
        self._broker_answered = False

    def live_workers(self) -> list[str] | None:
        """Worker names, or None if the broker does not answer."""
        if not self._fresh() and self._lock.acquire(timeout=PING_TIMEOUT_SECONDS + 4):
            try:
                if not self._fresh():
                    self._record(self._ping(self.broker_url, PING_TIMEOUT_SECONDS))
            finally:
                self._lock.release()
        if not self._broker_answered:
            return None
        now = time.monotonic()
        return sorted(
            name for name, seen in self._last_seen.items() if now - seen < self.forget_after
        )

    def _record(self, replies: list[str] | None) -> None:
        now = time.monotonic()
        self._checked_at = now
        self._broker_answered = replies is not None
        for name in replies or ():
            self._last_seen[name] = now

    def _fresh(self) -> bool:
        return time.monotonic() - self._checked_at < self.max_age


def _ping_workers(broker_url: str, timeout: float) -> list[str] | None:
    app = _producer(broker_url)
    try:
        # A connection outside the pool: the broadcast then checks out only a producer.
        with app.connection_for_write() as connection:
            replies = app.control.ping(timeout=timeout, connection=connection) or []
    except Exception as exc:
        logger.warning("broker unavailable for a worker ping: %s", type(exc).__name__)
        return None
    return sorted(name for reply in replies for name in reply)


@lru_cache(maxsize=4)
def _inspection(broker_url: str) -> WorkerInspection:
    return WorkerInspection(broker_url)


def live_workers() -> list[str] | None:
    """Names of the workers answering a ping (cached a few seconds), or None if the
    broker does not answer."""
    return _inspection(get_settings().effective_broker_url).live_workers()
