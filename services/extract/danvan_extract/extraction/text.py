"""Turn a submitted report into the texts the extractors read, keeping offsets.

Three views of one document, all of the same length so a match in one is a span in the
others:

* ``original``: the text spans point into (the submitted plain text, or for HTML the
  article text trafilatura extracted);
* ``norm``: NFC + one tone convention (``hoà`` → ``hòa``), page chrome blanked out;
* ``folded``: ``norm`` without diacritics and in lower case, for keyword regexes.

NFC can shorten a string (NFD input), so ``norm`` may be shorter than ``original``; an
offset map then takes a ``norm`` position back to ``original``. Page chrome (visit
counters, "Các tin khác", image file names) is replaced by spaces rather than removed, so
offsets survive. trafilatura does the HTML work; what it cannot know is this genre's chrome
and tone spelling, which is why the rest is hand-written.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from danvan_shared.vietnamese import normalize_tone

from .folding import fold_same_length

# Lines that are site furniture, not report text. Matched on the folded line.
_CHROME_LINE = re.compile(
    r"^\s*(?:"
    r"truy cap noi dung luon|thong ke truy cap|thong ke\s*:?.{0,20}|luot truy cap.{0,20}"
    r"|online\s*:?\s*\d*|cac tin khac.{0,40}|tin lien quan.{0,40}|lien ket website"
    r"|da xem\s*:?\s*[\d.]*|[\d.]+\s*luot xem|luot xem\s*:?\s*[\d.]*|xuat ban thong tin"
    r"|chi tiet bai viet.{0,30}|image banner|a a|in bai viet|chia se.{0,20}|tu khoa.{0,60}"
    r"|•\s*tu khoa.{0,60}|theo doi bao .{0,40}|.{1,120}\.(?:jpe?g|png|gif|webp)"
    r")\s*$"
)


@dataclass
class PreparedText:
    """A report ready for the extractors: three same-length views plus metadata."""

    original: str
    norm: str
    folded: str
    offset_map: list[int] | None = None  # norm index → original index, when lengths differ
    title: str | None = None
    page_date: datetime | None = None  # a crawler's date stamp before the text
    page_date_has_day: bool = False
    article_text: str | None = None
    lines: list[tuple[int, int]] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open ``norm`` range back to ``original``."""
        if self.offset_map is None:
            return start, end
        size = len(self.offset_map) - 1
        start = min(max(start, 0), size)
        end = min(max(end, start), size)
        return self.offset_map[start], self.offset_map[end]


