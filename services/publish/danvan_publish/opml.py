"""OPML 2.0 subscription list: one outline per province, one feed per period with entries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from danvan_publish import labels, provinces


def feed_periods(counts: list[tuple[str, str, int, int]]) -> dict[str, list[str]]:
    """For each feed, its exact period keys plus the years that contain them."""
    periods: dict[str, set[str]] = defaultdict(set)
    for feed, key, _entries, _meetings in counts:
        periods[feed].add(key)
        periods[feed].add(key[:4])
    return {feed: sorted(keys, reverse=True) for feed, keys in periods.items()}


def render_opml(counts: list[tuple[str, str, int, int]], base_url: str, updated: datetime) -> bytes:
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "Công tác dân vận – danh sách nguồn tin"
    etree.SubElement(head, "dateModified").text = format_datetime(updated, usegmt=True)
    body = etree.SubElement(opml, "body")
    for feed, keys in sorted(feed_periods(counts).items()):
        scope = provinces.scope(feed)
        if scope is None:
            continue
        group = etree.SubElement(body, "outline", text=scope.title, title=scope.title)
        for key in keys:
            title = f"{scope.title} – {labels.period_label(key)}"
            etree.SubElement(
                group,
                "outline",
                type="rss",
                text=title,
                title=title,
                xmlUrl=f"{base_url}/v1/feeds/{feed}/{key}.rss",
                htmlUrl=f"{base_url}/provinces/{feed}",
            )
    return bytes(etree.tostring(opml, encoding="UTF-8", xml_declaration=True, pretty_print=True))
