"""Generalisation: the genre's variants, in sentences written for these tests.

Each test changes the places, people and periods of a shape the corpus shows, so a rule
that only fits one report fails here.
"""

from __future__ import annotations

from danvan_extract.extraction import extract_report
from danvan_extract.extraction.urls import read_url

# --- an ambiguous commune name ("Quảng Thái" is in Thanh Hóa and in Thừa Thiên Huế) ------

COMMUNE = (
    "Chiều ngày 14/3/2025, Đảng uỷ xã Quảng Thái tổ chức hội nghị tổng kết công tác dân vận "
    "nhiệm kỳ 2020 - 2025, đề ra phương hướng nhiệm vụ nhiệm kỳ 2025 - 2030."
)


def test_ambiguous_commune_keeps_its_name_without_context() -> None:
    result = extract_report(COMMUNE)
    assert result.level == "commune"
    assert result.unit is not None and result.unit.name == "Quảng Thái"
    assert result.province is None  # two provinces have a xã Quảng Thái: unknown


def test_ambiguous_commune_narrowed_by_district_subdomain() -> None:
    result = extract_report(COMMUNE, url="https://quangxuong.thanhhoa.gov.vn/tin-tuc/hoi-nghi")
    assert result.unit is not None and result.unit.name == "Quảng Thái"
    assert result.unit.code is not None
    assert result.province is not None and result.province.name == "Thanh Hóa"


def test_ambiguous_commune_narrowed_by_district_in_text() -> None:
    text = COMMUNE.replace("xã Quảng Thái", "xã Quảng Thái, huyện Quảng Điền")
    result = extract_report(text)
    assert result.unit is not None and result.unit.name == "Quảng Thái"
    assert result.province is not None and result.province.name == "Thừa Thiên Huế"


def test_ambiguous_commune_narrowed_by_province_site() -> None:
    result = extract_report(COMMUNE, url="https://thuathienhue.gov.vn/tin-tuc/1")
    assert result.unit is not None and result.unit.name == "Quảng Thái"
    assert result.province is not None and result.province.name == "Thừa Thiên Huế"


def test_type_word_is_a_whole_word() -> None:
    """ "quan" (quận) must not eat the start of "Quan Hóa"/"Quảng …" after a body."""
    text = (
        "Ngày 9/1/2024, Ban Dân vận Huyện ủy Quan Hóa tổ chức hội nghị tổng kết công tác "
        "dân vận năm 2023."
    )
    result = extract_report(text)
    assert result.unit is not None and result.unit.name == "Quan Hóa"
    assert result.province is not None and result.province.name == "Thanh Hóa"


# --- levels and units ----------------------------------------------------------------------


def test_urban_district_of_ho_chi_minh_city() -> None:
    text = (
        "Sáng 12/7/2023, Ban Dân vận Quận ủy Quận 3 tổ chức hội nghị sơ kết công tác dân vận "
        "6 tháng đầu năm 2023. Đồng chí Phan Minh Đức, Trưởng Ban Dân vận Quận ủy chủ trì."
    )
    result = extract_report(text)
    assert result.level == "district"
    assert result.unit is not None and result.unit.name in ("3", "Quận 3")
    assert result.province is not None and result.province.name == "Hồ Chí Minh"
    assert [p.name for p in result.chairs()] == ["Phan Minh Đức"]


def test_town_party_committee_picks_the_town() -> None:
    """ "Hoàng Mai" is a quận of Hà Nội and a thị xã of Nghệ An: "Thị ủy" says which."""
    text = (
        "Chiều ngày 27/12/2022, Thị ủy Hoàng Mai tổ chức hội nghị tổng kết công tác dân vận "
        "năm 2022 và triển khai nhiệm vụ năm 2023."
    )
    result = extract_report(text)
    assert result.level == "district"
    assert result.unit is not None and result.unit.name == "Hoàng Mai"
    assert result.unit.kind == "thi_xa"
    assert result.province is not None and result.province.name == "Nghệ An"


def test_city_committee_of_provincial_city_is_district_level() -> None:
    text = (
        "Sáng 5/7/2022, Ban Dân vận Thành ủy Vinh tổ chức hội nghị sơ kết công tác dân vận "
        "6 tháng đầu năm 2022."
    )
    result = extract_report(text)
    assert result.level == "district"
    assert result.unit is not None and result.unit.name == "Vinh"
    assert result.province is not None and result.province.name == "Nghệ An"


def test_city_committee_of_centrally_run_city_is_province_level() -> None:
    text = (
        "Sáng 5/7/2022, Ban Dân vận Thành ủy Cần Thơ tổ chức hội nghị sơ kết công tác dân vận "
        "6 tháng đầu năm 2022."
    )
    result = extract_report(text)
    assert result.level == "province"
    assert result.province is not None and result.province.name == "Cần Thơ"


