"""A small WebSub hub (W3C Recommendation, 2018) inside publish.

* **Discovery.** Every feed, search feed and coverage feed names the hub and itself:
  ``<link rel="hub">`` / ``<link rel="self">`` in Atom and RSS, ``hubs`` in JSON Feed, and
  an HTTP ``Link`` header (``LinkHeaders`` below).
* **Subscription.** ``POST /v1/websub`` (form-encoded ``hub.mode``, ``hub.topic``,
  ``hub.callback``, optional ``hub.lease_seconds`` and ``hub.secret``) for a topic this
  service serves is answered 202; the intent is then verified in the API process, after
  the response (a FastAPI background task): the hub GETs the callback with a
  ``hub.challenge`` and stores (or, for ``unsubscribe``, deletes) the subscription only
  when the callback echoes it. A request lost with the process is simply not verified:
  the subscriber asks again, as the spec expects.
* **Distribution.** When the indexer changes feeds it enqueues, after its commit, the
  Celery task ``publish.notify_subscribers`` (publish queue) if any subscription may be
  concerned. The task renders each concerned topic in process (the app itself, through
  httpx's ASGI transport: exactly what a GET returns) and POSTs it to every callback that
  has not had this content yet, signed ``X-Hub-Signature: sha256=…`` when the subscriber
  gave a secret. Failed callbacks are retried with backoff; the content hash per
  subscription makes every retry and every duplicate notification idempotent.

Hand-written because no maintained Python hub library fits a FastAPI + Celery service
(the existing ones are stand-alone servers); the protocol is small.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import event
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from danvan_publish import provinces, websub_repository
from danvan_shared.extraction_schema import period_bounds_for_key
from danvan_shared.http import ProblemError
from danvan_shared.models import WebSubSubscription
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.websub")
HUB_PATH = "/v1/websub"
NOTIFY_SUBSCRIBERS = "publish.notify_subscribers"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
FEED_FORMATS = ("rss", "atom", "json")


def hub_url() -> str:
    return get_settings().public_base_url + HUB_PATH


@dataclass(frozen=True)
class Topic:
    url: str
    #: "feed", "coverage" or "search"
    kind: str
    #: the feed slug the topic reads (None for a search: any report may change it)
    feed: str | None


def parse_topic(url: str) -> Topic | None:
    """The topic if ``url`` is one of this service's feeds (under its public base URL)."""
    base = get_settings().public_base_url
    if not url.startswith(base + "/"):
        return None
    parts = urlsplit(url)
    path = parts.path.removeprefix(urlsplit(base).path)
    pieces = path.strip("/").split("/")
    if path == "/v1/search.atom":
        return Topic(url, "search", None) if parse_qs(parts.query).get("q") else None
    if len(pieces) != 4 or pieces[0] != "v1" or pieces[1] not in ("feeds", "coverage"):
        return None
    period, _, fmt = pieces[3].rpartition(".")
    if provinces.scope(pieces[2]) is None or period_bounds_for_key(period) is None:
        return None
    if pieces[1] == "feeds" and fmt in FEED_FORMATS:
        return Topic(url, "feed", pieces[2])
    if pieces[1] == "coverage" and fmt == "atom":
        return Topic(url, "coverage", pieces[2])
    return None


@dataclass(frozen=True)
class HubRequest:
    mode: str
    topic: Topic
    callback: str
    lease_seconds: int
    secret: str | None


def hub_request(form: dict[str, list[str]]) -> HubRequest:
    """A subscription request as the spec defines it, or a 4xx problem saying why not."""

    def one(name: str) -> str | None:
        values = form.get(name) or []
        return values[0] if values else None

    mode = one("hub.mode")
    if mode not in ("subscribe", "unsubscribe"):
        raise ProblemError(400, "hub.mode must be subscribe or unsubscribe.")
    callback = one("hub.callback") or ""
    target = urlsplit(callback)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise ProblemError(400, "hub.callback must be an absolute http(s) URL.")
    topic = parse_topic(one("hub.topic") or "")
    if topic is None:
        raise ProblemError(
            400,
            "hub.topic must be a feed of this service: /v1/feeds/{province}/{period}.{rss|atom|"
            "json}, /v1/coverage/{province}/{period}.atom or /v1/search.atom?q=…",
        )
    settings = get_settings()
    lease = one("hub.lease_seconds")
    if lease is not None and (not lease.isdigit() or not 0 < int(lease) <= 10**9):
        raise ProblemError(400, "hub.lease_seconds must be a positive whole number of seconds.")
    lease_seconds = min(
        int(lease or settings.websub_lease_seconds), settings.websub_max_lease_seconds
    )
    secret = one("hub.secret")
    if secret is not None and not 0 < len(secret.encode()) < 200:
        raise ProblemError(400, "hub.secret must be shorter than 200 bytes.")
    return HubRequest(mode, topic, callback, max(60, lease_seconds), secret)


