"""Unit tests of the extractors, on sentences written for the tests (not corpus text)."""

from __future__ import annotations

import pytest

from danvan_extract.extraction import extract_report
from danvan_extract.extraction.dates import find_dates, find_page_date, find_url_date
from danvan_extract.extraction.documents import find_documents
from danvan_extract.extraction.figures import find_figures, parse_number
from danvan_extract.extraction.people import proper_case
from danvan_extract.extraction.periods import find_periods
from danvan_extract.extraction.text import prepare_text

DISTRICT_REPORT = (
    "Huyện ủy Chiêm Hóa sơ kết công tác dân vận 6 tháng đầu năm\n\n"
    "Sáng ngày 14/7/2023, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2023. Đồng chí Trần Văn "
    "Minh, Phó Bí thư Thường trực Huyện ủy dự và chỉ đạo hội nghị. Đồng chí Lê Thị Hoa, "
    "Trưởng Ban Dân vận Huyện ủy chủ trì hội nghị.\n\nToàn huyện có 12/12 xã tham gia, đạt "
    "tỷ lệ 98,5%.\n\nNguyễn An"
)


def test_district_report_fields() -> None:
    result = extract_report(DISTRICT_REPORT)
    assert result.relevant
    assert result.meeting_type == "so_ket"
    assert result.level == "district"
    assert result.unit is not None and result.unit.name == "Chiêm Hóa"
    assert result.province is not None and result.province.name == "Tuyên Quang"
    assert result.province.evidence == "district"
    assert result.province_2025 is not None and result.province_2025.slug.endswith("2025")
    assert result.period is not None and result.period.key == "2023-H1"
    assert result.next_period is not None and result.next_period.key == "2023-H2"
    assert result.event_date == "2023-07-14"
    chairs = [person.name for person in result.chairs()]
    assert chairs == ["Lê Thị Hoa"]
    roles = {person.name: person.roles for person in result.people}
    assert "director" in roles["Trần Văn Minh"]
    assert roles.get("Nguyễn An") == ["author"]
    assert result.event_key and "chiem-hoa" in result.event_key


def test_spans_point_into_submitted_text() -> None:
    result = extract_report(DISTRICT_REPORT)
    for person in result.people:
        for span in person.spans:
            assert DISTRICT_REPORT[span.start : span.end].lower() == person.name.lower()


def test_nfd_input_keeps_offsets() -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", DISTRICT_REPORT)
    result = extract_report(text)
    assert result.unit is not None and result.unit.name == "Chiêm Hóa"
    for person in result.people:
        for span in person.spans:
            written = unicodedata.normalize("NFC", text[span.start : span.end])
            assert written.lower() == person.name.lower()


def test_central_bridge_point_has_no_province() -> None:
    text = (
        "Sáng 12/7/2022, Ban Dân vận Trung ương tổ chức hội nghị trực tuyến toàn quốc sơ kết "
        "công tác dân vận 6 tháng đầu năm 2022. Tại điểm cầu huyện Chiêm Hóa, đồng chí Phạm "
        "Văn Nam, Phó Bí thư Huyện ủy chủ trì."
    )
    result = extract_report(text, url="https://chiemhoa.tuyenquang.gov.vn/tin/123")
    assert result.level == "central"
    assert result.province is None and result.unit is None


def test_url_gives_province_and_district() -> None:
    text = (
        "Sáng ngày 20/12/2022, Ban Dân vận Huyện ủy tổ chức hội nghị tổng kết công tác dân vận "
        "năm 2022, triển khai nhiệm vụ năm 2023."
    )
    result = extract_report(text, url="https://thanhbinh.dongthap.gov.vn/tin-tuc/1")
    assert result.level == "district"
    assert result.unit is not None and result.unit.name == "Thanh Bình"
    assert result.province is not None and result.province.name == "Đồng Tháp"
    assert result.period is not None and result.period.key == "2022"


def test_ambiguous_district_is_not_guessed() -> None:
    text = "Ngày 5/1/2023, Huyện ủy Châu Thành tổ chức hội nghị tổng kết công tác dân vận năm 2022."
    result = extract_report(text)
    assert result.level == "district"
    assert result.province is None


def test_contest_review_is_not_relevant() -> None:
    text = (
        "Chiều 3/10, Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết và trao giải cuộc thi viết "
        "về gương điển hình “Dân vận khéo” năm 2023."
    )
    assert not extract_report(text).relevant


def test_front_only_review_is_not_relevant() -> None:
    text = (
        "Ngày 20/6/2023, Ủy ban Mặt trận Tổ quốc xã Tân Lập tổ chức sơ kết công tác 6 tháng "
        "đầu năm, đề ra phương hướng nhiệm vụ 6 tháng cuối năm 2023."
    )
    assert not extract_report(text).relevant


def test_typo_year_is_corrected_with_warning() -> None:
    text = (
        "15/01/2024 09:10\n\nChiều ngày 10/01/2023, Huyện ủy Minh Long tổ chức hội nghị tổng "
        "kết công tác dân vận năm 2023 và phương hướng nhiệm vụ năm 2024."
    )
    result = extract_report(text)
    assert result.event_date == "2024-01-10"
    assert any(w.code == "event_date_inconsistent" for w in result.warnings)


