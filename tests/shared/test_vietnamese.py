"""Folding keeps every offset: one character out for each character in, marks dropped."""

from __future__ import annotations

import sys
import unicodedata

from danvan_shared.vietnamese import fold, slugify, strip_diacritics


def _reference(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    return unicodedata.normalize("NFD", char)[0]


def test_every_character_loses_its_marks_and_nothing_else() -> None:
    characters = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
    text = "".join(characters)
    stripped = strip_diacritics(text)
    assert len(stripped) == len(text)
    assert stripped == "".join(map(_reference, characters))


def test_text_beyond_the_lookup_table_is_stripped_the_same_way() -> None:
    # Hangul lies past the table (a syllable keeps its first jamo, as NFD splits it).
    text = "Hội nghị 會議 회의 Đà Nẵng"
    assert strip_diacritics(text) == "Hoi nghi 會議 \u1112\u110b Da Nang"
    assert strip_diacritics(text) == "".join(map(_reference, text))


def test_names_fold_and_slug_as_readers_type_them() -> None:
    assert fold("  Thành phố   Hồ Chí Minh ") == "thanh pho ho chi minh"
    assert fold("Khánh Hoà") == fold("Khánh Hòa") == "khanh hoa"
    assert slugify("Phong trào thi đua “Dân vận khéo”") == "phong-trao-thi-dua-dan-van-kheo"
    assert slugify("Đắk Lắk") == "dak-lak"
