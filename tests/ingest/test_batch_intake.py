"""Batch intake (NDJSON and multipart): one transaction a request, bulk extract tasks.

On SQLite and PostgreSQL, with real Redis. A 1000-line batch used to cost a commit and
a message per line (42 s on SQLite); it must cost a handful of statements.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from danvan_ingest.app import create_app
from danvan_shared.db import get_engine
from danvan_shared.models import Report

NDJSON = {"content-type": "application/x-ndjson"}
QUEUES = ("extract", "extract.bulk", "publish", "publish.bulk")


def text(n: int) -> str:
    return (
        f"Ngày {1 + n % 28}/7/2024, Ban Dân vận Huyện ủy Hàm Yên tổ chức hội nghị sơ kết công "
        f"tác dân vận 6 tháng đầu năm 2024 (bản tin thử số {n})."
    )


@pytest.fixture
def client(configure, database_url: str, redis_url: str) -> Iterator[TestClient]:
    configure(database_url=database_url, broker_url=redis_url)
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    with TestClient(create_app(run_relay=False)) as test_client:
        yield test_client


def bulk_batches(redis_url: str) -> list[list[str]]:
    """The report ids of each extract.batch message on the bulk queue, oldest first."""
    found = []
    for raw in reversed(redis.Redis.from_url(redis_url).lrange("extract.bulk", 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "extract.batch"
        args, _, _ = json.loads(base64.b64decode(message["body"]))
        found.append(args[0])
    return found


def post_lines(client: TestClient, lines: list[str]) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/reports:batch", content="\n".join(lines), headers=NDJSON)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_batch_with_repeats_and_bad_lines_answers_each_line_and_loses_nothing(
    client: TestClient, redis_url: str
) -> None:
    stored_before = client.post("/v1/reports", json={"text": text(0)}).json()
    redis.Redis.from_url(redis_url).delete(*QUEUES)

    body = post_lines(
        client,
        [
            json.dumps({"text": text(1), "title": "Hàm Yên"}),
            "{not json",
            json.dumps({"text": text(0)}),  # stored before this batch
            json.dumps({"text": text(2)}),
            json.dumps({"text": text(1), "title": "the same text again"}),  # repeats line 1
            json.dumps({"text": ""}),
            json.dumps({"html": f"<p>{text(3)}</p>"}),
        ],
    )

    assert (body["accepted"], body["duplicates"], body["rejected"]) == (3, 2, 2)
    results = body["results"]
    assert [result["line"] for result in results] == [1, 2, 3, 4, 5, 6, 7]
    assert results[1]["error"]["status"] == 422 and results[5]["error"]["status"] == 422
    assert "id" not in results[1] or results[1]["id"] is None
    assert results[2] == {
        "line": 3,
        "id": stored_before["id"],
        "status": "queued",
        "duplicate": True,
        "error": None,
    }
    assert results[4]["id"] == results[0]["id"] and results[4]["duplicate"] is True
    new = [results[index]["id"] for index in (0, 3, 6)]
    assert all(results[index]["status"] == "queued" for index in (0, 3, 6))
    assert not any(results[index]["duplicate"] for index in (0, 3, 6))

    # Every new report is stored, once, with what its line said, and sent exactly once.
    with Session(get_engine()) as session:
        rows = session.exec(select(Report).where(col(Report.id).in_(map(uuid.UUID, new)))).all()
        assert {str(row.id) for row in rows} == set(new)
        assert session.exec(select(func.count()).select_from(Report)).one() == 4
    assert {str(row.id): row.title for row in rows}[new[0]] == "Hàm Yên"
    assert {str(row.id): row.content_type for row in rows}[new[2]] == "text/html"
    assert bulk_batches(redis_url) == [new]
    assert redis.Redis.from_url(redis_url).llen("extract") == 0  # the interactive queue


def test_a_multipart_upload_is_stored_and_queued_as_one_batch(
    client: TestClient, redis_url: str
) -> None:
    response = client.post(
        "/v1/reports",
        files=[
            ("files", ("a.txt", text(10).encode(), "text/plain")),
            ("files", ("b.pdf", b"%PDF-1.4", "application/pdf")),
            ("files", ("c.txt", text(10).encode(), "text/plain")),
            ("files", ("d.html", f"<p>{text(11)}</p>".encode(), "text/html")),
        ],
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    a, b, c, d = body["results"]
    assert b["error"]["status"] == 415
    assert c["id"] == a["id"] and c["duplicate"] is True
    assert bulk_batches(redis_url) == [[a["id"], d["id"]]]


def test_a_thousand_lines_cost_a_handful_of_statements_and_ten_bulk_messages(
    client: TestClient, redis_url: str
) -> None:
    """Counted, not timed: a statement (and a commit) per line was what made a
    1000-line batch take 42 s on SQLite."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]).split(None, 1)[0].upper())

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = post_lines(client, [json.dumps({"text": text(100 + n)}) for n in range(1000)])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert body["accepted"] == 1000
    writes = [statement for statement in statements if statement != "SELECT"]
    # the INSERT (SQLite: pages of at most 1000 rows); selects: the duplicate lookup
    # and the idempotency and key checks of any request
    assert writes == ["INSERT"], statements
    assert len(statements) <= 6, statements
    sent = bulk_batches(redis_url)
    assert [len(batch) for batch in sent] == [100] * 10  # DANVAN_BATCH_SIZE
    assert [item for batch in sent for item in batch] == [
        result["id"] for result in body["results"]
    ]


def test_a_batch_posted_while_the_broker_is_down_is_received_and_relayed_later(
    configure, database_url: str, redis_url: str
) -> None:
    from danvan_ingest.relay import relay_once
    from tests.ingest.test_relay import closed_port

    configure(
        database_url=database_url,
        broker_url=f"redis://127.0.0.1:{closed_port()}/0",
        relay_grace_seconds="0",
        batch_size="2",
    )
    with TestClient(create_app(run_relay=False)) as client:
        body = post_lines(client, [json.dumps({"text": text(200 + n)}) for n in range(3)])
        assert [result["status"] for result in body["results"]] == ["received"] * 3
        ids = [result["id"] for result in body["results"]]

        configure(
            database_url=database_url,
            broker_url=redis_url,
            relay_grace_seconds="0",
            batch_size="2",
        )
        redis.Redis.from_url(redis_url).delete(*QUEUES)
        assert relay_once().queued == 3
        assert sorted(item for batch in bulk_batches(redis_url) for item in batch) == sorted(ids)
        assert [len(batch) for batch in bulk_batches(redis_url)] == [2, 1]
        for report_id in ids:
            assert client.get(f"/v1/reports/{report_id}").json()["status"] == "queued"


def test_concurrent_batches_with_the_same_reports_store_each_once(
    client: TestClient, redis_url: str
) -> None:
    """Two requests racing with the same content: the insert skips what the other
    committed first, and both answer with the one stored report."""
    from concurrent.futures import ThreadPoolExecutor

    lines = [json.dumps({"text": text(300 + n)}) for n in range(50)]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post_lines(client, lines), range(2)))
    ids = [[result["id"] for result in answer["results"]] for answer in answers]
    assert ids[0] == ids[1]
    assert answers[0]["accepted"] + answers[1]["accepted"] == 50
    with Session(get_engine()) as session:
        assert session.exec(select(func.count()).select_from(Report)).one() == 50
    queued = [item for batch in bulk_batches(redis_url) for item in batch]
    assert sorted(queued) == sorted(set(ids[0]))  # each sent by the request that stored it
    assert all(uuid.UUID(item) for item in queued)
