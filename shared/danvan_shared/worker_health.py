"""Is a worker consuming? ``/readyz`` and ``celery_worker_up`` of a worker's main process.

A worker is ready when it reaches the database and the broker *and consumes its
queue*. The last part is what pings miss: a worker can be alive, answer
``celery inspect ping`` and still take nothing from its queue (a 20 s broker stall
once left the publish worker's only prefetch slot taken for good, with every check
green). From outside, such a worker shows as a queue whose oldest message keeps
ageing while the worker has nothing to do, and that is what is checked: the worker
is *not consuming* when

- the oldest message on its queues (the interactive one and the bulk one) was sent more
  than ``DANVAN_WORKER_STALL_SECONDS`` ago (the ``danvan_sent_at`` header every danvan
  producer sets, see ``metrics``),
- it has no task running or reserved, and
- it has received no message for as long.

A busy worker (every slot taken by a long task) is not stalled: it has tasks
running. Hand-written because Celery's own inspection (``ping``, ``inspect
active``) answers through the worker's control channel, which stays alive in
exactly this fault.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import redis
from celery import signals
from celery.worker import state as worker_state

from danvan_shared.events import SENT_AT_HEADER
from danvan_shared.settings import Settings

logger = logging.getLogger("danvan.worker_health")


class WorkerHealth:
    """Readiness of the worker consuming ``queues``, checked when asked (a probe or a scrape)."""

    def __init__(self, settings: Settings, queues: Sequence[str]) -> None:
        self.settings = settings
        self.queues = tuple(queues)
        self.last_received = time.monotonic()
        self.consuming = False  # from worker_ready to worker_shutdown
        for signal, handler in (
            (signals.task_received, self._on_received),
            (signals.worker_ready, self._on_ready),
            (signals.worker_shutdown, self._on_shutdown),
        ):
            signal.connect(handler, weak=False, dispatch_uid=f"danvan.worker_health.{signal.name}")

    def _on_received(self, **_: Any) -> None:
        self.last_received = time.monotonic()

    def _on_ready(self, **_: Any) -> None:
        self.last_received = time.monotonic()
        self.consuming = True

    def _on_shutdown(self, **_: Any) -> None:
        self.consuming = False

    def load_database_driver(self) -> None:
        """Import what a first query imports (the dialect, the driver's adapters) here,
        in the main process before the pool forks. Left to the first ``/readyz``, the
        import could be running in the metrics thread at the moment a child was forked,
        and the child inherited its module lock held: its first query hung until the
        task's time limit (seen: a probe polling ``/readyz`` from the worker's start)."""
        from sqlalchemy import text

        from danvan_shared.db import get_engine

        engine = get_engine()
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # /readyz says so until the database answers
            logger.warning("database not reachable at start: %s", type(exc).__name__)
        engine.dispose()  # no connection of this process for the children to inherit

    def problem(self) -> str | None:
        """Why the worker is not ready (database, broker or not consuming), or None."""
        from sqlalchemy import text

        from danvan_shared.db import get_engine

        try:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return f"database: {type(exc).__name__}"
        return self.consuming_problem()

    def consuming_problem(self) -> str | None:
        """Why the worker does not consume its queue (not started or stopping, broker
        unreachable, or stalled), or None."""
        if not self.consuming:
            return "worker: not consuming (starting or stopping)"
        client = redis.Redis.from_url(
            self.settings.effective_broker_url, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            with client.pipeline(transaction=False) as pipe:
                for queue in self.queues:
                    pipe.lindex(queue, -1)  # kombu pushes left and pops right
                oldest = pipe.execute()
        except redis.RedisError as exc:
            return f"broker: {type(exc).__name__}"
        finally:
            client.close()
        waiting = [
            (sent_at, queue)
            for queue, raw in zip(self.queues, oldest, strict=True)
            if (sent_at := _sent_at(raw)) is not None
        ]
        if not waiting:
            return None
        return self._stalled(*min(waiting))

    def _stalled(self, oldest_sent_at: float, queue: str) -> str | None:
        if worker_state.active_requests or worker_state.reserved_requests:
            return None
        limit = self.settings.worker_stall_seconds
        waited = time.time() - oldest_sent_at
        idle = time.monotonic() - self.last_received
        if waited < limit or idle < limit:
            return None
        return (
            f"not consuming: the oldest message on queue {queue} has waited {waited:.0f} s "
            f"while this worker sat idle for {idle:.0f} s"
        )


def _sent_at(raw: bytes | str | None) -> float | None:
    """When a waiting message was sent, from its header; None if it carries none."""
    if raw is None:
        return None
    try:
        sent_at = json.loads(raw).get("headers", {}).get(SENT_AT_HEADER)
    except (ValueError, AttributeError):
        return None
    return float(sent_at) if isinstance(sent_at, int | float) else None
