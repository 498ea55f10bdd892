"""Who a client is, for the limits: its connection's address unless a configured proxy
says otherwise, and failed authentications count against that address."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from danvan_shared.migrate import upgrade_database
from tests.integration.support import Processes, free_port, wait_until
from tests.ops.conftest import bearer, create_key, report
from tests.ops.servers import RedisServer


@pytest.fixture
def ingest_server(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    """Start the real ingest process (uvicorn, as `danvan serve` runs it) with extra env."""
    redis_server = RedisServer()
    redis_server.start()
    database = f"sqlite:///{tmp_path / 'danvan.db'}"
    upgrade_database(database)
    started: list[Processes] = []

    def start(**env: str) -> str:
        for processes in started:
            processes.close()
        port = free_port()
        processes = Processes(
            {
                "DANVAN_DATA_DIR": str(tmp_path / "var"),
                "DANVAN_DATABASE_URL": database,
                "DANVAN_BROKER_URL": redis_server.url,
                "DANVAN_INGEST_PORT": str(port),
                "DANVAN_RATE_LIMIT_PER_MINUTE": "3",
                "DANVAN_RELAY_INTERVAL_SECONDS": "60",
                **env,
            },
            tmp_path,
        )
        started.append(processes)
        processes.start("ingest")
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{base}/healthz"), 30, message="ingest up")
        return base

    yield start
    for processes in started:
        processes.close()
    redis_server.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _statuses(base: str, forwarded_for: list[str], first: int) -> list[int]:
    return [
        httpx.post(
            f"{base}/v1/reports",
            json=report(first + n),
            headers={"X-Forwarded-For": address},
            timeout=10,
        ).status_code
        for n, address in enumerate(forwarded_for)
    ]


@pytest.mark.slow
def test_x_forwarded_for_counts_only_from_a_configured_proxy(ingest_server) -> None:  # type: ignore[no-untyped-def]
    base = ingest_server()
    spoofed = [f"203.0.113.{n}" for n in range(1, 6)]
    assert _statuses(base, spoofed, 100) == [202, 202, 202, 429, 429]

    base = ingest_server(DANVAN_TRUSTED_PROXIES="127.0.0.1")  # now a proxy on this host
    assert _statuses(base, [f"198.51.100.{n}" for n in range(1, 6)], 200) == [202] * 5
    assert _statuses(base, ["192.0.2.9"] * 4, 300) == [202, 202, 202, 429]


def test_failed_authentications_are_limited_per_client_address(
    configure, database_url: str, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    configure(
        database_url=database_url,
        broker_url=redis_url,
        require_api_keys="true",
        failed_auth_per_minute="4",
    )
    good = create_key("submit")
    # addresses of this run alone: the limiter's buckets live as long as the Redis database
    guessing, other = (f"2001:db8::{uuid.uuid4().hex[:4]}:{n}" for n in (1, 2))
    guesser = TestClient(create_app(run_relay=False), client=(guessing, 40000))
    bystander = TestClient(create_app(run_relay=False), client=(other, 40000))
    with guesser, bystander:
        guesses = [
            guesser.post(
                "/v1/reports", json=report(400 + n), headers=bearer(f"dv_0000000{n}_" + "x" * 43)
            )
            for n in range(6)
        ]
        assert [answer.status_code for answer in guesses] == [401, 401, 401, 401, 429, 429]
        assert 1 <= int(guesses[4].headers["retry-after"]) <= 60
        # the guessing address is locked out, even with a valid key; others are not
        assert (
            guesser.post("/v1/reports", json=report(410), headers=bearer(good)).status_code == 429
        )
        assert (
            bystander.post("/v1/reports", json=report(411), headers=bearer(good)).status_code == 202
        )


def test_anonymous_clients_each_have_their_own_idempotency_keys(
    configure, database_url: str, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    configure(database_url=database_url, broker_url=redis_url, require_api_keys="false")
    key = {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    one = TestClient(create_app(run_relay=False), client=("2001:db8:aaaa:bbbb:cccc:dddd:1:1", 1))
    two = TestClient(create_app(run_relay=False), client=("198.51.100.20", 1))
    with one, two:
        first = one.post("/v1/reports", json=report(500), headers=key)
        theirs = two.post("/v1/reports", json=report(501), headers=key)
        assert first.status_code == 202 and theirs.status_code == 202
        assert theirs.json()["id"] != first.json()["id"]  # not the other client's answer
        again = one.post("/v1/reports", json=report(500), headers=key)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
