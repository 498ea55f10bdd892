"""A bulk batch gives way to fresh reports on a worker that serves both.

``publish-worker`` consumes the interactive queue and the bulk one (fresh reports
first); while it indexed a 100-report batch (about half a second on a busy machine)
fresh reports waited behind it, and with single POSTs at 20/s over a 50,000-report
backlog they reached their feeds in 1.4 s (p50) and 2.4 s (p95), most of it in the
publish queue. Such a worker now indexes a batch in slices, each committed, and after
a slice, when a fresh report is waiting, sends the rest of the batch back to the bulk
queue and returns: the next message it takes is the fresh report's. The events sent
back are still pending (each is acknowledged in the commit of its own entries), so a
crash anywhere leaves them to the broker's redelivery or the relay, and indexing them
twice is idempotent. ``publish-bulk`` never serves fresh reports and indexes whole
batches.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import Celery, Task

from danvan_shared.events import PUBLISH_QUEUE, ReportExtracted, send_reports_extracted

logger = logging.getLogger("danvan.publish.yielding")

#: Reports per slice: about a fifth of a second of indexing on a busy machine. Each
#: slice is a commit and a round of statements: with 25, a 20,000-report reprocess
#: indexed 284.5/s against 330.6/s whole; with 50, 381.7/s (runs vary ±15 % here).
SLICE = 50


def serves_fresh_reports(task: Task) -> bool:
    """Whether the worker running ``task`` also consumes the interactive queue (False
    outside a worker: a task run in process has no one to give way to)."""
    if not task.request.hostname:
        return False
    return PUBLISH_QUEUE in task.app.amqp.queues.consume_from


def slices(events: Sequence[ReportExtracted]) -> list[list[ReportExtracted]]:
    return [list(events[start : start + SLICE]) for start in range(0, len(events), SLICE)]


def fresh_reports_waiting(app: Celery) -> bool:
    """Whether a message waits on the interactive publish queue (False when the broker
    cannot say: the batch then goes on, as it did before)."""
    try:
        with app.pool.acquire(block=True, timeout=1) as connection:
            declared = connection.default_channel.queue_declare(PUBLISH_QUEUE, passive=True)
    except Exception as exc:  # the broker's faults are the relay's business, not this one's
        logger.debug("publish queue not sized: %s", type(exc).__name__)
        return False
    return bool(declared.message_count)


def requeue(app: Celery, events: list[ReportExtracted]) -> bool:
    """Send ``events`` back to the bulk queue as one batch; False when the broker
    refused it (the caller then indexes them itself)."""
    try:
        send_reports_extracted(app, events)
    except Exception as exc:
        logger.warning("could not send %d events back: %s", len(events), type(exc).__name__)
        return False
    return True
