"""Starting real worker processes for the operations tests."""

from __future__ import annotations

from pathlib import Path

import redis
from sqlalchemy import func
from sqlmodel import Session, select

from danvan_shared.db import build_engine, get_engine
from danvan_shared.models import Report
from tests.conftest import _truncate_all
from tests.integration.support import Processes, free_port


def fresh_postgres(url: str) -> str:
    engine = build_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


def pipeline_env(
    tmp_path: Path, database_url: str, broker_url: str, **extra: str
) -> dict[str, str]:
    """Fast relay and retry timings, so faults heal within seconds instead of minutes."""
    redis.Redis.from_url(broker_url).flushdb()
    env = {
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_DATABASE_URL": database_url,
        "DANVAN_BROKER_URL": broker_url,
        "DANVAN_STALE_QUEUED_SECONDS": "6",
        "DANVAN_STALE_EXTRACTING_SECONDS": "3",
        "DANVAN_RELAY_INTERVAL_SECONDS": "0.5",
        "DANVAN_RELAY_GRACE_SECONDS": "0.5",
        "DANVAN_RETRY_BACKOFF_SECONDS": "0.2",
        "DANVAN_RETRY_BACKOFF_MAX_SECONDS": "2",
        "DANVAN_EXTRACT_CONCURRENCY": "2",
        "DANVAN_EXTRACT_METRICS_PORT": str(free_port()),
        "DANVAN_PUBLISH_WORKER_METRICS_PORT": str(free_port()),
        "DANVAN_LOG_LEVEL": "WARNING",
    }
    env.update({f"DANVAN_{key.upper()}": value for key, value in extra.items()})
    return env


def start_workers(env: dict[str, str], tmp_path: Path) -> Processes:
    processes = Processes(env, tmp_path)
    processes.start("extract")
    processes.start("publish-worker")
    return processes


def as_settings(env: dict[str, str]) -> dict[str, str]:
    """``configure(**…)`` arguments for the test process itself."""
    return {key.removeprefix("DANVAN_").lower(): value for key, value in env.items()}


def by_status() -> dict[str, int]:
    """Reports per status, "extracted" counting those the extractor judged irrelevant:
    whether a text is a review meeting is the extractor's call, not these tests'."""
    with Session(get_engine()) as session:
        rows = session.exec(select(Report.status, func.count()).group_by(Report.status)).all()
    counts = dict(rows)
    if "irrelevant" in counts:
        counts["extracted"] = counts.get("extracted", 0) + counts.pop("irrelevant")
    return counts
