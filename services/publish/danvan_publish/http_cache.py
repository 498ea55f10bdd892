"""Conditional GET: ETag / Last-Modified validators, the 304 decision (RFC 9110 §13),
and the in-process cache of rendered bodies keyed by their ETag.

Bodies are gzipped here, in the worker thread that built them, once per cached
rendering (the GZip middleware would compress every response again, at level 9,
on the event loop); it passes responses that already carry Content-Encoding.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import Request, Response

CACHE_CONTROL = "public, max-age=300"
GZIP_MINIMUM = 500  # bytes; as the middleware
GZIP_LEVEL = 6


class RenderCache:
    """Rendered feeds and aggregates keyed by their ETag, which already names the data
    version, so an entry can never be stale: a change makes a new key."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.enabled = True

    def get(self, key: str) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


render_cache = RenderCache()


@dataclass
class Rendered:
    body: bytes
    media_type: str
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        if self._gzipped is None:  # a race only compresses twice, to the same bytes
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped


def make_etag(*parts: object) -> str:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    # Weak: the same representation is also served gzip-encoded by the middleware.
    return f'W/"{digest}"'


def validator_headers(etag: str, last_modified: datetime) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
    }


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def is_not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """If-None-Match wins when present (weak comparison); else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        return _opaque(etag) in {_opaque(tag) for tag in if_none_match.split(",")}
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        since = _http_date(if_modified_since)
        return since is not None and int(last_modified.timestamp()) <= int(since.timestamp())
    return False


def _http_date(value: str) -> datetime | None:
    """An If-Modified-Since date, or None when it must be ignored: not a date, a year
    the parser cannot hold, or later than now (a client cannot have seen a version from
    the future; RFC 9110 §13.1.3 ignores invalid dates, RFC 7232 §3.3 future ones)."""
    try:
        since = parsedate_to_datetime(value)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year of 12 digits
        return None
    return None if since > datetime.now(UTC) else since


def not_modified(etag: str, last_modified: datetime) -> Response:
    return Response(status_code=304, headers=validator_headers(etag, last_modified))


def conditional_response(
    request: Request,
    etag: str,
    last_modified: datetime,
    build: Callable[[], tuple[bytes, str]],
    cache: RenderCache = render_cache,
) -> Response:
    """304 when the client's copy is current; else the cached or freshly built body,
    gzipped when the client accepts it."""
    if is_not_modified(request, etag, last_modified):
        return not_modified(etag, last_modified)
    rendered = cache.get(etag)
    if not isinstance(rendered, Rendered):
        rendered = Rendered(*build())
        cache.put(etag, rendered)
    headers = validator_headers(etag, last_modified)
    body = rendered.body
    if len(body) >= GZIP_MINIMUM:
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", ""):
            body = rendered.gzipped()
            headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=rendered.media_type, headers=headers)