def _nfc_with_map(text: str) -> tuple[str, list[int] | None]:
    """NFC the text; when that changes its length, also return norm → original offsets."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    pieces: list[str] = []
    offsets: list[int] = []
    start = 0
    length = len(text)
    while start < length:
        end = start + 1
        # A base character and the combining marks that follow it compose together.
        while end < length and unicodedata.combining(text[end]):
            end += 1
        composed = unicodedata.normalize("NFC", text[start:end])
        pieces.append(composed)
        offsets.extend([start] * len(composed))
        start = end
    offsets.append(length)
    return "".join(pieces), offsets


def _blank_chrome(norm: str, folded: str) -> tuple[str, str, list[tuple[int, int]]]:
    """Replace chrome lines by spaces in both views; return the remaining line ranges."""
    norm_chars: list[str] | None = None
    folded_chars: list[str] | None = None
    lines: list[tuple[int, int]] = []
    position = 0
    for line in folded.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        if len(line) < 200 and _CHROME_LINE.match(line):
            if norm_chars is None or folded_chars is None:
                norm_chars, folded_chars = list(norm), list(folded)
            for index in range(start, end):
                norm_chars[index] = " "
                folded_chars[index] = " "
            continue
        if line.strip():
            lines.append((start, end))
    if norm_chars is None or folded_chars is None:
        return norm, folded, lines
    return "".join(norm_chars), "".join(folded_chars), lines


# A crawler's date stamp written before the text (" date 2025-12-27 Ngày 26-12, …"): the
# page's date, not the meeting's. Month-only stamps ("date 2024-10") exist too.
_CRAWL_DATE = re.compile(r"\s*date\s+((?:19|20)\d{2})-([01]\d)(?:-([0-3]\d))?(?![\d-])")
# A line break inside a sentence (hard-wrapped text): before a lower-case word, or after a
# word that cannot end one ("Ngày\n22/11/2024").
_SOFT_BREAK = re.compile(
    r"(?<=[^\s.!?:;…])\n(?=[^\W\d_])|(?:(?<=ngay)|(?<=sang)|(?<=thang)|(?<=chieu))\n(?=\d)"
)


def _unwrap(norm: str, folded: str) -> tuple[str, str]:
    """Hard-wrapped lines joined (a break becomes a space) when the next line continues
    the sentence; same length, so offsets hold."""
    breaks = []
    at = folded.find("\n", 1)
    while 0 < at < len(folded) - 1:
        following = norm[at + 1]
        if (following.islower() or following.isdigit()) and _SOFT_BREAK.match(folded, at):
            breaks.append(at)
        at = folded.find("\n", at + 1)
    if not breaks:
        return norm, folded
    norm_chars, folded_chars = list(norm), list(folded)
    for index in breaks:
        norm_chars[index] = folded_chars[index] = " "
    return "".join(norm_chars), "".join(folded_chars)


def _crawl_date(norm: str, folded: str) -> tuple[str, str, datetime | None, bool]:
    """The crawler's date stamp at the start, blanked; (norm, folded, date, has_day)."""
    match = _CRAWL_DATE.match(folded)
    if match is None:
        return norm, folded, None, False
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        if day is None:  # a month: its last day, so no meeting in it is "after the page"
            stamp = datetime(year, month, calendar.monthrange(year, month)[1])
        else:
            stamp = datetime(year, month, int(day))
    except ValueError:
        return norm, folded, None, False
    blank = " " * match.end()
    return blank + norm[match.end() :], blank + folded[match.end() :], stamp, day is not None


def prepare_text(text: str) -> PreparedText:
    """Normalise a plain-text report (spans will point into ``text``)."""
    if text.isascii() and "`" not in text:  # a URL slug, a bare test string: nothing to fold
        norm = text.replace("\r", "\n")
        norm, folded, stamp, has_day = _crawl_date(norm, norm.lower())
        norm, folded = _unwrap(norm, folded)
        norm, folded, lines = _blank_chrome(norm, folded)
        return PreparedText(
            original=text,
            norm=norm,
            folded=folded,
            lines=lines,
            page_date=stamp,
            page_date_has_day=has_day,
        )
    nfc, offset_map = _nfc_with_map(text)
    norm = normalize_tone(nfc)
    if len(norm) != len(nfc):  # defensive: normalize_tone promises equal length
        norm, offset_map = nfc, offset_map
    norm = norm.replace("\u00a0", " ").replace("\r", "\n")
    folded = fold_same_length(norm)
    norm, folded, stamp, has_day = _crawl_date(norm, folded)
    norm, folded = _unwrap(norm, folded)
    norm, folded, lines = _blank_chrome(norm, folded)
    return PreparedText(
        original=text,
        norm=norm,
        folded=folded,
        offset_map=offset_map,
        lines=lines,
        page_date=stamp,
        page_date_has_day=has_day,
    )


# Reports are 2–10 KB of text; beyond this the submitted text is cut (with a warning).
MAX_TEXT_CHARS = 200_000
# trafilatura's cost grows with the markup (~1.3 µs a character, far more with its date
# search on): larger pages, once scripts and styles are gone, are stripped of tags instead.
MAX_ARTICLE_HTML = 200_000
# Markup read at all: stripping tags is linear but not free.
MAX_HTML_CHARS = 2 * MAX_TEXT_CHARS
MAX_HTML_INPUT = 1_500_000
# htmldate's extensive search runs dateparser over the page (seconds on hostile input);
# the page date is read from the text anyway. A fixed max_date keeps the result pure.
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "max_date": "2100-01-01"}

