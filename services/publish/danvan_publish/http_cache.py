"""Conditional GET: ETag / Last-Modified validators and the 304 decision (RFC 9110 §13).

Bodies are gzipped here, in the worker thread that built them, once per cached
rendering (the GZip middleware would compress every response again, at level 9,
on the event loop); it passes responses that already carry Content-Encoding.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

from danvan_publish.service import RenderCache

CACHE_CONTROL = "public, max-age=300"
GZIP_MINIMUM = 500  # bytes; as the middleware
GZIP_LEVEL = 6


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
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return int(last_modified.timestamp()) <= int(since.timestamp())
    return False


def not_modified(etag: str, last_modified: datetime) -> Response:
    return Response(status_code=304, headers=validator_headers(etag, last_modified))


def conditional_response(
    request: Request,
    etag: str,
    last_modified: datetime,
    build: Callable[[], tuple[bytes, str]],
    cache: RenderCache,
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
