"""Prometheus metrics for the APIs and the Celery workers.

Worker metrics carry the names of the common Celery exporter
(danihodovic/celery-exporter), so its dashboards and alerts work unchanged:
``celery_task_{sent,received,started,succeeded,failed,rejected,revoked,retried}_total``,
``celery_task_runtime``, ``celery_task_queue_wait_time`` (histograms: ``*_bucket``),
``celery_worker_up``, ``celery_worker_tasks_active`` and ``celery_queue_length``.
They are counted from Celery signals inside the workers instead of from the
event stream, so no extra exporter process has to run.

Workers are prefork: each task runs in a child process, so worker metrics use
prometheus-client's multiprocess mode. The worker's main process sets it up
(``PROMETHEUS_MULTIPROC_DIR`` under the data dir, emptied at start) before the
pool forks, and serves ``/metrics``, ``/healthz`` and ``/readyz`` on
``DANVAN_EXTRACT_METRICS_PORT`` / ``DANVAN_PUBLISH_WORKER_METRICS_PORT``. The
APIs are single-process and serve ``/metrics`` themselves, with request latency
histograms and, on ingest, reports per status and queue lengths.

Metric objects are created lazily, on first use: the value class
prometheus-client picks (in-memory or multiprocess files) is fixed when a
metric is created, so it must come after the worker has chosen.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from celery import Celery, signals
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from danvan_shared.events import EXTRACT_QUEUES, PUBLISH_QUEUES, SENT_AT_HEADER
from danvan_shared.settings import Settings, get_settings
from danvan_shared.worker_health import WorkerHealth

logger = logging.getLogger("danvan.metrics")

#: celery-exporter's default buckets: 50 ms to 30 min
WAIT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, float("inf"))
RUNTIME_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, float("inf"))
_TASK_EVENTS = ("sent", "received", "started", "succeeded", "failed", "rejected", "revoked")


class _Metrics:
    def __init__(self) -> None:
        task = ["name", "hostname"]
        self.task_events = {
            event: Counter(
                f"celery_task_{event}",
                f"Tasks {event}.",
                ["name", "queue"] if event == "sent" else task,
            )
            for event in _TASK_EVENTS
        }
        self.task_failed_by_exception = Counter(
            "danvan_task_exceptions", "Failed tasks by exception type.", ["name", "exception"]
        )
        self.task_retried = Counter("celery_task_retried", "Tasks retried.", task)
        self.task_runtime = Histogram(
            "celery_task_runtime", "Task run time (seconds).", task, buckets=RUNTIME_BUCKETS
        )
        self.queue_wait = Histogram(
            "celery_task_queue_wait_time",
            "Time from sending a task to its start (seconds; ETA delays included).",
            task,
            buckets=WAIT_BUCKETS,
        )
        self.worker_up = Gauge(
            "celery_worker_up",
            "1 while the worker consumes its queue; 0 when it stopped, cannot reach the "
            "broker or has stalled (see danvan_shared.worker_health).",
            ["hostname"],
            multiprocess_mode="max",
        )
        self.tasks_active = Gauge(
            "celery_worker_tasks_active",
            "Tasks running now.",
            ["hostname"],
            multiprocess_mode="livesum",
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency (seconds).",
            ["service", "method", "route", "status"],
        )


@lru_cache(maxsize=1)
def metrics() -> _Metrics:
    return _Metrics()


# Celery signals. Connected once per process (dispatch_uid); they fire in the
# producing process (sent) or in the worker's children (everything else).


def _queue_of(properties: dict[str, Any] | None, routing_key: str | None) -> str:
    delivery = (properties or {}).get("delivery_info") or {}
    return str(delivery.get("routing_key") or routing_key or "")


def _on_before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None:
        headers.setdefault(SENT_AT_HEADER, time.time())


def _on_after_publish(
    sender: str | None = None,
    routing_key: str | None = None,
    properties: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    metrics().task_events["sent"].labels(sender or "", _queue_of(properties, routing_key)).inc()


def _task_labels(task: Any) -> tuple[str, str]:
    return str(getattr(task, "name", "") or ""), str(getattr(task.request, "hostname", "") or "")


def _on_received(request: Any = None, **_: Any) -> None:
    if request is not None:
        metrics().task_events["received"].labels(request.name, request.hostname or "").inc()


def _on_prerun(task: Any = None, **_: Any) -> None:
    if task is None:
        return
    name, hostname = _task_labels(task)
    metrics().task_events["started"].labels(name, hostname).inc()
    metrics().tasks_active.labels(hostname).inc()
    task.request._danvan_started = time.monotonic()
    sent_at = getattr(task.request, SENT_AT_HEADER, None)
    if isinstance(sent_at, int | float):
        metrics().queue_wait.labels(name, hostname).observe(max(0.0, time.time() - sent_at))


def _on_postrun(task: Any = None, state: str | None = None, **_: Any) -> None:
    if task is None:
        return
    name, hostname = _task_labels(task)
    metrics().tasks_active.labels(hostname).dec()
    started = getattr(task.request, "_danvan_started", None)
    if started is not None:
        metrics().task_runtime.labels(name, hostname).observe(time.monotonic() - started)
    if state == "SUCCESS":
        metrics().task_events["succeeded"].labels(name, hostname).inc()


def _on_failure(sender: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    name, hostname = _task_labels(sender)
    metrics().task_events["failed"].labels(name, hostname).inc()
    metrics().task_failed_by_exception.labels(name, type(exception).__name__).inc()


def _on_retry(sender: Any = None, **_: Any) -> None:
    metrics().task_retried.labels(*_task_labels(sender)).inc()


def _on_rejected(message: Any = None, **_: Any) -> None:
    headers = getattr(message, "headers", None) or {}
    metrics().task_events["rejected"].labels(str(headers.get("task", "")), "").inc()


def _on_revoked(request: Any = None, **_: Any) -> None:
    name = str(getattr(request, "name", "") or "")
    metrics().task_events["revoked"].labels(name, str(getattr(request, "hostname", ""))).inc()


def instrument_celery() -> None:
    """Count this process's tasks, and serve worker metrics if it becomes a worker.

    Celery signals are process-wide, so every app of the process is covered."""
    for signal, handler in (
        (signals.before_task_publish, _on_before_publish),
        (signals.after_task_publish, _on_after_publish),
        (signals.task_received, _on_received),
        (signals.task_prerun, _on_prerun),
        (signals.task_postrun, _on_postrun),
        (signals.task_failure, _on_failure),
        (signals.task_retry, _on_retry),
        (signals.task_rejected, _on_rejected),
        (signals.task_revoked, _on_revoked),
        (signals.worker_init, _on_worker_init),
        (signals.worker_ready, _on_worker_ready),
        (signals.worker_shutdown, _on_worker_shutdown),
        (signals.worker_process_shutdown, _on_child_exit),
    ):
        signal.connect(handler, weak=False, dispatch_uid=f"danvan.metrics.{handler.__name__}")


# The worker's main process: multiprocess set-up and the metrics/health server.

_server: ThreadingHTTPServer | None = None
_worker_hostname = ""


def _service_of(app: Celery) -> str:
    return str(app.main or "worker").removeprefix("danvan-")


def _role_of(service: str, node: str) -> str:
    """``extract``, ``publish`` or ``publish-bulk``: the node name's prefix tells the
    bulk-only publish worker (``publish-bulk@host``) from the publish worker, which run
    the same Celery app."""
    prefix = node.split("@", 1)[0]
    return "publish-bulk" if service == "publish" and prefix == "publish-bulk" else service


def metrics_port(role: str, settings: Settings) -> int:
    return {
        "extract": settings.extract_metrics_port,
        "publish-bulk": settings.publish_bulk_metrics_port,
    }.get(role, settings.publish_worker_metrics_port)


def enable_multiprocess(directory: Path) -> None:
    """Switch this process (and the children it forks later) to multiprocess metrics."""
    if directory.exists():
        shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    values.ValueClass = values.get_value_class()
    metrics.cache_clear()


def _remove_dead_dirs(parent: Path) -> None:
    """Directories of workers that died without cleaning up (SIGKILL)."""
    for directory in parent.glob("*-*"):
        pid = directory.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(directory, ignore_errors=True)


def _on_worker_init(sender: Any = None, **_: Any) -> None:
    global _server
    settings = get_settings()
    role = _role_of(_service_of(sender.app), str(getattr(sender, "hostname", "") or ""))
    parent = (settings.data_dir / "metrics").resolve()
    _remove_dead_dirs(parent)
    enable_multiprocess(parent / f"{role}-{os.getpid()}")
    port = metrics_port(role, settings)
    if port:
        # the queues the worker consumes (-Q), selected before worker_init
        health = WorkerHealth(settings, tuple(sender.app.amqp.queues.consume_from))
        health.load_database_driver()  # before the server's thread can answer /readyz
        _server = serve_worker_metrics(settings.worker_metrics_host, port, health)


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    global _worker_hostname
    _worker_hostname = str(getattr(sender, "hostname", "") or "")
    metrics().worker_up.labels(_worker_hostname).set(1)


def _on_worker_shutdown(**_: Any) -> None:
    metrics().worker_up.labels(_worker_hostname).set(0)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if _server is not None:
        _server.shutdown()
    if directory and directory.endswith(f"-{os.getpid()}"):
        shutil.rmtree(directory, ignore_errors=True)


def _on_child_exit(**_: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())


class QueueLengthCollector(Collector):
    """``celery_queue_length``: read from the broker at scrape time."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        import redis

        family = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting on the queue.", labels=["queue_name"]
        )
        client = redis.Redis.from_url(
            get_settings().effective_broker_url, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        try:
            for queue in (*EXTRACT_QUEUES, *PUBLISH_QUEUES):
                family.add_metric([queue], float(client.llen(queue)))
        except redis.RedisError as exc:
            # No sample beats a wrong one: Prometheus shows the gap, the log says why.
            logger.warning("celery_queue_length not sampled: broker: %s", type(exc).__name__)
            return
        finally:
            client.close()
        yield family


class ReportStatusCollector(Collector):
    """``danvan_reports{status}``: reports per status, counted at scrape time."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from sqlalchemy import func
        from sqlalchemy.exc import SQLAlchemyError
        from sqlmodel import Session, col, select

        from danvan_shared.db import get_engine
        from danvan_shared.models import Report, ReportStatus

        family = GaugeMetricFamily("danvan_reports", "Reports per status.", labels=["status"])
        try:
            with Session(get_engine()) as session:
                rows = session.exec(
                    select(Report.status, func.count()).group_by(col(Report.status))
                ).all()
        except SQLAlchemyError as exc:
            # The database is down: leave the gap (a bug still fails the scrape).
            logger.warning("danvan_reports not sampled: database: %s", type(exc).__name__)
            return
        counts = {str(status): 0 for status in ReportStatus} | {
            str(status): int(count) for status, count in rows
        }
        for status, count in counts.items():
            family.add_metric([status], float(count))
        yield family


def worker_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QueueLengthCollector())
    return registry


def serve_worker_metrics(host: str, port: int, health: WorkerHealth) -> ThreadingHTTPServer | None:
    """``/metrics``, ``/healthz`` and ``/readyz`` of a worker, in a daemon thread."""
    registry = worker_registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                if _worker_hostname:  # known once the worker is ready
                    up = health.consuming_problem() is None
                    metrics().worker_up.labels(_worker_hostname).set(int(up))
                self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._answer(200, b'{"status":"ok"}', "application/json")
            elif path == "/readyz":
                problem = health.problem()
                if problem:
                    body = f'{{"status":"unavailable","detail":"{problem}"}}'.encode()
                    self._answer(503, body, "application/json")
                else:
                    self._answer(200, b'{"status":"ready"}', "application/json")
            else:
                self._answer(404, b'{"status":"not found"}', "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the worker's log

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        logger.warning("worker metrics not served on %s:%d: %s", host, port, exc)
        return None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="danvan-metrics", daemon=True).start()
    logger.info("worker metrics on http://%s:%d/metrics", host, port)
    return server
