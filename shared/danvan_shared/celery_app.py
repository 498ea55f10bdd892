"""The one Celery configuration every danvan process uses.

Celery's defaults lose work: tasks are acknowledged before they run and a killed
worker's task is gone. Here a task is acknowledged only after it finishes, a
lost worker's task is requeued, prefetch is one message, and Redis's visibility
timeout is longer than any retry delay so a waiting retry is never redelivered
early. Tasks must therefore be idempotent (they are: see the extract and
publish tasks).
"""

from __future__ import annotations

from celery import Celery

from danvan_shared.events import EXTRACT_QUEUE, PUBLISH_QUEUE
from danvan_shared.metrics import instrument_celery
from danvan_shared.settings import Settings, get_settings


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
            "extract.*": {"queue": EXTRACT_QUEUE},
            "publish.*": {"queue": PUBLISH_QUEUE},
        },
        task_default_queue=EXTRACT_QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_seconds,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        },
        # A producer must not hang when the broker is down: the database row is the
        # source of truth and the relay re-sends whatever could not be queued.
        task_publish_retry=False,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    instrument_celery()
    return app
