"""The vocabulary file: every group compiles, reports its rule ids, and matches accents."""

from __future__ import annotations

from danvan_extract.extraction.folding import fold_same_length
from danvan_extract.extraction.lexicon import TextScan, group, group_names


def _hits(name: str, text: str) -> list[str]:
    folded = fold_same_length(text)
    return [hit.rule for hit in group(name).finditer(folded, norm=text)]


def test_every_group_compiles_and_starts_each_phrase_with_a_literal() -> None:
    names = group_names()
    assert {"review", "domain", "genre_veto", "guest", "next_marker"} <= set(names)
    for name in names:
        # A phrase without a literal start would make every lookup of its group scan the
        # whole text position by position.
        assert group(name).needles, name


def test_matches_are_whole_words_and_name_their_rule() -> None:
    assert _hits("review", "Hội nghị sơ kết công tác dân vận") == ["review.so_ket"]
    assert _hits("review", "sơ kếtquả") == []  # not a whole word
    assert _hits("genre_veto", "tổ chức Hội nghị báo cáo viên tháng 9") == [
        "genre_veto.propagandist_briefing"
    ]


def test_a_phrase_written_with_diacritics_needs_them_in_the_text() -> None:
    assert _hits("meeting", "cuộc họp giao ban") == ["meeting.meeting"]
    assert _hits("meeting", "phù hợp với thực tế") == []  # "hợp" folds like "họp"
    assert _hits("guest", "Dự hội nghị có đồng chí") == ["guest.attend"]
    assert _hits("guest", "dù vậy") == []


def test_a_scan_answers_range_queries_as_a_search_would() -> None:
    text = "Sáng 8/7, Ban Dân vận tổ chức hội nghị sơ kết. Đồng chí A dự. Tổng kết năm."
    folded = fold_same_length(text)
    scan = TextScan(folded, text, len(text))
    for name in ("review", "organise", "guest", "meeting"):
        for start, end in ((0, len(text)), (0, 30), (20, 60), (45, len(text))):
            direct = group(name).search(folded, start, end, text)
            assert scan.search(name, start, end) == direct, (name, start, end)
