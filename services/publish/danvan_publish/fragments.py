"""Pre-rendered feed items: a report's RSS ``<item>``, Atom ``<entry>`` and JSON Feed item.

The indexer renders them once per report, when its entries are written, and stores
them in the read model (``ReportItem``); a feed page is then a keyset query and a
string join around a channel header (``feeds.assemble_*``), with no per-item
rendering on the request path.

A report's entries (its province before and after 2025, and ``national``) show the
same item but for two things: the feed's own category and the entry's update time.
The stored items hold placeholders for both, and ``fill`` puts an entry's own in, so
the items are rendered and written once per report rather than once per feed.

The XML mirrors what feedgen writes for an entry (same elements, same order, same
date formats), built directly with lxml because feedgen's entry objects cost about
0.4 ms each. An Atom entry is written without a namespace and takes the feed's
default (Atom) namespace where it is spliced in; the RSS item declares the
``content`` prefix itself, as it is also declared on ``<rss>``.

The items name the public base URL (the report page link), so each stored item keeps
the key it was rendered under (``FORMAT_VERSION`` and the base URL) and the content
hash of the entries it was rendered from. An entry whose report has no item, or one
of another key or hash (indexed before this existed, another base URL, an older item
format, a report whose text holds a placeholder), is rendered on request, the same
way, until ``backfill`` (or a re-index) stores its items. Bump ``FORMAT_VERSION``
whenever what an item shows changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import Any, Protocol

from lxml import etree
from pydantic_core import to_json

from danvan_publish import labels
from danvan_publish.renderers import Category, FeedItem, JsonFeedItem

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
FORMAT_VERSION = 1


class _Sub(Protocol):
    def __call__(self, parent: etree._Element, tag: str, /) -> etree._Element: ...


_sub: _Sub = etree.SubElement


class ItemSource(Protocol):
    """What an item shows: a ``FeedEntry``, or the indexer's ``EntryRow``."""

    report_id: uuid.UUID
    feed: str
    province_name: str | None
    period_key: str | None
    period_kind: str | None
    meeting_type: str | None
    level: str | None
    campaigns: list[dict[str, Any]]
    source_url: str | None
    title: str
    summary: str
    content_html: str
    published_at: datetime
    updated_at: datetime


def feed_item(entry: ItemSource, base_url: str) -> FeedItem:
    """What a reader sees of an entry, in every format."""
    report_page = f"{base_url}/reports/{entry.report_id}"
    categories = [
        _feed_category(entry.feed, entry.province_name),
        Category(
            entry.period_key or "unknown",
            labels.period_label(entry.period_key, entry.period_kind),
            "urn:danvan:period",
        ),
        Category(
            entry.meeting_type or "unknown",
            labels.meeting_label(entry.meeting_type),
            "urn:danvan:meeting-type",
        ),
        Category(entry.level or "unknown", labels.level_label(entry.level), "urn:danvan:level"),
        *(Category(c["slug"], c["name"], "urn:danvan:campaign") for c in entry.campaigns),
    ]
    link = f'<p><a href="{report_page}">Xem báo cáo và các thông tin được trích xuất</a></p>'
    return FeedItem(
        id=f"urn:uuid:{entry.report_id}",
        url=entry.source_url or report_page,
        title=entry.title,
        summary=entry.summary,
        content_html=entry.content_html + link,
        published=entry.published_at.astimezone(UTC),
        updated=entry.updated_at.astimezone(UTC),
        categories=categories,
    )


def atom_entry(item: FeedItem) -> str:
    entry = etree.Element("entry")
    _sub(entry, "id").text = item.id
    _sub(entry, "title").text = item.title
    _sub(entry, "updated").text = item.updated.isoformat()
    content = _sub(entry, "content")
    content.text = item.content_html
    content.set("type", "html")
    _sub(entry, "link").set("href", item.url)  # rel="alternate" is the default (and
    # feedgen drops it too)
    _sub(entry, "summary").text = item.summary
    for category in item.categories:
        element = _sub(entry, "category")
        element.set("term", category.term)
        element.set("scheme", category.scheme)
        element.set("label", category.label)
    _sub(entry, "published").text = item.published.isoformat()
    return etree.tostring(entry, encoding="unicode")


def rss_item(item: FeedItem) -> str:
    element = etree.Element("item", nsmap={"content": CONTENT_NS})
    _sub(element, "title").text = item.title
    _sub(element, "link").text = item.url
    _sub(element, "description").text = item.summary
    _sub(element, f"{{{CONTENT_NS}}}encoded").text = item.content_html
    guid = _sub(element, "guid")
    guid.text = item.id
    guid.set("isPermaLink", "false")
    for category in item.categories:
        tag = _sub(element, "category")
        tag.text = category.label
        tag.set("domain", category.scheme)
    _sub(element, "pubDate").text = format_datetime(item.published.astimezone(UTC))
    return etree.tostring(element, encoding="unicode")