def test_year_inferred_from_page_date() -> None:
    text = (
        "Thứ 5, 29.09.2022 | 15:08:06\n\nSáng 28/9, Thành ủy Lạng Sơn tổ chức hội nghị sơ kết "
        "công tác dân vận 9 tháng đầu năm."
    )
    result = extract_report(text)
    assert result.event_date == "2022-09-28"
    assert result.event_date_detail is not None and result.event_date_detail.year_inferred
    assert result.level == "district" and result.period is not None
    assert result.period.key == "2022-9M"


def test_html_input_sets_article_text() -> None:
    html = (
        "<html><head><title>Sơ kết công tác dân vận</title></head><body><article><p>"
        + DISTRICT_REPORT.replace("\n\n", "</p><p>")
        + "</p></article></body></html>"
    )
    result = extract_report(html, content_type="text/html")
    assert result.article_text
    assert result.unit is not None and result.unit.name == "Chiêm Hóa"
    for person in result.people:
        for span in person.spans:
            assert 0 <= span.start <= span.end <= len(result.article_text)


@pytest.mark.parametrize(
    ("phrase", "key"),
    [
        ("6 tháng đầu năm 2022", "2022-H1"),
        ("06 tháng cuối năm 2021", "2021-H2"),
        ("9 tháng đầu năm 2020", "2020-9M"),
        ("quý III năm 2019", "2019-Q3"),
        ("quí 2-2016", "2016-Q2"),
        ("3 tháng cuối năm 2018", "2018-Q4"),
        ("năm 2023", "2023"),
        ("nhiệm kỳ 2015 - 2020", "2015-2020"),
        ("nhiệm kỳ Đại hội XII", "2016-2021"),
        ("giai đoạn 2021-2025", "2021-2025"),
        ("8 tháng đầu năm 2017", "2017-M8"),
    ],
)
def test_period_phrases(phrase: str, key: str) -> None:
    prepared = prepare_text(phrase)
    periods = find_periods(prepared.folded)
    assert periods and periods[0].key() == key


def test_dates_and_page_dates() -> None:
    prepared = prepare_text("Chiều ngày 18 tháng 12, hội nghị; sáng 7-1 họp; ngày 30.7 ra quân")
    found = find_dates(prepared.folded)
    assert [(d.day, d.month, d.part_of_day) for d in found] == [
        (18, 12, "chieu"),
        (7, 1, "sang"),
        (30, 7, None),
    ]
    for header, expected in [
        ("Thứ Ba, ngày 9 tháng 8 năm 2022 - 10:08", "2022-08-09 10:08"),
        ("Đăng lúc: 14:54:14 30/12/2020 (GMT+7)", "2020-12-30 14:54"),
        ("Thứ 5, 29.09.2022 | 15:08:06", "2022-09-29 15:08"),
    ]:
        prepared = prepare_text(header + "\nNội dung bài viết rất dài ở đây.")
        page = find_page_date(prepared.folded, prepared.lines)
        assert page is not None and page[0].strftime("%Y-%m-%d %H:%M") == expected
    assert find_url_date("https://x.vn/pages/2021-6-28/tin.aspx") == (2021, 6)


def test_documents() -> None:
    text = (
        "Thực hiện Chỉ thị 08-CT/TU, ngày 23/9/2021 và Nghị quyết số 25-NQ/TW (khóa XI); "
        "Pháp lệnh số 34/2007/PL-UBTVQH11 và Luật Thực hiện dân chủ ở cơ sở năm 2022."
    )
    documents = find_documents(prepare_text(text).norm)
    numbers = [d.number for d in documents]
    assert "08-CT/TU" in numbers and "25-NQ/TW" in numbers
    assert "34/2007/PL-UBTVQH11" in numbers
    directive = next(d for d in documents if d.number == "08-CT/TU")
    assert directive.date == "2021-09-23" and directive.issuer == "TU"
    assert any(d.kind == "Luật" for d in documents)


def test_figures() -> None:
    assert parse_number("749.648") == 749648.0 and parse_number("99,9") == 99.9
    figures = find_figures("ban hành 53 chương trình; 8/8 phường, xã; tỷ lệ 99,9%", [])
    assert [(f.value, f.total, f.unit) for f in figures] == [
        (53.0, None, "chương trình"),
        (8.0, 8.0, "phường"),
        (99.9, None, "%"),
    ]


def test_proper_case() -> None:
    assert proper_case("Hà Đức tập") == "Hà Đức Tập"
    assert proper_case("DƯƠNG DUYÊN") == "Dương Duyên"
    assert proper_case("K’Thanh") == "K’Thanh"


def test_campaigns_and_organisations() -> None:
    text = (
        'Hưởng ứng phong trào thi đua “Dân vận khéo” và mô hình "Chính quyền thân thiện", '
        "UBMTTQ huyện phối hợp với HĐND xã."
    )
    result = extract_report(text)
    names = {c.name: c.kind for c in result.campaigns}
    assert names == {"Dân vận khéo": "movement", "Chính quyền thân thiện": "model"}
    expanded = {o.name for o in result.organizations}
    assert "Ủy ban Mặt trận Tổ quốc" in expanded and "Hội đồng nhân dân" in expanded
