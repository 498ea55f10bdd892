"""Stalls that used to leave every health check green: operators polling the pipeline
locked ingest, and a broker that froze for 20 s stopped the publish worker for good.

Each test runs the real processes (ingest under uvicorn with its relay, both workers)
on both set-ups: SQLite with the embedded Valkey broker, and PostgreSQL with a
``redis-server`` of the test's own, so it can freeze the broker (SIGSTOP) without
touching any shared server.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func
from sqlmodel import Session, col, select

from danvan_shared.celery_app import create_celery
from danvan_shared.db import get_engine
from danvan_shared.migrate import upgrade_database
from danvan_shared.models import FeedEntry, Report
from tests.integration.support import Processes, free_port, wait_for_progress, wait_until
from tests.ops.conftest import bearer, create_key
from tests.ops.pipeline import as_settings, fresh_postgres, pipeline_env
from tests.ops.servers import RedisServer

pytestmark = pytest.mark.slow

LEAD = (
    "Sáng ngày {day}/10/2024, Ban Dân vận Huyện ủy Hàm Yên tổ chức Hội nghị sơ kết công tác "
    "dân vận 9 tháng năm 2024. Đồng chí Hoàng Văn Nam, Phó Bí thư Huyện ủy chủ trì. Tin số {n}."
)


def text(n: int) -> str:
    return LEAD.format(day=1 + n % 28, n=n)


@dataclass
class Stack:
    processes: Processes
    env: dict[str, str]
    broker_pid: int
    ingest: str

    def worker_port(self, name: str) -> int:
        key = "EXTRACT_METRICS_PORT" if name == "extract" else "PUBLISH_WORKER_METRICS_PORT"
        return int(self.env[f"DANVAN_{key}"])


@pytest.fixture(params=["embedded", "redis+postgresql"])
def stack(request: pytest.FixtureRequest, configure, tmp_path: Path) -> Iterator[Stack]:
    data_dir = {"DANVAN_DATA_DIR": str(tmp_path / "var")}
    own_redis: RedisServer | None = None
    processes = Processes(data_dir, tmp_path)
    try:
        if request.param == "embedded":
            database_url = f"sqlite:///{tmp_path / 'var' / 'danvan.db'}"
            upgrade_database(database_url)
            port = str(free_port())
            processes.env["DANVAN_EMBEDDED_BROKER_PORT"] = port
            broker_pid = processes.start("broker").pid
            broker_url = f"redis://127.0.0.1:{port}/0"
            wait_until(lambda: _broker_answers(broker_url), 10, message="embedded broker up")
            extra = {"embedded_broker_port": port}
        else:
            database_url = fresh_postgres(str(request.getfixturevalue("postgres_url")))
            own_redis = RedisServer()
            own_redis.start()
            assert own_redis.process is not None
            broker_url, broker_pid, extra = own_redis.url, own_redis.process.pid, {}
        env = pipeline_env(
            tmp_path,
            database_url,
            broker_url,
            ingest_port=str(free_port()),
            worker_stall_seconds="5",
            **extra,
        )
        if own_redis is None:
            env.pop("DANVAN_BROKER_URL")  # the embedded default, as `make run` has it
        processes.env.update(env)
        configure(**as_settings(env))
        processes.start("ingest")
        processes.start("extract")
        processes.start("publish-worker")
        base = f"http://127.0.0.1:{env['DANVAN_INGEST_PORT']}"
        wait_until(lambda: _status(f"{base}/healthz") == 200, 30, message="ingest up")
        yield Stack(processes, env, broker_pid, base)
    finally:
        if "broker_pid" in locals():
            os.kill(broker_pid, signal.SIGCONT)  # never leave a frozen broker behind
        processes.close()
        if own_redis is not None:
            own_redis.stop()


def _status(url: str) -> int:
    """The HTTP status, or 0 when nothing answers (yet)."""
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return 0


def _broker_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _timed(method: str, url: str, **kwargs: object) -> tuple[int, float]:
    """(status, seconds); status 0 when no answer came within 30 s."""
    started = time.monotonic()
    try:
        status = httpx.request(method, url, timeout=30, **kwargs).status_code  # type: ignore[arg-type]
    except httpx.HTTPError:
        status = 0
    return status, time.monotonic() - started


def test_operators_polling_the_pipeline_beside_submitters_never_lock_ingest(stack: Stack) -> None:
    operator = bearer(create_key("operator"))
    polls: list[tuple[int, float]] = []
    posts: list[tuple[int, float]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            polls.append(_timed("GET", f"{stack.ingest}/v1/pipeline", headers=operator))

    def submit(first: int) -> None:
        for n in range(first, first + 10):
            posts.append(_timed("POST", f"{stack.ingest}/v1/reports", json={"text": text(n)}))

    def extract_listed() -> bool:
        view = httpx.get(f"{stack.ingest}/v1/pipeline", headers=operator, timeout=10).json()
        return bool(view["broker_available"]) and any(
            w.startswith("extract@") for w in view["workers"] or ()
        )

    # The view lists the worker once it has booted (its first ping reply).
    wait_until(extract_listed, 60, interval=1, message="extract worker listed")
    pollers = [threading.Thread(target=poll) for _ in range(24)]
    submitters = [threading.Thread(target=submit, args=(100 * i,)) for i in range(12)]
    for thread in pollers + submitters:
        thread.start()
    for thread in submitters:
        thread.join(timeout=180)
    done.set()
    for thread in pollers:
        thread.join(timeout=60)

    assert len(posts) == 120
    # Every request answered (status 0: no answer within 30 s; they used to hang for good).
    assert {status for status, _ in posts} == {202}, sorted(posts)[:5]
    assert {status for status, _ in polls} == {200}, sorted(polls)[:5]
    # Afterwards ingest answers at once: a POST, readiness and the pipeline view.
    status, seconds = _timed("POST", f"{stack.ingest}/v1/reports", json={"text": text(9999)})
    assert (status, seconds < 5) == (202, True), (status, seconds)
    status, seconds = _timed("GET", f"{stack.ingest}/readyz")
    assert (status, seconds < 5) == (200, True), (status, seconds)
    # A worker busy with the backlog may answer a ping late; it stays listed meanwhile.
    assert extract_listed()
    wait_for_progress(_published, 121, stall=60, message="reports extracted and published")


def _published() -> int:
    """Reports extracted whose report.extracted event publish has indexed and acknowledged."""
    with Session(get_engine()) as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(Report)
                .where(
                    col(Report.status).in_(["extracted", "irrelevant"]),
                    col(Report.event_pending).is_(False),
                )
            ).one()
        )


def _pending_events() -> int:
    with Session(get_engine()) as session:
        return int(
            session.exec(
                select(func.count()).select_from(Report).where(col(Report.event_pending).is_(True))
            ).one()
        )


def _broker(stack: Stack) -> redis.Redis:
    url = stack.env.get("DANVAN_BROKER_URL")
    return redis.Redis.from_url(
        url or f"redis://127.0.0.1:{stack.env['DANVAN_EMBEDDED_BROKER_PORT']}/0"
    )


def _submit(stack: Stack, numbers: range) -> None:
    lines = "\n".join(json.dumps({"text": text(n)}) for n in numbers)
    answer = httpx.post(
        f"{stack.ingest}/v1/reports:batch",
        content=lines,
        headers={"content-type": "application/x-ndjson"},
        timeout=60,
    )
    assert answer.json()["accepted"] == len(numbers), answer.text


def _worker(stack: Stack, name: str, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{stack.worker_port(name)}{path}", timeout=10)


def _ready(stack: Stack, name: str) -> bool:
    return _status(f"http://127.0.0.1:{stack.worker_port(name)}/readyz") == 200


def _worker_up(stack: Stack, name: str) -> float:
    for line in _worker(stack, name, "/metrics").text.splitlines():
        if line.startswith(f'celery_worker_up{{hostname="{name}@'):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no celery_worker_up sample for {name}")


def test_a_20_s_broker_stall_under_load_heals_by_itself(stack: Stack) -> None:
    broker = _broker(stack)

    def publish_backlog() -> int:
        return int(broker.llen("publish") + broker.llen("publish.bulk"))

    # Freeze the broker while the publish worker works through a backlog. Publish keeps
    # up with extraction on a good day, so the backlog is made: the worker stops taking
    # events while 300 reports are extracted, then takes them again.
    wait_until(lambda: _ready(stack, "publish"), 60, message="publish worker ready")
    control = create_celery("danvan-test-control")
    names = [name for reply in control.control.ping(timeout=5) for name in reply]
    worker = [name for name in names if name.startswith("publish@")]
    assert worker, names
    for queue in ("publish", "publish.bulk"):
        assert control.control.cancel_consumer(queue, destination=worker, reply=True, timeout=5)
    time.sleep(2)  # a BRPOP in flight when the cancel landed (up to 1 s) ends first
    total = 300
    for start in range(0, total, 10):
        _submit(stack, range(start, start + 10))
    wait_until(lambda: _pending_events() >= total, 120, message="all extracted, none published")
    waiting = publish_backlog()
    assert waiting >= 10, waiting  # an event a batch of 10
    for queue in ("publish", "publish.bulk"):
        assert control.control.add_consumer(queue, destination=worker, reply=True, timeout=5)
    wait_until(
        lambda: publish_backlog() < waiting, 30, interval=0.05, message="publish took an event"
    )
    assert publish_backlog() >= 3, "the backlog was gone before the broker froze"
    os.kill(stack.broker_pid, signal.SIGSTOP)
    try:
        time.sleep(2)
        status, seconds = _timed("GET", f"{stack.ingest}/readyz")
        assert (status, seconds < 5) == (503, True), (status, seconds)
        assert _worker(stack, "publish", "/readyz").status_code == 503
        time.sleep(18)
    finally:
        os.kill(stack.broker_pid, signal.SIGCONT)
    # It used to stop here for good: the publish queue grew while its worker sat idle.
    wait_for_progress(_published, total, stall=60, message="reports extracted and published")
    assert _indexed_reports() == _reports_with_status("extracted")  # irrelevant ones have none
    for name in ("extract", "publish"):
        wait_until(
            lambda name=name: _ready(stack, name),
            30,
            message=f"{name} worker ready again",
        )
        assert _worker_up(stack, name) == 1
    assert httpx.get(f"{stack.ingest}/readyz", timeout=10).status_code == 200


def _reports_with_status(status: str) -> int:
    with Session(get_engine()) as session:
        return int(
            session.exec(
                select(func.count()).select_from(Report).where(Report.status == status)
            ).one()
        )


def _indexed_reports() -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count(func.distinct(FeedEntry.report_id)))).one())


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_a_worker_that_stops_consuming_is_not_ready(stack: Stack) -> None:
    wait_until(lambda: _ready(stack, "publish"), 30, message="publish worker ready")
    control = create_celery("danvan-test-control")
    # Alive and answering pings, but taking nothing from its queue: what a stalled
    # consumer looks like from outside.
    names = [name for reply in control.control.ping(timeout=2) for name in reply]
    worker = [name for name in names if name.startswith("publish@")]
    for queue in ("publish", "publish.bulk"):  # batches' events wait on the bulk queue
        assert control.control.cancel_consumer(queue, destination=worker, reply=True, timeout=5)
    # A BRPOP already in flight when the cancel lands (kombu's last one, up to 1 s) could
    # still take an event and hand it back: let it end before events are queued.
    time.sleep(2)
    _submit(stack, range(500, 510))
    wait_until(
        lambda: "not consuming" in _worker(stack, "publish", "/readyz").text,
        60,
        interval=0.5,
        message="the publish worker reported as not consuming",
    )
    assert _worker(stack, "publish", "/readyz").status_code == 503
    assert _worker_up(stack, "publish") == 0
    assert _worker(stack, "extract", "/readyz").status_code == 200  # it consumes

    for queue in ("publish", "publish.bulk"):
        assert control.control.add_consumer(queue, destination=worker, reply=True, timeout=5)
    wait_until(lambda: _pending_events() == 0, 120, message="events published after resuming")
    wait_until(lambda: _ready(stack, "publish"), 30, message="ready again")
    assert _worker_up(stack, "publish") == 1