def json_item(item: FeedItem) -> str:
    return JsonFeedItem(
        id=item.id,
        url=item.url,
        external_url=item.external_url,
        title=item.title,
        content_html=item.content_html,
        summary=item.summary,
        date_published=item.published,
        date_modified=item.updated,
        tags=[f"{c.scheme.rsplit(':', 1)[-1]}:{c.term}" for c in item.categories],
    ).model_dump_json(exclude_none=True)


RENDER = {"rss": rss_item, "atom": atom_entry, "json": json_item}
#: the ``ReportItem`` column that stores each format
COLUMNS = {"rss": "rss_item", "atom": "atom_entry", "json": "json_item"}


def key(base_url: str) -> str:
    """What stored items must have been rendered under to be served for ``base_url``."""
    return f"v{FORMAT_VERSION} {base_url}"


@dataclass(frozen=True)
class Fragments:
    key: str
    rss: str
    atom: str
    json: str

    def as_columns(self) -> dict[str, str]:
        return {
            "fragment_base_url": self.key,
            "rss_item": self.rss,
            "atom_entry": self.atom,
            "json_item": self.json,
        }


def render_item(item: FeedItem, base_url: str) -> Fragments:
    return Fragments(key(base_url), rss_item(item), atom_entry(item), json_item(item))


# What stands for the feed's own category and the entry's update time in a report's
# stored items: characters of the private use area, which no feed name holds, and a
# time no report has. A report whose own text holds either is rendered on request.
_FEED_TERM = "\ue000feed\ue001"
_FEED_LABEL = "\ue000province\ue001"
_FEED_SCHEME = "urn:danvan:province"
_UPDATED = datetime(1, 1, 1, tzinfo=UTC)
_FORMATS = ("rss", "atom", "json")


def _feed_category(feed: str, province_name: str | None) -> Category:
    """The first category of an item: the feed it is in."""
    return Category(feed, province_name or "Toàn quốc", _FEED_SCHEME)


def _category_parts(category: Category) -> tuple[str, str, str]:
    """The category as the RSS, Atom and JSON items spell it."""
    rss = etree.Element("category")
    rss.text = category.label
    rss.set("domain", category.scheme)
    atom = etree.Element("category")
    atom.set("term", category.term)
    atom.set("scheme", category.scheme)
    atom.set("label", category.label)
    json_tag = to_json(f"{category.scheme.rsplit(':', 1)[-1]}:{category.term}").decode()
    return (
        etree.tostring(rss, encoding="unicode"),
        etree.tostring(atom, encoding="unicode"),
        json_tag,
    )


@lru_cache(maxsize=256)
def _feed_parts(feed: str, province_name: str | None) -> dict[str, str]:
    parts = _category_parts(_feed_category(feed, province_name))
    return dict(zip(_FORMATS, parts, strict=True))


_FEED_PLACEHOLDERS = dict(
    zip(_FORMATS, _category_parts(Category(_FEED_TERM, _FEED_LABEL, _FEED_SCHEME)), strict=True)
)
# the update time as the Atom and JSON items spell it (RSS items have none)
_UPDATED_ATOM = _UPDATED.isoformat()
_UPDATED_JSON = to_json(_UPDATED).decode()
_UPDATED_PLACEHOLDERS = {"rss": None, "atom": _UPDATED_ATOM, "json": _UPDATED_JSON}


def render_report(entry: ItemSource, base_url: str) -> Fragments | None:
    """The items of ``entry``'s report, shared by all its entries: the feed's category
    and the update time are placeholders for ``fill``. None when the report's own text
    holds a placeholder: its entries are then rendered one by one, on request."""
    item = feed_item(entry, base_url)
    item.categories[0] = Category(_FEED_TERM, _FEED_LABEL, _FEED_SCHEME)
    shared = render_item(replace(item, updated=_UPDATED), base_url)
    for fmt, text in zip(_FORMATS, (shared.rss, shared.atom, shared.json), strict=True):
        feed_placeholder = _FEED_PLACEHOLDERS[fmt]
        updated_placeholder = _UPDATED_PLACEHOLDERS[fmt]
        # Each placeholder once, and no other private-use text that a fill could touch.
        if text.count(feed_placeholder) != 1 or text.count("\ue000") != feed_placeholder.count(
            "\ue000"
        ):
            return None
        if updated_placeholder is not None and text.count(updated_placeholder) != 1:
            return None
    return shared


def fill(fmt: str, stored: str, feed: str, province_name: str | None, updated: datetime) -> str:
    """One entry's item in ``fmt`` from its report's stored item (``render_report``)."""
    text = stored.replace(_FEED_PLACEHOLDERS[fmt], _feed_parts(feed, province_name)[fmt], 1)
    if fmt == "atom":
        return text.replace(_UPDATED_ATOM, updated.astimezone(UTC).isoformat(), 1)
    if fmt == "json":
        return text.replace(_UPDATED_JSON, to_json(updated.astimezone(UTC)).decode(), 1)
    return text


def is_current(item_key: str | None, item_hash: str | None, entry_hash: str, base_url: str) -> bool:
    """Whether a stored item serves an entry of ``entry_hash`` under ``base_url``."""
    return item_key == key(base_url) and item_hash == entry_hash
