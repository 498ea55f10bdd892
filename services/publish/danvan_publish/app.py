"""The publish API and pages: ``uvicorn danvan_publish.app:app``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from danvan_publish.routes import aggregates, feeds, pages
from danvan_shared.http import BodySizeLimitMiddleware, health_router, install_problem_handlers
from danvan_shared.http_metrics import instrument_app
from danvan_shared.settings import get_settings

STATIC_DIR = Path(__file__).parent / "static"


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="danvan publish",
        summary="Feeds (RSS, Atom, JSON Feed), aggregates and pages of reports on "
        "công tác dân vận review meetings, per province and period.",
        version="1.0.0",
    )
    install_problem_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(health_router())
    app.include_router(feeds.router)
    app.include_router(aggregates.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Operations (owned by ops): request latency histograms and GET /metrics.
    instrument_app(app, "publish")
    return app


app = create_app()
