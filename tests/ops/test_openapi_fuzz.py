"""schemathesis against both OpenAPI documents: no 5xx, and every response matches
the status codes and schemas its operation documents.

The apps run in-process (ASGI) on SQLite and the real Redis, with an operator key
so the operator endpoints are exercised past authentication. Examples per
operation are bounded so the whole fuzz stays well under a minute and a half.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.ops.conftest import create_key

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def ingest_app(configure, sqlite_url: str, redis_url: str) -> Iterator[FastAPI]:
    from danvan_ingest.app import create_app

    configure(
        database_url=sqlite_url,
        broker_url=redis_url,
        operator_key="fuzz-operator-key",
        rate_limit_per_minute="100000",
    )
    redis.Redis.from_url(redis_url).delete("extract")
    create_key("submit")
    yield create_app(run_relay=False)


@pytest.fixture
def publish_app(configure, sqlite_url: str) -> Iterator[FastAPI]:
    from danvan_publish.app import create_app

    configure(database_url=sqlite_url)
    yield create_app()


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx, value) -> bytes:  # type: ignore[no-untyped-def]
    """The batch body is documented as a string; send it as it is."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)


def fuzz(app: FastAPI, headers: dict[str, str]) -> list[str]:
    """Every operation of the app's OpenAPI document; the failures, one line each.

    The Python API rather than schemathesis's pytest plug-in, which does not
    support this pytest version."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect them all, then fail once with every finding
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


def test_ingest_api_conforms_to_its_openapi(ingest_app: FastAPI) -> None:
    failures = fuzz(ingest_app, {"Authorization": "Bearer fuzz-operator-key"})
    assert not failures, "\n\n".join(failures)


def test_publish_api_conforms_to_its_openapi(publish_app: FastAPI) -> None:
    failures = fuzz(publish_app, {})
    assert not failures, "\n\n".join(failures)
