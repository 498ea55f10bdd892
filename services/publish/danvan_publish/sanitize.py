"""Nothing a submitter writes may run in a reader.

Item content is HTML we compose from escaped values and then pass through nh3
(an allow-list sanitiser) as a second line of defence. Plain-text fields (titles,
names, summaries) lose anything tag-shaped: some feed readers render an RSS
title as HTML even though the spec says text, so escaping alone is not enough.
Links are kept only when they are absolute http(s) URLs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import nh3

_ALLOWED_TAGS = {"p", "a", "ul", "ol", "li", "strong", "em", "b", "i", "br", "blockquote"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_TAG_LIKE = re.compile(r"<[^>]*>?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")  # \s is str.isspace


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    )


# Anything ``_plain`` would change but the ends: a tag or bracket, a control character,
# whitespace other than a single space.
_NOT_PLAIN = re.compile(r"[<>\x00-\x1f\x7f]|\s\s|[^\S ]")


def plain_text(text: str | None, *, limit: int | None = None) -> str:
    """One line of text with no markup, no control characters and no angle brackets."""
    if not text:
        return ""
    if _NOT_PLAIN.search(text) is None:  # most names and titles: nothing to remove
        text = text.strip()
    elif limit is not None and len(text) > 4 * limit + 64:
        # An excerpt of a long text: cleaning a prefix gives the same start, and when
        # that start is longer than the limit, the same excerpt.
        head = _plain(text[: 4 * limit + 64])
        text = head if len(head) > limit else _plain(text)
    else:
        text = _plain(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


@lru_cache(maxsize=1024)
def _plain(text: str) -> str:
    # Cached: a report's text short enough to be cleaned whole for its feed entries'
    # excerpt is cleaned again for its search document, in the same batch.
    text = _TAG_LIKE.sub(" ", text)
    text = _CONTROL.sub("", text).replace("<", "‹").replace(">", "›")
    return _SPACES.sub(" ", text).strip()


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL without whitespace, else None."""
    if not url:
        return None
    url = url.strip()
    if _SPACE_OR_CONTROL.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
