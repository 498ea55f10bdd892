"""Coverage as a provincial Ban Dân vận reads it: every district (or since 2025 every
commune) of the province, reported or not seen, late once the usual window has passed,
and a feed that announces each unit's first report.

Generated reports for Tuyên Quang with known gaps; every text here is written for these
tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import feedparser
from fastapi.testclient import TestClient

from danvan_shared.extraction_schema import Period, Unit
from tests.publish.conftest import TUYEN_QUANG, TUYEN_QUANG_2025, StoreReport, make_extraction

H1_2024 = Period(key="2024-H1", kind="H1", year=2024)
TUYEN_QUANG_DISTRICTS = {"070", "071", "072", "073", "074", "075", "076"}


def _review(
    store_report: StoreReport,
    unit: Unit,
    *,
    level: str = "district",
    day: str = "2024-07-10",
    period: Period = H1_2024,
    published: datetime | None = None,
    **overrides: object,
) -> str:
    extraction = make_extraction(
        level=level,
        unit=unit,
        period=period,
        event_date=day,
        event_key=None,
        people=[],
        **overrides,
    )
    body = f"Ngày {day}, {unit.body or ''} {unit.name} họp sơ kết công tác dân vận (bài thử)."
    return str(
        store_report(
            extraction,
            body=body,
            published_at=published or datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC),
        )
    )


def _district(name: str, code: str | None) -> Unit:
    return Unit(name=name, kind="huyen", body="Huyện ủy", code=code)


def _gappy_province(store_report: StoreReport) -> dict[str, list[str]]:
    """Three of Tuyên Quang's seven districts report their 2024-H1 review."""
    reports = {
        "073": [_review(store_report, _district("Chiêm Hóa", "073"))],
        # no code: found by its name
        "074": [
            _review(
                store_report,
                _district("Hàm Yên", None),
                day="2024-07-18",
                published=datetime(2024, 7, 20, 9, tzinfo=UTC),
            )
        ],
        "076": [
            _review(store_report, _district("Sơn Dương", "076"), day="2024-07-02"),
            _review(store_report, _district("Sơn Dương", "076"), day="2024-07-05"),
        ],
    }
    # Not the H1 review of a district: another period, another level, an unknown unit.
    _review(store_report, _district("Yên Sơn", "075"), period=Period(key="2024-9M", kind="9M"))
    _review(store_report, Unit(name="Vĩnh Lộc", kind="xa", body="Đảng ủy xã"), level="commune")
    reports["unplaced"] = [_review(store_report, _district("Đồi Thông", None))]
    return reports


def test_every_district_is_listed_reported_or_not_seen_and_late(
    store_report: StoreReport, client: TestClient
) -> None:
    reports = _gappy_province(store_report)
    response = client.get("/v1/coverage/tuyen-quang/2024-H1")
    assert response.status_code == 200, response.text
    coverage = response.json()
    assert coverage["level"] == "district" and coverage["boundary"] == "old"
    units = {unit["code"]: unit for unit in coverage["units"]}
    assert set(units) == TUYEN_QUANG_DISTRICTS
    reported = {code for code, unit in units.items() if unit["status"] == "reported"}
    assert reported == {"073", "074", "076"}
    assert (coverage["units_reported"], coverage["units_total"]) == (3, 7)
    assert coverage["share_reported"] == round(3 / 7, 4)
    # the window for an H1 review (June–July 2024) has long passed: the others are late
    assert coverage["window"]["state"] == "passed"
    assert {code for code, unit in units.items() if unit["late"]} == {"070", "071", "072", "075"}
    assert coverage["units_late"] == 4
    son_duong = units["076"]
    assert son_duong["name"] == "Huyện Sơn Dương"
    assert son_duong["meeting_date"] == "2024-07-02"
    assert sorted(r["report_id"] for r in son_duong["reports"]) == sorted(reports["076"])
    assert [r["report_id"] for r in coverage["unplaced"]] == reports["unplaced"]


def test_lateness_and_reports_are_judged_as_of_a_day(
    store_report: StoreReport, client: TestClient
) -> None:
    _gappy_province(store_report)
    during = client.get("/v1/coverage/tuyen-quang/2024-H1", params={"as_of": "2024-07-15"}).json()
    assert during["window"]["state"] == "open"
    assert during["units_late"] == 0
    # Hàm Yên's report was published on 20 July: not seen yet on the 15th
    assert {u["code"] for u in during["units"] if u["status"] == "reported"} == {"073", "076"}
    before = client.get("/v1/coverage/tuyen-quang/2024-H1", params={"as_of": "2024-05-01"}).json()
    assert before["window"]["state"] == "before" and before["units_reported"] == 0
    bad = client.get("/v1/coverage/tuyen-quang/2024-H1", params={"as_of": "yesterday"})
    assert bad.status_code == 422


