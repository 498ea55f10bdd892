"""``Idempotency-Key``: a retried POST gets the first answer instead of a second effect.

Follows Stripe's behaviour and the (expired) IETF draft's conventions: the
first successful response (status, body, Location) is stored per caller (API
key, else client address) and key and replayed, marked ``Idempotent-Replayed: true``, for
``DANVAN_IDEMPOTENCY_TTL_HOURS``. The same key with a different request (method,
path, query, content type or body) answers 422; a repeat while the first is
still running answers 409; an empty or over-255-character key answers 400. A
request that fails (4xx, 5xx, database down) stores nothing, so it can be
retried with the same key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from danvan_ingest.auth import Caller, CallerDep
from danvan_ingest.deps import SettingsDep
from danvan_ingest.errors import IdempotencyKeyInProgress, IdempotencyKeyReused
from danvan_shared.http import ProblemError
from danvan_shared.models import IdempotencyRecord

logger = logging.getLogger("danvan.ingest.idempotency")
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: an unfinished first request older than this is taken to have died with its process
ABANDONED_AFTER = timedelta(seconds=60)
_REPLAYED_HEADERS = ("location", "content-type")


@dataclass(frozen=True)
class IdempotentRequest:
    owner: str
    key: str
    request_hash: str
    ttl: timedelta


async def idempotent_request(
    request: Request, caller: CallerDep, settings: SettingsDep
) -> IdempotentRequest | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(400, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.")
    fingerprint = hashlib.sha256()
    for part in (
        request.method,
        request.url.path,
        request.url.query,
        request.headers.get("content-type", ""),
    ):
        fingerprint.update(part.encode() + b"\n")
    fingerprint.update(await request.body())
    return IdempotentRequest(
        owner=_owner(caller),
        key=key,
        request_hash=fingerprint.hexdigest(),
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
    )


def _owner(caller: Caller) -> str:
    """Whose keys these are: the API key's prefix, else the anonymous client's address.

    Anonymous callers once shared one namespace, so one client's key could replay (or
    block) another's request. The address is stored as a short digest: it fits the
    column (16 characters) whatever its length (IPv6), and stays out of the table.
    """
    if caller.scope is not None:
        return caller.owner
    return "ip:" + hashlib.sha256(caller.identity.encode()).hexdigest()[:13]


IdempotencyDep = Annotated[IdempotentRequest | None, Depends(idempotent_request)]


def run_idempotent(
    session: Session, request: IdempotentRequest | None, produce: Callable[[], JSONResponse]
) -> Response:
    """``produce()`` once per key; the stored first answer for every repeat."""
    if request is None:
        return produce()
    replay = _begin(session, request)
    if replay is not None:
        return replay
    try:
        response = produce()
    except BaseException:
        _forget(session, request)
        raise
    if response.status_code >= 300:
        _forget(session, request)
        return response
    _store(session, request, response)
    return response


def _find(session: Session, request: IdempotentRequest) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.owner == request.owner, IdempotencyRecord.key == request.key
        )
    ).first()


def _begin(session: Session, request: IdempotentRequest) -> Response | None:
    now = datetime.now(UTC)
    record = _find(session, request)
    if record is not None and _expired(record, request, now):
        session.delete(record)
        session.commit()
        record = None
    if record is None:
        session.add(
            IdempotencyRecord(
                owner=request.owner,
                key=request.key,
                request_hash=request.request_hash,
                created_at=now,
            )
        )
        try:
            session.commit()
            return None
        except IntegrityError:  # a concurrent first request won the insert
            session.rollback()
            record = _find(session, request)
            if record is None:
                raise IdempotencyKeyInProgress("A request with this key is in progress.") from None
    if record.request_hash != request.request_hash:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request; use a new key."
        )
    if record.status_code is None:
        raise IdempotencyKeyInProgress(
            f"The first request with this {HEADER} is still in progress.",
            headers={"Retry-After": "1"},
        )
    headers = {**record.response_headers, "Idempotent-Replayed": "true"}
    return Response(
        content=record.response_body or "", status_code=record.status_code, headers=headers
    )


def _expired(record: IdempotencyRecord, request: IdempotentRequest, now: datetime) -> bool:
    if record.status_code is None:
        return now - record.created_at > ABANDONED_AFTER
    return now - record.created_at > request.ttl


def _store(session: Session, request: IdempotentRequest, response: JSONResponse) -> None:
    record = _find(session, request)
    if record is None:
        return
    record.status_code = response.status_code
    record.response_body = bytes(response.body).decode("utf-8")
    record.response_headers = {
        name: value for name, value in response.headers.items() if name in _REPLAYED_HEADERS
    }
    session.add(record)
    session.commit()


def _forget(session: Session, request: IdempotentRequest) -> None:
    try:
        session.rollback()
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.owner) == request.owner,
                col(IdempotencyRecord.key) == request.key,
                col(IdempotencyRecord.status_code).is_(None),
            )
        )
        session.commit()
    except Exception as exc:  # the database is down: the claim expires by itself
        logger.warning("could not release idempotency key: %s", type(exc).__name__)


def prune_expired(session: Session, *, ttl: timedelta, now: datetime) -> int:
    """Delete records past their lifetime (run by the relay)."""
    result = session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < now - ttl)
    )
    return int(getattr(result, "rowcount", 0) or 0)
