"""The ingest API: ``uvicorn danvan_ingest.app:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from danvan_ingest.broker import broker_problem
from danvan_ingest.relay import RelayThread
from danvan_ingest.routes import operations, reports
from danvan_shared.http import (
    BodySizeLimitMiddleware,
    docs_urls,
    health_router,
    install_problem_handlers,
    install_trusted_hosts,
)
from danvan_shared.http_metrics import instrument_app
from danvan_shared.memory import freeze_loaded_objects
from danvan_shared.metrics import QueueLengthCollector, ReportStatusCollector
from danvan_shared.settings import Settings, get_settings

logger = logging.getLogger("danvan.ingest")


def create_app(settings: Settings | None = None, *, run_relay: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        relay = RelayThread(settings) if run_relay else None
        if relay is not None:
            relay.start()
        logger.info(
            "ingest ready: database %s, broker %s",
            _redacted(settings.database_url),
            _redacted(settings.effective_broker_url),
        )
        freeze_loaded_objects("ingest")
        try:
            yield
        finally:
            if relay is not None:
                relay.stop()

    app = FastAPI(
        title="danvan ingest",
        version="0.1.0",
        summary="Submit Vietnamese dân vận reports; each is stored, queued and extracted.",
        lifespan=lifespan,
        **docs_urls(settings),
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    instrument_app(
        app,
        "ingest",
        collectors=[ReportStatusCollector(), QueueLengthCollector()],
        expose=settings.metrics_exposed,
    )
    install_problem_handlers(app)
    app.include_router(reports.router)
    app.include_router(operations.router)
    app.include_router(health_router({"broker": broker_problem}))
    install_trusted_hosts(app, settings.allowed_hosts)
    if settings.trusted_proxies:  # outermost: everything after sees the real client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def _redacted(url: str) -> str:
    """A URL without its credentials, for logs."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


app = create_app()
