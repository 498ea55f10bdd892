"""Pre-rendered feed items: a report's items are stored once for all its feeds, what a
feed serves from them is what feedgen would write for the entry, and a page served
from stored items equals one rendered on request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from feedgen.entry import FeedEntry as FeedgenEntry
from lxml import etree
from sqlalchemy import delete, update
from sqlmodel import Session, select

from danvan_publish import fragments
from danvan_shared.db import get_engine
from danvan_shared.models import FeedEntry, ReportItem
from tests.publish.conftest import BASE_URL, VERSION, StoreReport, make_extraction


def _tree(element: Any) -> tuple[Any, ...]:
    """An element as nested tuples: namespace-resolved tags, attributes, text."""
    return (
        element.tag,
        dict(element.attrib),
        (element.text or "").strip(),
        tuple(_tree(child) for child in element),
    )


def _feedgen_entry(entry: FeedEntry) -> FeedgenEntry:
    from danvan_publish.fragments import feed_item

    item = feed_item(entry, BASE_URL)
    reference = FeedgenEntry()
    reference.id(item.id)
    reference.title(item.title)
    reference.link(href=item.url, rel="alternate")
    reference.summary(item.summary)
    reference.content(item.content_html, type="html")
    reference.published(item.published)
    reference.updated(item.updated)
    reference.category(
        [{"term": c.term, "label": c.label, "scheme": c.scheme} for c in item.categories]
    )
    return reference


def _stored(feed: str) -> list[FeedEntry]:
    with Session(get_engine()) as session:
        return list(session.exec(select(FeedEntry).where(FeedEntry.feed == feed)))


def _items() -> list[ReportItem]:
    with Session(get_engine()) as session:
        return list(session.exec(select(ReportItem)))


def _served(entry: FeedEntry, fmt: str) -> str:
    """The item a feed serves for ``entry`` from its report's stored items."""
    with Session(get_engine()) as session:
        stored = session.get(ReportItem, entry.report_id)
    assert stored is not None
    assert fragments.is_current(
        stored.fragment_base_url, stored.content_hash, entry.content_hash, BASE_URL
    )
    column = {"rss": stored.rss_item, "atom": stored.atom_entry, "json": stored.json_item}
    return fragments.fill(fmt, column[fmt], entry.feed, entry.province_name, entry.updated_at)


def test_a_reports_items_are_stored_once_and_serve_each_feed_as_feedgen_writes_it(
    store_report: StoreReport,
) -> None:
    store_report()
    [item] = _items()
    assert item.fragment_base_url == f"v{fragments.FORMAT_VERSION} {BASE_URL}"
    entries = [*_stored("tuyen-quang"), *_stored("tuyen-quang-2025"), *_stored("national")]
    assert len(entries) == 3
    for entry in entries:
        reference = _feedgen_entry(entry)
        for served, expected in (
            (_served(entry, "atom"), reference.atom_entry()),
            (_served(entry, "rss"), reference.rss_entry()),
        ):
            ours, theirs = _tree(etree.fromstring(served)), _tree(expected)
            assert ours[:3] == theirs[:3]
            assert list(ours[3]) == list(theirs[3])


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_entries_without_stored_items_are_rendered_on_request_the_same_way(
    store_report: StoreReport, client: TestClient, fmt: str
) -> None:
    from danvan_publish.http_cache import render_cache

    store_report()
    store_report(make_extraction(event_key="tq|other"), source_url=None)
    url = f"/v1/feeds/tuyen-quang/2022.{fmt}"
    stored = client.get(url).content
    for values in (
        {"fragment_base_url": f"v{fragments.FORMAT_VERSION} https://elsewhere.example"},
        {"fragment_base_url": f"v0 {BASE_URL}"},
        {"content_hash": "0" * 64},  # rendered from what the entries showed before
        None,  # no items at all
    ):
        with Session(get_engine()) as session:
            if values is None:
                session.exec(delete(ReportItem))  # type: ignore[call-overload]
            else:
                session.exec(update(ReportItem).values(**values))  # type: ignore[call-overload]
            session.commit()
        render_cache.clear()
        assert client.get(url).content == stored
    if fmt != "json":
        assert not feedparser.parse(stored).bozo
        assert len(feedparser.parse(stored).entries) == 2


