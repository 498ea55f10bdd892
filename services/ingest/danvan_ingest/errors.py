"""The domain errors of ingest (the shared HTTP layer answers each with its problem body)."""

from __future__ import annotations

from danvan_shared.errors import DomainError


class ReportNotRetryable(DomainError):
    """Only a finished report can be run again."""

    status = 409
    title = "Conflict"


class BrokerUnavailable(DomainError):
    """The broker did not take a message that cannot wait for the relay."""

    status = 503
    title = "Service Unavailable"
    default_headers = {"Retry-After": "5"}


class NothingAccepted(DomainError):
    """Every report of a multipart upload or an NDJSON batch was refused."""

    status = 422
    title = "Unprocessable Content"


class IdempotencyKeyInProgress(DomainError):
    """The first request with this Idempotency-Key has not answered yet."""

    status = 409
    title = "Conflict"


class IdempotencyKeyReused(DomainError):
    """This Idempotency-Key was already used for a different request."""

    status = 422
    title = "Unprocessable Content"
