"""Bylines and photo credits: named people who are not officials of the meeting.

"(Ảnh: Nguyễn Diễm)" is a photographer and the short capitalised line closing the article
its author; both are reported with those roles and never merged into the officials.
"""

from __future__ import annotations

import re

from .scan import LETTER, after_boundary

# "(tin|bai),? anh" or "anh", written as branches that each start with a letter so that
# ``re`` scans for them in C; the boundary before is checked by ``after_boundary``.
_PHOTO = re.compile(r"(?:tin,?\s*anh|bai,?\s*anh|anh)(?: minh hoa)?\s*:\s*")


def find_credits(
    norm: str, folded: str, lines: list[tuple[int, int]]
) -> list[tuple[str, str, int, int]]:
    """Photo credits ("(Ảnh: Nguyễn Diễm)") and the closing byline: (role, name, start, end)."""
    credits: list[tuple[str, str, int, int]] = []
    for match in after_boundary(_PHOTO, folded, LETTER):
        name_end = match.end()
        while name_end < len(norm) and norm[name_end] not in ")\n;" and name_end - match.end() < 40:
            name_end += 1
        name = norm[match.end() : name_end].strip(" .,")
        if name and name[:1].isupper() and len(name.split()) <= 5:
            role = (
                "author"
                if "tin" in match.group(0).lower() or "bai" in match.group(0)
                else ("photographer")
            )
            credits.append((role, name, match.end(), match.end() + len(name)))
    for line_start, line_end in reversed(lines[-4:]):
        line = norm[line_start:line_end].strip()
        words = line.split()
        if (
            2 <= len(words) <= 5
            and len(line) <= 40
            and all(w[:1].isupper() for w in words)
            and (not line.endswith("."))
        ):
            offset = norm.index(line, line_start)
            credits.append(("author", line, offset, offset + len(line)))
            break
    return credits
