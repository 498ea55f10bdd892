"""Pre-rendered feed items: an entry's RSS ``<item>``, Atom ``<entry>`` and JSON Feed item.

The indexer renders them once, when an entry is written, and stores them in the
read model; a feed page is then a keyset query and a string join around a channel
header (``feeds.assemble_*``), with no per-item rendering on the request path.

The XML mirrors what feedgen writes for an entry (same elements, same order, same
date formats), built directly with lxml because feedgen's entry objects cost about
0.4 ms each. An Atom entry is written without a namespace and takes the feed's
default (Atom) namespace where it is spliced in; the RSS item declares the
``content`` prefix itself, as it is also declared on ``<rss>``.

The items name the public base URL (the report page link), so each entry stores the
key it was rendered under: ``FORMAT_VERSION`` and the base URL. An entry with no
items or another key (indexed before this existed, another base URL, an older item
format) is rendered on request, the same way, until ``backfill`` (or a re-index)
stores its items. Bump ``FORMAT_VERSION`` whenever what an item shows changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
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
    """What an item shows and where it is stored: a ``FeedEntry``, or the indexer's
    ``EntryRow``."""

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
    fragment_base_url: str | None
    rss_item: str | None
    atom_entry: str | None
    json_item: str | None


def feed_item(entry: ItemSource, base_url: str) -> FeedItem:
    """What a reader sees of an entry, in every format."""
    report_page = f"{base_url}/reports/{entry.report_id}"
    categories = [
        _feed_category(entry),
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


def render(entry: ItemSource, base_url: str) -> Fragments:
    return render_item(feed_item(entry, base_url), base_url)


def render_item(item: FeedItem, base_url: str) -> Fragments:
    return Fragments(key(base_url), rss_item(item), atom_entry(item), json_item(item))


# What stands for the feed's own category while the items shared by a report's entries
# are rendered: characters of the private use area, which no feed name holds. An item
# whose own text holds them is rendered on its own.
_FEED_TERM = "\ue000feed\ue001"
_FEED_LABEL = "\ue000province\ue001"
_FEED_SCHEME = "urn:danvan:province"


def _shared_columns(entry: ItemSource) -> tuple[Any, ...]:
    """Everything ``feed_item`` reads but the feed's own category."""
    return (
        entry.report_id,
        entry.period_key,
        entry.period_kind,
        entry.meeting_type,
        entry.level,
        tuple((campaign["slug"], campaign["name"]) for campaign in entry.campaigns),
        entry.source_url,
        entry.title,
        entry.summary,
        entry.content_html,
        entry.published_at,
        entry.updated_at,
    )


def _feed_category(entry: ItemSource) -> Category:
    """The first category of an item: the feed it is in."""
    return Category(entry.feed, entry.province_name or "Toàn quốc", _FEED_SCHEME)


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


def store_all(entries: Sequence[ItemSource], base_url: str) -> None:
    """``store`` for entries of one report: the items of entries that differ only in
    their feed are rendered once, and each entry's feed category is put in."""
    groups: dict[tuple[Any, ...], list[ItemSource]] = {}
    for entry in entries:
        groups.setdefault(_shared_columns(entry), []).append(entry)
    for group in groups.values():
        if len(group) == 1 or not _store_group(group, base_url):
            for entry in group:
                store(entry, base_url)


def _store_group(group: list[ItemSource], base_url: str) -> bool:
    item = feed_item(group[0], base_url)
    item.categories[0] = Category(_FEED_TERM, _FEED_LABEL, _FEED_SCHEME)
    shared = render_item(item, base_url)
    placeholders = _category_parts(item.categories[0])
    texts = (shared.rss, shared.atom, shared.json)
    # Each placeholder once, and no other private-use text that a replace could touch.
    if any(
        text.count(placeholder) != 1 or text.count("\ue000") != placeholder.count("\ue000")
        for text, placeholder in zip(texts, placeholders, strict=True)
    ):
        return False
    for entry in group:
        own = _category_parts(_feed_category(entry))
        rss, atom, json = (
            text.replace(placeholder, part)
            for text, placeholder, part in zip(texts, placeholders, own, strict=True)
        )
        for name, value in Fragments(shared.key, rss, atom, json).as_columns().items():
            setattr(entry, name, value)
    return True


def is_current(entry: ItemSource, base_url: str) -> bool:
    return entry.fragment_base_url == key(base_url) and None not in (
        entry.rss_item,
        entry.atom_entry,
        entry.json_item,
    )


def store(entry: ItemSource, base_url: str) -> None:
    """Render the entry's fragments into its columns (after every other column is set)."""
    for name, value in render(entry, base_url).as_columns().items():
        setattr(entry, name, value)
