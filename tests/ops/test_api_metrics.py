"""``/metrics`` (and health) on both APIs, as Prometheus and an orchestrator see them."""

from __future__ import annotations

import redis
from fastapi.testclient import TestClient

from tests.ops.conftest import report


def test_ingest_metrics_show_latency_reports_by_status_and_queue_length(
    configure, sqlite_url: str, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    configure(database_url=sqlite_url, broker_url=redis_url)
    redis.Redis.from_url(redis_url).delete("extract")
    with TestClient(create_app(run_relay=False)) as client:
        assert client.post("/v1/reports", json=report(1)).status_code == 202
        client.get("/v1/reports/not-a-uuid")
        page = client.get("/metrics")
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert 'danvan_reports{status="queued"} 1.0' in text
    assert 'danvan_reports{status="failed"} 0.0' in text
    assert 'celery_queue_length{queue_name="extract"} 1.0' in text
    assert (
        'http_request_duration_seconds_count{method="POST",route="/v1/reports",'
        'service="ingest",status="202"}' in text
    )
    # Routes are labelled by template, never by the raw path a client chose.
    assert "not-a-uuid" not in text
    assert 'celery_task_sent_total{name="extract.report",queue="extract"}' in text


def test_publish_metrics_and_health(configure, sqlite_url: str) -> None:
    from danvan_publish.app import create_app

    configure(database_url=sqlite_url)
    with TestClient(create_app()) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        client.get("/v1/feeds/tuyen-quang/2024.json")
        text = client.get("/metrics").text
    assert 'route="/v1/feeds/{province}/{period}.{fmt}",service="publish"' in text
    assert "http_request_duration_seconds_bucket{" in text


def test_ingest_metrics_leave_a_logged_gap_while_the_database_and_broker_are_down(
    configure, caplog
) -> None:
    import logging
    import socket

    from danvan_ingest.app import create_app

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    configure(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{closed}/danvan",
        broker_url=f"redis://127.0.0.1:{closed}/0",
    )
    caplog.set_level(logging.WARNING, logger="danvan.metrics")
    with TestClient(create_app(run_relay=False)) as client:
        page = client.get("/metrics")
    assert page.status_code == 200
    assert "danvan_reports{" not in page.text
    assert "celery_queue_length{" not in page.text
    assert "danvan_reports not sampled: database: OperationalError" in caplog.text
    assert "celery_queue_length not sampled: broker: ConnectionError" in caplog.text
