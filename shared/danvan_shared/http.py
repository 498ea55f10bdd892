"""HTTP pieces both FastAPI services need: RFC 9457 problem details (for edge
validation and for every named domain error, ``danvan_shared.errors``), a body-size
limit, a database-outage answer (503 + Retry-After) and health endpoints.

No response ever carries a traceback: unexpected errors are logged with their
stack on the server side and answered with a generic problem body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypedDict

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from danvan_shared.db import get_engine
from danvan_shared.errors import DomainError
from danvan_shared.settings import Settings

logger = logging.getLogger("danvan.http")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class ProblemError(Exception):
    """Raise at the edge (validating raw request input) to answer with a problem body;
    services raise a named ``DomainError`` instead."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = Problem(
        title=title or _TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": title}
    for status, title in _TITLES.items()
    if status in (404, 413, 415, 422, 429, 503)
}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        errors.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(
            exc.status,
            exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            errors=exc.errors,
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            errors=exc.errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(
            422,
            "The request is not valid.",
            instance=request.url.path,
            errors=_validation_errors(exc),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def _database_down(request: Request, exc: Exception) -> Response:
        logger.warning(
            "database unavailable during %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return problem_response(
            503,
            "The database is unavailable; try again shortly.",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        if exc.connection_invalidated:
            return await _database_down(request, exc)
        logger.exception("database error during %s %s", request.method, request.url.path)
        return problem_response(500, "An internal error occurred.", instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> Response:
        logger.exception("unhandled error during %s %s", request.method, request.url.path)
        return problem_response(500, "An internal error occurred.", instance=request.url.path)


class BodySizeLimitMiddleware:
    """Answer 413 before reading more than ``max_bytes`` of a request body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"The request body is larger than {self.max_bytes} bytes.",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


_HOST_TRUSTED = "danvan.host_trusted"


class TrustedHostsMiddleware:
    """Starlette's ``TrustedHostMiddleware`` (``DANVAN_TRUSTED_HOSTS``), answering an
    untrusted ``Host`` with a problem body (400) instead of its plain-text one."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.check = TrustedHostMiddleware(
            self._trusted, allowed_hosts=allowed_hosts, www_redirect=False
        )

    async def _trusted(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_HOST_TRUSTED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.check(scope, receive, send)
            return

        async def send_if_trusted(message: Message) -> None:
            if scope.get(_HOST_TRUSTED):
                await send(message)

        await self.check(scope, receive, send_if_trusted)
        if not scope.get(_HOST_TRUSTED):
            response = problem_response(
                400, "This host name is not served here.", instance=scope.get("path")
            )
            await response(scope, receive, send)


class DocsUrls(TypedDict):
    docs_url: str | None
    redoc_url: str | None
    openapi_url: str | None


def docs_urls(settings: Settings) -> DocsUrls:
    """FastAPI's /docs, /redoc and /openapi.json, or none (``DANVAN_EXPOSE_DOCS``)."""
    if settings.docs_exposed:
        return DocsUrls(docs_url="/docs", redoc_url="/redoc", openapi_url="/openapi.json")
    return DocsUrls(docs_url=None, redoc_url=None, openapi_url=None)


def install_trusted_hosts(app: FastAPI, allowed_hosts: list[str]) -> None:
    if allowed_hosts != ["*"]:
        app.add_middleware(TrustedHostsMiddleware, allowed_hosts=allowed_hosts)


READY_TIMEOUT_SECONDS = 3.0


def _database_problem() -> str | None:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"
        return f"database: {type(exc).__name__}"
    return None


async def _bounded(name: str, check: Callable[[], str | None]) -> str | None:
    """Run a blocking check in a thread, and call it failed if it has not answered in
    time: a pool with no free connection (every request thread stuck) makes a check
    wait, and readiness must say "not ready" at once instead of hanging with it."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(check), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"{name}: no answer within {READY_TIMEOUT_SECONDS:.0f} s"


def health_router(readiness_checks: dict[str, Callable[[], str | None]] | None = None) -> APIRouter:
    """``/healthz`` (the process is up) and ``/readyz`` (it can reach, through its own
    connection pools, the database and every dependency in ``readiness_checks``: name
    → a blocking check returning a problem or None)."""
    router = APIRouter(tags=["health"])
    checks = {"database": _database_problem, **(readiness_checks or {})}

    @router.get("/healthz", summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness", responses={503: PROBLEM_RESPONSES[503]})
    async def readyz() -> Response:
        answers = await asyncio.gather(*(_bounded(name, check) for name, check in checks.items()))
        problems = [problem for problem in answers if problem]
        if problems:
            return problem_response(503, "; ".join(problems), headers={"Retry-After": "5"})
        return JSONResponse({"status": "ready"})

    return router