def test_merged_propaganda_and_mass_mobilisation_board() -> None:
    text = (
        "Ngày 18/12/2025, Ban Tuyên giáo và Dân vận Tỉnh ủy Nghệ An tổ chức hội nghị tổng kết "
        "công tác tuyên giáo và dân vận năm 2025, triển khai nhiệm vụ năm 2026."
    )
    result = extract_report(text)
    assert result.relevant and result.meeting_type == "tong_ket"
    assert result.level == "province"
    assert result.province is not None and result.province.name == "Nghệ An"
    assert result.period is not None and result.period.key == "2025"


def test_cluster_briefing() -> None:
    text = (
        "Sáng ngày 11/10/2023, Cụm thi đua số 2 khối dân vận các huyện, thị xã tỉnh Nghệ An "
        "tổ chức hội nghị giao ban công tác dân vận quý III năm 2023, triển khai nhiệm vụ "
        "quý IV."
    )
    result = extract_report(text)
    assert result.relevant and result.meeting_type == "giao_ban"
    assert result.period is not None and result.period.key == "2023-Q3"
    assert result.next_period is not None and result.next_period.key == "2023-Q4"
    assert result.event_date == "2023-10-11"


def test_bridge_point_on_a_district_site_is_central() -> None:
    text = (
        "Sáng 8/1/2024, Ban Bí thư Trung ương Đảng tổ chức hội nghị trực tuyến toàn quốc tổng "
        "kết công tác dân vận năm 2023. Tại điểm cầu huyện Văn Yên, đồng chí Hoàng Thị Lan, "
        "Phó Bí thư Thường trực Huyện ủy chủ trì."
    )
    result = extract_report(text, url="https://vanyen.yenbai.gov.vn/tin-tuc/hoi-nghi-123")
    assert result.level == "central"
    assert result.province is None and result.unit is None
    assert result.period is not None and result.period.key == "2023"


# --- periods and dates ---------------------------------------------------------------------


def test_dash_date_takes_the_year_of_the_page() -> None:
    text = (
        "08/01/2024 10:15\n\nNgày 5-1, Huyện ủy Lục Yên tổ chức hội nghị tổng kết công tác dân "
        "vận năm 2023, triển khai nhiệm vụ năm 2024."
    )
    result = extract_report(text)
    assert result.event_date == "2024-01-05"
    assert result.event_date_detail is not None and result.event_date_detail.year_inferred
    assert result.period is not None and result.period.key == "2023"
    assert result.province is not None and result.province.name == "Yên Bái"


def test_quarter_with_slash_year() -> None:
    text = (
        "Chiều 28/12, Ban Dân vận Huyện ủy Kỳ Sơn tổ chức giao ban công tác dân vận quý "
        "IV/2023 và triển khai nhiệm vụ quý I/2024."
    )
    result = extract_report(text)
    assert result.meeting_type == "giao_ban"
    assert result.period is not None and result.period.key == "2023-Q4"
    assert result.next_period is not None and result.next_period.key == "2024-Q1"
    assert result.event_date == "2023-12-28"


def test_last_six_months_with_leading_zero() -> None:
    text = (
        "Ngày 10/01/2024, Đảng ủy phường Tân Mai sơ kết công tác dân vận 06 tháng cuối năm "
        "2023, triển khai nhiệm vụ năm 2024."
    )
    result = extract_report(text)
    assert result.level == "commune"
    assert result.unit is not None and result.unit.name == "Tân Mai"
    assert result.period is not None and result.period.key == "2023-H2"
    assert result.next_period is not None and result.next_period.key == "2024"


def test_term_with_unspaced_dash() -> None:
    text = (
        "Sáng 20/6/2025, Huyện ủy Văn Chấn tổ chức hội nghị tổng kết công tác dân vận nhiệm kỳ "
        "2020-2025."
    )
    result = extract_report(text)
    assert result.meeting_type == "tong_ket"
    assert result.period is not None and result.period.kind == "term"
    assert result.period.key == "2020-2025"


# --- operator-configured host → province table ---------------------------------------------


def test_host_provinces_extend_the_built_in_table() -> None:
    url = "https://baomoi-example.vn/tin/hoi-nghi"
    assert read_url(url).province_code is None
    assert read_url(url, {"baomoi-example": "Nghệ An"}).province_code == "40"
    assert read_url(url, {"baomoi-example.vn": "tỉnh Nghệ An"}).province_code == "40"
    assert read_url("https://sggp.org.vn/x").province_code == "79"  # built-in kept
    text = "Ngày 3/1/2024, Ban Dân vận Tỉnh ủy tổ chức hội nghị tổng kết công tác dân vận năm 2023."
    plain = extract_report(text, url=url)
    configured = extract_report(text, url=url, host_provinces={"baomoi-example": "Nghệ An"})
    assert plain.province is None
    assert configured.province is not None and configured.province.name == "Nghệ An"
    assert configured.province.evidence == "url"
