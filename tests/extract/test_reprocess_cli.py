"""`danvan reprocess` queues exactly the reports an older extractor version produced."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import redis
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from danvan_extract.extraction import EXTRACTOR_VERSION
from danvan_shared.db import build_engine
from danvan_shared.models import Report, ReportStatus

QUEUES = ("extract", "extract.bulk")


def queued_batches(redis_url: str) -> list[list[str]]:
    """The report ids of each extract.batch message on the bulk queue, oldest first."""
    found = []
    for raw in reversed(redis.Redis.from_url(redis_url).lrange("extract.bulk", 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "extract.batch"
        found.append(json.loads(base64.b64decode(message["body"]))[0][0])
    return found


def test_reprocess_requeues_only_outdated_reports(database_url: str, redis_url: str) -> None:
    engine = build_engine(database_url)
    with Session(engine) as session:
        outdated = Report(
            content_hash="a" * 64,
            content_type="text/plain",
            body="Bản tin cũ",
            status=ReportStatus.extracted,
            extractor_version="2020.1.1",
        )
        current = Report(
            content_hash="b" * 64,
            content_type="text/plain",
            body="Bản tin mới",
            status=ReportStatus.extracted,
            extractor_version=EXTRACTOR_VERSION,
        )
        failed = Report(
            content_hash="c" * 64,
            content_type="text/plain",
            body="Lỗi",
            status=ReportStatus.failed,
            extractor_version=None,
            attempts=5,
        )
        session.add_all([outdated, current, failed])
        session.commit()
        ids = {
            name: report.id
            for name, report in (("outdated", outdated), ("current", current), ("failed", failed))
        }
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    env = {**os.environ, "DANVAN_DATABASE_URL": database_url, "DANVAN_BROKER_URL": redis_url}
    command = [sys.executable, "-m", "danvan_shared.cli", "reprocess"]

    dry = subprocess.run(
        [*command, "--dry-run"], capture_output=True, text=True, env=env, timeout=60
    )
    assert dry.returncode == 0 and dry.stdout.startswith("1 reports are older")
    # The dry run counts what the real one would queue: the failed report too.
    dry_with_failed = subprocess.run(
        [*command, "--dry-run", "--include-failed"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert dry_with_failed.returncode == 0, dry_with_failed.stderr
    assert dry_with_failed.stdout.startswith("2 reports are older than extractor")

    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "queued 1 of 1" in run.stdout
    with Session(engine) as session:
        status = {
            name: session.exec(select(Report.status).where(Report.id == key)).one()
            for name, key in ids.items()
        }
    assert status == {"outdated": "queued", "current": "extracted", "failed": "failed"}
    assert queued_batches(redis_url) == [[str(ids["outdated"])]]

    with_failed = subprocess.run(
        [*command, "--include-failed"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "queued 1 of 1" in with_failed.stdout  # the failed one; the outdated is queued
    engine.dispose()


def store_outdated(database_url: str, count: int) -> set[str]:
    """``count`` reports extracted by an old extractor version, in one statement."""
    engine = build_engine(database_url)
    ids = [uuid.uuid4() for _ in range(count)]
    with engine.begin() as connection:
        connection.execute(
            insert(Report.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": key,
                    "content_hash": key.hex,
                    "content_type": "text/plain",
                    "body": f"Bản tin cũ số {n}",
                    "status": "extracted",
                    "extractor_version": "2020.1.1",
                    "received_at": datetime.now(UTC),
                    "attempts": 1,
                    "event_pending": False,
                }
                for n, key in enumerate(ids)
            ],
        )
    engine.dispose()
    return {str(key) for key in ids}


def test_an_interrupted_reprocess_is_resumed_by_running_it_again(
    database_url: str, redis_url: str
) -> None:
    """Ctrl-C stops after the chunk being queued, with a message and exit code 130; a
    second run queues what is left, and every outdated report is queued exactly once."""
    outdated = store_outdated(database_url, 3000)
    broker = redis.Redis.from_url(redis_url)
    broker.delete(*QUEUES)
    env = {
        **os.environ,
        "DANVAN_DATABASE_URL": database_url,
        "DANVAN_BROKER_URL": redis_url,
        "DANVAN_BATCH_SIZE": "10",
    }
    command = [sys.executable, "-m", "danvan_shared.cli", "reprocess"]
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + 60
    while broker.llen("extract.bulk") < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted: queued" in err and "run `danvan reprocess` again" in err
    assert "Traceback" not in err
    sent_first = [key for batch in queued_batches(redis_url) for key in batch]
    assert 30 <= len(sent_first) < 3000 and len(set(sent_first)) == len(sent_first)
    assert f"interrupted: queued {len(sent_first)} of 3000 reports" in err
    engine = build_engine(database_url)
    with Session(engine) as session:
        queued = session.exec(
            select(func.count()).select_from(Report).where(col(Report.status) == "queued")
        ).one()
    assert queued == len(sent_first)  # nothing queued and left unsent

    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0, second.stderr
    rest = 3000 - len(sent_first)
    assert f"queued {rest} of {rest}" in second.stdout
    sent = [key for batch in queued_batches(redis_url) for key in batch]
    assert sorted(sent) == sorted(outdated)  # each exactly once
    assert all(len(batch) <= 10 for batch in queued_batches(redis_url))
    with Session(engine) as session:
        statuses = session.exec(select(Report.status, func.count()).group_by(Report.status)).all()
    assert dict(statuses) == {"queued": 3000}
    engine.dispose()


def test_the_reprocess_task_queues_outdated_reports_in_bulk_chunks(
    configure, database_url: str, redis_url: str
) -> None:
    """POST /v1/reprocess sends this task; the worker queues in chunks of batch_size."""
    configure(database_url=database_url, broker_url=redis_url, batch_size="7")
    outdated = store_outdated(database_url, 30)
    redis.Redis.from_url(redis_url).delete(*QUEUES)
    from danvan_extract.tasks import reprocess_outdated_task

    assert reprocess_outdated_task.apply().get() == 30
    batches = queued_batches(redis_url)
    assert [len(batch) for batch in batches] == [7, 7, 7, 7, 2]
    assert sorted(key for batch in batches for key in batch) == sorted(outdated)
    assert reprocess_outdated_task.apply().get() == 0  # nothing outdated is left
