"""Hostile and broken input: each gets a clear 4xx problem body and nothing is stored.

Complements tests/ingest/test_reports_api.py (which covers blank text, NUL in JSON,
bad dates and URLs, deep nesting as JSON, invalid UTF-8 as text/plain, 415 and
the body limit) with what a fuzzer or an attacker tries next, on both APIs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from danvan_shared.db import get_engine
from danvan_shared.models import Report

NDJSON = {"content-type": "application/x-ndjson"}
JSON = {"content-type": "application/json"}


@pytest.fixture
def ingest(configure, sqlite_url: str, redis_url: str) -> Iterator[TestClient]:
    from danvan_ingest.app import create_app

    configure(database_url=sqlite_url, broker_url=redis_url)
    redis.Redis.from_url(redis_url).delete("extract")
    with TestClient(create_app(run_relay=False)) as client:
        yield client


@pytest.fixture
def publish(configure, sqlite_url: str) -> Iterator[TestClient]:
    from danvan_publish.app import create_app

    configure(database_url=sqlite_url)
    with TestClient(create_app()) as client:
        yield client


def stored() -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count()).select_from(Report)).one())


def assert_problem(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code and body["title"]
    assert "Traceback" not in response.text and 'File "/' not in response.text


ONE_MEGABYTE_LINE = "Hội nghị " + "x" * (1024 * 1024)


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        ("/v1/reports", {"content": b"", "headers": JSON}, 422),
        ("/v1/reports", {"content": b"", "headers": {"content-type": "text/plain"}}, 422),
        ("/v1/reports", {"content": b"Hoi nghi"}, 415),  # no content type at all
        ("/v1/reports", {"content": b'{"text": "H\xff\xfei ngh\xc3"}', "headers": JSON}, 422),
        ("/v1/reports", {"content": '{"text": "a\\u0000b"}', "headers": JSON}, 422),
        (
            "/v1/reports",
            {"content": "Hội\x00nghị".encode(), "headers": {"content-type": "text/plain"}},
            422,
        ),
        ("/v1/reports", {"json": {"text": ONE_MEGABYTE_LINE}}, 413),
        (
            "/v1/reports:batch",
            {"content": json.dumps({"text": ONE_MEGABYTE_LINE}), "headers": NDJSON},
            413,
        ),
        ("/v1/reports", {"content": '{"text": ' * 5000 + '"x"' + "}" * 5000, "headers": JSON}, 422),
        ("/v1/reports", {"content": "[" * 200_000, "headers": JSON}, 422),
        ("/v1/reports", {"json": {"text": "<script>alert(document.cookie)</script>"}}, 422),
        ("/v1/reports", {"json": {"html": "<html><script>fetch('//evil')</script></html>"}}, 422),
        (
            "/v1/reports",
            {"json": {"text": "Hội nghị", "title": "<img src=x onerror=alert(1)>"}},
            422,
        ),
        ("/v1/reports", {"json": {"text": "Hội nghị", "source_name": "<b>x</b>"}}, 422),
        ("/v1/reports", {"json": {"text": "Hội nghị", "source_url": "file:///etc/passwd"}}, 422),
        ("/v1/reports", {"json": {"text": "Hội nghị", "published_at": "2024-13-45"}}, 422),
        (
            "/v1/reports",
            {"json": {"text": "Hội nghị", "published_at": "'; DROP TABLE report;--"}},
            422,
        ),
        ("/v1/reports", {"json": {"text": "Hội nghị", "unknown": 1}}, 422),
        ("/v1/reports", {"json": {"text": 42}}, 422),
        (
            "/v1/reports",
            {
                "content": b"Hoi nghi",
                "headers": {"content-type": "text/plain"},
                "params": {"title": "x' OR '1'='1", "evil": "1"},
            },
            422,
        ),
        ("/v1/reports:batch", {"content": b"\xff\xfe", "headers": NDJSON}, 422),
        ("/v1/reports:batch", {"content": b"\n\n", "headers": NDJSON}, 422),
        ("/v1/reports:batch", {"content": b'{"text": ""}\n[1]\nnull\n', "headers": NDJSON}, 422),
        (
            "/v1/reports:batch",
            {
                "content": "\n".join(json.dumps({"text": f"x {n}"}) for n in range(1001)),
                "headers": NDJSON,
            },
            413,
        ),
        ("/v1/reports", {"files": [("files", ("../../etc/passwd", b"\x00\x01", "x/y"))]}, 422),
    ],
)
def test_hostile_submissions_are_refused_and_nothing_is_stored(
    ingest: TestClient, path: str, kwargs: dict[str, Any], status: int
) -> None:
    assert_problem(ingest.post(path, **kwargs), status)
    assert stored() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/v1/reports/not-a-uuid",
        "/v1/reports/1' OR '1'='1",
        "/v1/reports/..%2F..%2Fetc%2Fpasswd",
        "/v1/reports/00000000-0000-0000-0000-00000000000g",
        "/v1/reports/%00",
    ],
)
def test_malformed_report_ids_are_refused(ingest: TestClient, path: str) -> None:
    assert_problem(ingest.get(path), 404, 422)
    assert_problem(ingest.post(path + ":retry"), 401, 404, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/feeds/atlantis/2024.json",  # unknown province
        "/v1/feeds/tuyen-quang/2024-H3.json",  # unknown period
        "/v1/feeds/tuyen-quang/1850.rss",  # period out of range
        "/v1/feeds/tuyen-quang/2024-Q0.atom",
        "/v1/feeds/tuyen-quang/2024.exe",  # unknown format
        "/v1/feeds/..%2F..%2Fetc/passwd.json",  # path traversal
        "/v1/feeds/%2e%2e/2024.json",
        "/v1/feeds/tuyen-quang'%20OR%201=1--/2024.json",  # SQL fragment
        "/v1/feeds/%3Cscript%3E/2024.json",
        "/v1/aggregates/atlantis/2024",
        "/v1/aggregates/tuyen-quang/20245",
        "/v1/feeds/tuyen-quang/2024.json?limit=0",
        "/v1/feeds/tuyen-quang/2024.json?after=%00%ff",
        "/v1/feeds/tuyen-quang/2024.json?level=%3Cscript%3E",
    ],
)
def test_hostile_publish_paths_get_a_4xx_problem(publish: TestClient, path: str) -> None:
    assert_problem(publish.get(path), 400, 404, 422)


def test_hostile_page_paths_are_refused_and_never_echoed_as_html(publish: TestClient) -> None:
    for path in (
        "/provinces/..%2F..%2Fetc%2Fpasswd",
        "/provinces/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/reports/not-a-uuid",
    ):
        response = publish.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        if "html" in response.headers["content-type"]:  # JSON may quote it; HTML must not
            assert "<script>alert(1)</script>" not in response.text
