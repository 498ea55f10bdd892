"""Every named domain error answers as its problem body, through the one handler both
APIs install (``danvan_shared.http.install_problem_handlers``)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from danvan_ingest.errors import (
    BrokerUnavailable,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NothingAccepted,
    ReportNotRetryable,
)
from danvan_publish.errors import BadCursor, UnknownFeed, UnknownFeedFormat, UnknownPeriod
from danvan_shared.errors import DomainError, UnknownReport
from danvan_shared.http import PROBLEM_MEDIA_TYPE, install_problem_handlers

#: each error with the status, title and headers a client sees
EXPECTED: dict[type[DomainError], tuple[int, str, dict[str, str]]] = {
    UnknownReport: (404, "Not Found", {}),
    ReportNotRetryable: (409, "Conflict", {}),
    BrokerUnavailable: (503, "Service Unavailable", {"retry-after": "5"}),
    NothingAccepted: (422, "Unprocessable Content", {}),
    IdempotencyKeyInProgress: (409, "Conflict", {}),
    IdempotencyKeyReused: (422, "Unprocessable Content", {}),
    UnknownFeed: (404, "Not Found", {}),
    UnknownPeriod: (404, "Not Found", {}),
    UnknownFeedFormat: (404, "Not Found", {}),
    BadCursor: (400, "Bad Request", {}),
}


def _all_subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found = set(cls.__subclasses__())
    return found.union(*(_all_subclasses(sub) for sub in found))


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/raise/{name}")
    def raise_named(name: str) -> None:
        error = next(cls for cls in EXPECTED if cls.__name__ == name)
        raise error(f"{name} happened.")

    @app.get("/raise-with-extras")
    def raise_with_extras() -> None:
        raise NothingAccepted(
            "No report in the request was acceptable.",
            headers={"X-Trace": "1"},
            errors=[{"line": 1, "error": {"status": 422, "detail": "empty"}}],
        )

    return TestClient(app, raise_server_exceptions=False)


def test_every_named_error_is_listed_here() -> None:
    assert _all_subclasses(DomainError) == set(EXPECTED)


@pytest.mark.parametrize("error", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_each_named_error_renders_as_its_problem_body(
    client: TestClient, error: type[DomainError]
) -> None:
    status, title, headers = EXPECTED[error]
    response = client.get(f"/raise/{error.__name__}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": f"{error.__name__} happened.",
        "instance": f"/raise/{error.__name__}",
    }
    for name, value in headers.items():
        assert response.headers[name] == value


def test_a_named_error_carries_its_own_headers_and_errors(client: TestClient) -> None:
    response = client.get("/raise-with-extras")
    assert response.status_code == 422
    assert response.headers["x-trace"] == "1"
    assert response.json()["errors"] == [{"line": 1, "error": {"status": 422, "detail": "empty"}}]
