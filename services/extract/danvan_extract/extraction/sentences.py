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
_REVIEW = re.compile(r"(?<![a-z])(so ket|tong ket|giao ban|so, tong ket)(?![a-z])")
_MEETING = re.compile(r"(?<![a-z])(hoi nghi|cuoc hop|buoi hop|hop)(?![a-z])")
_ORGANISE = re.compile(r"(?<![a-z])(to chuc|phoi hop to chuc|da to chuc|vua to chuc)(?![a-z])")
_DOMAIN = re.compile(
    r"dan van|quy che dan chu|dan chu o co so|van dong quan chung|cong tac quan chung"
)


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


def score_event_sentence(folded_sentence: str) -> int:
    """How strongly a sentence reads as the announcement of a review meeting."""
    # Substring tests first: most sentences have none of the words, and ``in`` is far
    # cheaper than a regex with a leading look-behind.
    score = 0
    if ("ket" in folded_sentence or "giao ban" in folded_sentence) and _REVIEW.search(
        folded_sentence
    ):
        score += 4
    if _DOMAIN.search(folded_sentence):
        score += 2
    if ("hop" in folded_sentence or "hoi nghi" in folded_sentence) and _MEETING.search(
        folded_sentence
    ):
        score += 1
    if "to chuc" in folded_sentence and _ORGANISE.search(folded_sentence):
        score += 2
    return score