_TAG = re.compile(r"<[^<>]{0,2000}>")
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|div|br|li|h[1-6]|tr|table|section|article)\b", re.I)
_HIDDEN = ("<script", "<style", "<noscript", "<svg", "<template", "<!--")
_SPACES = re.compile(r"[ \t]+")


def strip_hidden(html: str) -> str:
    """The page without scripts, styles, comments and the like; linear in its length."""
    lowered = html.lower()
    pieces: list[str] = []
    cursor = 0
    size = len(html)
    upcoming = {opener: lowered.find(opener) for opener in _HIDDEN}
    while True:
        for opener, at in upcoming.items():  # each opener's next occurrence from cursor
            if 0 <= at < cursor:
                upcoming[opener] = lowered.find(opener, cursor)
        found = [(at, opener) for opener, at in upcoming.items() if at >= 0]
        if not found:
            break
        at, opener = min(found)
        after = at + len(opener)
        if opener != "<!--" and after < size and lowered[after].isalnum():
            upcoming[opener] = lowered.find(opener, after)  # "<scripts>", "<svgx>": not ours
            continue
        pieces.append(html[cursor:at])
        closing = "-->" if opener == "<!--" else "</" + opener[1:]
        close_at = lowered.find(closing, after)
        if close_at < 0:
            cursor = size  # never closed: the rest is hidden too
            break
        end = lowered.find(">", close_at)
        cursor = size if end < 0 else end + 1
        pieces.append(" ")
    pieces.append(html[cursor:])
    return "".join(pieces)


def _strip_tags(html: str) -> str:
    import html as html_lib

    text = strip_hidden(html)
    text = _BLOCK_TAG.sub(lambda match: "\n" + match.group(0), text)
    text = _TAG.sub(" ", text)
    text = html_lib.unescape(text)
    return _SPACES.sub(" ", text)


def html_to_article(
    html: str, url: str | None = None
) -> tuple[str, str | None, str | None, list[str]]:
    """The article text, page title and page date string of an HTML page, and notes:
    ``html_simplified`` when the page was too large for article detection (its tags were
    stripped instead), ``input_truncated`` when its markup was only read in part.

    trafilatura finds the main content and the metadata; when it fails or finds nothing
    (tiny pages, fragments), a plain tag strip keeps the words.
    """
    title: str | None = None
    date_text: str | None = None
    body = ""
    cut = len(html) > MAX_HTML_INPUT
    markup = html[:MAX_HTML_INPUT]
    markup = markup if len(markup) <= MAX_ARTICLE_HTML else strip_hidden(markup)
    simplified = len(markup) > MAX_ARTICLE_HTML
    if simplified and len(markup) > MAX_HTML_CHARS:
        markup, cut = markup[:MAX_HTML_CHARS], True
    if not simplified:
        try:
            import trafilatura

            document = trafilatura.bare_extraction(
                markup,
                url=url,
                with_metadata=True,
                include_comments=False,
                favor_recall=True,
                date_extraction_params=_DATE_PARAMS,
            )
            if document is not None:
                as_dict = document.as_dict() if hasattr(document, "as_dict") else dict(document)
                body = str(as_dict.get("text") or "")
                title = as_dict.get("title") or None
                date_text = as_dict.get("date") or None
        except Exception:  # trafilatura on hostile input: fall back, never raise
            body = ""
    if not body.strip():
        body = _strip_tags(markup)
    if title and not body.lstrip().startswith(title[:40]):
        body = f"{title}\n\n{body}"
    notes = (["html_simplified"] if simplified else []) + (["input_truncated"] if cut else [])
    return body, title, date_text, notes
