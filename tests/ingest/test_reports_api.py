"""The ingest API as a submitter sees it, on SQLite and PostgreSQL, with real Redis."""

from __future__ import annotations

import json
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from danvan_ingest.app import create_app

REPORT = (
    "Huyện ủy Yên Sơn sơ kết công tác dân vận 6 tháng đầu năm 2024\n"
    "Sáng ngày 10/7/2024, Ban Dân vận Huyện ủy Yên Sơn tổ chức hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2024."
)


@pytest.fixture
def client(configure, database_url: str, redis_url: str):  # type: ignore[no-untyped-def]
    configure(database_url=database_url, broker_url=redis_url)
    redis.Redis.from_url(redis_url).delete("extract")
    with TestClient(create_app(run_relay=False)) as test_client:
        yield test_client


def queued_report_ids(redis_url: str) -> list[str]:
    messages = redis.Redis.from_url(redis_url).lrange("extract", 0, -1)
    return [
        json.loads(json.loads(message)["headers"]["argsrepr"].replace("'", '"'))[0]
        for message in messages
    ]


def test_json_report_is_stored_queued_and_answered_202(client: TestClient, redis_url: str) -> None:
    response = client.post(
        "/v1/reports",
        json={
            "text": REPORT,
            "title": "Yên Sơn sơ kết",
            "source_url": "https://yenson.tuyenquang.gov.vn/a",
            "published_at": "2024-07-11T08:00:00",
        },
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["duplicate"] is False
    assert response.headers["location"] == body["links"]["self"]
    assert queued_report_ids(redis_url) == [body["id"]]

    report = client.get(body["links"]["self"]).json()
    assert report["status"] == "queued"
    assert report["content_type"] == "text/plain"
    assert report["published_at"].startswith("2024-07-11T01:00:00")  # read as Vietnam time
    assert report["extraction"] is None


def test_same_content_twice_returns_the_first_report(client: TestClient, redis_url: str) -> None:
    first = client.post("/v1/reports", json={"text": REPORT})
    second = client.post("/v1/reports", json={"text": REPORT, "title": "another title"})
    assert first.status_code == 202 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["duplicate"] is True
    assert len(queued_report_ids(redis_url)) == 1


def test_plain_text_and_html_bodies_take_metadata_from_the_query(client: TestClient) -> None:
    text = client.post(
        "/v1/reports",
        content=REPORT.encode(),
        headers={"content-type": "text/plain; charset=utf-8"},
        params={"title": "Tiêu đề", "source_name": "Cổng TTĐT"},
    )
    html = client.post(
        "/v1/reports",
        content=f"<html><body><p>{REPORT}</p></body></html>",
        headers={"content-type": "text/html"},
    )
    assert text.status_code == 202 and html.status_code == 202
    text_report = client.get(text.json()["links"]["self"]).json()
    assert text_report["title"] == "Tiêu đề" and text_report["source_name"] == "Cổng TTĐT"
    assert client.get(html.json()["links"]["self"]).json()["content_type"] == "text/html"


def test_multipart_upload_accepts_each_file_and_explains_the_rejected_one(
    client: TestClient,
) -> None:
    response = client.post(
        "/v1/reports",
        files=[
            ("files", ("a.txt", REPORT.encode(), "text/plain")),
            ("files", ("b.html", f"<p>{REPORT} (bản HTML)</p>".encode(), "text/html")),
            ("files", ("c.pdf", b"%PDF-1.4", "application/pdf")),
        ],
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["results"][2]["error"]["status"] == 415


def test_batch_gives_one_result_per_line(client: TestClient) -> None:
    lines = [
        json.dumps({"text": REPORT}),
        "not json",
        json.dumps({"text": ""}),
        json.dumps({"html": f"<p>{REPORT}</p>", "title": "HTML"}),
    ]
    response = client.post(
        "/v1/reports:batch",
        content="\n".join(lines),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [result["line"] for result in body["results"]] == [1, 2, 3, 4]
    assert body["results"][1]["error"]["status"] == 422


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"text": "   "}}, 422),
        ({"json": {"text": "a\x00b"}}, 422),
        ({"json": {"text": "x", "html": "<p>x</p>"}}, 422),
        ({"json": {"text": "x", "published_at": "hôm qua"}}, 422),
        ({"json": {"text": "x", "source_url": "javascript:alert(1)"}}, 422),
        ({"json": ["not", "an", "object"]}, 422),
        ({"content": "[" * 100_000, "headers": {"content-type": "application/json"}}, 422),
        ({"content": b"\xff\xfe\xfa", "headers": {"content-type": "text/plain"}}, 422),
        ({"content": b"<p>x</p>", "headers": {"content-type": "application/pdf"}}, 415),
        ({"content": "x" * (1024 * 1024 + 1), "headers": {"content-type": "text/plain"}}, 413),
        (
            {
                "content": "x",
                "headers": {"content-type": "text/plain"},
                "params": {"sql": "1; DROP TABLE report"},
            },
            422,
        ),
    ],
)
def test_bad_input_gets_a_problem_body_and_nothing_is_stored(
    client: TestClient, kwargs: dict, status: int
) -> None:
    response = client.post("/v1/reports", **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    assert "Traceback" not in response.text


def test_unknown_and_malformed_report_ids(client: TestClient) -> None:
    missing = client.get(f"/v1/reports/{uuid.uuid4()}")
    malformed = client.get("/v1/reports/..%2F..%2Fetc%2Fpasswd")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert malformed.status_code in (404, 422)
    assert malformed.headers["content-type"].startswith("application/problem+json")


def test_health_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_an_extraction_stored_with_a_naive_publication_time_is_answered_in_vietnam_time(
    client: TestClient,
) -> None:
    """The extractor read "08/7/2024 15:41" from a page and stored it without an offset;
    the documented RFC 3339 date-time needs one (schemathesis found this on the corpus)."""
    from datetime import datetime

    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import ExtractionRecord, Report

    report_id = uuid.UUID(client.post("/v1/reports", json={"text": REPORT}).json()["id"])
    with Session(get_engine()) as session:
        session.add(
            ExtractionRecord(
                report_id=report_id,
                extractor_version="old-1",
                relevant=False,
                data={
                    "relevant": False,
                    "published_at": "2024-07-08T15:41:00",
                    "extractor_version": "old-1",
                },
            )
        )
        report = session.get(Report, report_id)
        assert report is not None
        report.status, report.extractor_version = "irrelevant", "old-1"
        session.add(report)
        session.commit()
    published = client.get(f"/v1/reports/{report_id}").json()["extraction"]["published_at"]
    assert datetime.fromisoformat(published).isoformat() == "2024-07-08T15:41:00+07:00"


def test_characters_xml_forbids_are_replaced_in_place_at_intake(client: TestClient) -> None:
    """U+FFFE/U+FFFF and C0 controls made a report that could never be published (every
    feed is XML); each becomes one U+FFFD, so offsets into the text stay."""
    from lxml import etree
    from sqlmodel import Session

    from danvan_shared.db import get_engine
    from danvan_shared.models import Report

    forbidden = "\ufffe\uffff\x01\x0b\x1f"
    text = REPORT + f" Ký hiệu lạ: {forbidden} hết."
    answer = client.post("/v1/reports", json={"text": text, "title": "Tiêu đề\uffff"})
    plain = client.post(
        "/v1/reports",
        content=(REPORT + " \uffff\x02 thô").encode(),
        headers={"content-type": "text/plain"},
    )
    assert answer.status_code == 202, answer.text
    assert plain.status_code == 202, plain.text
    with Session(get_engine()) as session:
        stored = session.get(Report, uuid.UUID(answer.json()["id"]))
        stored_plain = session.get(Report, uuid.UUID(plain.json()["id"]))
        assert stored is not None and stored_plain is not None
        assert stored.body == text.replace(forbidden, "\ufffd" * len(forbidden))
        assert stored.title == "Tiêu đề\ufffd"
        assert stored_plain.body == REPORT + " \ufffd\ufffd thô"
        for value in (stored.body, stored.title, stored_plain.body):
            etree.Element("item").text = value  # what a feed does with it: no ValueError


def test_a_lone_surrogate_is_a_clear_422(client: TestClient) -> None:
    """It can only arrive as a JSON escape, and no UTF-8 text can carry it."""
    raw = '{"text": "' + REPORT.replace("\n", " ") + ' \\ud800 hết."}'
    answer = client.post("/v1/reports", content=raw, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["text"]
