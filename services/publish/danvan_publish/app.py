"""The publish API and pages: ``uvicorn danvan_publish.app:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from danvan_publish.routes import aggregates, feeds, pages
from danvan_publish.routes import coverage as coverage_routes
from danvan_publish.routes import exports as export_routes
from danvan_publish.routes import search as search_routes
from danvan_publish.routes import websub as websub_routes
from danvan_publish.websub import LinkHeaders
from danvan_shared.gazetteer import get_gazetteer
from danvan_shared.http import (
    BodySizeLimitMiddleware,
    docs_urls,
    health_router,
    install_problem_handlers,
    install_trusted_hosts,
)
from danvan_shared.http_metrics import instrument_app
from danvan_shared.memory import freeze_loaded_objects
from danvan_shared.settings import get_settings

STATIC_DIR = Path(__file__).parent / "static"


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    get_gazetteer()  # the pages and coverage need it: loaded before the first request
    freeze_loaded_objects("publish")
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="danvan publish",
        summary="Feeds (RSS, Atom, JSON Feed), aggregates and pages of reports on "
        "công tác dân vận review meetings, per province and period.",
        version="1.0.0",
        lifespan=lifespan,
        **docs_urls(settings),
    )
    install_problem_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(LinkHeaders)  # WebSub discovery on every feed
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(health_router())
    app.include_router(feeds.router)
    app.include_router(aggregates.router)
    app.include_router(pages.router)
    app.include_router(search_routes.router)
    app.include_router(coverage_routes.router)
    app.include_router(export_routes.router)
    app.include_router(websub_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Operations (owned by ops): request latency histograms and GET /metrics.
    instrument_app(app, "publish", expose=settings.metrics_exposed)
    install_trusted_hosts(app, settings.allowed_hosts)
    if settings.trusted_proxies:  # outermost: everything after sees the real client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


app = create_app()
