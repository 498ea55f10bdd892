"""Nothing accepted is lost when the broker is down at submission time."""

from __future__ import annotations

import socket

import redis
from fastapi.testclient import TestClient

from danvan_ingest.app import create_app
from danvan_ingest.relay import relay_once
from danvan_shared.settings import get_settings


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_report_posted_while_broker_is_down_is_queued_by_the_relay(
    configure, database_url: str, redis_url: str
) -> None:
    configure(
        database_url=database_url,
        broker_url=f"redis://127.0.0.1:{closed_port()}/0",
        relay_grace_seconds="0",
    )
    with TestClient(create_app(run_relay=False)) as client:
        response = client.post("/v1/reports", json={"text": "Hội nghị sơ kết công tác dân vận"})
        assert response.status_code == 202
        assert response.json()["status"] == "received"
        report_url = response.json()["links"]["self"]

        assert relay_once().failed == 1  # broker still down: nothing changes
        assert client.get(report_url).json()["status"] == "received"

        configure(database_url=database_url, broker_url=redis_url, relay_grace_seconds="0")
        redis.Redis.from_url(redis_url).delete("extract")
        result = relay_once(get_settings())
        assert result.queued == 1
        assert client.get(report_url).json()["status"] == "queued"
        assert redis.Redis.from_url(redis_url).llen("extract") == 1


def test_relay_resends_only_events_publish_has_not_acknowledged_for_long(
    configure, database_url: str, redis_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    configure(database_url=database_url, broker_url=redis_url, stale_queued_seconds="60")
    now = datetime.now(UTC)
    hour_ago = now - timedelta(hours=1)

    def extracted(marker: str, **fields: object) -> Report:
        return Report(
            content_hash=marker * 64,
            content_type="text/plain",
            body=marker,
            status="extracted",
            extractor_version="v1",
            finished_at=hour_ago,
            **fields,
        )

    with Session(get_engine()) as session:
        session.add_all(
            [
                extracted("a", event_pending=True, event_sent_at=hour_ago),  # sent, then lost
                extracted("b", event_pending=True, event_sent_at=None),  # never sent
                extracted("c", event_pending=True, event_sent_at=now),  # sent, in the queue
                extracted("d", event_pending=False, event_sent_at=hour_ago),  # acknowledged
            ]
        )
        session.commit()
    redis.Redis.from_url(redis_url).delete("publish")
    assert relay_once(get_settings()).events == 2
    assert redis.Redis.from_url(redis_url).llen("publish") == 2
    assert relay_once(get_settings()).events == 0  # just re-sent: not again until stale
