"""Party and state documents: "Chỉ thị 08-CT/TU, ngày 23/9/2021", "Nghị quyết số
25-NQ/TW (khóa XI)", "số 34/2007/PL-UBTVQH11", "Luật Thực hiện dân chủ ở cơ sở".

Document numbering follows fixed conventions (``<n>-<KIND>/<ISSUER>`` for the Party,
``<n>/<year>/<KIND>-<ISSUER>`` for the state), so regexes parse them exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .scan import after_boundary

_KINDS = (
    r"Nghị quyết|Chỉ thị|Quyết định|Quy định|Kết luận|Kế hoạch|Hướng dẫn|Chương trình hành động"
    r"|Chương trình|Thông báo|Công văn|Nghị định|Thông tư|Pháp lệnh|Quy chế|Đề án"
)
_PARTY_NUMBER = (
    r"(?P<number>\d{1,4}(?:\s*,\s*\d{1,4})*)\s*-\s*(?P<code>[A-ZĐ]{1,6})\s*/\s*"
    r"(?P<issuer>[A-ZĐƯa-zđư0-9]{1,12}(?:-[A-ZĐ0-9]{1,10})?)"
)
_STATE_NUMBER = (
    r"(?P<snumber>\d{1,5})\s*/\s*(?P<syear>(?:19|20)\d{2})\s*/\s*(?P<scode>[A-ZĐ]{1,6})"
    r"\s*-\s*(?P<sissuer>[A-ZĐ0-9]{1,14})"
)
_DOCUMENT = re.compile(
    r"(?=[NCQKHTPĐ\d])(?:(?P<kind>" + _KINDS + r")\s+(?:số\s+)?)?"
    r"(?:" + _PARTY_NUMBER + r"|" + _STATE_NUMBER + r")"
    r"(?:\s*,?\s*ngày\s+(?P<date>\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*(?:19|20)\d{2}))?"
    r"(?:\s*(?:của [^,;.()]{0,60}?)?\s*\((?P<term>khóa\s+[XVIL]+)\))?",
)
_NAMED_LAW = re.compile(
    r"Luật(?: số)?\s+(?P<name>[A-ZĐÀ-Ỹ][^,.;:()\n]{3,80}?)"
    r"(?=\s*(?:[,.;:()\n]|năm\s+(?:19|20)\d\d|$))"
)
_NAMED_KIND = re.compile(r"(?P<kind>" + _KINDS + r")\s+(?:số\s+)?(?P<number>\d{1,4})(?![\d/-])")

_WORD_CHAR = re.compile(r"\w")
_SPACE = re.compile(r"\s")
_DATE_SEPARATOR = re.compile(r"\s*[/-]\s*")


@dataclass
class FoundDocument:
    text: str
    kind: str | None
    number: str | None
    issuer: str | None
    date: str | None
    title: str | None
    start: int
    end: int


def _iso(date_text: str | None) -> str | None:
    if not date_text:
        return None
    parts = _DATE_SEPARATOR.split(date_text.strip())
    try:
        day, month, year = (int(p) for p in parts)
    except ValueError:
        return None
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_documents(norm: str) -> list[FoundDocument]:
    found: list[FoundDocument] = []
    taken: list[tuple[int, int]] = []
    for match in _DOCUMENT.finditer(norm):
        groups = match.groupdict()
        if groups.get("number"):
            digits = _SPACE.sub("", groups["number"])
            number = f"{digits}-{groups['code']}/{groups['issuer']}"
            issuer = groups["issuer"]
            code = groups["code"]
        else:
            number = f"{groups['snumber']}/{groups['syear']}/{groups['scode']}-{groups['sissuer']}"
            issuer, code = groups["sissuer"], groups["scode"]
        if not groups.get("kind") and code in ("", None):
            continue
        title = groups.get("term")
        found.append(
            FoundDocument(
                text=match.group(0).strip(),
                kind=groups.get("kind") or code,
                number=number,
                issuer=issuer,
                date=_iso(groups.get("date")),
                title=title,
                start=match.start(),
                end=match.end(),
            )
        )
        taken.append((match.start(), match.end()))
    for match in after_boundary(_NAMED_KIND, norm, _WORD_CHAR):
        if any(s <= match.start() < e for s, e in taken):
            continue
        found.append(
            FoundDocument(
                match.group(0),
                match.group("kind"),
                match.group("number"),
                None,
                None,
                None,
                match.start(),
                match.end(),
            )
        )
    for match in after_boundary(_NAMED_LAW, norm, _WORD_CHAR):
        name = match.group("name").strip()
        found.append(
            FoundDocument(
                f"Luật {name}",
                "Luật",
                None,
                None,
                None,
                name,
                match.start(),
                match.start() + len("Luật ") + len(name),
            )
        )
    found.sort(key=lambda d: d.start)
    return found
