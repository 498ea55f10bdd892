"""What an operator is told when a retry or a reprocess cannot be done."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from danvan_ingest.app import create_app

OPERATOR_KEY = "dv_operator-key-for-these-tests"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}
REPORT = "Huyện ủy Yên Sơn tổ chức hội nghị sơ kết công tác dân vận 6 tháng đầu năm 2024."


@pytest.fixture
def unreachable_broker_url() -> str:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


@pytest.fixture
def ingest(configure, database_url: str, unreachable_broker_url: str):  # type: ignore[no-untyped-def]
    configure(
        database_url=database_url, broker_url=unreachable_broker_url, operator_key=OPERATOR_KEY
    )
    with TestClient(create_app(run_relay=False)) as client:
        yield client


def test_retrying_an_unknown_report_is_a_404_problem(ingest: TestClient) -> None:
    report_id = uuid.uuid4()
    response = ingest.post(f"/v1/reports/{report_id}:retry", headers=OPERATOR)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": f"No report with id {report_id}.",
        "instance": f"/v1/reports/{report_id}:retry",
    }


def test_retrying_an_unfinished_report_is_a_409_problem(ingest: TestClient) -> None:
    accepted = ingest.post("/v1/reports", json={"text": REPORT})
    assert accepted.status_code == 202
    report_id = accepted.json()["id"]  # "received": the broker is down
    response = ingest.post(f"/v1/reports/{report_id}:retry", headers=OPERATOR)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Conflict"
    assert body["detail"] == (
        f"Report {report_id} is received; only finished reports can be retried."
    )


def test_reprocessing_while_the_broker_is_down_is_a_503_with_retry_after(
    ingest: TestClient,
) -> None:
    response = ingest.post("/v1/reprocess", headers=OPERATOR)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The broker is unavailable; try again shortly.",
        "instance": "/v1/reprocess",
    }
