"""Publish lists and links only feeds it can serve, whatever period key an extraction has.

A yearless period once made keys like "?-Q3" or "10Y": the report landed in no feed,
yet the key was listed and linked (an Atom URL without ETag, an empty "10Y" feed).
Publish checks every key with the one canonical parser, whatever the extractor does.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from danvan_shared.db import get_engine
from danvan_shared.extraction_schema import Period
from danvan_shared.models import FeedEntry
from tests.crawl import crawl
from tests.publish.conftest import BASE_URL, StoreReport, make_extraction, period

BAD_KEYS = ["?-Q3", "10Y", "2024-M01", "２０２４-H1", "2024-Q³", "2024-M¹"]


def yearless(key: str) -> Period:
    return Period(key=key, kind="Q3" if "Q" in key else "multi_year", year=None, text="quý III")


@pytest.fixture
def reports(store_report: StoreReport) -> dict[str, str]:
    """One well-keyed report and one per bad key, all in Tuyên Quang."""
    ids = {"2022-H1": str(store_report())}
    for number, key in enumerate(BAD_KEYS):
        ids[key] = str(
            store_report(
                make_extraction(period=yearless(key), event_key=f"tq|{number}"),
                body=f"Báo cáo số {number}: sơ kết công tác dân vận quý III.",
            )
        )
    return ids


def test_reports_with_unservable_keys_are_in_no_feed_and_no_listing(
    reports: dict[str, str], client: TestClient
) -> None:
    keys = {item["key"] for item in client.get("/v1/periods").json()}
    assert keys == {"2022-H1"}
    for province in client.get("/v1/provinces").json():
        assert set(province["periods"]) == {"2022", "2022-H1"}, province
    opml = client.get("/v1/feeds.opml").text
    for key in BAD_KEYS:
        assert f"/{key}." not in opml and f"/{key}<" not in opml
    items = client.get("/v1/feeds/national/2022.json").json()["items"]
    assert [item["id"] for item in items] == [f"urn:uuid:{reports['2022-H1']}"]
    with Session(get_engine()) as session:
        stored = {entry.period_key for entry in session.exec(select(FeedEntry))}
    assert stored == {"2022-H1", None}


def test_the_unknown_period_shows_on_the_province_page_without_a_feed_link(
    reports: dict[str, str], client: TestClient
) -> None:
    page = client.get("/provinces/tuyen-quang")
    assert page.status_code == 200
    for key in BAD_KEYS:
        assert f"/{key}." not in page.text and f">{key}<" not in page.text
    assert "kỳ chưa xác định" in page.text
    for key in BAD_KEYS:
        report = client.get(f"/reports/{reports[key]}")
        assert report.status_code == 200
        assert "/v1/feeds/" not in report.text.split("Có trong nguồn tin")[1]


@pytest.mark.parametrize("legacy_key", ["?-Q3", "10Y"])
def test_entries_indexed_before_keys_were_checked_break_nothing(
    reports: dict[str, str], client: TestClient, legacy_key: str
) -> None:
    """As the old indexer stored them: the bad key on the entry, and (for "10Y") the
    extractor's own period dates, so the entry sits inside real feeds."""
    with Session(get_engine()) as session:
        session.exec(
            update(FeedEntry)
            .where(FeedEntry.report_id == uuid.UUID(reports[legacy_key]))  # type: ignore[arg-type]
            .values(period_key=legacy_key, period_kind="multi_year")
        )
        session.commit()
    result = crawl(
        client.get, [BASE_URL, "http://testserver"], extra=[f"/reports/{reports[legacy_key]}"]
    )
    assert not result.problems, "\n".join(result.problems)
    assert result.feeds and result.aggregates
    assert not any(legacy_key in path for path in result.visited)


def test_every_link_of_every_page_listing_and_feed_answers(
    reports: dict[str, str], client: TestClient, store_report: StoreReport
) -> None:
    store_report(make_extraction(period=period("2021-2025", "term"), event_key="tq|term"))
    result = crawl(
        client.get,
        [BASE_URL, "http://testserver"],
        extra=[f"/reports/{report_id}" for report_id in reports.values()],
    )
    assert not result.problems, "\n".join(result.problems)
    assert "/v1/feeds/tuyen-quang/2021-2025.atom" in result.visited
    assert result.reports == len(reports) + 1 and result.feeds >= 3 * 6
