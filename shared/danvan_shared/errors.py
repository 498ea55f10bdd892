"""Named domain errors: what a service raises when a request asks for something the
domain refuses (an unknown report, a report that cannot be retried, a broker that is
down), instead of building an HTTP answer itself.

Each class carries its HTTP status and title; ``danvan_shared.http`` maps every one
to a problem+json body (RFC 9457) in one handler. Validation of raw request input at
the edge (headers, bodies, query strings) still answers with ``ProblemError``.

Only errors two services raise live here; the others are in each service's
``errors`` module, subclassing ``DomainError``. No web framework is imported, so a
worker can raise these too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A refusal the domain names; its subclasses set ``status`` and ``title``."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"
    #: headers every answer to this error carries (e.g. Retry-After)
    default_headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = {**self.default_headers, **(headers or {})}
        self.errors = errors


class UnknownReport(DomainError):
    """No report has the id asked for."""

    status = 404
    title = "Not Found"
