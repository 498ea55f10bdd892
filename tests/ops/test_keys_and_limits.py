"""API keys, scopes, rate limits and Idempotency-Key, as submitters and operators see them."""

from __future__ import annotations

import logging

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from danvan_ingest.cli import keys_app
from danvan_shared.db import get_engine
from danvan_shared.models import ApiKey, Report
from tests.ops.conftest import bearer, create_key, report


def stored_reports() -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count()).select_from(Report)).one())


def test_submitting_needs_a_valid_key_when_keys_are_required(ingest: TestClient) -> None:
    missing = ingest.post("/v1/reports", json=report(1))
    wrong = ingest.post("/v1/reports", json=report(1), headers=bearer("dv_00000000_" + "x" * 43))
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert stored_reports() == 0

    key = create_key("submit")
    accepted = ingest.post("/v1/reports", json=report(1), headers=bearer(key))
    by_header = ingest.post("/v1/reports", json=report(2), headers={"X-API-Key": key})
    assert accepted.status_code == 202 and by_header.status_code == 202
    assert stored_reports() == 2


def test_keys_are_stored_hashed_listed_without_secret_and_revocable(
    ingest: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = create_key("submit", name="tỉnh Tuyên Quang")
    prefix = key[:11]
    with Session(get_engine()) as session:
        record = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).one()
    assert key not in record.secret_hash and record.scope == "submit"

    listing = CliRunner().invoke(keys_app, ["list"])
    assert prefix in listing.stdout and "tỉnh Tuyên Quang" in listing.stdout
    assert key not in listing.stdout

    assert ingest.post("/v1/reports", json=report(3), headers=bearer(key)).status_code == 202
    revoked = CliRunner().invoke(keys_app, ["revoke", prefix])
    assert revoked.exit_code == 0
    refused = ingest.post("/v1/reports", json=report(4), headers=bearer(key))
    assert refused.status_code == 401
    assert prefix not in CliRunner().invoke(keys_app, ["list"]).stdout
    assert "revoked" in CliRunner().invoke(keys_app, ["list", "--all"]).stdout
    assert CliRunner().invoke(keys_app, ["revoke", "dv_nothere"]).exit_code == 1
    assert key not in caplog.text and key not in refused.text


def test_operator_endpoints_need_an_operator_key_even_without_required_keys(
    configure, database_url: str, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    configure(database_url=database_url, broker_url=redis_url, require_api_keys="false")
    submitter, operator = create_key("submit"), create_key("operator")
    with TestClient(create_app(run_relay=False)) as client:
        assert client.post("/v1/reports", json=report(5)).status_code == 202  # open submission
        for method, path in (
            ("GET", "/v1/pipeline"),
            ("GET", "/v1/pipeline/failed"),
            ("POST", "/v1/reprocess"),
        ):
            assert client.request(method, path).status_code == 401
            assert client.request(method, path, headers=bearer(submitter)).status_code == 403
            answer = client.request(method, path, headers=bearer(operator))
            assert answer.status_code in (200, 202), answer.text


def test_a_key_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected(
    configure, database_url: str, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    configure(
        database_url=database_url,
        broker_url=redis_url,
        require_api_keys="true",
        rate_limit_per_minute="3",
    )
    hammering, other = create_key("submit"), create_key("submit")
    with TestClient(create_app(run_relay=False)) as client:
        answers = [
            client.post("/v1/reports", json=report(10 + n), headers=bearer(hammering))
            for n in range(5)
        ]
        assert [answer.status_code for answer in answers] == [202, 202, 202, 429, 429]
        limited = answers[3]
        assert limited.headers["content-type"] == "application/problem+json"
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        assert stored_reports() == 3
        assert client.post("/v1/reports", json=report(20), headers=bearer(other)).status_code == 202


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    ingest: TestClient, redis_url: str
) -> None:
    key = create_key("submit")
    headers = {**bearer(key), "Idempotency-Key": "0d4c1f7e-retry-1"}
    first = ingest.post("/v1/reports", json=report(30), headers=headers)
    again = ingest.post("/v1/reports", json=report(30), headers=headers)
    assert first.status_code == 202 and again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert redis.Redis.from_url(redis_url).llen("extract") == 1  # queued once

    other_body = ingest.post("/v1/reports", json=report(31), headers=headers)
    assert other_body.status_code == 422
    assert "different request" in other_body.json()["detail"]
    assert stored_reports() == 1

    # Keys belong to their caller: another submitter may use the same key string.
    mine = ingest.post(
        "/v1/reports",
        json=report(32),
        headers={**bearer(create_key("submit")), "Idempotency-Key": "0d4c1f7e-retry-1"},
    )
    assert mine.status_code == 202

    for bad in ("", "x" * 256):
        answer = ingest.post(
            "/v1/reports", json=report(33), headers={**bearer(key), "Idempotency-Key": bad}
        )
        assert answer.status_code == 400


def test_a_failed_request_stores_nothing_under_its_idempotency_key(ingest: TestClient) -> None:
    key = create_key("submit")
    headers = {**bearer(key), "Idempotency-Key": "batch-7"}
    invalid = ingest.post(
        "/v1/reports:batch",
        content=b'{"text": ""}\n',
        headers={**headers, "content-type": "application/x-ndjson"},
    )
    assert invalid.status_code == 422
    batch = "\n".join(
        [
            '{{"text": "{}"}}'.format(report(40)["text"].replace("\n", " ")),
            '{{"text": "{}"}}'.format(report(41)["text"].replace("\n", " ")),
        ]
    )
    ok = ingest.post(
        "/v1/reports:batch",
        content=batch.encode(),
        headers={**headers, "content-type": "application/x-ndjson"},
    )
    replay = ingest.post(
        "/v1/reports:batch",
        content=batch.encode(),
        headers={**headers, "content-type": "application/x-ndjson"},
    )
    assert ok.status_code == 200 and ok.json()["accepted"] == 2
    assert replay.json() == ok.json() and replay.headers["idempotent-replayed"] == "true"
    assert stored_reports() == 2
