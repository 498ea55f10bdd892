"""Nothing accepted is lost when the broker is down at submission time."""

from __future__ import annotations

import base64
import json
import socket

import redis
from fastapi.testclient import TestClient

from danvan_ingest.app import create_app
from danvan_ingest.relay import RelayResult, relay_once
from danvan_shared.settings import get_settings

QUEUES = ("extract", "extract.bulk", "publish", "publish.bulk")
#: a message of someone else's waiting on a queue
BACKLOG = b"{}"


def batches(redis_url: str, queue: str) -> list[list[str]]:
    """The report ids of each task waiting on ``queue``, oldest first (``BACKLOG``
    placeholders left out)."""
    found = []
    for raw in reversed(redis.Redis.from_url(redis_url).lrange(queue, 0, -1)):
        if raw == BACKLOG:
            continue
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        if message["headers"]["task"] == "publish.index_batch":
            found.append([event["report_id"] for event in kwargs["reports"]])
        elif message["headers"]["task"] == "extract.report":
            found.append([args[0]])
        else:
            found.append(list(args[0]))
    return found


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
        redis.Redis.from_url(redis_url).delete(*QUEUES)
        result = relay_once(get_settings())
        assert result.queued == 1
        assert client.get(report_url).json()["status"] == "queued"
        assert batches(redis_url, "extract.bulk") == [[response.json()["id"]]]


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

    lost = extracted("a", event_pending=True, event_sent_at=hour_ago)  # sent, then lost
    never_sent = extracted("b", event_pending=True, event_sent_at=None)
    with Session(get_engine(), expire_on_commit=False) as session:
        session.add_all(
            [
                lost,
                never_sent,
                extracted("c", event_pending=True, event_sent_at=now),  # sent, in the queue
                extracted("d", event_pending=False, event_sent_at=hour_ago),  # acknowledged
            ]
        )
        session.commit()
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    assert relay_once(get_settings()).events == 2
    (batch,) = batches(redis_url, "publish.bulk")  # one bulk message for both
    assert sorted(batch) == sorted(str(report.id) for report in (lost, never_sent))
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    assert relay_once(get_settings()).events == 0  # just re-sent: not again until stale


def test_a_retried_report_withdraws_its_unacknowledged_event(
    configure, database_url: str, redis_url: str
) -> None:
    """Its old event is not re-sent while the report waits to be extracted again; the
    next run flags a new one."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from danvan_shared import lifecycle
    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    configure(database_url=database_url, broker_url=redis_url, stale_queued_seconds="60")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with Session(get_engine()) as session:
        report = Report(
            content_hash="e" * 64,
            content_type="text/plain",
            body="e",
            status="extracted",
            extractor_version="v1",
            finished_at=hour_ago,
            event_pending=True,
            event_sent_at=hour_ago,
        )
        session.add(report)
        session.commit()
        assert lifecycle.retry(session, [report.id]) == [report.id]
        session.commit()
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    assert relay_once(get_settings()).events == 0
    assert batches(redis_url, "publish.bulk") == []


def test_work_waiting_in_a_queue_is_not_sent_again_however_long_it_waits(
    configure, database_url: str, redis_url: str
) -> None:
    """Under load a queued report or a sent event can wait longer than the stale
    threshold; re-sending it only lengthened the queue (the publish queue once grew
    without bound). Stale work is re-sent once its queues are empty; what was never
    sent goes at once."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    configure(database_url=database_url, broker_url=redis_url, stale_queued_seconds="60")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)

    def report(marker: str, **fields: object) -> Report:
        return Report(
            content_hash=marker * 64,
            content_type="text/plain",
            body=marker,
            received_at=hour_ago,
            **fields,
        )

    waiting = report("q", status="queued", queued_at=hour_ago)
    unsent = report("r", status="received")
    acknowledged_late = report(
        "e",
        status="extracted",
        extractor_version="v1",
        finished_at=hour_ago,
        event_pending=True,
        event_sent_at=hour_ago,
    )
    event_unsent = report(
        "u", status="extracted", extractor_version="v1", finished_at=hour_ago, event_pending=True
    )
    with Session(get_engine(), expire_on_commit=False) as session:
        session.add_all([waiting, unsent, acknowledged_late, event_unsent])
        session.commit()
    broker = redis.Redis.from_url(redis_url)
    broker.delete(*QUEUES)
    broker.lpush("extract.bulk", BACKLOG)
    broker.lpush("publish", BACKLOG)

    result = relay_once(get_settings())
    assert (result.queued, result.events) == (1, 1)
    assert batches(redis_url, "extract.bulk") == [[str(unsent.id)]]
    assert batches(redis_url, "publish.bulk") == [[str(event_unsent.id)]]

    broker.delete(*QUEUES)  # the backlog drained, and nothing came for them: lost
    result = relay_once(get_settings())
    assert (result.queued, result.events) == (1, 1)
    assert batches(redis_url, "extract.bulk") == [[str(waiting.id)]]
    assert batches(redis_url, "publish.bulk") == [[str(acknowledged_late.id)]]


def test_reports_taken_from_a_lost_worker_are_sent_one_task_each(
    configure, database_url: str, redis_url: str
) -> None:
    """A worker killed under a batch may have been killed by one of its reports; batched
    again, that report would kill every new batch and its neighbours would use up their
    deliveries with it. Each goes alone; reports never claimed still go as a batch."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    configure(database_url=database_url, broker_url=redis_url, stale_extracting_seconds="60")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    held = [
        Report(
            content_hash=f"x{n}".ljust(64, "0"),
            content_type="text/plain",
            body=f"held {n}",
            status="extracting",
            received_at=hour_ago,
            started_at=hour_ago,
            attempts=1,
            claim_task_id="lost-batch",
        )
        for n in range(3)
    ]
    unsent = [
        Report(
            content_hash=f"r{n}".ljust(64, "0"),
            content_type="text/plain",
            body=f"unsent {n}",
            status="received",
            received_at=hour_ago,
        )
        for n in range(2)
    ]
    with Session(get_engine(), expire_on_commit=False) as session:
        session.add_all([*held, *unsent])
        session.commit()
    redis.Redis.from_url(redis_url).delete(*QUEUES)

    assert relay_once(get_settings()).queued == 5
    sent = batches(redis_url, "extract.bulk")
    alone = sorted(ids[0] for ids in sent if len(ids) == 1)
    together = [sorted(ids) for ids in sent if len(ids) > 1]
    assert alone == sorted(str(report.id) for report in held)
    assert together == [sorted(str(report.id) for report in unsent)]


def test_a_broker_whose_depth_cannot_be_read_gets_no_stale_work(
    configure, database_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    configure(
        database_url=database_url,
        broker_url=f"redis://127.0.0.1:{closed_port()}/0",
        stale_queued_seconds="60",
    )
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with Session(get_engine()) as session:
        session.add(
            Report(
                content_hash="q" * 64,
                content_type="text/plain",
                body="q",
                status="queued",
                queued_at=hour_ago,
            )
        )
        session.commit()
    assert relay_once(get_settings()) == RelayResult()  # not even tried
