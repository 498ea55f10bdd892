"""Property tests: extract_report is total, its spans are in bounds, and it is fast."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report
from danvan_shared.extraction_schema import Extraction, Span

VIETNAMESE_BITS = st.sampled_from(
    [
        "Huyện ủy ",
        "Chiêm Hóa ",
        "sơ kết ",
        "công tác dân vận ",
        "6 tháng đầu năm ",
        "2022",
        "Sáng ngày 4/8",
        ", ",
        ". ",
        "\n",
        "đồng chí Nguyễn Văn A",
        " chủ trì",
        "quý I",
        "/",
        "Thành ủy ",
        "xã ",
        "“",
        "”",
        "12/01/2023",
        "Đắk Nông ",
        "Châu Thành ",
        "%",
        "-",
        "<p>",
    ]
)
TEXTS = st.one_of(st.text(max_size=400), st.lists(VIETNAMESE_BITS, max_size=60).map("".join))


def _all_spans(result: Extraction) -> list[Span]:
    spans: list[Span] = []
    for group in (
        result.people,
        result.organizations,
        result.campaigns,
        result.documents,
        result.figures,
    ):
        for item in group:
            spans.extend(item.spans)
    for single in (result.unit, result.period, result.next_period, result.event_date_detail):
        if single is not None:
            spans.extend(single.spans)
    for warning in result.warnings:
        spans.extend(warning.spans)
    return spans


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.one_of(st.none(), st.text(max_size=80)))
def test_text_never_raises_and_spans_in_bounds(text: str, url: str | None) -> None:
    result = extract_report(text, url=url)
    assert result.extractor_version == EXTRACTOR_VERSION
    assert not any(w.code == "extractor_error" for w in result.warnings)
    for span in _all_spans(result):
        assert 0 <= span.start <= span.end <= len(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_html_never_raises(text: str) -> None:
    result = extract_report(f"<html><body><p>{text}</p></body></html>", content_type="text/html")
    assert not any(w.code == "extractor_error" for w in result.warnings)
    article = result.article_text or ""
    for span in _all_spans(result):
        assert 0 <= span.start <= span.end <= len(article)


_UNIT = (
    "Sáng ngày 4/8/2022, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức hội nghị sơ kết công "
    "tác dân vận 6 tháng đầu năm 2022; đồng chí Nguyễn Văn An chủ trì, 8/8 xã, 99,9%. "
)


def _megabyte_texts() -> list[str]:
    text = (_UNIT * (1_000_000 // len(_UNIT) + 1))[:1_000_000]
    words = ["Nguyễn", "Văn", "An", "đồng", "chí", "Huyện", "ủy", "xã", ",", ".", ";"] + [
        "2022",
        "4/8",
        "chủ",
        "trì",
        "Ảnh:",
        "(",
        "\n",
    ]
    mixed = " ".join(words[(i * 7) % len(words)] for i in range(250_000))[:1_000_000]
    return [
        text,
        mixed,
        "a" * 1_000_000,
        "1/2 " * 250_000,
        "(" * 1_000_000,
        "Nguyễn Văn\n" * 90_000,
    ]


#: CPU seconds a megabyte may take. bench/extract.py holds the speed bar; this only
#: catches a runaway pattern (a quadratic scan of a megabyte takes minutes), so it reads
#: CPU time, which a loaded machine does not inflate the way it does wall time.
RUNAWAY_CPU_SECONDS = 5.0


def test_one_megabyte_text_is_fast_and_flagged() -> None:
    extract_report("Huyện ủy Chiêm Hóa sơ kết công tác dân vận.")  # load the gazetteer first
    for body in _megabyte_texts():
        started = time.process_time()
        result = extract_report(body)
        assert time.process_time() - started < RUNAWAY_CPU_SECONDS
        assert any(w.code == "input_truncated" for w in result.warnings)
        for span in _all_spans(result):
            assert 0 <= span.start <= span.end <= len(body)


def test_one_megabyte_html_is_fast() -> None:
    extract_report("<p>Huyện ủy Chiêm Hóa sơ kết.</p>", content_type="text/html")  # imports
    text, mixed = _megabyte_texts()[:2]
    pages = [
        "<html><body><p>" + text.replace(". ", ".</p><p>") + "</p></body></html>",
        "<html><body><p>" + mixed.replace(". ", ".</p><p>") + "</p></body></html>",
        "<html><body>" + "<script>var x = 1;</script><div>" * 20_000 + text[:300_000],
        "<script>" * 125_000,
        "<" * 1_000_000,
        "<p>" + "x" * 1_000_000 + "</p>",
    ]
    for page in pages:
        started = time.process_time()
        result = extract_report(page, content_type="text/html")
        assert time.process_time() - started < RUNAWAY_CPU_SECONDS
        assert not any(w.code == "extractor_error" for w in result.warnings)
        article = result.article_text or ""
        for span in _all_spans(result):
            assert 0 <= span.start <= span.end <= len(article)


def test_large_article_page_keeps_its_report() -> None:
    """A page over the article-detection limit only because of scripts still extracts."""
    report = _UNIT * 10
    page = (
        "<html><head>" + "<script>var pad = '" + "x" * 400_000 + "';</script></head>"
        "<body><article><p>" + report + "</p></article></body></html>"
    )
    result = extract_report(page, content_type="text/html")
    assert result.relevant and result.unit is not None and result.unit.name == "Chiêm Hóa"
    assert not any(w.code in ("html_simplified", "input_truncated") for w in result.warnings)
