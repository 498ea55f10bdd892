"""Organisations: Party bodies, the Front, mass organisations, state bodies.

The names are a closed, formulaic vocabulary and the abbreviations (MTTQ, UBND, HĐND,
BTV, CCB …) are conventions of this genre that no general library expands, so a small
table and one regex do it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS: dict[str, str] = {
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "UBMTTQVN": "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "MTTQ": "Mặt trận Tổ quốc",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "BTV": "Ban Thường vụ",
    "BCH": "Ban Chấp hành",
    "BCĐ": "Ban Chỉ đạo",
    "BDV": "Ban Dân vận",
    "TW": "Trung ương",
    "TƯ": "Trung ương",
    "TU": "Tỉnh ủy",
    "HU": "Huyện ủy",
    "CCB": "Cựu chiến binh",
    "KDC": "khu dân cư",
    "ANCT": "an ninh chính trị",
    "ĐBQH": "Đại biểu Quốc hội",
    "LLVT": "lực lượng vũ trang",
    "CTMT": "công tác Mặt trận",
    "QCDC": "quy chế dân chủ",
    "CQ": "chính quyền",
    "NTM": "nông thôn mới",
    "HLHPN": "Hội Liên hiệp Phụ nữ",
    "TNCS": "Thanh niên Cộng sản",
    "CHQS": "Chỉ huy quân sự",
}
_ABBREVIATION = re.compile(
    r"(?<![\wĐƯ])("
    + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))
    + r")(?![\wĐƯ])"
)
_ORG_HEAD = (
    r"Ban Dân vận|Ban Thường vụ|Ban Chấp hành|Ban Tuyên giáo(?: và Dân vận)?|Ban Tổ chức"
    r"|Ban Nội chính|Ban Cán sự Đảng|Ủy ban Mặt trận Tổ quốc(?: Việt Nam)?|Mặt trận Tổ quốc"
    r"(?: Việt Nam)?|Ủy ban nhân dân|Hội đồng nhân dân|Hội Cựu chiến binh|Hội Nông dân"
    r"|Hội Liên hiệp Phụ nữ|Đoàn Thanh niên(?: Cộng sản Hồ Chí Minh)?|Liên đoàn Lao động"
    r"|Hội đồng công tác quần chúng|Đảng ủy|Khối dân vận|Bộ Chỉ huy quân sự|Công an"
)
_ORG = re.compile(
    r"(?=[BUMHĐKCỦbumhđkcủ])(?:"
    + _ORG_HEAD
    + r")(?:\s+(?:Trung ương|Tỉnh ủy|Thành ủy|Huyện ủy|Quận ủy|Thị ủy"
    r"|tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3})?",
    re.IGNORECASE,
)


@dataclass
class FoundOrganization:
    name: str
    abbreviation: str | None
    start: int
    end: int


def _expand(text: str) -> str:
    return _ABBREVIATION.sub(lambda match: ABBREVIATIONS[match.group(1)], text)


def find_organizations(norm: str, limit: int = 200) -> list[FoundOrganization]:
    found: list[FoundOrganization] = []
    for match in _ORG.finditer(norm):
        if not match.group(0)[:1].isupper():
            continue
        found.append(FoundOrganization(match.group(0).strip(), None, match.start(), match.end()))
        if len(found) >= limit:
            break
    for match in _ABBREVIATION.finditer(norm):
        found.append(
            FoundOrganization(
                ABBREVIATIONS[match.group(1)], match.group(1), match.start(), match.end()
            )
        )
        if len(found) >= 2 * limit:
            break
    return found


def expand_abbreviations(text: str) -> str:
    """'UBMTTQ huyện' → 'Ủy ban Mặt trận Tổ quốc huyện'."""
    return _expand(text)
