"""Fixtures for the operations tests: an ingest app on real backends, and keys."""

from __future__ import annotations

import pytest
import redis
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from danvan_ingest.app import create_app
from danvan_ingest.cli import keys_app

REPORT = (
    "Huyện ủy Yên Sơn sơ kết công tác dân vận 6 tháng đầu năm 2024\n"
    "Sáng ngày 10/7/2024, Ban Dân vận Huyện ủy Yên Sơn tổ chức hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2024. Bản số {n}."
)


def report(n: int) -> dict[str, str]:
    return {"text": REPORT.format(n=n)}


def create_key(scope: str, name: str = "test") -> str:
    """``danvan keys create`` as an operator runs it; returns the printed key."""
    result = CliRunner().invoke(keys_app, ["create", "--name", name, "--scope", scope])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def ingest(configure, database_url: str, redis_url: str):  # type: ignore[no-untyped-def]
    """The ingest API with keys required, on SQLite and PostgreSQL, with real Redis."""
    configure(database_url=database_url, broker_url=redis_url, require_api_keys="true")
    client = redis.Redis.from_url(redis_url)
    client.delete("extract", "publish")
    with TestClient(create_app(run_relay=False)) as test_client:
        yield test_client
