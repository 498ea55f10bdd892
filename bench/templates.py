"""Synthetic Vietnamese "công tác dân vận" review-meeting reports for benchmarks.

``generate_reports(n, seed)`` composes ``n`` short news articles in the genre the
danvan pipeline ingests: a title, a page-date line in one of the shapes real
sites use, a lead naming the Party body, meeting type and reviewed period, the
officials who chair or direct, results with figures, campaigns and documents, a
byline and some site chrome. About 15% of the items are other dân vận news (a
contest, a launch ceremony, a training course, a model launch, a working visit)
that must not be taken for review meetings.

All text is written from templates in this module; the units are real
administrative units as they stood before 1 July 2025, the people are made up.
Output is deterministic for a given seed and cheap to produce (10,000 reports
take well under two seconds). Nothing is read or written at import time.

Run ``python bench/templates.py --count 100 --seed 1 > reports.jsonl`` to write
JSON Lines to stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from datetime import date, timedelta

__all__ = ["generate_reports", "UNITS"]

# --------------------------------------------------------------------------
# Units: (kind, name, province, parent district or None)
#   kind: central | tinh | tp_tw | huyen | quan | thixa | tp | xa | phuong | thitran
# --------------------------------------------------------------------------
UNITS: list[tuple[str, str, str, str | None]] = [
    ("tinh", "Lạng Sơn", "Lạng Sơn", None),
    ("tinh", "Yên Bái", "Yên Bái", None),
    ("tinh", "Quảng Ninh", "Quảng Ninh", None),
    ("tinh", "Nghệ An", "Nghệ An", None),
    ("tinh", "Thanh Hóa", "Thanh Hóa", None),
    ("tinh", "Quảng Nam", "Quảng Nam", None),
    ("tinh", "Đồng Tháp", "Đồng Tháp", None),
    ("tinh", "Bình Thuận", "Bình Thuận", None),
    ("tinh", "Lâm Đồng", "Lâm Đồng", None),
    ("tinh", "Cà Mau", "Cà Mau", None),
    ("tinh", "Bến Tre", "Bến Tre", None),
    ("tinh", "Hà Giang", "Hà Giang", None),
    ("tinh", "Thái Bình", "Thái Bình", None),
    ("tinh", "Gia Lai", "Gia Lai", None),
    ("tinh", "Sóc Trăng", "Sóc Trăng", None),
    ("tp_tw", "Hà Nội", "Hà Nội", None),
    ("tp_tw", "Hồ Chí Minh", "Thành phố Hồ Chí Minh", None),
    ("tp_tw", "Hải Phòng", "Hải Phòng", None),
    ("tp_tw", "Đà Nẵng", "Đà Nẵng", None),
    ("tp_tw", "Cần Thơ", "Cần Thơ", None),
    ("huyen", "Chiêm Hóa", "Tuyên Quang", None),
    ("huyen", "Sơn Dương", "Tuyên Quang", None),
    ("huyen", "Hoằng Hóa", "Thanh Hóa", None),
    ("huyen", "Quảng Xương", "Thanh Hóa", None),
    ("huyen", "Minh Long", "Quảng Ngãi", None),
    ("huyen", "Thanh Bình", "Đồng Tháp", None),
    ("huyen", "Yên Minh", "Hà Giang", None),
    ("huyen", "Đức Trọng", "Lâm Đồng", None),
    ("huyen", "Thăng Bình", "Quảng Nam", None),
    ("huyen", "Bạch Thông", "Bắc Kạn", None),
    ("huyen", "Ngọc Hiển", "Cà Mau", None),
    ("huyen", "Giồng Trôm", "Bến Tre", None),
    ("huyen", "Quỳnh Lưu", "Nghệ An", None),
    ("huyen", "Krông Pắc", "Đắk Lắk", None),
    ("huyen", "Tam Nông", "Phú Thọ", None),
    ("huyen", "Lục Ngạn", "Bắc Giang", None),
    ("huyen", "Mộc Châu", "Sơn La", None),
    ("huyen", "Hòa Vang", "Đà Nẵng", None),
    ("huyen", "Củ Chi", "Thành phố Hồ Chí Minh", None),
    ("huyen", "Ba Vì", "Hà Nội", None),
    ("huyen", "Hải Hậu", "Nam Định", None),
    ("huyen", "Tiên Du", "Bắc Ninh", None),
    ("huyen", "Mường Nhé", "Điện Biên", None),
    ("huyen", "Bảo Yên", "Lào Cai", None),
    ("huyen", "Kim Bôi", "Hòa Bình", None),
    ("huyen", "Châu Thành", "Tiền Giang", None),
    ("quan", "Hai Bà Trưng", "Hà Nội", None),
    ("quan", "Cầu Giấy", "Hà Nội", None),
    ("quan", "Lê Chân", "Hải Phòng", None),
    ("quan", "Ninh Kiều", "Cần Thơ", None),
    ("quan", "Hải Châu", "Đà Nẵng", None),
    ("quan", "Gò Vấp", "Thành phố Hồ Chí Minh", None),
    ("thixa", "Quảng Yên", "Quảng Ninh", None),
    ("thixa", "La Gi", "Bình Thuận", None),
    ("thixa", "Sơn Tây", "Hà Nội", None),
    ("thixa", "Hoàng Mai", "Nghệ An", None),
    ("thixa", "Ninh Hòa", "Khánh Hòa", None),
    ("thixa", "Sa Pa", "Lào Cai", None),
    ("tp", "Lạng Sơn", "Lạng Sơn", None),
    ("tp", "Tuy Hòa", "Phú Yên", None),
    ("tp", "Cao Lãnh", "Đồng Tháp", None),
    ("tp", "Bến Tre", "Bến Tre", None),
    ("tp", "Tuyên Quang", "Tuyên Quang", None),
    ("tp", "Kon Tum", "Kon Tum", None),
    ("tp", "Yên Bái", "Yên Bái", None),
    ("xa", "Quảng Thái", "Thanh Hóa", "Quảng Xương"),
    ("xa", "Bình Tú", "Quảng Nam", "Thăng Bình"),
    ("xa", "Tân Hòa", "Đồng Tháp", "Thanh Bình"),
    ("xa", "Vũ Muộn", "Bắc Kạn", "Bạch Thông"),
    ("xa", "Hòa Khương", "Đà Nẵng", "Hòa Vang"),
    ("xa", "Tân Trào", "Tuyên Quang", "Sơn Dương"),
    ("xa", "Mậu Duệ", "Hà Giang", "Yên Minh"),
    ("xa", "Hiệp Thạnh", "Lâm Đồng", "Đức Trọng"),
    ("thitran", "Liên Nghĩa", "Lâm Đồng", "Đức Trọng"),
    ("phuong", "Dư Hàng Kênh", "Hải Phòng", "Lê Chân"),
]

_KIND_LEVEL = {
    "central": "central",
    "tinh": "province",
    "tp_tw": "province",
    "huyen": "district",
    "quan": "district",
    "thixa": "district",
    "tp": "district",
    "xa": "commune",
    "phuong": "commune",
    "thitran": "commune",
}
# Party committee word and the state-unit word, per kind.
_COMMITTEE = {
    "tinh": ("Tỉnh ủy", "tỉnh"),
    "tp_tw": ("Thành ủy", "thành phố"),
    "huyen": ("Huyện ủy", "huyện"),
    "quan": ("Quận ủy", "quận"),
    "thixa": ("Thị ủy", "thị xã"),
    "tp": ("Thành ủy", "thành phố"),
    "xa": ("Đảng ủy xã", "xã"),
    "phuong": ("Đảng ủy phường", "phường"),
    "thitran": ("Đảng ủy thị trấn", "thị trấn"),
}
_SUBUNITS = {
    "tinh": "huyện, thành phố",
    "tp_tw": "quận, huyện",
    "huyen": "xã, thị trấn",
    "quan": "phường",
    "thixa": "xã, phường",
    "tp": "phường, xã",
    "xa": "thôn",
    "phuong": "tổ dân phố",
    "thitran": "khu phố",
}

# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------
_FAMILY = (
    "Nguyễn",
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Trần",
    "Lê",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Hà",
    "Đoàn",
    "Trịnh",
    "Lương",
    "Nông",
    "Vàng",
    "Lò",
    "Đinh",
    "Tạ",
    "Mai",
    "Cao",
    "Lâm",
)
_MIDDLE_M = (
    "Văn",
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Thanh",
    "Công",
    "Xuân",
    "Ngọc",
    "Mạnh",
    "Đình",
    "Quốc",
    "Tiến",
)
_MIDDLE_F = (
    "Thị",
    "Thị",
    "Thị",
    "Thu",
    "Thanh",
    "Ngọc",
    "Kim",
    "Minh",
    "Hồng",
    "Bích",
    "Thúy",
    "Hải",
)
_GIVEN_M = (
    "Hùng",
    "Dũng",
    "Cường",
    "Tuấn",
    "Thắng",
    "Hải",
    "Long",
    "Nam",
    "Sơn",
    "Bình",
    "Phong",
    "Khoa",
    "Thành",
    "Tài",
    "Hiếu",
    "Trung",
    "Quân",
    "Lộc",
    "Vinh",
    "Toàn",
    "Đạt",
    "Huy",
    "Kiên",
    "Thịnh",
)
_GIVEN_F = (
    "Lan",
    "Hương",
    "Hà",
    "Mai",
    "Hạnh",
    "Hằng",
    "Nhung",
    "Trang",
    "Huyền",
    "Thảo",
    "Oanh",
    "Yến",
    "Ngọc",
    "Diễm",
    "Linh",
    "Hoa",
    "Dung",
    "Loan",
    "Phương",
    "Thủy",
    "Vân",
    "Nga",
    "Quyên",
    "Thư",
)


def _person(rng: random.Random) -> str:
    fam = rng.choice(_FAMILY)
    if rng.random() < 0.5:
        mid, giv = rng.choice(_MIDDLE_M), rng.choice(_GIVEN_M)
    else:
        mid, giv = rng.choice(_MIDDLE_F), rng.choice(_GIVEN_F)
    if rng.random() < 0.25:
        mid = mid + " " + rng.choice(("Minh", "Thanh", "Ngọc", "Hoài", "Kim", "Quang"))
    if rng.random() < 0.06:
        return fam + " " + giv
    return f"{fam} {mid} {giv}"


# --------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------
_QUARTER = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MEETING_WORD = {"so_ket": "sơ kết", "tong_ket": "tổng kết", "giao_ban": "giao ban"}
_PERIOD_TYPES = {
    "H1": ("so_ket", "so_ket", "giao_ban"),
    "9M": ("so_ket", "so_ket", "giao_ban"),
    "Q": ("giao_ban", "giao_ban", "so_ket"),
    "M": ("giao_ban",),
    "FY": ("tong_ket", "tong_ket", "tong_ket", "so_ket"),
    "term": ("tong_ket",),
    "multi_year": ("so_ket", "tong_ket"),
}
_PERIOD_WEIGHTS = (
    ("H1", 28),
    ("9M", 10),
    ("Q", 16),
    ("M", 5),
    ("FY", 28),
    ("term", 6),
    ("multi_year", 7),
)
_PERIOD_POP = [k for k, w in _PERIOD_WEIGHTS for _ in range(w)]


def _rand_date(rng: random.Random, start: date, span_days: int) -> date:
    return start + timedelta(days=rng.randint(0, span_days))


def _period(rng: random.Random) -> dict:
    """Pick a reviewed period; return phrases, canonical key and a plausible meeting date."""
    kind = rng.choice(_PERIOD_POP)
    y = rng.randint(2015, 2025)
    if kind == "H1":
        d = _rand_date(rng, date(y, 6, 15), 40)
        return {
            "kind": "H1",
            "key": f"{y}-H1",
            "year": y,
            "phrase": rng.choice(("6 tháng đầu năm", "06 tháng đầu năm")),
            "nxt": "6 tháng cuối năm",
            "date": d,
        }
    if kind == "9M":
        d = _rand_date(rng, date(y, 9, 18), 27)
        return {
            "kind": "9M",
            "key": f"{y}-9M",
            "year": y,
            "phrase": "9 tháng đầu năm",
            "nxt": rng.choice(("3 tháng cuối năm", "quý IV")),
            "date": d,
        }
    if kind == "Q":
        q = rng.randint(1, 4)
        if q == 4:
            d = _rand_date(rng, date(y, 12, 12), 30)
            nxt = f"quý I năm {y + 1}"
        else:
            d = _rand_date(rng, date(y, 3 * q, 22), 24)
            nxt = f"quý {_QUARTER[q + 1]}"
        phrase = "3 tháng đầu năm" if q == 1 and rng.random() < 0.25 else f"quý {_QUARTER[q]}"
        return {
            "kind": f"Q{q}",
            "key": f"{y}-Q{q}",
            "year": y,
            "phrase": phrase,
            "nxt": nxt,
            "date": d,
        }
    if kind == "M":
        m = rng.choice((2, 4, 5, 7, 8, 10, 11))
        d = _rand_date(rng, date(y, m + 1, 1), 9)
        return {
            "kind": f"M{m}",
            "key": f"{y}-M{m}",
            "year": y,
            "phrase": f"{m} tháng đầu năm",
            "nxt": "những tháng còn lại của năm",
            "date": d,
        }
    if kind == "FY":
        y = min(y, 2024)
        d = _rand_date(rng, date(y, 12, 8), 42)
        return {
            "kind": "FY",
            "key": str(y),
            "year": y,
            "phrase": "năm",
            "nxt": f"năm {y + 1}",
            "date": d,
            "year_next": y + 1,
        }
    if kind == "term":
        a = rng.choice((2010, 2015, 2020))
        d = _rand_date(rng, date(a + 5, 2, 10), 120)
        return {
            "kind": "term",
            "key": f"{a}-{a + 5}",
            "year": a + 5,
            "phrase": f"nhiệm kỳ {a} - {a + 5}",
            "nxt": f"nhiệm kỳ {a + 5} - {a + 10}",
            "date": d,
        }
    a = rng.choice((2016, 2021, 2018))
    b = a + 4 if a != 2018 else 2023
    d = _rand_date(rng, date(b, 4, 1), 200)
    phrase = rng.choice((f"giai đoạn {a} - {b}", f"{b - a + 1} năm ({a} - {b})"))
    return {
        "kind": "multi_year",
        "key": f"{a}-{b}",
        "year": b,
        "phrase": phrase,
        "nxt": "giai đoạn tiếp theo",
        "date": d,
    }


# --------------------------------------------------------------------------
# Documents, campaigns, models
# --------------------------------------------------------------------------
# (year issued, text); only documents issued before the meeting are cited.
_DOCS_TW = (
    (
        2015,
        "Kết luận số 114-KL/TW của Ban Bí thư về nâng cao chất lượng, hiệu quả công tác dân vận "
        "của Nhà nước, chính quyền các cấp",
    ),
    (
        2021,
        "Quyết định số 23-QĐ/TW ngày 27/7/2021 của Bộ Chính trị ban hành Quy chế công tác dân vận "
        "của hệ thống chính trị",
    ),
    (
        2013,
        "Nghị quyết số 25-NQ/TW (khóa XI) về tăng cường và đổi mới sự lãnh đạo của Đảng đối với "
        "công tác dân vận",
    ),
    (2019, "Kết luận số 43-KL/TW của Ban Bí thư về tiếp tục thực hiện Nghị quyết 25-NQ/TW"),
    (2022, "Luật Thực hiện dân chủ ở cơ sở năm 2022"),
    (2007, "Quy chế dân chủ ở cơ sở"),
)


def _doc_tw(rng: random.Random, year: int) -> str:
    return rng.choice([t for y, t in _DOCS_TW if y < year])


_MODELS = (
    "Dân vận khéo trong xây dựng nông thôn mới",
    "Khu dân cư 6 không",
    "Chính quyền thân thiện",
    "Nhân dân hiến đất làm đường",
    "Tuyến đường hoa, không rác thải",
    "Tổ liên kết sản xuất an toàn",
    "Camera an ninh khu dân cư",
    "Tổ hòa giải ở cơ sở gắn với dân vận khéo",
    "Mỗi đảng viên phụ trách một hộ gia đình",
    "Chi hội phụ nữ không sinh con thứ ba",
    "Tổ tự quản bảo vệ rừng",
    "Xóa nhà tạm, nhà dột nát",
)
_TASKS = (
    "tăng cường đối thoại với Nhân dân",
    "làm tốt công tác nắm tình hình Nhân dân",
    "chú trọng công tác dân vận trong giải phóng mặt bằng",
    "phát huy vai trò người có uy tín trong cộng đồng",
)
_CAMPAIGNS = (
    'phong trào thi đua "Dân vận khéo"',
    'cuộc vận động "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh"',
    'cuộc vận động "Người Việt Nam ưu tiên dùng hàng Việt Nam"',
    'phong trào "Toàn dân bảo vệ an ninh Tổ quốc"',
)


def _doc_local(rng: random.Random, kind: str, year: int) -> tuple[str, str]:
    """A local Party document issued before ``year`` and the committee that issued it."""
    n = rng.randint(2, 45)
    y = rng.randint(min(2012, year - 1), year - 1)
    if kind in ("tinh", "tp_tw", "central") or rng.random() < 0.4:
        iss, body = "TU", "Tỉnh ủy" if kind != "tp_tw" else "Thành ủy"
    elif kind in ("xa", "phuong", "thitran"):
        iss, body = "HU", "Huyện ủy"
    else:
        iss, body = {"quan": "QU", "thixa": "TU", "tp": "TU"}.get(kind, "HU"), _COMMITTEE[kind][0]
    doc_kind = rng.choice(("CT", "NQ", "KL"))
    word = {"CT": "Chỉ thị", "NQ": "Nghị quyết", "KL": "Kết luận"}[doc_kind]
    if rng.random() < 0.5:
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        return f"{word} số {n:02d}-{doc_kind}/{iss} ngày {day}/{month}/{y}", body
    return f"{word} {n:02d}-{doc_kind}/{iss}", body


# --------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------
_WEEKDAY = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WEEKDAY_NUM = ("Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "Chủ nhật")
_OLD_TONE = (("ủy", "uỷ"), ("Ủy", "Uỷ"), ("óa", "oá"), ("òa", "oà"), ("ùy", "uỳ"), ("úy", "uý"))
_SLUG_MAP = str.maketrans({"đ": "d", "Đ": "d"})


def _slug(s: str, sep: str = "-") -> str:
    s = unicodedata.normalize("NFD", s.translate(_SLUG_MAP))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    out = []
    for ch in s:
        out.append(ch if ch.isalnum() else " ")
    return sep.join("".join(out).split())


def _page_date(rng: random.Random, d: date, hh: int, mm: int, ss: int) -> str:
    shape = rng.randrange(6)
    wd = d.weekday()
    if shape == 0:
        return f"{_WEEKDAY[wd]}, ngày {d.day:02d} tháng {d.month} năm {d.year} - {hh:02d}:{mm:02d}"
    if shape == 1:
        return f"Đăng lúc: {hh:02d}:{mm:02d}:{ss:02d} {d.day:02d}/{d.month:02d}/{d.year} (GMT+7)"
    if shape == 2:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if shape == 3:
        return f"{d.day:02d}/{d.month:02d}/{d.year} {hh:02d}:{mm:02d}"
    if shape == 4:
        clock = f"{hh:02d}:{mm:02d}:{ss:02d}"
        return f"{_WEEKDAY_NUM[wd]}, {d.day:02d}.{d.month:02d}.{d.year} | {clock}"
    return f"Cập nhật ngày: {d.day:02d}/{d.month:02d}/{d.year}"


def _lead_date(rng: random.Random, d: date, with_year: bool) -> str:
    part = rng.choice(("Sáng", "Chiều", "Sáng ngày", "Chiều ngày", "Ngày"))
    if with_year:
        fmt = rng.randrange(3)
        if fmt == 0:
            return f"{part} {d.day:02d}/{d.month:02d}/{d.year}"
        if fmt == 1:
            return f"{part} {d.day}/{d.month}/{d.year}"
        return f"{part} {d.day}-{d.month}-{d.year}"
    if rng.random() < 0.2:
        return f"{part} {d.day} tháng {d.month}"
    return f"{part} {d.day}/{d.month}"


def _pct(rng: random.Random, lo: float = 90.0) -> str:
    return f"{rng.uniform(lo, 100.0):.1f}".replace(".", ",")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _unit_label(kind: str, name: str) -> str:
    if kind == "tp_tw" and name == "Hồ Chí Minh":
        return "Thành phố Hồ Chí Minh"
    return f"{_COMMITTEE[kind][1]} {name}"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _with_year(phrase: str, y: int) -> str:
    return f"{phrase} {y}" if phrase.endswith("năm") else f"{phrase} năm {y}"


def _url(rng: random.Random, unit: tuple, title: str, n: int) -> tuple[str | None, str]:
    kind, name, prov, parent = unit
    pslug = {"Thành phố Hồ Chí Minh": "hochiminhcity", "Hà Nội": "hanoi"}.get(prov, _slug(prov, ""))
    tslug = _slug(title)[:90]
    pick = rng.randrange(4)
    if pick == 0:
        return (
            f"https://bdvtu.{pslug}.dcs.vn/tin-tuc/{tslug}-{n}.html",
            f"Ban Dân vận Tỉnh ủy {prov}",
        )
    if pick == 1 and kind not in ("tinh", "tp_tw", "central"):
        host = _slug(parent or name, "")
        return (
            f"https://{host}.{pslug}.gov.vn/tin-tuc-su-kien/{tslug}-{n}.html",
            "Cổng thông tin điện tử "
            f"{_unit_label('huyen', parent) if parent else _unit_label(kind, name)}",
        )
    if pick == 2:
        return f"https://bao{pslug}.vn/{tslug}-{n}.html", f"Báo {prov}"
    if rng.random() < 0.3:
        return None, f"Báo {prov}"
    return (
        f"https://{pslug}.gov.vn/noidung/tintuc/{tslug}-{n}.aspx",
        f"Cổng thông tin điện tử tỉnh {prov}",
    )


# --------------------------------------------------------------------------
# Titles for officials
# --------------------------------------------------------------------------
def _titles(kind: str) -> tuple[str, str, str]:
    """(chair title, head of Ban Dân vận title, superior's title) for a unit kind."""
    if kind == "central":
        return (
            "Bí thư Trung ương Đảng, Trưởng Ban Dân vận Trung ương",
            "Phó Trưởng Ban Dân vận Trung ương",
            "Ủy viên Bộ Chính trị, Thường trực Ban Bí thư",
        )
    com = _COMMITTEE[kind][0]
    if kind in ("xa", "phuong", "thitran"):
        short = com.replace("Đảng ủy ", "")
        return (
            f"Phó Bí thư Thường trực {com}, Trưởng khối dân vận {short}",
            f"Trưởng khối dân vận {short}",
            "Phó Trưởng Ban Dân vận Huyện ủy",
        )
    if kind in ("tinh", "tp_tw"):
        return (
            f"Ủy viên Ban Thường vụ {com}, Trưởng Ban Dân vận {com}",
            f"Ủy viên Ban Thường vụ {com}, Trưởng Ban Dân vận {com}",
            f"Phó Bí thư Thường trực {com}",
        )
    unit_word = _COMMITTEE[kind][1]
    return (
        f"Phó Bí thư Thường trực {com}, Chủ tịch HĐND {unit_word}",
        f"Ủy viên Ban Thường vụ, Trưởng Ban Dân vận {com}",
        "Phó Trưởng Ban Dân vận Tỉnh ủy",
    )


# --------------------------------------------------------------------------
# Review report
# --------------------------------------------------------------------------
def _review(
    rng: random.Random, unit: tuple, per: dict, mtype: str, bridge: tuple | None
) -> tuple[str, str]:
    kind, name, prov, parent = unit
    y = per["year"]
    mw = _MEETING_WORD[mtype]
    if kind == "central":
        holder = "Ban Dân vận Trung ương"
        committee = "Trung ương"
    else:
        committee = _COMMITTEE[kind][0]
        holder = rng.choice(
            (f"Ban Dân vận {committee} {name}", f"Ban Thường vụ {committee} {name}")
        )
        if kind in ("xa", "phuong", "thitran"):
            holder = rng.choice(
                (
                    f"{committee} {name}",
                    f"Khối dân vận {_COMMITTEE[kind][1]} {name}",
                    f"{committee} {name}",
                )
            )
    sub = _SUBUNITS.get(kind, "tỉnh, thành phố")
    nsub = {"central": 63, "tinh": rng.randint(8, 13), "tp_tw": rng.randint(9, 30)}.get(
        kind, rng.randint(6, 30)
    )

    # period phrase as it appears in the text; the year may be written once, twice or not at all
    per_phrase = per["phrase"]
    year_in_lead = rng.random() < 0.75
    if per["kind"] == "FY":
        per_txt = f"năm {y}"
        nxt_txt = f"phương hướng, nhiệm vụ {per['nxt']}"
    elif per["kind"] in ("term", "multi_year"):
        per_txt = per_phrase
        nxt_txt = f"phương hướng nhiệm vụ {per['nxt']}"
    elif "năm 2" in per["nxt"]:  # Q4: the plan is next year, so the reviewed year is written
        per_txt = _with_year(per_phrase, y)
        nxt_txt = f"triển khai nhiệm vụ {per['nxt']}"
    elif not year_in_lead:
        per_txt = per_phrase
        nxt_txt = f"triển khai nhiệm vụ {per['nxt']}"
    elif rng.random() < 0.5:
        per_txt = _with_year(per_phrase, y)
        nxt_txt = f"triển khai nhiệm vụ {per['nxt']}"
    else:
        per_txt = per_phrase
        nxt_txt = f"triển khai nhiệm vụ {_with_year(per['nxt'], y)}"

    topic = rng.choice(
        (
            "công tác dân vận",
            'công tác dân vận, phong trào thi đua "Dân vận khéo"',
            "công tác dân vận, thực hiện dân chủ ở cơ sở",
            "công tác dân vận, dân tộc, tôn giáo",
            "khối dân vận",
        )
    )
    if kind == "central":
        title = f"Hội nghị trực tuyến toàn quốc {mw} công tác dân vận {_with_year(per_phrase, y)}"
    else:
        lead_title = rng.choice(
            (name, f"{_COMMITTEE[kind][0]} {name}", f"Ban Dân vận {_COMMITTEE[kind][0]} {name}")
        )
        multi = per["kind"] in ("term", "multi_year")
        tper = per_phrase if multi else _with_year(per_phrase, y)
        title = rng.choice(
            (
                f"{lead_title} {mw} công tác dân vận {tper}",
                f"{lead_title}: {_cap(mw)} {topic} {tper}",
                f"Hội nghị {mw} công tác dân vận {tper}",
            )
        )

    chair_t, head_t, sup_t = _titles(kind)
    chair, head, sup = _person(rng), _person(rng), _person(rng)
    d = per["date"]
    lead_date = _lead_date(rng, d, year_in_lead) if rng.random() < 0.9 else "Vừa qua"
    meeting = (
        "Hội nghị trực tuyến toàn quốc"
        if kind == "central"
        else rng.choice(("Hội nghị", "hội nghị"))
    )
    paras: list[str] = []
    paras.append(f"{lead_date}, {holder} tổ chức {meeting} {mw} {topic} {per_txt}, {nxt_txt}.")
    chair_style = rng.randrange(3)
    if chair_style == 0:
        paras[-1] += f" Đồng chí {chair}, {chair_t} chủ trì hội nghị."
    elif chair_style == 1:
        parts = chair_t.split(", ")
        short = parts[-1] if kind in ("tinh", "tp_tw", "central") else parts[0]
        paras[-1] += f" {short} {chair} chủ trì Hội nghị."
    else:
        paras[-1] += (
            f" Đồng chí {chair} - {chair_t} chủ trì; đồng chí {sup}, {sup_t} dự và chỉ đạo hội "
            "nghị."
        )

    if bridge is not None:
        bkind, bname, _bprov, _ = bridge
        bchair_t = _titles(bkind)[2 if bkind in ("tinh", "tp_tw") else 0]
        paras.append(
            f"Tại điểm cầu {_unit_label(bkind, bname)}, đồng chí {_person(rng)}, {bchair_t} chủ "
            "trì; "
            "tham dự có lãnh đạo Ủy ban MTTQ, các tổ chức chính trị - xã hội và cán bộ làm công "
            "tác dân vận."
        )
        paras.append(f"Toàn cảnh điểm cầu {_unit_label(bkind, bname)}")
    elif rng.random() < 0.5:
        paras.append(
            rng.choice(
                (
                    "Toàn cảnh Hội nghị",
                    "Quang cảnh hội nghị",
                    f"Đồng chí {chair} phát biểu tại hội nghị",
                )
            )
        )

    # results
    ndocs = rng.randint(3, 60)
    actor = rng.choice(("Ban Dân vận", "khối dân vận", "cấp ủy các cấp"))
    if rng.random() < 0.6:
        paras.append(f"Theo báo cáo do đồng chí {head}, {head_t} trình bày:")
    when = {"FY": "Năm qua", "term": "Nhiệm kỳ qua", "multi_year": f"Qua {per_phrase}"}.get(
        per["kind"], f"Trong {per_phrase}"
    )
    paras.append(
        f"{when}, {actor} đã tham mưu ban hành {ndocs} "
        "văn bản, chương trình, kế hoạch lãnh đạo, chỉ đạo công tác dân vận; quán triệt và triển "
        "khai "
        f"{_doc_tw(rng, d.year)}. {nsub}/{nsub} {sub} duy trì giao ban khối dân vận định kỳ, kịp "
        "thời nắm bắt "
        f"tâm tư, nguyện vọng của Nhân dân, không để phát sinh điểm nóng."
    )
    nmod = rng.randint(5, 900)
    m1, m2 = rng.sample(_MODELS, 2)
    paras.append(
        f"{_cap(rng.choice(_CAMPAIGNS))} tiếp tục được triển khai sâu rộng; đã có "
        f"{_thousands(nmod)} mô hình "
        f'"Dân vận khéo" được công nhận, trong đó tiêu biểu là mô hình "{m1}" và "{m2}". Nhân dân '
        "hiến "
        f"{_thousands(rng.randint(300, 60000))} m2 đất, đóng góp "
        f"{_thousands(rng.randint(200, 20000))} ngày công; "
        f"tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn đạt {_pct(rng)}%."
    )
    if rng.random() < 0.6:
        ldoc, issuer = _doc_local(rng, kind, d.year)
        paras.append(
            f"Việc thực hiện {ldoc} của Ban Thường vụ {issuer} "
            f"đạt kết quả tích cực; tổ chức {rng.randint(2, 80)} hội nghị đối thoại giữa người "
            "đứng đầu cấp ủy, "
            f"chính quyền với Nhân dân, tiếp nhận {rng.randint(10, 400)} ý kiến, kiến nghị."
        )
    if rng.random() < 0.5:
        paras.append(
            "Bên cạnh kết quả đạt được, hội nghị chỉ ra một số hạn chế như: việc nắm tình hình ở "
            "một số nơi chưa "
            "kịp thời; một số mô hình còn hình thức, chưa được nhân rộng."
        )
    speaker = rng.choice((chair, sup))
    say = rng.choice(("Phát biểu chỉ đạo", "Kết luận hội nghị", "Phát biểu tại hội nghị"))
    paras.append(
        f"{say}, đồng chí {speaker} "
        "đề nghị các cấp ủy, chính quyền, Mặt trận Tổ quốc và các đoàn thể tiếp tục đổi mới nội "
        "dung, phương "
        f"thức công tác dân vận; {rng.choice(_TASKS)}; "
        f"thực hiện tốt {_doc_tw(rng, d.year).split(' của ')[0]}."
    )
    if rng.random() < 0.5:
        paras.append(
            f"Dịp này, {holder} khen thưởng "
            f"{rng.randint(2, 20)} tập thể, {rng.randint(2, 30)} cá nhân có thành tích xuất sắc."
        )
    return title, "\n\n".join(paras)


# --------------------------------------------------------------------------
# Non-review dân vận news
# --------------------------------------------------------------------------
def _other(rng: random.Random, unit: tuple, d: date) -> tuple[str, str]:
    kind, name, _prov, _parent = unit
    if kind == "central":
        kind, name = "tinh", "Lạng Sơn"
    com = _COMMITTEE[kind][0]
    place = _unit_label(kind, name)
    who = _person(rng)
    lead_date = _lead_date(rng, d, rng.random() < 0.7)
    sort = rng.randrange(5)
    y = d.year
    if sort == 0:
        title = f'{name}: Tổng kết và trao giải Hội thi "Dân vận khéo" năm {y}'
        n = rng.randint(6, 20)
        body = [
            f"{lead_date}, Ban Dân vận {com} {name} tổ chức vòng chung kết và trao giải Hội thi "
            '"Dân vận khéo" '
            f"năm {y}. Đồng chí {who}, Trưởng Ban Dân vận {com} dự và trao giải.",
            f"Hội thi thu hút {n} đội đến từ các {_SUBUNITS[kind]}, cơ quan, đơn vị. Các đội "
            "tranh tài qua phần "
            f"chào hỏi, kiến thức và tiểu phẩm tình huống về công tác vận động Nhân dân.",
            "Kết quả, Ban Tổ chức trao 1 giải Nhất, 2 giải Nhì, 3 giải Ba và "
            f"{n - 6 if n > 6 else 1} giải "
            f"Khuyến khích cho các đội thi.",
        ]
    elif sort == 1:
        title = f'{_cap(place)} phát động "Tháng Dân vận" năm {y}'
        body = [
            f'{lead_date}, {com} {name} tổ chức Lễ phát động "Tháng Dân vận" năm {y}, hướng tới '
            "kỷ niệm "
            f"{y - 1930} năm Ngày truyền thống công tác dân vận của Đảng (15/10). Đồng chí {who} "
            "phát biểu phát động.",
            "Trong tháng, các chi bộ, đoàn thể ra quân vệ sinh môi trường, sửa chữa nhà cho hộ "
            "nghèo, tổ chức đối "
            "thoại với Nhân dân và trao quà cho gia đình chính sách.",
        ]
    elif sort == 2:
        title = f"Tập huấn nghiệp vụ công tác dân vận năm {y}"
        body = [
            f"{lead_date}, Ban Dân vận {com} {name} mở lớp tập huấn nghiệp vụ công tác dân vận cho "
            f"{rng.randint(60, 250)} học viên là cán bộ khối dân vận các {_SUBUNITS[kind]}.",
            f"Đồng chí {who}, Phó Trưởng Ban Dân vận {com} quán triệt các chuyên đề về kỹ năng "
            "nắm tình hình Nhân "
            'dân, xây dựng mô hình "Dân vận khéo" và thực hiện Luật Thực hiện dân chủ ở cơ sở.',
        ]
    elif sort == 3:
        m = rng.choice(_MODELS)
        title = f'Ra mắt mô hình "{m}"'
        body = [
            f'{lead_date}, tại {place}, {com} {name} tổ chức ra mắt mô hình "{m}". Đồng chí {who} '
            "dự và phát biểu.",
            f"Mô hình có {rng.randint(15, 120)} thành viên, hoạt động theo quy chế do Nhân dân "
            "bàn và quyết định.",
        ]
    else:
        upper = "Trung ương" if kind in ("tinh", "tp_tw") else "Tỉnh ủy"
        title = f"Đoàn công tác Ban Dân vận {upper} làm việc tại {place}"
        body = [
            f"{lead_date}, Đoàn công tác Ban Dân vận {upper} do đồng chí {who}, Phó Trưởng Ban "
            "làm trưởng đoàn có "
            f"buổi làm việc với {com} {name} về tình hình thực hiện công tác dân vận.",
            f"Báo cáo tại buổi làm việc cho biết, {max(d.month - 1, 2)} tháng năm {y}, "
            "địa phương đã xây dựng "
            f"{rng.randint(5, 60)} mô "
            'hình "Dân vận khéo"; công tác nắm tình hình Nhân dân được quan tâm.',
        ]
    extra = (
        f'Thời gian qua, {com} {name} đã xây dựng {rng.randint(5, 120)} mô hình "Dân vận khéo" '
        f"trên các lĩnh vực, huy động Nhân dân đóng góp {_thousands(rng.randint(100, 9000))} triệu "
        "đồng làm đường giao thông, nhà văn hóa.",
        "Các hoạt động được tổ chức thiết thực, tiết kiệm, gắn với nhiệm vụ chính trị của địa "
        "phương, tạo sức lan tỏa trong cán bộ, đảng viên và Nhân dân.",
        f"Dịp này, Ban Tổ chức trao {rng.randint(5, 40)} suất quà cho hộ nghèo, gia đình "
        "chính sách có hoàn cảnh khó khăn.",
    )
    body.extend(rng.sample(extra, 2))
    body.append(
        "Hoạt động góp phần nâng cao nhận thức của cán bộ, đảng viên và Nhân dân về công tác dân "
        "vận, thắt chặt "
        "mối quan hệ mật thiết giữa Đảng với Nhân dân."
    )
    return title, "\n\n".join(body)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------
_CHROME_TOP = (
    "Truy cập nội dung luôn",
    "Trang chủ | Tin tức - Sự kiện | Hoạt động dân vận",
    "Chính trị | Xây dựng Đảng",
    "",
    "",
)
_CHROME_BOTTOM = ("Các tin khác", "Tin cùng chuyên mục", "Tin liên quan", "", "")
_BYLINE_TAIL = (
    "Trung tâm TT-VH huyện",
    "Ban Dân vận Tỉnh ủy",
    "Đài truyền thanh xã",
    "Báo ảnh",
    "",
)


def _old_tone(text: str) -> str:
    for a, b in _OLD_TONE:
        text = text.replace(a, b)
    return text


def generate_reports(n: int, seed: int = 0) -> list[dict]:
    """Return ``n`` synthetic reports (dicts with id, title, text, source_url, published_at).

    The result depends only on ``n`` and ``seed``.
    """
    rng = random.Random(seed)
    provinces_like = [u for u in UNITS if u[0] in ("tinh", "tp_tw")]
    districts_like = [u for u in UNITS if u[0] in ("huyen", "quan", "thixa", "tp")]
    out: list[dict] = []
    for i in range(1, n + 1):
        r = rng.random()
        if r < 0.07:
            unit: tuple = ("central", "Trung ương", "", None)
        else:
            unit = rng.choice(UNITS)
        per = _period(rng)
        d: date = per["date"]
        if rng.random() < 0.15:
            title, body = _other(rng, unit, d)
        else:
            mtype = rng.choice(
                _PERIOD_TYPES[per["kind"] if per["kind"][0] not in "QM" else per["kind"][0]]
            )
            bridge = None
            if unit[0] == "central":
                bridge = rng.choice(provinces_like + districts_like)
            title, body = _review(rng, unit, per, mtype, bridge)
            if bridge is not None:
                unit = bridge
        pub = d + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 5)))
        hh, mm, ss = rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59)
        url, source = _url(
            rng,
            unit if unit[0] != "central" else rng.choice(provinces_like),
            title,
            rng.randint(100, 99999),
        )
        author = _person(rng)
        tail = rng.choice(_BYLINE_TAIL)
        byline = f"{author} - {tail}" if tail else author
        parts = [rng.choice(_CHROME_TOP), title, _page_date(rng, pub, hh, mm, ss), body, byline]
        if rng.random() < 0.4:
            parts.append(f"Đã xem: {rng.randint(20, 3000)}")
        parts.append(rng.choice(_CHROME_BOTTOM))
        text = "\n\n".join(p for p in parts if p) + "\n"
        if rng.random() < 0.1:
            text, title = _old_tone(text), _old_tone(title)
        out.append(
            {
                "id": f"gen-{i:06d}",
                "title": title,
                "text": text,
                "source_url": url,
                "published_at": f"{pub.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}+07:00",
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write synthetic dân vận review-meeting reports as JSON Lines."
    )
    parser.add_argument("--count", type=int, default=100, help="number of reports (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    write = sys.stdout.write
    for rep in generate_reports(args.count, args.seed):
        write(json.dumps(rep, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
