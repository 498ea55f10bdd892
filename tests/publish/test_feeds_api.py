"""The feeds as a reader sees them: valid documents, containers, filters, paging, caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient

from tests.publish.conftest import BASE_URL, StoreReport, make_extraction, period

JSON_FEED_REQUIRED = {"version", "title", "items"}


def parse(response: object) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(response.content)  # type: ignore[attr-defined]
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("fmt,version", [("rss", "rss20"), ("atom", "atom10")])
def test_rss_and_atom_are_valid_and_say_who_met_when_and_who_chaired(
    store_report: StoreReport, client: TestClient, fmt: str, version: str
) -> None:
    report_id = store_report()
    response = client.get(f"/v1/feeds/tuyen-quang/2022-H1.{fmt}")
    assert response.status_code == 200
    parsed = parse(response)
    assert parsed.version == version
    [item] = parsed.entries
    assert item.id == f"urn:uuid:{report_id}"
    assert item.link == "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket"
    assert "Huyện ủy Chiêm Hóa" in item.title and "6 tháng đầu năm 2022" in item.title
    assert "Ngày 04/08/2022" in item.summary and "Hà Đức Tập" in item.summary
    assert "chủ trì" in item.summary
    terms = {
        (tag.get("scheme"), tag.get("term") if fmt == "atom" else tag.get("label"))
        for tag in item.tags
    }
    if fmt == "atom":
        assert ("urn:danvan:province", "tuyen-quang") in terms
        assert ("urn:danvan:period", "2022-H1") in terms
        assert ("urn:danvan:meeting-type", "so_ket") in terms
    else:
        assert {scheme for scheme, _ in terms} >= {
            "urn:danvan:province",
            "urn:danvan:period",
            "urn:danvan:meeting-type",
        }
    assert item.published_parsed[:3] == (2022, 8, 5)


def test_json_feed_has_the_spec_required_fields(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    response = client.get("/v1/feeds/tuyen-quang-2025/2022.json")
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = response.json()
    assert set(feed) >= JSON_FEED_REQUIRED
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{BASE_URL}/v1/feeds/tuyen-quang-2025/2022.json"
    [item] = feed["items"]
    assert item["id"] and ("content_html" in item or "content_text" in item)
    assert datetime.fromisoformat(item["date_published"]).tzinfo is not None


@pytest.mark.parametrize(
    "path,detail",
    [
        ("/v1/feeds/atlantis/2022.rss", "atlantis"),
        ("/v1/feeds/tuyen-quang/2022-H3.rss", "2022-H3"),
        ("/v1/feeds/tuyen-quang/22.atom", "22"),
        ("/v1/feeds/tuyen-quang/2022.html", ".html"),
        ("/v1/aggregates/atlantis/2022", "atlantis"),
        ("/v1/feeds/tuyen-quang/2022.rss?after=not-a-cursor", "cursor"),
    ],
)
def test_bad_feed_requests_get_problem_details(client: TestClient, path: str, detail: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_every_province_and_national_has_a_feed(client: TestClient) -> None:
    from danvan_publish import provinces

    scopes = provinces.all_scopes()
    assert len(provinces.scopes_for_boundary("old")) == 63
    assert len(provinces.scopes_for_boundary("2025")) == 34
    for slug in list(scopes)[::7]:
        assert client.get(f"/v1/feeds/{slug}/2021-2025.atom").status_code == 200


def test_a_feed_holds_every_period_that_lies_within_it(
    store_report: StoreReport, client: TestClient
) -> None:
    keys = {
        "2022-Q1": "Q1",
        "2022-H1": "H1",
        "2022-9M": "9M",
        "2022": "FY",
        "2023-Q1": "Q1",
        "2021-2025": "term",
    }
    for key, kind in keys.items():
        store_report(make_extraction(period=period(key, kind), event_key=f"tq|{key}"))

    def periods(feed_period: str) -> set[str]:
        feed = client.get(f"/v1/feeds/tuyen-quang/{feed_period}.json").json()
        return {
            tag.split(":", 1)[1]
            for item in feed["items"]
            for tag in item["tags"]
            if tag.startswith("period:")
        }

    assert periods("2022") == {"2022-Q1", "2022-H1", "2022-9M", "2022"}
    assert periods("2022-H1") == {"2022-Q1", "2022-H1"}
    assert periods("2022-Q1") == {"2022-Q1"}
    assert periods("2021-2025") == set(keys)
    assert periods("2024") == set()


def test_filters_by_level_meeting_type_campaign_and_duplicates(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    store_report(source_url="https://baotuyenquang.com.vn/so-ket")  # same meeting again
    store_report(
        make_extraction(
            level="province", meeting_type="tong_ket", campaigns=[], event_key="tq|tong-ket"
        )
    )

    def count(query: str) -> int:
        return len(client.get(f"/v1/feeds/tuyen-quang/2022.json?{query}").json()["items"])

    assert count("") == 3
    assert count("level=district") == 2
    assert count("meeting_type=tong_ket") == 1
    assert count("campaign=dan-van-kheo") == 2
    assert count("campaign=dong-khoi-moi") == 0
    assert count("duplicates=false") == 2
    assert client.get("/v1/feeds/tuyen-quang/2022.json?level=galaxy").status_code == 422


# Stored slug lists holding LIKE and SQL metacharacters (as no slugify output does, but
# as an older indexer or a hand-edited row could): a filter value matches a whole slug.
ODD_SLUGS = {
    "percent": "|50%-giam|",
    "underscore": "|a_b|",
    "letter": "|axb|",
    "quote": "|o'brien|",
    "pair": "|a|b|",
    "slash": "|x/y|",
    "double-quote": '|"q"|',
}


@pytest.mark.parametrize(
    "campaign,expected",
    [
        ("50%-giam", {"percent"}),
        ("50%", set()),
        ("%", set()),
        ("a_b", {"underscore"}),
        ("_", set()),
        ("o'brien", {"quote"}),
        ("o'brien' OR '1'='1", set()),
        ("a|b", set()),  # the delimiter: no slug holds it
        ("|", set()),
        ("x/y", {"slash"}),
        ('"q"', {"double-quote"}),
        ("b", {"pair"}),
    ],
)
def test_a_campaign_filter_with_metacharacters_matches_the_same_on_every_route(
    store_report: StoreReport, client: TestClient, campaign: str, expected: set[str]
) -> None:
    from sqlmodel import Session, col, update

    from danvan_publish import provinces, reader
    from danvan_publish.repository import FeedQuery
    from danvan_shared.db import get_engine
    from danvan_shared.models import FeedEntry

    ids = {name: store_report(make_extraction(event_key=f"tq|{name}")) for name in ODD_SLUGS}
    with Session(get_engine()) as session:
        for name, slugs in ODD_SLUGS.items():
            session.exec(
                update(FeedEntry)
                .where(col(FeedEntry.report_id) == ids[name])
                .values(campaign_slugs=slugs)
            )
        session.commit()
    wanted = {f"urn:uuid:{ids[name]}" for name in expected}
    query = {"campaign": campaign}
    json_feed = client.get("/v1/feeds/tuyen-quang/2022.json", params=query).json()
    assert {item["id"] for item in json_feed["items"]} == wanted
    for fmt in ("rss", "atom"):
        parsed = parse(client.get(f"/v1/feeds/tuyen-quang/2022.{fmt}", params=query))
        assert {item.id for item in parsed.entries} == wanted, fmt
    scope = provinces.scope("tuyen-quang")
    assert scope is not None
    start, end = reader.resolve_period("2022")
    with Session(get_engine()) as session:
        counted = reader.aggregate(
            session, FeedQuery(scope.slug, start, end, campaign=campaign), scope, "2022"
        )
    assert counted.reports == len(expected)


def test_paging_follows_next_links_and_is_stable_under_inserts(
    store_report: StoreReport, client: TestClient
) -> None:
    start = datetime(2022, 9, 1, tzinfo=UTC)
    for number in range(7):
        store_report(
            published_at=start + timedelta(days=number),
            extraction=make_extraction(event_key=f"tq|{number}"),
        )
    first = parse(client.get("/v1/feeds/tuyen-quang/2022.atom?limit=3"))
    links = {link.rel: link.href for link in first.feed.links}
    assert "next" in links and "first" in links and "previous" not in links
    seen = [entry.id for entry in first.entries]
    # New reports arrive while the reader is paging: they must not shift later pages.
    for number in range(2):
        store_report(
            published_at=start + timedelta(days=30 + number),
            extraction=make_extraction(event_key=f"tq|new{number}"),
        )
    url = links["next"]
    while url:
        page = parse(client.get(url.removeprefix(BASE_URL)))
        seen += [entry.id for entry in page.entries]
        page_links = {link.rel: link.href for link in page.feed.links}
        assert "previous" in page_links
        url = page_links.get("next")
    assert len(seen) == 7 == len(set(seen))
    rss = client.get("/v1/feeds/tuyen-quang/2022.rss?limit=3")
    assert 'rel="next"' in rss.text and "atom:link" in rss.text
    json_page = client.get("/v1/feeds/tuyen-quang/2022.json?limit=3").json()
    assert json_page["next_url"].startswith(f"{BASE_URL}/v1/feeds/tuyen-quang/2022.json?")
    back = parse(client.get(links["next"].removeprefix(BASE_URL)))
    prev_url = {link.rel: link.href for link in back.feed.links}["previous"]
    newer = parse(client.get(prev_url.removeprefix(BASE_URL)))
    assert [entry.id for entry in newer.entries] == seen[:3]


def test_conditional_get_answers_304_and_changes_after_an_update(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    response = client.get("/v1/feeds/tuyen-quang/2022.atom")
    etag, modified = response.headers["etag"], response.headers["last-modified"]
    assert "max-age" in response.headers["cache-control"]
    assert (
        client.get("/v1/feeds/tuyen-quang/2022.atom", headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get(
            "/v1/feeds/tuyen-quang/2022.atom", headers={"If-Modified-Since": modified}
        ).status_code
        == 304
    )
    aggregate = client.get("/v1/aggregates/tuyen-quang/2022")
    assert (
        client.get(
            "/v1/aggregates/tuyen-quang/2022", headers={"If-None-Match": aggregate.headers["etag"]}
        ).status_code
        == 304
    )
    store_report(make_extraction(event_key="tq|other"))
    changed = client.get("/v1/feeds/tuyen-quang/2022.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(parse(changed).entries) == 2


def test_feeds_are_gzipped(store_report: StoreReport, client: TestClient) -> None:
    store_report()
    response = client.get("/v1/feeds/tuyen-quang/2022.rss", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert b"<rss" in response.content  # the client decoded it transparently
    plain = client.get("/v1/feeds/tuyen-quang/2022.rss", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == response.content


HOSTILE_BODY = (
    'Hội nghị <script>alert("body")</script> sơ kết <img src=x onerror=alert(1)> '
    '<a href="javascript:alert(2)">bấm</a>'
)


def test_nothing_a_submitter_writes_can_run_in_a_reader(
    store_report: StoreReport, client: TestClient
) -> None:
    from danvan_shared.extraction_schema import Person, Unit

    store_report(
        make_extraction(
            unit=Unit(
                name='Chiêm Hóa<script>alert("unit")</script>',
                kind="huyen",
                body='<img src=x onerror="alert(3)">',
            ),
            people=[
                Person(
                    name='<b onmouseover="alert(4)">Hà Đức Tập</b>',
                    roles=["chair"],
                    titles=['<a href="javascript:alert(5)">Bí thư</a>'],
                )
            ],
        ),
        body=HOSTILE_BODY,
        title="<svg onload=alert(6)>Tiêu đề",
        source_url="javascript:alert(7)",
        source_name='<iframe src="https://evil.example">',
    )
    for fmt in ("rss", "atom", "json"):
        text = client.get(f"/v1/feeds/tuyen-quang/2022.{fmt}").text
        decoded = text.replace("&lt;", "<").replace("&gt;", ">").replace("\\u003c", "<")
        for needle in (
            "<script",
            "onerror",
            "onmouseover",
            "onload",
            "javascript:",
            "<iframe",
            "<svg",
        ):
            assert needle not in decoded.lower(), (fmt, needle)
    item = parse(client.get("/v1/feeds/tuyen-quang/2022.atom")).entries[0]
    assert item.link.startswith(f"{BASE_URL}/reports/")  # the hostile source link is dropped
    page = client.get(item.link.removeprefix(BASE_URL)).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_opml_provinces_and_periods_list_what_has_entries(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    store_report(make_extraction(period=period("2023", "FY"), event_key="tq|2023"))
    response = client.get("/v1/feeds.opml")
    assert response.headers["content-type"].startswith("text/x-opml")
    assert f"{BASE_URL}/v1/feeds/tuyen-quang-2025/2023.rss" in response.text
    assert "ha-giang" not in response.text
    listed = {item["slug"]: item for item in client.get("/v1/provinces").json()}
    assert set(listed) == {"national", "tuyen-quang", "tuyen-quang-2025"}
    assert listed["tuyen-quang"]["entries"] == 2
    assert {p["key"] for p in client.get("/v1/periods").json()} == {"2022-H1", "2023"}


def test_aggregates_count_levels_types_units_chairs_campaigns_documents(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    store_report(source_url="https://baotuyenquang.com.vn/so-ket")
    body = client.get("/v1/aggregates/tuyen-quang/2022").json()
    assert body["reports"] == 2 and body["meetings"] == 1
    assert body["by_level"] == {"district": 2} and body["by_meeting_type"] == {"so_ket": 2}
    assert body["units"] == [{"name": "Huyện ủy Chiêm Hóa", "slug": None, "count": 2}]
    assert body["officials"][0]["name"] == "Hà Đức Tập"
    assert body["campaigns"][0]["slug"] == "dan-van-kheo"
    assert body["documents"][0]["name"] == "Quy định số 124-QĐ/TW"


def test_health_and_openapi_declare_problems(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/v1/feeds/{province}/{period}.{fmt}"]["get"]["responses"]
    assert "application/problem+json" in responses["404"]["content"]
    assert client.get("/docs").status_code == 200


def test_an_implausible_publication_time_never_orders_a_feed(
    store_report: StoreReport, client: TestClient
) -> None:
    """Stored before ingest refused such times (1850), or read by the extractor from the
    text (2099): the feeds use the time the report arrived, never a future one."""
    before = datetime.now(UTC)
    store_report(
        make_extraction(published_at=datetime(2099, 1, 1, tzinfo=UTC)),
        published_at=datetime(1850, 1, 1, tzinfo=UTC),
    )
    [item] = client.get("/v1/feeds/tuyen-quang/2022.json").json()["items"]
    published = datetime.fromisoformat(item["date_published"])
    assert before - timedelta(seconds=5) <= published <= datetime.now(UTC)
    store_report(make_extraction(event_key="other"), published_at=datetime(2022, 8, 6, tzinfo=UTC))
    items = client.get("/v1/feeds/tuyen-quang/2022.json").json()["items"]
    assert [item["date_published"][:10] for item in items] == [
        published.date().isoformat(),
        "2022-08-06",
    ]
