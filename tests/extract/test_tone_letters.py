"""The toned letters ``normalize_tone`` looks for are exactly those whose tone it moves."""

import re
import sys

from danvan_shared.vietnamese import _TONED_AEY, _split_tone

_LETTER = re.compile(r"[^\W\d_]")


def test_toned_letters_are_every_letter_whose_tone_moves() -> None:
    moved = []
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        if _LETTER.fullmatch(char):
            base, tone = _split_tone(char)
            if tone and base.lower() in ("a", "e", "y"):
                moved.append(char)
    assert "".join(moved) == _TONED_AEY