def test_the_coverage_feed_announces_each_units_first_report(
    store_report: StoreReport, client: TestClient
) -> None:
    _gappy_province(store_report)

    def entries() -> list[str]:
        response = client.get("/v1/coverage/tuyen-quang/2024-H1.atom")
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo
        return [entry.id.rsplit(":", 1)[1] for entry in parsed.entries]

    first = entries()
    assert sorted(first) == ["073", "074", "076"]
    assert first[0] == "076"  # the last of the three to arrive comes first
    _review(store_report, _district("Sơn Dương", "076"), day="2024-07-25")  # not its first
    assert entries() == first
    _review(store_report, _district("Na Hang", "072"), day="2024-07-26")
    assert entries() == ["072", *first]


def test_since_2025_the_units_are_the_communes_of_the_new_province(
    store_report: StoreReport, client: TestClient
) -> None:
    ward = Unit(name="Hà Giang 2", kind="phuong", body="Đảng ủy phường", code="00691")
    reported = _review(
        store_report,
        ward,
        level="commune",
        day="2025-12-20",
        period=Period(key="2025", kind="FY", year=2025),
        province=None,
        province_2025=TUYEN_QUANG_2025,
        meeting_type="tong_ket",
    )
    coverage = client.get("/v1/coverage/tuyen-quang-2025/2025").json()
    assert coverage["boundary"] == "2025" and coverage["level"] == "commune"
    assert coverage["units_total"] > 100  # the communes and wards of the merged province
    [unit] = [u for u in coverage["units"] if u["status"] == "reported"]
    assert unit["code"] == "00691" and unit["name"] == "Phường Hà Giang 2"
    assert unit["reports"][0]["report_id"] == reported
    # the same province for 2024: the districts of the two provinces it was formed from
    before = client.get("/v1/coverage/tuyen-quang-2025/2024-H1").json()
    assert before["level"] == "district"
    assert {u["code"] for u in before["units"]} > TUYEN_QUANG_DISTRICTS
    assert before["units_total"] > len(TUYEN_QUANG_DISTRICTS)


def test_national_coverage_lists_the_provinces(
    store_report: StoreReport, client: TestClient
) -> None:
    _review(
        store_report,
        Unit(name="Tuyên Quang", kind="tinh", body="Tỉnh ủy", code="08"),
        level="province",
        period=Period(key="2024", kind="FY", year=2024),
        day="2024-12-20",
        province=TUYEN_QUANG,
        meeting_type="tong_ket",
    )
    coverage = client.get("/v1/coverage/national/2024").json()
    assert coverage["units_total"] == 63 and coverage["level"] == "province"
    assert [u["code"] for u in coverage["units"] if u["status"] == "reported"] == ["08"]
    # each province row opens that province's own coverage of the period
    by_code = {u["code"]: u for u in coverage["units"]}
    assert by_code["08"]["coverage_url"].endswith("/coverage/tuyen-quang/2024")
    page = client.get("/coverage/national/2024").text
    assert "/coverage/tuyen-quang/2024" in re.findall(r'href="([^"]+)"', page)


def test_a_unit_with_many_reports_shows_its_first_ones_and_their_count(
    store_report: StoreReport, client: TestClient
) -> None:
    many = [
        _review(store_report, _district("Sơn Dương", "076"), day=f"2024-07-{day:02d}")
        for day in range(1, 14)
    ]
    full = client.get("/v1/coverage/tuyen-quang/2024-H1").json()
    [son_duong] = [u for u in full["units"] if u["code"] == "076"]
    assert son_duong["report_count"] == 13
    assert [r["report_id"] for r in son_duong["reports"]] == many  # first arrived first
    capped = client.get("/v1/coverage/tuyen-quang/2024-H1", params={"reports_per_unit": 2}).json()
    [son_duong] = [u for u in capped["units"] if u["code"] == "076"]
    assert son_duong["report_count"] == 13
    assert [r["report_id"] for r in son_duong["reports"]] == many[:2]
    page = client.get("/coverage/tuyen-quang/2024-H1").text
    assert "+3 bản tin" in page  # the page links the first ten
    bad = client.get("/v1/coverage/tuyen-quang/2024-H1", params={"reports_per_unit": -1})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_a_dashboard_cell_opens_the_coverage_page(
    store_report: StoreReport, client: TestClient
) -> None:
    _gappy_province(store_report)
    dashboard = client.get("/?boundary=old").text
    assert "/coverage/tuyen-quang/2024-H1" in re.findall(r'href="([^"]+)"', dashboard)
    page = client.get("/coverage/tuyen-quang/2024-H1")
    assert page.status_code == 200
    assert "3</strong>/7" in page.text
    assert page.text.count(">Trễ hạn<") == 4
    assert "Huyện Lâm Bình" in page.text


def test_unknown_provinces_and_periods_are_problems(client: TestClient) -> None:
    for path in ("/v1/coverage/atlantis/2024", "/v1/coverage/tuyen-quang/2024-H7"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/coverage/tuyen-quang/2024-H7.atom").status_code == 404
