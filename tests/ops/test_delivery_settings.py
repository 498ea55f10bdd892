"""Celery's unsafe defaults are overridden, and no retry can outlast the visibility timeout."""

from __future__ import annotations


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
    from danvan_shared.celery_app import backoff_seconds, retry_options
    from danvan_shared.settings import get_settings

    configure(
        visibility_timeout_seconds="60", retry_backoff_seconds="2", retry_backoff_max_seconds="3600"
    )
    delays = [backoff_seconds(attempt) for attempt in range(1, 30)]
    assert delays[:3] == [2.0, 4.0, 8.0]  # exponential
    assert max(delays) < 60  # a waiting retry is never redelivered early by Redis
    assert retry_options()["retry_backoff_max"] < 60  # nor one Celery's autoretry schedules
    assert retry_options(get_settings())["retry_backoff"] == 2.0


def test_workers_wait_out_a_stalled_broker_and_notice_a_vanished_one(configure) -> None:
    """A read timeout failed acknowledgements during a broker stall and wedged the
    worker; without keepalive a vanished broker host would never be noticed."""
    from danvan_shared.celery_app import create_celery

    configure(broker_url="redis://127.0.0.1:6379/0")
    conf = create_celery("check").conf
    options = conf.broker_transport_options
    assert options["socket_timeout"] is None
    assert options["socket_keepalive"] is True and options["socket_keepalive_options"]
    assert conf.broker_connection_max_retries is None  # reconnect for as long as it takes
    assert conf.broker_pool_acquire_timeout is not None  # a send never waits for ever
