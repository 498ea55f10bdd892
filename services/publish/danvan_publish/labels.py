"""Vietnamese labels for the codes the extraction uses (meeting types, levels, periods)."""

from __future__ import annotations

from datetime import date

from danvan_shared.extraction_schema import is_period_key

MEETING_TYPES: dict[str, str] = {
    "so_ket": "Sơ kết",
    "tong_ket": "Tổng kết",
    "giao_ban": "Giao ban",
    "other": "Hoạt động khác",
}
LEVELS: dict[str, str] = {
    "central": "Trung ương",
    "province": "Cấp tỉnh",
    "district": "Cấp huyện",
    "commune": "Cấp xã",
}
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def period_label(key: str | None, kind: str | None = None) -> str:
    """'2022-H1' → '6 tháng đầu năm 2022'; the words a Vietnamese report would use.

    Anything but a canonical key (an extraction stored before keys were checked may
    hold "?-Q3" or "2024-M¹") is an unknown period."""
    if key is None or not is_period_key(key):
        return "kỳ chưa xác định"
    year, _, suffix = key.partition("-")
    if not suffix:
        return f"năm {year}"
    if suffix.isdigit():
        word = "nhiệm kỳ" if kind == "term" else "giai đoạn"
        return f"{word} {year}–{suffix}"
    if suffix == "H1":
        return f"6 tháng đầu năm {year}"
    if suffix == "H2":
        return f"6 tháng cuối năm {year}"
    if suffix == "9M":
        return f"9 tháng đầu năm {year}"
    if suffix.startswith("Q") and suffix[1:] in _ROMAN:
        return f"quý {_ROMAN[suffix[1:]]} năm {year}"
    if suffix.startswith("M") and suffix[1:].isdigit():
        return f"{int(suffix[1:])} tháng đầu năm {year}"
    return key


def meeting_label(meeting_type: str | None) -> str:
    return MEETING_TYPES.get(meeting_type or "", "Hội nghị")


def level_label(level: str | None) -> str:
    return LEVELS.get(level or "", "Chưa rõ cấp")


def date_label(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# What the report page calls each decided field and each place evidence is found in.
EVIDENCE_FIELDS = {
    "relevant": "Là hội nghị công tác dân vận",
    "meeting_type": "Loại hội nghị",
    "level": "Cấp",
    "unit": "Đơn vị",
    "province": "Tỉnh (trước 2025)",
    "province_2025": "Tỉnh (từ 2025)",
    "period": "Kỳ",
    "event_date": "Ngày họp",
}
EVIDENCE_KINDS = {
    "title": "tiêu đề",
    "lead": "đoạn mở đầu",
    "body": "nội dung",
    "official": "chức danh người chủ trì",
    "url_slug": "đường dẫn",
    "url_host": "tên miền",
    "page_date": "ngày đăng",
    "gazetteer": "danh mục đơn vị hành chính",
    "inferred": "suy ra",
}
