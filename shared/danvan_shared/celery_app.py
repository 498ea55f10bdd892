"""The one Celery configuration every danvan process uses.

Celery's defaults lose work: tasks are acknowledged before they run and a killed
worker's task is gone. Here a task is acknowledged only after it finishes, a
lost worker's task is requeued, prefetch is one message, and Redis's visibility
timeout is longer than any retry delay so a waiting retry is never redelivered
early. Tasks must therefore be idempotent (they are: see the extract and
publish tasks).

Broker faults a worker survives:

- A stalled broker (SIGSTOP, a long fork or swap; measured with a 20 s stall under
  load): the broker connections have no read timeout, so the worker waits for the
  broker instead of failing. With a 5 s timeout the acknowledgement of a finished
  task timed out, kombu logged "Couldn't ack" and dropped the error, and the
  message kept its prefetch slot for good: the publish worker (one slot) never
  consumed again. Producers that must not wait (ingest) set their own timeout.
- A broker that is gone for good without closing the connection (a vanished
  host): TCP keepalive notices within about 45 s, the read fails and Celery
  reconnects.
- A broker restarted or down for a long time: Celery reconnects, retrying for as
  long as it takes instead of giving up after 100 attempts.

Anything else that leaves a worker alive but not consuming shows in its readiness
(``danvan_shared.worker_health``).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init

from danvan_shared.events import (
    EXTRACT_BATCH,
    EXTRACT_BULK_QUEUE,
    EXTRACT_QUEUE,
    PUBLISH_BULK_QUEUE,
    PUBLISH_INDEX_BATCH,
    PUBLISH_QUEUE,
)
from danvan_shared.metrics import instrument_celery
from danvan_shared.settings import Settings, get_settings

# Probe an idle broker connection after 30 s, every 5 s, and give up after 3 misses.
_KEEPALIVE = {
    option: value
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3))
    if (option := getattr(socket, name, None)) is not None
}


@worker_process_init.connect
def _fresh_database_pool(**_: Any) -> None:
    """A pool child starts with a connection pool of its own (SQLAlchemy's advice for
    forked processes). The main process's metrics thread may hold the inherited pool's
    lock, or a connection, at the moment Celery forks: a child that used that pool hung
    on its first query until the task's time limit. ``close=False`` leaves the parent's
    connections alone."""
    from danvan_shared.db import get_engine

    get_engine().dispose(close=False)


@worker_init.connect
def _yield_the_cores_to_the_apis(sender: Any = None, **_: Any) -> None:
    """Workers run at their app's ``worker_niceness`` (``worker_nice`` unless the app
    says otherwise; their pool children inherit it). On a machine that also runs
    ingest, a backlog used to take the CPU the POSTs needed: 100 POSTs/s were answered
    in 35 s (p50) while the workers drained them."""
    conf = getattr(getattr(sender, "app", None), "conf", None)
    own = conf.get("worker_niceness") if conf is not None else None
    wanted = get_settings().worker_nice if own is None else int(own)
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if wanted > current:
        os.setpriority(os.PRIO_PROCESS, 0, wanted)


def create_celery(
    name: str, *, include: list[str] | None = None, settings: Settings | None = None
) -> Celery:
    settings = settings or get_settings()
    app = Celery(name, broker=settings.effective_broker_url, include=include or [])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_track_started=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_time_limit=settings.task_time_limit_seconds,
        task_soft_time_limit=max(1, settings.task_time_limit_seconds - 10),
        task_routes={
            EXTRACT_BATCH: {"queue": EXTRACT_BULK_QUEUE},
            PUBLISH_INDEX_BATCH: {"queue": PUBLISH_BULK_QUEUE},
            "extract.*": {"queue": EXTRACT_QUEUE},
            "publish.*": {"queue": PUBLISH_QUEUE},
        },
        task_default_queue=EXTRACT_QUEUE,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Waiting for a pooled broker connection is bounded (Celery waits forever by
        # default): a send that cannot get one fails, and the outbox/relay re-sends.
        broker_pool_acquire_timeout=5.0,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_seconds,
            "socket_connect_timeout": 2,
            "socket_timeout": None,
            "socket_keepalive": True,
            "socket_keepalive_options": _KEEPALIVE,
            # Queues are polled in name order, so "extract" before "extract.bulk" and
            # "publish" before "publish.bulk": fresh reports overtake a backlog.
            "queue_order_strategy": "sorted",
        },
        # A producer must not hang when the broker is down: the database row is the
        # source of truth and the relay re-sends whatever could not be queued.
        task_publish_retry=False,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    instrument_celery()
    return app


def longest_retry_delay(settings: Settings | None = None) -> float:
    """No retry may wait as long as Redis's visibility timeout: the broker would
    redeliver the waiting message early and the task would run twice."""
    settings = settings or get_settings()
    longest = min(settings.retry_backoff_max_seconds, settings.visibility_timeout_seconds / 2)
    return max(1.0, longest)


def backoff_seconds(attempt: int, settings: Settings | None = None) -> float:
    """The delay before retry ``attempt`` (1, 2, …): exponential, capped as above."""
    settings = settings or get_settings()
    delay = settings.retry_backoff_seconds * 2 ** max(0, attempt - 1)
    return float(min(longest_retry_delay(settings), delay))


def retry_options(settings: Settings | None = None) -> dict[str, Any]:
    """Celery's autoretry options for transient faults, for every task decorator."""
    settings = settings or get_settings()
    return {
        "retry_backoff": settings.retry_backoff_seconds,
        "retry_backoff_max": int(longest_retry_delay(settings)),
        "retry_jitter": True,
    }
