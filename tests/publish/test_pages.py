"""The pages answer once real-looking reports are in: the dashboard on both boundary sets,
every province page it links to and every report page those link to.

The reports are written for this test in the style of provincial news items and go through
the real extractor, so the period keys are the ones it really produces, including the odd
ones (a review with no year, a ten-year review, a term, a multi-year span).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from danvan_extract.extraction import extract_report
from tests.publish.conftest import StoreReport

# (body, source URL, published_at): written for this test, not taken from any corpus.
REPORTS: list[tuple[str, str | None, datetime | None]] = [
    (
        "Ngày 15/10/2025, Ban Dân vận Tỉnh ủy Tuyên Quang tổ chức Hội nghị sơ kết công tác "
        "dân vận quý III, triển khai nhiệm vụ quý IV. Đồng chí Nguyễn Thị Hoa, Trưởng Ban Dân "
        "vận Tỉnh ủy chủ trì hội nghị.",
        "https://tuyenquang.dcs.vn/tin/so-ket-quy-3",
        datetime(2025, 10, 16, tzinfo=UTC),
    ),
    (
        "Huyện ủy Yên Thế tổ chức hội nghị tổng kết 10 năm thực hiện Quy chế dân vận của hệ "
        "thống chính trị. Đồng chí Lê Văn Nam, Bí thư Huyện ủy phát biểu chỉ đạo.",
        "https://bacgiang.gov.vn/tin/tong-ket-quy-che",
        None,
    ),
    (
        "Sáng 12/7/2023, Ban Dân vận Thành ủy Cần Thơ tổ chức hội nghị sơ kết công tác dân vận "
        "6 tháng đầu năm 2023, phương hướng 6 tháng cuối năm. Hội nghị đánh giá phong trào thi "
        'đua "Dân vận khéo".',
        "https://cantho.gov.vn/tin/so-ket-6-thang",
        datetime(2023, 7, 12, tzinfo=UTC),
    ),
    (
        "Chiều ngày 20/12/2024, Đảng ủy xã Tân Lập, huyện Đồng Phú tổ chức hội nghị tổng kết "
        "công tác dân vận năm 2024 và nhiệm kỳ 2020-2025.",
        "https://binhphuoc.gov.vn/tin/tan-lap",
        datetime(2024, 12, 21, tzinfo=UTC),
    ),
    (
        "Ban Dân vận Huyện ủy Mường Chà tổ chức hội nghị giao ban công tác dân vận 9 tháng đầu "
        "năm. Các đại biểu thảo luận về công tác vận động quần chúng ở vùng đồng bào dân tộc.",
        "https://dienbien.gov.vn/tin/muong-cha",
        None,
    ),
    (
        "Hội nghị tổng kết công tác dân vận giai đoạn 2021-2025 của Tỉnh ủy Nghệ An diễn ra "
        "ngày 5/11/2025 với sự tham dự của lãnh đạo các sở, ngành.",
        "https://nghean.gov.vn/tin/tong-ket-giai-doan",
        datetime(2025, 11, 5, tzinfo=UTC),
    ),
    (
        "Ban Dân vận Huyện ủy Krông Pắc tổ chức hội nghị sơ kết công tác dân vận quý 3.",
        None,
        None,
    ),
    (
        "Ngày 8/1/2024, Ban Dân vận Quận ủy Hoàng Mai tổ chức hội nghị tổng kết công tác dân "
        "vận năm 2023, triển khai nhiệm vụ năm 2024.",
        "https://hanoi.gov.vn/tin/hoang-mai",
        datetime(2024, 1, 9, tzinfo=UTC),
    ),
]


def _links(html: str, pattern: str) -> set[str]:
    return {href for href in re.findall(r'href="([^"]+)"', html) if re.match(pattern, href)}


@pytest.fixture
def real_looking_reports(store_report: StoreReport) -> set[str]:
    """The reports indexed; returns the period keys the extractor gave them."""
    keys = set()
    for body, url, published in REPORTS:
        extraction = extract_report(body, url=url, published_at=published)
        store_report(extraction, body=body, title=None, source_url=url, published_at=published)
        if extraction.period and extraction.period.key:
            keys.add(extraction.period.key)
    # The extractor no longer writes yearless keys, but extractions stored by older versions
    # hold them ("10Y", "?-Q3"): one such report sits beside the new ones.
    body, url, published = REPORTS[0]
    legacy = extract_report(body, url=url, published_at=published)
    assert legacy.period is not None
    legacy.period = legacy.period.model_copy(update={"key": "10Y", "year": None})
    store_report(
        legacy, body=body + " (bản cũ)", title=None, source_url=url, published_at=published
    )
    keys.add("10Y")
    return keys


def test_dashboard_province_and_report_pages_answer_with_real_period_keys(
    real_looking_reports: set[str], client: TestClient
) -> None:
    # dated and undated keys side by side: what once made the sort compare date with str
    assert any(key[:4].isdigit() for key in real_looking_reports)
    assert any(not key[:4].isdigit() for key in real_looking_reports)
    provinces: set[str] = set()
    for boundary in ("old", "2025"):
        response = client.get(f"/?boundary={boundary}")
        assert response.status_code == 200, response.text[:300]
        for key in real_looking_reports:
            if key[:4].isdigit():  # whether undated keys are listed is the feeds' business
                assert f"<span>{key}</span>" in response.text
        provinces |= _links(response.text, r"^/provinces/")
    assert "/provinces/tuyen-quang-2025" in provinces and "/provinces/can-tho" in provinces
    reports: set[str] = set()
    for path in sorted(provinces):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        reports |= _links(response.text, r"^/reports/")
    assert len(reports) == len(REPORTS) + 1
    for path in sorted(reports):
        assert client.get(path).status_code == 200, path


def test_a_forged_host_header_never_reaches_the_page(
    real_looking_reports: set[str], client: TestClient
) -> None:
    page = client.get("/", headers={"Host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    assert 'src="/static/app.js"' in page.text and 'href="/static/style.css"' in page.text


def test_in_production_only_the_configured_hosts_are_served(publish_db: str, configure) -> None:  # type: ignore[no-untyped-def]
    from danvan_publish.app import create_app

    configure(
        environment="production",
        flower_password="not-used-here",
        public_base_url="https://feeds.example.vn",
    )
    with TestClient(create_app(), base_url="https://feeds.example.vn") as production:
        assert production.get("/").status_code == 200
        forged = production.get("/", headers={"Host": "evil.example"})
        assert forged.status_code == 400
        assert forged.headers["content-type"] == "application/problem+json"
        assert production.get("/healthz", headers={"Host": "127.0.0.1:8001"}).status_code == 200

    configure(trusted_hosts="*.example.vn")  # the setting replaces the derived list
    with TestClient(create_app(), base_url="https://mirror.example.vn") as production:
        assert production.get("/").status_code == 200
        assert production.get("/", headers={"Host": "localhost"}).status_code == 400


def test_the_report_page_says_why_a_report_landed_in_its_feeds(
    store_report: StoreReport, client: TestClient
) -> None:
    body, url, published = REPORTS[0]
    extraction = extract_report(body, url=url, published_at=published)
    report_id = store_report(extraction, body=body, title=None, source_url=url)
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200
    assert "Vì sao" in page.text
    level = extraction.evidence["level"]
    assert level.rule in page.text and level.text and level.text in page.text
    assert "Cấp" in page.text and "đoạn mở đầu" in page.text


def test_a_2025_province_page_lists_the_new_communes_that_reported(
    store_report: StoreReport, client: TestClient
) -> None:
    body = (
        "Ngày 20/12/2025, Đảng ủy phường Hạc Thành tổ chức hội nghị tổng kết công tác dân vận "
        "năm 2025, triển khai nhiệm vụ năm 2026."
    )
    extraction = extract_report(body)
    assert extraction.province_2025 is not None
    store_report(extraction, body=body, title=None, source_url=None)
    page = client.get(f"/provinces/{extraction.province_2025.slug}")
    assert page.status_code == 200
    units = page.text.split('id="units"', 1)[1].split("</ul>", 1)[0]
    assert "Hạc Thành" in units and "Cấp xã" in units
