"""RSS 2.0 and Atom 1.0 through feedgen; JSON Feed 1.1 through a small pydantic model.

All three are built from one ``FeedDocument``, so they carry the same items, ids,
dates, categories and RFC 5005 paging links (``first`` / ``next`` / ``previous``;
in RSS as ``atom:link`` elements, in JSON Feed as ``next_url``).

The items come pre-rendered in the document's format (``fragments.py``, stored by
the indexer): feedgen and pydantic write the channel around them, and the items
are spliced in as text, so a page costs one header however many items it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from feedgen.feed import FeedGenerator
from lxml import etree
from pydantic import AwareDatetime, BaseModel

from danvan_publish.websub import hub_url

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str


@dataclass
class FeedItem:
    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    categories: list[Category] = field(default_factory=list)
    external_url: str | None = None


@dataclass
class FeedDocument:
    id: str
    title: str
    description: str
    self_url: str
    home_page_url: str
    first_url: str
    updated: datetime
    next_url: str | None = None
    prev_url: str | None = None
    #: the items, already rendered in the format being written
    items: list[str] = field(default_factory=list)
    #: the WebSub hub subscribers are sent the changes by (default: publish's own)
    hub_url: str = field(default_factory=hub_url)


def _generator(document: FeedDocument) -> FeedGenerator:
    generator = FeedGenerator()
    generator.id(document.id)
    generator.title(document.title)
    generator.subtitle(document.description)
    generator.description(document.description)
    generator.language("vi")
    generator.author({"name": "danvan"})
    generator.generator("danvan publish")
    generator.updated(document.updated)
    generator.lastBuildDate(document.updated)
    generator.ttl(30)
    # feedgen writes the last "alternate" link as the RSS channel link.
    generator.link(href=document.self_url, rel="self")
    generator.link(href=document.hub_url, rel="hub")
    generator.link(href=document.first_url, rel="first")
    if document.next_url:
        generator.link(href=document.next_url, rel="next")
    if document.prev_url:
        generator.link(href=document.prev_url, rel="previous")
    generator.link(href=document.home_page_url, rel="alternate", type="text/html")
    return generator


def _splice(head: bytes, closing: bytes, items: list[str]) -> bytes:
    """Insert the items just before the document's last ``closing`` tag."""
    at = head.rindex(closing)
    return b"".join((head[:at], "".join(items).encode(), head[at:]))


def render_atom(document: FeedDocument) -> bytes:
    return _splice(bytes(_generator(document).atom_str(pretty=False)), b"</feed>", document.items)


def render_rss(document: FeedDocument) -> bytes:
    feed, tree = _generator(document)._create_rss()
    channel = feed.find("channel")
    # feedgen keeps only rel="self" in RSS; RFC 5005 paging needs the others too.
    for rel, href in (
        ("hub", document.hub_url),
        ("first", document.first_url),
        ("next", document.next_url),
        ("previous", document.prev_url),
    ):
        if href:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=href, rel=rel)
    return _splice(
        bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True)),
        b"</channel>",
        document.items,
    )


class JsonFeedAuthor(BaseModel):
    name: str
    url: str | None = None


class JsonFeedItem(BaseModel):
    id: str
    url: str
    external_url: str | None = None
    title: str
    content_html: str
    summary: str
    date_published: AwareDatetime
    date_modified: AwareDatetime
    tags: list[str]


class JsonFeedHub(BaseModel):
    type: str = "WebSub"
    url: str


class JsonFeed(BaseModel):
    version: str = "https://jsonfeed.org/version/1.1"
    title: str
    home_page_url: str
    feed_url: str
    description: str
    language: str = "vi"
    next_url: str | None = None
    hubs: list[JsonFeedHub] = []
    authors: list[JsonFeedAuthor]
    items: list[JsonFeedItem]


def render_json(document: FeedDocument) -> bytes:
    feed = JsonFeed(
        title=document.title,
        home_page_url=document.home_page_url,
        feed_url=document.self_url,
        description=document.description,
        next_url=document.next_url,
        hubs=[JsonFeedHub(url=document.hub_url)],
        authors=[JsonFeedAuthor(name="danvan")],
        items=[],
    )
    head = feed.model_dump_json(exclude_none=True).encode()
    assert head.endswith(b'"items":[]}')  # items is the model's last field
    return b"".join((head[:-2], ",".join(document.items).encode(), b"]}"))


RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}
