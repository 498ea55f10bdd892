"""The domain errors of publish (the shared HTTP layer answers each with its problem body)."""

from __future__ import annotations

from danvan_shared.errors import DomainError


class UnknownFeed(DomainError):
    """No province, 2025 province or national feed has this slug."""

    status = 404
    title = "Not Found"


class UnknownPeriod(DomainError):
    """Not a canonical period key, so no feed of that period exists."""

    status = 404
    title = "Not Found"


class UnknownFeedFormat(DomainError):
    """Feeds come as RSS, Atom or JSON Feed only."""

    status = 404
    title = "Not Found"


class BadCursor(DomainError):
    """A page cursor the service did not issue."""

    status = 400
    title = "Bad Request"
