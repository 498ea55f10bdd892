"""Organisations: Party bodies, the Front, mass organisations, state bodies.

The names are a closed, formulaic vocabulary and the abbreviations (MTTQ, UBND, HĐND,
BTV, CCB …) are conventions of this genre that no general library expands, so a small
table and one regex do it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .folding import fold_same_length
from .scan import WORD, after_boundary

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
# No leading look-behind (see ``scan.py``): the boundary before is checked per match.
_ABBREVIATION = re.compile(
    r"(?:" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")(?![\wĐƯ])"
)
_ORG_HEAD = (
    r"ban dan van|ban thuong vu|ban chap hanh|ban tuyen giao(?: va dan van)?|ban to chuc"
    r"|ban noi chinh|ban can su dang|uy ban mat tran to quoc(?: viet nam)?|mat tran to quoc"
    r"(?: viet nam)?|uy ban nhan dan|hoi dong nhan dan|hoi cuu chien binh|hoi nong dan"
    r"|hoi lien hiep phu nu|doan thanh nien(?: cong san ho chi minh)?|lien doan lao dong"
    r"|hoi dong cong tac quan chung|dang uy|khoi dan van|bo chi huy quan su|cong an"
)
# Matched on the folded text (no IGNORECASE, a literal first character: a fast scan);
# the name must start with a capital in the text.
_ORG = re.compile(
    r"(?:" + _ORG_HEAD + r")(?:\s+(?:trung uong|tinh uy|thanh uy|huyen uy|quan uy|thi uy"
    r"|tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran)(?:\s+[a-z]\w*){0,3})?"
)


@dataclass
class FoundOrganization:
    name: str
    abbreviation: str | None
    start: int
    end: int


def find_organizations(
    norm: str, limit: int = 200, folded: str | None = None
) -> list[FoundOrganization]:
    """Named bodies ("Ban Dân vận Huyện ủy …") and expanded abbreviations (MTTQ, UBND …)."""
    folded = fold_same_length(norm) if folded is None else folded[: len(norm)]
    found: list[FoundOrganization] = []
    for match in _ORG.finditer(folded):
        start, end = match.span()
        if not norm[start].isupper():
            continue
        found.append(FoundOrganization(norm[start:end].strip(), None, start, end))
        if len(found) >= limit:
            break
    for match in after_boundary(_ABBREVIATION, norm, WORD):
        found.append(
            FoundOrganization(ABBREVIATIONS[match.group(0)], match.group(0), *match.span())
        )
        if len(found) >= 2 * limit:
            break
    return found
