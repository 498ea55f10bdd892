"""The ``extract.batch`` task run in process against a real database and broker."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from sqlalchemy import event
from sqlmodel import Session, col, func, select

FAIL_MARKER = "«lỗi-thử»"
QUEUES = ("extract", "extract.bulk", "publish", "publish.bulk")


def text(n: int) -> str:
    return (
        f"Ngày {1 + n % 28}/7/2022, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức hội nghị sơ kết "
        f"công tác dân vận 6 tháng đầu năm 2022, triển khai nhiệm vụ 6 tháng cuối năm. Số {n}."
    )


@pytest.fixture
def broker(configure, database_url: str, redis_url: str) -> Iterator[redis.Redis]:
    configure(database_url=database_url, broker_url=redis_url, max_attempts="3")
    client = redis.Redis.from_url(redis_url)
    client.delete(*QUEUES)
    yield client
    client.close()


def store(*bodies: str) -> list[uuid.UUID]:
    """Reports as intake leaves them: stored and queued."""
    from danvan_shared.db import get_engine
    from danvan_shared.models import Report, ReportStatus

    now = datetime.now(UTC)
    reports = [
        Report(
            content_hash=uuid.uuid4().hex,
            content_type="text/plain",
            body=body,
            status=ReportStatus.queued,
            received_at=now,
            queued_at=now,
        )
        for body in bodies
    ]
    with Session(get_engine(), expire_on_commit=False) as session:
        session.add_all(reports)
        session.commit()
    return [report.id for report in reports]


def messages(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """Each task message waiting on ``queue``, oldest first: its name, id, args, kwargs
    and eta."""
    found = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        headers = message["headers"]
        found.append(
            {
                "task": headers["task"],
                "id": headers["id"],
                "args": args,
                "kwargs": kwargs,
                "eta": headers.get("eta"),
            }
        )
    return found


def reports(ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    with Session(get_engine()) as session:
        rows = session.exec(select(Report).where(col(Report.id).in_(ids))).all()
        return {row.id: row for row in rows}


def extraction_rows(ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    from danvan_shared.db import get_engine
    from danvan_shared.models import ExtractionRecord

    with Session(get_engine()) as session:
        rows = session.exec(
            select(ExtractionRecord.report_id, func.count())
            .where(col(ExtractionRecord.report_id).in_(ids))
            .group_by(ExtractionRecord.report_id)
        ).all()
    return dict(rows)


def test_a_batch_is_extracted_in_a_few_statements_and_announced_in_one_event(
    broker: redis.Redis,
) -> None:
    from danvan_extract.batch_tasks import extract_batch_task
    from danvan_extract.extraction import EXTRACTOR_VERSION
    from danvan_shared.db import get_engine

    ids = store(*(text(n) for n in range(20)))
    writes: list[str] = []

    def count(*args: object) -> None:
        verb = str(args[2]).split(None, 1)[0].upper()
        if verb != "SELECT":
            writes.append(verb)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        result = extract_batch_task.apply(
            args=[[str(key) for key in ids] + ["not-a-uuid"]], task_id="batch-1"
        ).get()
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)

    assert result["extracted"] + result["irrelevant"] == 20 and result["failed"] == 0
    # claim, store every extraction, finish: the same three for 20 reports as for one
    assert writes == ["UPDATE", "INSERT", "UPDATE"]
    stored = reports(ids)
    assert {row.status for row in stored.values()} <= {"extracted", "irrelevant"}
    assert all(row.attempts == 1 and row.claim_task_id == "batch-1" for row in stored.values())
    assert all(row.extractor_version == EXTRACTOR_VERSION for row in stored.values())
    assert all(row.event_pending and row.event_sent_at for row in stored.values())
    assert extraction_rows(ids) == dict.fromkeys(ids, 1)

    (published,) = messages(broker, "publish.bulk")
    assert published["task"] == "publish.index_batch"
    assert [item["report_id"] for item in published["kwargs"]["reports"]] == [
        str(key) for key in ids
    ]
    assert {item["status"] for item in published["kwargs"]["reports"]} <= {
        "extracted",
        "irrelevant",
    }
    assert broker.llen("publish") == 0

    # Delivered again after it finished (an acknowledgement lost): nothing is redone.
    again = extract_batch_task.apply(args=[[str(key) for key in ids]], task_id="batch-1").get()
    assert again["skipped"] == 20
    assert extraction_rows(ids) == dict.fromkeys(ids, 1)
    assert len(messages(broker, "publish.bulk")) == 1


def test_a_report_whose_extraction_raises_fails_alone_and_is_retried_on_its_own(
    broker: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from danvan_extract.batch_tasks import extract_batch_task
    from danvan_extract.tasks import extract_report_task

    monkeypatch.setenv("DANVAN_TEST_FAIL_MARKER", FAIL_MARKER)
    good = store(text(1), text(2))
    (bad,) = store(text(3) + " " + FAIL_MARKER)
    batch = [str(good[0]), str(bad), str(good[1])]

    result = extract_batch_task.apply(args=[batch], task_id="batch-2").get()
    assert (result["retried"], result["extracted"] + result["irrelevant"]) == (1, 2)
    stored = reports([*good, bad])
    assert all(stored[key].status in ("extracted", "irrelevant") for key in good)
    assert (stored[bad].status, stored[bad].attempts) == ("queued", 1)
    assert stored[bad].last_error == "RuntimeError: injected extraction fault"
    assert extraction_rows([*good, bad]) == dict.fromkeys(good, 1)
    (published,) = messages(broker, "publish.bulk")
    assert [item["report_id"] for item in published["kwargs"]["reports"]] == [
        str(good[0]),
        str(good[1]),
    ]
    (retry,) = messages(broker, "extract.bulk")
    assert (retry["task"], retry["args"]) == ("extract.report", [str(bad)])
    assert retry["eta"] is not None  # with backoff

    # Its own deliveries count on (run in process, the task's retry runs at once): the
    # third (DANVAN_MAX_ATTEMPTS) ends it failed.
    assert extract_report_task.apply(args=[str(bad)], task_id="retry-1").get() == "failed"
    final = reports([bad])[bad]
    assert (final.status, final.attempts) == ("failed", 3)


def test_a_redelivered_batch_takes_its_reports_over_and_each_is_redone_once(
    broker: redis.Redis,
) -> None:
    """The worker child running a batch was killed (SIGKILL): the broker redelivers the
    message with the same task id, which finds the reports it claimed. Each goes to its
    own task, so a report that kills its worker every time fails alone."""
    from danvan_extract.batch_tasks import WORKER_LOST, extract_batch_task
    from danvan_extract.tasks import extract_report_task
    from danvan_shared import lifecycle
    from danvan_shared.db import get_engine

    ids = store(*(text(10 + n) for n in range(5)))
    batch = [str(key) for key in ids]
    with Session(get_engine()) as session:  # what the killed delivery had done
        lifecycle.claim(session, ids, task_id="batch-3", now=datetime.now(UTC))
        session.commit()

    result = extract_batch_task.apply(args=[batch], task_id="batch-3").get()
    assert result["handed_over"] == 5
    stored = reports(ids)
    assert all((row.status, row.last_error) == ("queued", WORKER_LOST) for row in stored.values())
    singles = messages(broker, "extract.bulk")
    assert sorted(single["args"][0] for single in singles) == sorted(batch)
    assert {single["task"] for single in singles} == {"extract.report"}
    assert broker.llen("publish.bulk") == 0

    for single in singles:
        assert extract_report_task.apply(args=single["args"], task_id=single["id"]).get() in (
            "extracted",
            "irrelevant",
        )
    stored = reports(ids)
    assert all(row.status in ("extracted", "irrelevant") for row in stored.values())
    assert all(row.attempts == 2 and row.last_error is None for row in stored.values())
    assert extraction_rows(ids) == dict.fromkeys(ids, 1)

    # The batch delivered once more (its acknowledgement lost): nothing is redone.
    assert extract_batch_task.apply(args=[batch], task_id="batch-3").get()["skipped"] == 5
    assert all(row.attempts == 2 for row in reports(ids).values())
    assert extraction_rows(ids) == dict.fromkeys(ids, 1)


def test_reports_delivered_too_often_fail_for_good_and_the_rest_of_the_batch_runs(
    broker: redis.Redis,
) -> None:
    from danvan_extract.batch_tasks import extract_batch_task
    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    worn, fresh = store(text(20), text(21))
    with Session(get_engine()) as session:
        report = session.get(Report, worn)
        assert report is not None
        report.attempts = 3  # DANVAN_MAX_ATTEMPTS deliveries already, each lost
        session.add(report)
        session.commit()

    result = extract_batch_task.apply(args=[[str(worn), str(fresh)]], task_id="batch-4").get()
    assert result["failed"] == 1 and result["extracted"] + result["irrelevant"] == 1
    stored = reports([worn, fresh])
    assert stored[worn].status == "failed"
    assert stored[worn].last_error.startswith("gave up after 3 deliveries")
    assert stored[fresh].status in ("extracted", "irrelevant")
    (published,) = messages(broker, "publish.bulk")
    assert [item["report_id"] for item in published["kwargs"]["reports"]] == [str(fresh)]
