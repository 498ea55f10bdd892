"""Prometheus instrumentation of the two FastAPI services.

Request latency by route template (``http_request_duration_seconds``) and
``GET /metrics``; the metric objects themselves live in ``danvan_shared.metrics``
with the Celery ones, so API and worker names stay in one place.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from danvan_shared.metrics import metrics


class _LatencyMiddleware:
    """Request latency by route template (never the raw path: ids would explode it)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics().http_latency.labels(
                self.service, scope.get("method", ""), route, str(status)
            ).observe(time.perf_counter() - started)


_registered: set[type[Collector]] = set()


def instrument_app(
    app: FastAPI, service: str, collectors: Iterable[Collector] = (), *, expose: bool = True
) -> None:
    """Latency histograms for every request, and ``GET /metrics`` on ``app`` when
    ``expose`` (``DANVAN_EXPOSE_METRICS``; closed in production by default)."""
    app.add_middleware(_LatencyMiddleware, service=service)
    for collector in collectors:
        if type(collector) not in _registered:  # one per process, however many apps
            REGISTRY.register(collector)
            _registered.add(type(collector))

    if not expose:
        return

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
