"""Plain text as feeds show it: no markup, no control characters, one line, cut at a
limit; the same whether or not the text takes the short paths."""

from __future__ import annotations

import pytest

from danvan_publish.sanitize import plain_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Huyện ủy Hàm Yên ", "Huyện ủy Hàm Yên"),
        ("Dân <b>vận</b>\tkhéo\n\n", "Dân vận khéo"),
        ("a\u00a0b\u3000c", "a b c"),
        ("x\x00y\x7fz < 3 > 2", "xyz 2"),  # "< 3 >" is tag-shaped
        ("a <unclosed", "a"),
    ],
)
def test_plain_text_removes_markup_controls_and_spacing(text: str, expected: str) -> None:
    assert plain_text(text) == expected


def test_an_excerpt_of_a_long_text_is_its_cleaned_start() -> None:
    sentence = "Hội nghị sơ kết công tác dân vận. "
    # markup and spacing everywhere, a tag across the part an excerpt is cut from
    text = "<p>" + sentence * 3 + "<a href='x'" + " " * 300 + ">" + sentence * 200 + "</p>"
    cleaned = plain_text(text)
    assert "<" not in cleaned and "  " not in cleaned
    for limit in (20, 100, 500):
        excerpt = plain_text(text, limit=limit)
        assert len(excerpt) <= limit and excerpt.endswith("…")
        assert excerpt == cleaned[: limit - 1].rstrip() + "…"
    # a text mostly markup: the excerpt still reaches the words past it
    text = "<!--" + "-" * 5000 + "-->" + sentence * 20
    assert plain_text(text, limit=50) == plain_text(sentence * 20, limit=50)
