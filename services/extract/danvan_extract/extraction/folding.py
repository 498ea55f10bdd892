"""A fast, length-preserving diacritic fold for whole documents.

``danvan_shared.vietnamese.fold`` collapses whitespace and strips, so its output cannot be
indexed like the input; and a per-character ``unicodedata`` call is too slow on a 1 MB
page. This keeps one output character per input character and caches the translation of
each distinct character in a table that ``str.translate`` consults.
"""

from __future__ import annotations

import re
import unicodedata


class _FoldTable(dict[int, str]):
    """Code point → folded character, computed on first use."""

    def __missing__(self, code_point: int) -> str:
        char = chr(code_point)
        if char in "đĐ":
            folded = "d"
        else:
            decomposed = unicodedata.normalize("NFD", char)
            folded = decomposed[0] if decomposed else char
            lowered = folded.lower()
            folded = lowered if len(lowered) == 1 else folded
        self[code_point] = folded
        return folded


_TABLE = _FoldTable()
for _quote in "\u2019\u2018\u02bc`":
    _TABLE[ord(_quote)] = "'"

# ``str.translate`` looks a character up three times faster in a plain dict than in a dict
# subclass, so the scripts reports are written in (Latin, its diacritics, punctuation)
# are filled in up front; a text with a character beyond them uses the lazy table.
_DENSE = {code_point: _TABLE[code_point] for code_point in range(0x3000)}
_BEYOND_DENSE = re.compile("[^\x00-\u2fff]")


def fold_same_length(text: str) -> str:
    """Lower case, no diacritics, đ → d; ``len(result) == len(text)``."""
    if _BEYOND_DENSE.search(text):
        return text.translate(_TABLE)
    return text.translate(_DENSE)