def test_reindexing_fills_in_missing_items_without_changing_the_feed(
    store_report: StoreReport, client: TestClient
) -> None:
    report_id = store_report()
    etag = client.get("/v1/feeds/tuyen-quang/2022.atom").headers["etag"]
    with Session(get_engine()) as session:
        session.exec(delete(ReportItem))  # type: ignore[call-overload]
        session.commit()
    from danvan_publish.tasks import index_report

    index_report.run(
        event="report.extracted",
        report_id=str(report_id),  # redelivered
        status="extracted",
        extractor_version=VERSION,
    )
    assert [item.report_id for item in _items()] == [report_id]
    response = client.get("/v1/feeds/tuyen-quang/2022.atom", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_backfill_stores_the_items_of_reports_without_current_ones(
    store_report: StoreReport, client: TestClient
) -> None:
    from danvan_publish.backfill import backfill
    from danvan_publish.http_cache import render_cache

    first = store_report()
    second = store_report(make_extraction(event_key="tq|other"))
    before = client.get("/v1/feeds/national/2022.rss").content
    with Session(get_engine()) as session:
        session.exec(delete(ReportItem))  # type: ignore[call-overload]
        session.commit()
    assert backfill(batch=2) == 2  # three entries each, each report rendered once
    assert backfill() == 0
    assert {item.report_id for item in _items()} == {first, second}
    render_cache.clear()
    assert client.get("/v1/feeds/national/2022.rss").content == before


def _entry(**changes: Any) -> FeedEntry:
    """A feed entry as the indexer builds one (not stored)."""
    values: dict[str, Any] = {
        "report_id": uuid.UUID(int=7),
        "feed": "tuyen-quang",
        "boundary": "old",
        "province_code": "08",
        "province_name": "Tuyên Quang",
        "period_key": "2022",
        "period_kind": "year",
        "meeting_type": "tong_ket",
        "level": "district",
        "campaigns": [{"slug": "dan-van-kheo", "name": "Dân vận khéo", "kind": "campaign"}],
        "source_url": "https://example.vn/tin/1",
        "title": "Tổng kết công tác dân vận năm 2022 – Huyện ủy Hàm Yên",
        "summary": "Huyện ủy Hàm Yên tổ chức hội nghị tổng kết công tác dân vận năm 2022.",
        "content_html": "<p>Huyện ủy Hàm Yên tổ chức hội nghị &amp; khen thưởng.</p>",
        "published_at": datetime(2022, 12, 20, 3, tzinfo=UTC),
        "updated_at": datetime(2022, 12, 20, 4, tzinfo=UTC),
        "created_at": datetime(2022, 12, 20, 4, tzinfo=UTC),
    }
    return FeedEntry(**{**values, **changes})


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
@pytest.mark.parametrize("province_name", ["Tuyên Quang", "A & B <\"quoted\"> 'x'", None])
def test_a_reports_shared_item_filled_in_equals_the_entrys_own(
    fmt: str, province_name: str | None
) -> None:
    # One rendering serves every feed of the report, whatever its name and update time.
    shared = fragments.render_report(_entry(), BASE_URL)
    assert shared is not None
    stored = {"rss": shared.rss, "atom": shared.atom, "json": shared.json}[fmt]
    for entry in (
        _entry(),
        _entry(feed="tuyen-quang-2025", boundary="2025", province_name=province_name),
        _entry(feed="national", province_code=None, province_name=None),
        _entry(updated_at=datetime(2023, 1, 2, 3, 4, 5, 678, tzinfo=UTC)),
    ):
        own = fragments.RENDER[fmt](fragments.feed_item(entry, BASE_URL))
        assert fragments.fill(fmt, stored, entry.feed, entry.province_name, entry.updated_at) == own


@pytest.mark.parametrize(
    "changes",
    [
        {"summary": "Tóm tắt \ue000feed\ue001 lạ"},
        {"title": "Cập nhật lúc 0001-01-01T00:00:00+00:00"},
    ],
)
def test_a_report_whose_text_holds_a_placeholder_is_rendered_on_request(
    changes: dict[str, Any],
) -> None:
    assert fragments.render_report(_entry(**changes), BASE_URL) is None
