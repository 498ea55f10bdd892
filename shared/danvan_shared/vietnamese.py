"""Vietnamese spelling normalisation shared by the gazetteer and the extractor.

Hand-written because no maintained library does it safely (see the project's
library notes): underthesea's ``text_normalize`` re-tokenises the text and moves
offsets, ``vi-fix`` corrupts closed syllables, and ``vi-textmatch`` is very new.
The rule is small: after NFC, in an *open* syllable ending in ``oa``, ``oe`` or
``uy`` (not after ``q``), the tone mark sits on the first vowel (``hoà`` → ``hòa``,
``khoẻ`` → ``khỏe``, ``thuỷ`` → ``thủy``), which is the spelling of the official
unit names. Every function keeps the string's length, so offsets stay valid.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_LETTER = r"[^\W\d_]"
# Every letter whose tone ``_move_tone`` moves: a, e or y (either case) under one of the
# five tone marks, precomposed (after NFC they all are). Naming them, rather than any
# letter, keeps the callback off the many words ending "on", "ung", "ua" …
_TONED_AEY = "ÀÁÃÈÉÝàáãèéýẠạẢảẸẹẺẻẼẽỲỳỴỵỶỷỸỹ"
# The last two letters of a word: o/u (not after q) followed by a toned a/e/y, ending the
# word. The look-behind comes after the o/u so ``re`` can scan for the o/u in C.
_OPEN_GLIDE = re.compile(rf"([oOuU])(?<![qQ][oOuU])([{_TONED_AEY}])(?!{_LETTER})")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _split_tone(char: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", char)
    tone = "".join(mark for mark in decomposed if mark in _TONE_MARKS)
    base = "".join(mark for mark in decomposed if mark not in _TONE_MARKS)
    return unicodedata.normalize("NFC", base), tone


def _move_tone(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    base, tone = _split_tone(second)
    if not tone:
        return match.group(0)
    pair = (first.lower(), base.lower())
    if pair not in {("o", "a"), ("o", "e"), ("u", "y")}:
        return match.group(0)
    return unicodedata.normalize("NFC", first + tone) + base


def normalize_tone(text: str) -> str:
    """NFC, then one tone-placement convention (hòa, khỏe, thủy).

    The result has the same length as ``unicodedata.normalize('NFC', text)``.
    """
    return _OPEN_GLIDE.sub(_move_tone, unicodedata.normalize("NFC", text))


def _stripped(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    return unicodedata.normalize("NFD", char)[:1] or char


# Below U+3000 (Latin, the combining marks, Vietnamese's Latin Extended Additional and
# more), each character's stripped form, looked up by ``str.translate`` in C: the loop
# over characters cost publish about a tenth of a millisecond a report.
_TABLE_END = "\u3000"
_STRIP_TABLE = {
    code: stripped
    for code in range(0x80, ord(_TABLE_END))
    if (stripped := _stripped(chr(code))) != chr(code)
}


def strip_diacritics(text: str) -> str:
    """Drop every mark and map đ/Đ to d/D, one output character per input character."""
    if text.isascii():
        return text
    if max(text) < _TABLE_END:
        return text.translate(_STRIP_TABLE)
    return "".join(map(_stripped, text))


def fold(text: str) -> str:
    """A matching key: NFC, tone style, no diacritics, lower case, single spaces."""
    text = normalize_tone(text).translate(_APOSTROPHES)
    return _SPACES.sub(" ", strip_diacritics(text).lower()).strip()


def match_key(text: str) -> str:
    """A key that keeps diacritics: NFC, tone style, lower case, single spaces."""
    text = normalize_tone(text).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text.lower()).strip()


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """URL slug of a name: 'Thành phố Hồ Chí Minh' → 'thanh-pho-ho-chi-minh'."""
    # Cached: the same unit, campaign and province names are slugged report after report.
    return _NOT_SLUG.sub("-", fold(text)).strip("-")
