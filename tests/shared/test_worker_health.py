"""A worker's stall check watches its bulk queue as well as its interactive one."""

from __future__ import annotations

import json
import time

import redis

from danvan_shared.events import EXTRACT_QUEUES, SENT_AT_HEADER
from danvan_shared.settings import Settings
from danvan_shared.worker_health import WorkerHealth


def test_a_batch_waiting_unconsumed_on_the_bulk_queue_makes_the_worker_not_ready(
    redis_url: str,
) -> None:
    broker = redis.Redis.from_url(redis_url)
    broker.delete(*EXTRACT_QUEUES)
    health = WorkerHealth(Settings(broker_url=redis_url, worker_stall_seconds=60), EXTRACT_QUEUES)
    health.consuming = True
    health.last_received = time.monotonic() - 600  # idle for ten minutes
    assert health.consuming_problem() is None  # nothing waits: idle is fine

    message = {"headers": {SENT_AT_HEADER: time.time() - 300, "task": "extract.batch"}}
    broker.lpush("extract.bulk", json.dumps(message))
    try:
        problem = health.consuming_problem()
        assert problem is not None and "queue extract.bulk has waited" in problem

        health.last_received = time.monotonic()  # it took a message just now
        assert health.consuming_problem() is None
    finally:
        broker.delete(*EXTRACT_QUEUES)
