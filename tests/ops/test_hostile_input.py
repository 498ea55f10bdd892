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


# ---- dates, period keys, cursors and validators at the edge of their ranges -------------


@pytest.mark.parametrize(
    "published_at",
    [
        "0001-01-01T00:00:00+07:00",  # year 0 once in UTC
        "0001-01-01T00:00:00-05:00",
        "9999-12-31T23:59:59-05:00",  # year 10000 once in UTC
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59",
        "2099-01-01T00:00:00+07:00",  # would be pinned at the top of every feed
        "1850-06-01T00:00:00+07:00",
    ],
)
def test_published_at_out_of_range_is_refused_in_every_request_shape(
    ingest: TestClient, published_at: str
) -> None:
    body = {"text": f"Hội nghị sơ kết công tác dân vận {published_at}"}
    response = ingest.post("/v1/reports", json={**body, "published_at": published_at})
    assert_problem(response, 422)
    assert "published_at" in response.text
    text_plain = ingest.post(
        "/v1/reports",
        content=body["text"].encode(),
        headers={"content-type": "text/plain"},
        params={"published_at": published_at},
    )
    assert_problem(text_plain, 422)
    line = json.dumps({**body, "published_at": published_at})
    assert_problem(ingest.post("/v1/reports:batch", content=line, headers=NDJSON), 422)
    assert stored() == 0


def test_published_at_within_the_clock_skew_is_accepted(ingest: TestClient) -> None:
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = ingest.post("/v1/reports", json={"text": "Hội nghị dân vận", "published_at": soon})
    assert response.status_code == 202, response.text
    assert stored() == 1


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.fixture(params=["sqlite", "postgresql"])
def publish_any_db(request: pytest.FixtureRequest, configure) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from danvan_publish.app import create_app
    from danvan_publish.http_cache import render_cache

    configure(database_url=request.getfixturevalue("database_url_" + request.param))
    render_cache.clear()
    with TestClient(create_app()) as client:
        yield client
    render_cache.clear()


@pytest.fixture
def database_url_sqlite(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def database_url_postgresql(postgres_url: str) -> str:
    return postgres_url


HUGE_IDS = [2**63, 2**63 + 1, 2**64, 10**40, -(2**63) - 1]


@pytest.mark.parametrize(
    "raw",
    [
        *(f"2024-07-01T00:00:00+00:00~{entry_id}" for entry_id in HUGE_IDS),
        "9999-12-31T23:59:59+00:00~1",
        "9999-12-31T23:59:59-05:00~1",
        "0001-01-01T00:00:00+07:00~1",
        "0001-01-01T00:00:00+00:00~1",
        "2024-07-01T00:00:00+00:00~-1",
        "2024-07-01T00:00:00+00:00~0x10",
        "2024-07-01T00:00:00+00:00~1_000",
        "2024-07-01T00:00:00+00:00~١٢",  # Arabic-Indic digits
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_out_of_range_page_cursors_get_a_400(
    publish_any_db: TestClient, raw: str, direction: str
) -> None:
    response = publish_any_db.get(
        "/v1/feeds/tuyen-quang/2024.json", params={direction: _cursor(raw)}
    )
    assert_problem(response, 400)
    assert "cursor" in response.json()["detail"]


NOT_ASCII_KEYS = [
    "²⁰²⁴",  # superscript
    "2024-M¹",
    "2024-Q³",
    "2021-²⁰²⁵",
    "２０２４",  # fullwidth
    "２０２４-H1",
    "٢٠٢٤",  # Arabic-Indic
    "۲۰۲۴-Q3",  # Extended Arabic-Indic
    "२०२४",  # Devanagari
    "2024-M01",  # not the canonical spelling of 2024-M1
    "2024-M+1",
    " 2024",
]


@pytest.mark.parametrize("key", NOT_ASCII_KEYS)
@pytest.mark.parametrize("kind", ["feeds", "aggregates"])
def test_period_keys_are_ascii_canonical_keys_only(
    publish_any_db: TestClient, key: str, kind: str
) -> None:
    """No 500 for digits int() rejects, and no alias feed for digits it accepts."""
    from urllib.parse import quote

    path = f"/v1/{kind}/tuyen-quang/{quote(key)}" + (".atom" if kind == "feeds" else "")
    response = publish_any_db.get(path)
    assert_problem(response, 404)
    assert "period key" in response.json()["detail"]


HUGE_DATES = [
    "Fri, 31 Dec 999999999999 23:59:59 GMT",  # OverflowError in the date parser
    "Fri, 31 Dec 99999 23:59:59 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",  # later than now: not a valid validator (RFC 9110)
    "Fri, 31 Dec 9999 23:59:59 -2359",
    "31 Dec 9999 23:59:59 +0000",
    "Fri, 31 Dec 2099 23:59:59 GMT",
]


@pytest.mark.parametrize("since", HUGE_DATES)
@pytest.mark.parametrize(
    "path",
    [
        "/v1/feeds/tuyen-quang/2024.rss",
        "/v1/feeds/national/2024.json",
        "/v1/aggregates/tuyen-quang/2024",
        "/v1/feeds.opml",
        "/v1/provinces",
        "/v1/periods",
    ],
)
def test_if_modified_since_in_a_far_year_is_ignored(
    publish_any_db: TestClient, path: str, since: str
) -> None:
    response = publish_any_db.get(path, headers={"If-Modified-Since": since})
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert response.headers["ETag"]
    assert (
        publish_any_db.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_an_oversized_chunked_multipart_body_gets_413(ingest: TestClient) -> None:
    boundary = "danvan-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count as it reads
        yield head
        for _ in range(40):
            yield ("Hội nghị dân vận " * 4000).encode()
        yield tail

    response = ingest.post(
        "/v1/reports",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_problem(response, 413)
    assert "_BodyTooLarge" not in response.text and "Exception" not in response.text
    assert stored() == 0


def test_nfc_and_nfd_forms_of_one_text_are_one_report(ingest: TestClient) -> None:
    import unicodedata

    text = "Huyện ủy Chiêm Hóa tổ chức Hội nghị sơ kết công tác dân vận 6 tháng đầu năm 2024."
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert nfc != nfd
    first = ingest.post("/v1/reports", json={"text": nfc})
    assert first.status_code == 202
    again = ingest.post("/v1/reports", json={"text": nfd})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    as_plain_text = ingest.post(
        "/v1/reports", content=nfd.encode(), headers={"content-type": "text/plain"}
    )
    assert as_plain_text.json()["id"] == first.json()["id"]
    assert stored() == 1
