"""Search as a reader uses it: accents optional, ranked, highlighted, filtered, and a feed;
officials found by name with their variants merged only when title and unit agree.

Every report text here is written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest
from fastapi.testclient import TestClient

from danvan_shared.extraction_schema import Period, Person, ProvinceRef, Unit
from tests.publish.conftest import (
    HA_GIANG,
    TUYEN_QUANG,
    TUYEN_QUANG_2025,
    StoreReport,
    make_extraction,
)

KHEO = (
    "Chiều 12/7/2024, Ban Dân vận Huyện ủy Sơn Dương sơ kết công tác dân vận sáu tháng. "
    'Phong trào "Dân vận khéo" có 41 mô hình mới; đồng chí Lò Thị Mai chủ trì.'
)
ROADS = (
    "Sáng 20/7/2024, Huyện ủy Hàm Yên họp sơ kết. Nhân dân hiến đất làm 12 km đường "
    "giao thông nông thôn; các đoàn thể vận động hộ nghèo."
)
TITLE_KHEO = "Lan tỏa Dân vận khéo ở Yên Sơn"


def _district(name: str, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "unit": Unit(name=name, kind="huyen", body="Huyện ủy"),
        "people": [],
        "campaigns": [],
        "documents": [],
        "event_key": None,
    }
    return make_extraction(**{**values, **overrides})


def test_accents_are_optional_and_matches_are_highlighted(
    store_report: StoreReport, client: TestClient
) -> None:
    kheo = store_report(_district("Sơn Dương"), body=KHEO, title="Sơn Dương sơ kết dân vận")
    store_report(_district("Hàm Yên"), body=ROADS, title="Hàm Yên sơ kết")
    response = client.get("/v1/search", params={"q": "dan van kheo"})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    [hit] = page["results"]
    assert hit["report_id"] == str(kheo)
    assert "<mark>Dân</mark> <mark>vận</mark> <mark>khéo</mark>" in hit["snippet_html"]
    # the same search typed with its accents, and in capitals
    assert client.get("/v1/search", params={"q": "DÂN VẬN KHÉO"}).json()["total"] == 1
    # đ is folded to d both ways: "duong" finds "đường"
    roads = client.get("/v1/search", params={"q": "duong giao thong"}).json()["results"]
    assert [hit["unit_name"] for hit in roads] == ["Huyện ủy Hàm Yên"]


def test_a_match_in_the_title_ranks_above_one_in_the_body(
    store_report: StoreReport, client: TestClient
) -> None:
    in_body = store_report(_district("Sơn Dương"), body=KHEO, title="Sơn Dương sơ kết")
    in_title = store_report(  # a meeting of no review type is titled as its report
        _district("Yên Sơn", meeting_type="other"),
        body="Huyện ủy Yên Sơn tổng kết năm 2024; các xã đều có mô hình hay.",
        title=TITLE_KHEO,
    )
    results = client.get("/v1/search", params={"q": "dân vận khéo"}).json()["results"]
    assert [hit["report_id"] for hit in results] == [str(in_title), str(in_body)]
    assert results[0]["score"] > results[1]["score"]
    assert "<mark>Dân</mark> <mark>vận</mark> <mark>khéo</mark>" in results[0]["title_html"]


def test_phrases_exclusions_and_or(store_report: StoreReport, client: TestClient) -> None:
    store_report(_district("Sơn Dương"), body=KHEO, title="Sơn Dương")
    store_report(_district("Hàm Yên"), body=ROADS, title="Hàm Yên")

    def titles(q: str) -> list[str]:
        results = client.get("/v1/search", params={"q": q}).json()["results"]
        return sorted(hit["unit_name"].removeprefix("Huyện ủy ") for hit in results)

    assert titles('"khéo dân vận"') == []  # the words, but not in this order
    assert titles('"dân vận khéo"') == ["Sơn Dương"]
    assert titles("sơ kết -khéo") == ["Hàm Yên"]
    assert titles("khéo OR đường") == ["Hàm Yên", "Sơn Dương"]
    problem = client.get("/v1/search", params={"q": '-- "" !'})
    assert problem.status_code == 422
    assert problem.headers["content-type"] == "application/problem+json"


def test_the_feed_filters_apply(store_report: StoreReport, client: TestClient) -> None:
    tuyen_quang = store_report(_district("Sơn Dương"), body=KHEO, title="Sơn Dương")
    ha_giang = store_report(
        _district(
            "Bắc Quang",
            province=HA_GIANG,
            province_2025=TUYEN_QUANG_2025,
            meeting_type="tong_ket",
            period=Period(key="2023", kind="FY", year=2023),
        ),
        body=KHEO.replace("Sơn Dương", "Bắc Quang"),
        title="Bắc Quang",
    )

    def found(**params: str) -> list[str]:
        response = client.get("/v1/search", params={"q": "dan van kheo", **params})
        assert response.status_code == 200, response.text
        return sorted(hit["report_id"] for hit in response.json()["results"])

    assert found() == sorted([str(tuyen_quang), str(ha_giang)])
    assert found(province="tuyen-quang") == [str(tuyen_quang)]
    assert found(province="ha-giang") == [str(ha_giang)]
    assert found(province="tuyen-quang-2025") == sorted([str(tuyen_quang), str(ha_giang)])
    assert found(period="2023") == [str(ha_giang)]
    assert found(period="2022-H1") == [str(tuyen_quang)]
    assert found(type="tong_ket") == [str(ha_giang)]
    assert found(level="commune") == []
    assert client.get("/v1/search", params={"q": "x", "province": "atlantis"}).status_code == 404
    assert client.get("/v1/search", params={"q": "x", "period": "2023-H3"}).status_code == 404


def test_every_search_is_an_atom_feed(store_report: StoreReport, client: TestClient) -> None:
    older = store_report(
        _district("Sơn Dương"), body=KHEO, published_at=datetime(2024, 7, 13, tzinfo=UTC)
    )
    newer = store_report(
        _district("Yên Sơn"), body=KHEO, published_at=datetime(2024, 7, 20, tzinfo=UTC)
    )
    store_report(_district("Hàm Yên"), body=ROADS)
    response = client.get("/v1/search.atom", params={"q": "dan van kheo"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert [entry.id for entry in parsed.entries] == [f"urn:uuid:{newer}", f"urn:uuid:{older}"]
    assert "dan van kheo" in parsed.feed.title
    cached = client.get(
        "/v1/search.atom",
        params={"q": "dan van kheo"},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert cached.status_code == 304


def test_the_search_page_shows_results_and_officials(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report(
        _district(
            "Sơn Dương",
            people=[Person(name="Lò Thị Mai", titles=["Bí thư Huyện ủy"], roles=["chair"])],
        ),
        body=KHEO,
        title="Sơn Dương sơ kết",
    )
    page = client.get("/search", params={"q": "lo thi mai"})
    assert page.status_code == 200
    assert "<mark>Lò</mark> <mark>Thị</mark> <mark>Mai</mark>" in page.text
    assert "/people/lo-thi-mai." in page.text
    assert "nothing" not in client.get("/search", params={"q": "--"}).text.lower()
    assert client.get("/search", params={"q": "--"}).status_code == 200


def _chaired(name: str, title: str, unit: str, code: str | None, **overrides: object):  # type: ignore[no-untyped-def]
    return _district(
        unit,
        unit=Unit(name=unit, kind="huyen", body="Huyện ủy", code=code),
        people=[Person(name=name, titles=[title], roles=["chair"])],
        **overrides,
    )


def test_officials_merge_variants_only_when_title_and_unit_agree(
    store_report: StoreReport, client: TestClient
) -> None:
    # One official over three years: a variant spelling, a promotion within the district.
    first = store_report(
        _chaired(
            "Hoàng Văn Thuỷ", "Phó Bí thư Huyện ủy", "Sơn Dương", "073", event_date="2022-07-10"
        ),
        body=KHEO,
    )
    second = store_report(
        _chaired(
            "Hoàng Văn Thủy",
            "Bí thư Huyện ủy",
            "Sơn Dương",
            "073",
            event_date="2024-07-12",
            period=Period(key="2024-H1", kind="H1", year=2024),
        ),
        body=KHEO,
    )
    # Same name, another district of the same province: someone else.
    other_district = store_report(
        _chaired("Hoàng Văn Thủy", "Bí thư Huyện ủy", "Hàm Yên", "074"), body=ROADS
    )
    # Same name at the province tier: someone else too.
    store_report(
        _chaired("Hoàng Văn Thủy", "Phó Chủ tịch UBND tỉnh", "Yên Sơn", "075", level="district"),
        body=ROADS,
    )
    # Same name in another province: someone else.
    store_report(
        _chaired(
            "Hoàng Văn Thủy",
            "Bí thư Huyện ủy",
            "Châu Thành",
            "831",
            province=ProvinceRef(code="83", name="Bến Tre", slug="ben-tre"),
            province_2025=ProvinceRef(code="86", name="Vĩnh Long", slug="vinh-long-2025"),
        ),
        body=ROADS,
    )
    found = client.get("/v1/people", params={"q": "hoang van thuy"}).json()
    assert len(found) == 4
    top = found[0]
    assert top["meetings"] == 2
    assert top["variants"] == ["Hoàng Văn Thuỷ", "Hoàng Văn Thủy"]
    assert top["titles"] == ["Bí thư Huyện ủy", "Phó Bí thư Huyện ủy"]
    assert [p["meetings"] for p in found[1:]] == [1, 1, 1]

    person = client.get(f"/v1/people/{top['id']}").json()
    assert [m["report_id"] for m in person["meeting_list"]] == [str(first), str(second)]
    assert [(t["title"], t["first_seen"]) for t in person["titles_over_time"]] == [
        ("Phó Bí thư Huyện ủy", "2022-07-10"),
        ("Bí thư Huyện ủy", "2024-07-12"),
    ]
    assert person["roles"] == {"chair": 2}
    assert str(other_district) not in {m["report_id"] for m in person["meeting_list"]}
    page = client.get(f"/people/{top['id']}")
    assert page.status_code == 200 and "Phó Bí thư Huyện ủy" in page.text
    assert client.get("/v1/people/hoang-van-thuy.08.nowhere").status_code == 404


def test_a_reindexed_report_is_searched_by_its_new_text(
    store_report: StoreReport, client: TestClient
) -> None:
    report_id = store_report(_district("Sơn Dương"), body=KHEO)
    assert client.get("/v1/search", params={"q": "kheo"}).json()["total"] == 1
    store_report(
        make_extraction(relevant=False, province=TUYEN_QUANG), report_id=report_id, version="test-2"
    )
    assert client.get("/v1/search", params={"q": "kheo"}).json()["total"] == 0


def test_past_the_rank_window_the_newest_matches_are_ranked_and_the_total_is_a_floor(
    store_report: StoreReport, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from danvan_publish import search_repository

    monkeypatch.setattr(search_repository, "RANK_WINDOW", 2)
    days = [datetime(2024, 7, day, tzinfo=UTC) for day in (13, 14, 15)]
    ids = [
        store_report(_district(name), body=KHEO, published_at=day)
        for name, day in zip(("Sơn Dương", "Yên Sơn", "Hàm Yên"), days, strict=True)
    ]
    page = client.get("/v1/search", params={"q": "dan van kheo"}).json()
    assert (page["total"], page["total_exact"]) == (2, False)
    assert {hit["report_id"] for hit in page["results"]} == {str(ids[1]), str(ids[2])}
    assert "2+ bản tin" in client.get("/search", params={"q": "dan van kheo"}).text


def test_control_characters_in_a_search_are_refused(client: TestClient) -> None:
    for path in ("/v1/search", "/v1/search.atom", "/v1/people"):
        response = client.get(path, params={"q": "dân\x00vận\x07"})
        assert response.status_code == 422, path
        assert response.headers["content-type"] == "application/problem+json"


def test_a_document_number_is_found_as_it_is_written_or_without_marks(
    store_report: StoreReport, client: TestClient
) -> None:
    cited = store_report(
        _district("Sơn Dương"),
        body="Huyện ủy Sơn Dương sơ kết 5 năm thực hiện Quyết định 290/QĐ-TW về công tác dân vận.",
        title="Sơn Dương sơ kết",
    )
    store_report(_district("Hàm Yên"), body=ROADS, title="Hàm Yên sơ kết")
    for q in ("290/QĐ-TW", "290/QD-TW"):
        results = client.get("/v1/search", params={"q": q}).json()["results"]
        assert [hit["report_id"] for hit in results] == [str(cited)], q
