"""Sentence ranges and the one sentence that announces the meeting.

Word segmenters (underthesea, pyvi) tokenise but their sentence splitters move offsets and
know nothing of this genre; a split at line breaks and at ". " before a capital is enough
for news leads and keeps every range an exact slice of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import PreparedText

# A sentence ends at ". " before a capital or at line breaks. The pattern starts with the
# character set so ``re`` scans for it in C; the break itself starts after the punctuation.
_SENTENCE_END = re.compile(r"[.!?…\n](?:(?<=[.!?…])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])|(?<=\n)\n*)")
_ABBREVIATION_BEFORE = re.compile(r"(?:\b(?:TP|Tp|tp|Q|P|TS|ThS|PGS|GS|Đ/c|đ/c|TX|TT|H)\.)$")


@dataclass
class Sentence:
    start: int
    end: int
    source: str  # "title", "body" or "url"

    def text(self, view: str) -> str:
        return view[self.start : self.end]


def split_sentences(
    prepared: PreparedText, start: int = 0, end: int | None = None
) -> list[Sentence]:
    """Sentence ranges of ``prepared.norm[start:end]`` (trimmed, non-empty)."""
    norm = prepared.norm
    end = len(norm) if end is None else end
    sentences: list[Sentence] = []
    cursor = start
    for match in _SENTENCE_END.finditer(norm, start, end):
        cut = match.start() if norm[match.start()] == "\n" else match.start() + 1
        if norm[cut] != "\n" and _ABBREVIATION_BEFORE.search(norm, max(0, cut - 5), cut):
            continue
        _append(sentences, norm, cursor, cut)
        cursor = match.end()
    _append(sentences, norm, cursor, end)
    return sentences


def _append(sentences: list[Sentence], norm: str, start: int, end: int) -> None:
    while start < end and norm[start].isspace():
        start += 1
    while end > start and norm[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, "body"))
