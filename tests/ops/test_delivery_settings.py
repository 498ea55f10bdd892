"""Celery's unsafe defaults are overridden, and no retry can outlast the visibility timeout."""

from __future__ import annotations

import importlib


def test_tasks_are_acknowledged_late_and_requeued_when_a_worker_is_lost(configure) -> None:
    from danvan_shared.celery_app import create_celery

    configure(broker_url="redis://127.0.0.1:6379/0", visibility_timeout_seconds="900")
    conf = create_celery("check").conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 900
    assert conf.worker_send_task_events and conf.task_send_sent_event  # for the exporter


def test_no_retry_delay_reaches_the_visibility_timeout(configure) -> None:
    configure(
        visibility_timeout_seconds="60", retry_backoff_seconds="2", retry_backoff_max_seconds="3600"
    )
    import danvan_extract.tasks as tasks

    tasks = importlib.reload(tasks)
    delays = [tasks.backoff_seconds(attempt) for attempt in range(1, 30)]
    assert delays[:3] == [2.0, 4.0, 8.0]  # exponential
    assert max(delays) < 60  # a waiting retry is never redelivered early by Redis
    assert tasks.extract_report_task.retry_backoff_max < 60