def verify_intent(request: HubRequest, session: Session) -> bool:
    """GET the callback with a challenge; store or delete the subscription if echoed."""
    challenge = secrets.token_urlsafe(24)
    params = {
        "hub.mode": request.mode,
        "hub.topic": request.topic.url,
        "hub.challenge": challenge,
    }
    if request.mode == "subscribe":
        params["hub.lease_seconds"] = str(request.lease_seconds)
    try:
        answer = httpx.get(request.callback, params=params, timeout=TIMEOUT)
        confirmed = answer.is_success and answer.text.strip() == challenge
    except httpx.HTTPError as error:
        logger.info("verification of %s failed: %s", request.callback, error)
        confirmed = False
    if not confirmed:
        return False
    now = datetime.now(UTC)
    if request.mode == "unsubscribe":
        websub_repository.delete_one(session, request.topic.url, request.callback)
    else:
        websub_repository.upsert(
            session,
            WebSubSubscription(
                topic=request.topic.url,
                kind=request.topic.kind,
                feed=request.topic.feed,
                callback=request.callback,
                secret=request.secret,
                lease_seconds=request.lease_seconds,
                expires_at=now + timedelta(seconds=request.lease_seconds),
                created_at=now,
                updated_at=now,
            ),
        )
    session.commit()
    return True


# ---- distribution ----------------------------------------------------------------------


def notify_after_commit(session: Session, feeds: Iterable[str]) -> None:
    """Have ``publish.notify_subscribers`` sent once the indexer's transaction commits,
    if any live subscription reads one of ``feeds`` or is a search."""
    changed = sorted(set(feeds))
    if not changed or not websub_repository.concerned(session, changed, datetime.now(UTC)):
        return

    def send(_session: Session) -> None:
        try:
            _producer().send_task(NOTIFY_SUBSCRIBERS, kwargs={"feeds": changed})
        except Exception as error:  # the feeds are committed; subscribers catch up next change
            logger.warning("could not enqueue %s: %s", NOTIFY_SUBSCRIBERS, error)

    event.listen(session, "after_commit", send, once=True)


_producers: dict[str, Any] = {}


def _producer() -> Any:
    """A Celery app for the current broker (the publish worker's own is made at import)."""
    from danvan_shared.celery_app import create_celery

    settings = get_settings()
    broker = settings.effective_broker_url
    if broker not in _producers:
        _producers[broker] = create_celery("danvan-publish-websub", settings=settings)
    return _producers[broker]


@lru_cache(maxsize=1)
def _app() -> Any:
    from danvan_publish.app import create_app

    return create_app()


def render(topic_url: str) -> httpx.Response:
    """GET the topic from the app itself, in process: what a subscriber would fetch."""

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get(topic_url, headers={"accept-encoding": "identity"})
            await response.aread()
            return response

    return asyncio.run(fetch())


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(subscription: WebSubSubscription, body: bytes, content_type: str) -> str | None:
    """POST the content to the callback; None on success, else what went wrong."""
    headers = {
        "Content-Type": content_type,
        "Link": f'<{hub_url()}>; rel="hub", <{subscription.topic}>; rel="self"',
        "X-Request-Id": str(uuid.uuid4()),
    }
    if subscription.secret:
        headers["X-Hub-Signature"] = signature(subscription.secret, body)
    try:
        answer = httpx.post(subscription.callback, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if answer.status_code == 410:  # the subscriber says: gone, stop sending
        return "gone"
    return None if answer.is_success else f"HTTP {answer.status_code}"


class LinkHeaders:
    """Adds ``Link: <hub>; rel="hub", <self>; rel="self"`` to the feeds' answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        is_feed = (
            path.startswith("/v1/feeds/")
            or path == "/v1/search.atom"
            or (path.startswith("/v1/coverage/") and path.endswith(".atom"))
        )
        if scope["type"] != "http" or not is_feed:
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        self_url = get_settings().public_base_url + path + (f"?{query}" if query else "")

        async def with_links(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                link = f'<{hub_url()}>; rel="hub", <{self_url}>; rel="self"'
                message["headers"] = [*message.get("headers", []), (b"link", link.encode())]
            await send(message)

        await self.app(scope, receive, with_links)
