"""Pre-rendered feed items: what the indexer stores is what feedgen would write, and a
page served from stored items equals one rendered on request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from feedgen.entry import FeedEntry as FeedgenEntry
from lxml import etree
from sqlalchemy import update
from sqlmodel import Session, select

from danvan_publish import fragments
from danvan_shared.db import get_engine
from danvan_shared.models import FeedEntry
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


def test_stored_items_are_what_feedgen_writes_for_the_entry(store_report: StoreReport) -> None:
    store_report()
    [entry] = _stored("tuyen-quang")
    assert entry.fragment_base_url == f"v{fragments.FORMAT_VERSION} {BASE_URL}"
    assert entry.atom_entry and entry.rss_item and entry.json_item
    reference = _feedgen_entry(entry)
    for stored, expected in (
        (entry.atom_entry, reference.atom_entry()),
        (entry.rss_item, reference.rss_entry()),
    ):
        ours, theirs = _tree(etree.fromstring(stored)), _tree(expected)
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
        {"rss_item": None, "atom_entry": None, "json_item": None},
    ):
        with Session(get_engine()) as session:
            session.exec(update(FeedEntry).values(**values))  # type: ignore[call-overload]
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
        session.exec(update(FeedEntry).values(atom_entry=None))  # type: ignore[call-overload]
        session.commit()
    from danvan_publish.tasks import index_report

    index_report.run(
        event="report.extracted",
        report_id=str(report_id),  # redelivered
        status="extracted",
        extractor_version=VERSION,
    )
    assert all(entry.atom_entry for entry in _stored("tuyen-quang"))
    response = client.get("/v1/feeds/tuyen-quang/2022.atom", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_backfill_stores_the_items_of_entries_without_current_ones(
    store_report: StoreReport, client: TestClient
) -> None:
    from danvan_publish.backfill import backfill
    from danvan_publish.http_cache import render_cache

    store_report()
    store_report(make_extraction(event_key="tq|other"))
    before = client.get("/v1/feeds/national/2022.rss").content
    with Session(get_engine()) as session:
        session.exec(
            update(FeedEntry).values(  # type: ignore[call-overload]
                fragment_base_url=None, rss_item=None, atom_entry=None, json_item=None
            )
        )
        session.commit()
    assert backfill(batch=2) == 6
    assert backfill() == 0
    assert all(entry.rss_item for entry in _stored("national"))
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


def _items(entry: FeedEntry) -> tuple[str | None, ...]:
    return (entry.fragment_base_url, entry.rss_item, entry.atom_entry, entry.json_item)


@pytest.mark.parametrize(
    "province_name",
    ["Tuyên Quang", "A & B <\"quoted\"> 'x'", None],
)
def test_items_rendered_once_per_report_equal_items_rendered_one_by_one(
    province_name: str | None,
) -> None:
    # The feeds of one report: the items are rendered once and each feed put in.
    together = [
        _entry(),
        _entry(feed="tuyen-quang-2025", boundary="2025", province_name=province_name),
        _entry(feed="national", province_code=None, province_name=None),
        # Content holding the placeholders' private-use characters is rendered alone.
        _entry(feed="ha-giang", summary="Tóm tắt \ue000feed\ue001 lạ"),
        _entry(feed="ha-giang-2025", summary="Tóm tắt \ue000feed\ue001 lạ"),
    ]
    alone = [
        _entry(**{k: getattr(e, k) for k in ("feed", "province_name", "summary")}) for e in together
    ]
    fragments.store_all(together, BASE_URL)
    for entry in alone:
        fragments.store(entry, BASE_URL)
    assert [_items(entry) for entry in together] == [_items(entry) for entry in alone]
    # Each item names its own feed, and only it.
    for entry in together:
        assert f'term="{entry.feed}"' in (entry.atom_entry or "")
        assert f'"province:{entry.feed}"' in (entry.json_item or "")
