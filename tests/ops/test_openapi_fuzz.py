"""schemathesis against both OpenAPI documents: no 5xx, and every response matches
the status codes and schemas its operation documents.

The apps run in-process (ASGI) on SQLite and the real Redis, with an operator key
so the operator endpoints are exercised past authentication. Examples per
operation are bounded so the whole fuzz stays well under a minute and a half. The
same fuzz runs on the live stack with the corpus loaded in tests/integration/test_corpus.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import schemathesis
from fastapi import FastAPI

from tests.openapi_fuzz import fuzz
from tests.ops.conftest import create_key


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


def fuzz_app(app: FastAPI, headers: dict[str, str]) -> list[str]:
    return fuzz(schemathesis.openapi.from_asgi("/openapi.json", app), headers, max_examples=40)


def test_ingest_api_conforms_to_its_openapi(ingest_app: FastAPI) -> None:
    failures = fuzz_app(ingest_app, {"Authorization": "Bearer fuzz-operator-key"})
    assert not failures, "\n\n".join(failures)


def test_publish_api_conforms_to_its_openapi(publish_app: FastAPI) -> None:
    failures = fuzz_app(publish_app, {})
    assert not failures, "\n\n".join(failures)
