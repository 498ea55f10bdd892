"""The ingest API: ``uvicorn danvan_ingest.app:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from danvan_ingest.pipeline import router as pipeline_router
from danvan_ingest.relay import RelayThread
from danvan_ingest.routes import router as reports_router
from danvan_shared.http import BodySizeLimitMiddleware, health_router, install_problem_handlers
from danvan_shared.http_metrics import instrument_app
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
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    instrument_app(app, "ingest", collectors=[ReportStatusCollector(), QueueLengthCollector()])
    install_problem_handlers(app)
    app.include_router(reports_router)
    app.include_router(pipeline_router)
    app.include_router(health_router())
    return app


def _redacted(url: str) -> str:
    """A URL without its credentials, for logs."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


app = create_app()
