"""`danvan reprocess` queues exactly the reports an older extractor version produced."""

from __future__ import annotations

import os
import subprocess
import sys

import redis
from sqlmodel import Session, select

from danvan_extract.extraction import EXTRACTOR_VERSION
from danvan_shared.db import build_engine
from danvan_shared.models import Report, ReportStatus


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
    redis.Redis.from_url(redis_url).delete("extract")
    env = {**os.environ, "DANVAN_DATABASE_URL": database_url, "DANVAN_BROKER_URL": redis_url}
    command = [sys.executable, "-m", "danvan_shared.cli", "reprocess"]

    dry = subprocess.run(
        [*command, "--dry-run"], capture_output=True, text=True, env=env, timeout=60
    )
    assert dry.returncode == 0 and dry.stdout.startswith("1 reports are older")

    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "queued 1 of 1" in run.stdout
    with Session(engine) as session:
        status = {
            name: session.exec(select(Report.status).where(Report.id == key)).one()
            for name, key in ids.items()
        }
    assert status == {"outdated": "queued", "current": "extracted", "failed": "failed"}
    assert redis.Redis.from_url(redis_url).llen("extract") == 1

    with_failed = subprocess.run(
        [*command, "--include-failed"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "queued 1 of 1" in with_failed.stdout  # the failed one; the outdated is queued
    engine.dispose()
