"""Who is calling: API keys, scopes and per-caller rate limits as dependencies.

A key comes as ``Authorization: Bearer <key>`` (or ``X-API-Key``). Submitting
needs a ``submit`` or ``operator`` key when ``DANVAN_REQUIRE_API_KEYS`` is on;
the operator endpoints always need an ``operator`` key (a stored one, or
``DANVAN_OPERATOR_KEY``). Reading a report's status needs no key. Every caller
is rate-limited: by key, or by client address when anonymous.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from danvan_ingest.deps import SessionDep, SettingsDep
from danvan_ingest.keys import ApiKeyRepository
from danvan_ingest.ratelimit import retry_after_seconds
from danvan_shared.http import PROBLEM_MEDIA_TYPE, Problem, ProblemError
from danvan_shared.models import ApiKeyScope

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="danvan"'}
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    #: the key's public prefix, "operator-env" or "anonymous"
    owner: str
    scope: ApiKeyScope | None
    #: who the rate limit counts against
    identity: str

    @property
    def can_submit(self) -> bool:
        return self.scope is not None

    @property
    def is_operator(self) -> bool:
        return self.scope == ApiKeyScope.operator


def _presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


def current_caller(request: Request, session: SessionDep, settings: SettingsDep) -> Caller:
    """The caller's key, checked; an unknown or revoked key is refused, never ignored.

    Failed checks are counted per client address: past ``DANVAN_FAILED_AUTH_PER_MINUTE``
    every key from that address is refused with 429 before it is even looked at, so
    keys cannot be guessed at the speed of the API. The address is the connection's,
    or the one a trusted proxy forwarded (``DANVAN_TRUSTED_PROXIES``).
    """
    key = _presented_key(request)
    address = request.client.host if request.client else "unknown"
    if key is None:
        return Caller(owner=ANONYMOUS, scope=None, identity=f"ip:{address}")
    failures = f"auth-failures:ip:{address}"
    wait = retry_after_seconds(failures, settings.failed_auth_per_minute, count=False)
    if wait:
        raise ProblemError(
            429,
            f"Too many failed authentications from this address; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    configured = settings.operator_key.get_secret_value()
    if configured and hmac.compare_digest(key.encode(), configured.encode()):
        return Caller(owner="operator-env", scope=ApiKeyScope.operator, identity="operator-env")
    record = ApiKeyRepository(session).verify(key)
    if record is None:
        retry_after_seconds(failures, settings.failed_auth_per_minute)
        raise ProblemError(401, "The API key is not valid or has been revoked.", headers=_CHALLENGE)
    return Caller(owner=record.prefix, scope=ApiKeyScope(record.scope), identity=record.prefix)


CallerDep = Annotated[Caller, Depends(current_caller)]


def _rate_limited(caller: Caller) -> Caller:
    wait = retry_after_seconds(caller.identity)
    if wait:
        raise ProblemError(
            429,
            f"Too many requests; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    return caller


def any_caller(caller: CallerDep) -> Caller:
    return _rate_limited(caller)


def submitter(caller: CallerDep, settings: SettingsDep) -> Caller:
    if settings.require_api_keys and not caller.can_submit:
        raise ProblemError(401, "Submitting needs an API key.", headers=_CHALLENGE)
    return _rate_limited(caller)


def operator(caller: CallerDep) -> Caller:
    if caller.scope is None:
        raise ProblemError(401, "This endpoint needs an operator API key.", headers=_CHALLENGE)
    if not caller.is_operator:
        raise ProblemError(403, "This endpoint needs an operator API key.")
    return _rate_limited(caller)


AnyCallerDep = Annotated[Caller, Depends(any_caller)]
SubmitterDep = Annotated[Caller, Depends(submitter)]
OperatorDep = Annotated[Caller, Depends(operator)]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route can give."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": "Problem details (RFC 9457)",
        }
        for status in statuses
    }
