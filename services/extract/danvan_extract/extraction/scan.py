"""Regex scanning helpers that keep CPython's fast prefix search.

``re`` skips ahead in C only when a pattern starts with a literal or a character set; a
leading look-behind (``(?<![a-z])``) makes it try the whole pattern at every position,
which cost more than the matching itself on a 2 KB report. These patterns are written
without it and the boundary is checked here, on the few matches found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# One character that may not precede a match (as a look-behind would have said).
LETTER_OR_DIGIT = re.compile(r"[a-z0-9]")
LETTER = re.compile(r"[a-z]")
WORD = re.compile(r"[\wĐƯ]")


def after_boundary(
    pattern: re.Pattern[str],
    text: str,
    not_after: re.Pattern[str],
    pos: int = 0,
    endpos: int | None = None,
) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` keeping only matches whose preceding character does not match
    ``not_after``; a rejected match is retried one character later, exactly as a
    look-behind at the pattern's start would have behaved."""
    end = len(text) if endpos is None else endpos
    while pos <= end:
        match = pattern.search(text, pos, end)
        if match is None:
            return
        start = match.start()
        if start and not_after.match(text, start - 1):
            pos = start + 1
            continue
        yield match
        pos = match.end() if match.end() > start else start + 1
