"""The holding unit: which Party body (or front, or bloc) held the meeting, at what level.

Reports name the holder as the subject of "tổ chức" in the lead ("Ban Dân vận Huyện ủy
Chiêm Hóa đã tổ chức …"), as "… của <body>", or only in the headline or URL slug. Bodies
are a closed vocabulary (Tỉnh ủy, Huyện ủy, Đảng ủy xã …) that no NER model tags reliably
(the library notes: underthesea tagged "đồng chí …" as a place), so they are regexes over
folded text; the name after a body is read from the gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import places
from .scan import LETTER, after_boundary

# No leading look-behind: ``scan.after_boundary`` checks the character before a match, so
# ``re`` can skip ahead to the alternatives' first letters in C.
_BODY = re.compile(
    # Every alternative starts with one of these letters: the lookahead rejects most
    # positions at once (alternatives that open with a group defeat re's prefix scan).
    r"(?=[bhtkumxpdq])(?:"
    r"(?P<central>ban dan van (?:trung uong|tw|tu)(?![a-z])"
    r"|hoi dong cong tac quan chung (?:trung uong|tw|tu)(?![a-z])"
    r"|ban can su dang chinh phu|ban bi thu(?! [a-z]{2})|bo chinh tri)"
    r"|(?:(?:ban dan van|ban thuong vu|thuong truc|ban chap hanh|ban tuyen giao va dan van)\s+)?"
    r"(?P<party>tinh uy|thanh uy|huyen uy|quan uy|thi uy"
    r"|dang uy\s+(?:xa|phuong|thi tran|dac khu))(?![a-z])"
    r"|(?P<bloc>khoi dan van\s+(?:cac\s+)?(?:xa|phuong|thi tran))(?![a-z])"
    r"|(?P<front>(?:uy ban\s+|ub\s*)?(?:mat tran to quoc|mttq|mat tran)(?:\s*viet nam|\s*vn)?"
    r"\s+(?:xa|phuong|thi tran))(?![a-z])"
    r"|(?P<commune>(?:uy ban nhan dan |ubnd )?(?:xa|phuong|thi tran|dac khu)(?:\s+diem)?)"
    r"(?=\s+[a-z0-9])"
    # A unit named by its type word, as holder ("Ban chỉ đạo … huyện Anh Sơn tổ chức",
    # "huyện Văn Lâm tổ chức"): kept only with a name the gazetteer knows.
    r"|(?P<typed_district>huyen|quan|thi xa)(?=\s+[a-z0-9])"
    r"|(?P<typed_city>thanh pho|tp\.?)(?=\s*[a-z])"
    r"|(?P<typed_province>tinh)(?=\s+[a-z])"
    # "Khối Dân vận Đảng ủy", "Đảng ủy" alone: a commune's committee when the context says so.
    r"|(?P<party_bare>dang uy)(?!\s+(?:khoi|quan su|cong an|bien phong|vien|tinh|huyen"
    r"|xa|phuong|thi tran|dac khu|trung uong|tu|tw|cac|co quan|doanh nghiep|ngoai)(?![a-z]))"
    r"|(?P<bdv>ban dan van)(?!\s+(?:tinh|thanh|huyen|quan|thi|dang|trung|tw|tu|cac|khoi))"
    r")"
)
# A body named right after a person's title is that person's office, not the holder.
_TITLE_BEFORE = re.compile(
    r"(?:truong|pho|bi thu|uy vien|chu tich|can bo|chuyen vien|lanh dao|dai dien|"
    r"thuong truc|tai|tai tru so|tai hoi truong|co quan|cac|tham du|du)\s*(?:ban\s*)?$"
)
_AT_PLACE = re.compile(r"(?<![a-z])tai(?![a-z])[^,;]{0,40}$")
_LEVEL_OF_PARTY = {
    "tinh uy": "province",
    "huyen uy": "district",
    "quan uy": "district",
    "thi uy": "district",
}
_DISTRICT_KIND = {
    "huyen uy": "huyen",
    "quan uy": "quan",
    "thi uy": "thi_xa",
    "thanh uy": "thanh_pho",
}
# A type word between a body and its name ("Huyện ủy huyện Chiêm Hóa"); a whole word only:
# without the boundary "quan" (quận) ate the start of "Quảng Thái", "xa" of "Xuân …".
_FILLER = re.compile(
    r"\s*(?:tp\.|tx\.|(?:tinh|thanh pho|tp|huyen|quan|thi xa|tx|xa|phuong|thi tran)(?![a-z0-9]))?"
    r"\s*"
)


@dataclass
class BodyMention:
    """A Party body (or front/bloc) written in the text, with the name that follows it."""

    start: int
    end: int
    kind: str  # central, province, district, commune, city, bare
    body: str  # folded body words ("huyen uy", "dang uy xa", …)
    name: str | None = None  # the unit name as written (norm text), when one follows
    name_key: str | None = None
    name_codes: tuple[str, ...] = ()
    name_end: int | None = None
    level_hint: str | None = None
    typed: bool = False  # a unit named by its type word ("huyện X"), not a Party body


def _commune_kind(words: str) -> str:
    if "phuong" in words:
        return "phuong"
    if "thi tran" in words:
        return "thi_tran"
    if "dac khu" in words:
        return "dac_khu"
    return "xa"


_NAME_WORD = re.compile(r"[^\W_][^\s,.;:()\"“”–-]*")


def capitalised_name(norm: str, position: int, max_words: int = 4) -> tuple[int, int] | None:
    """Capitalised words starting at ``position`` (a name the gazetteer may not know)."""
    cursor = position
    end = position
    words = 0
    while words < max_words:
        match = _NAME_WORD.match(norm, cursor)
        # A name's words are capitalised ("Tân Hòa", "Phường 14"); "đã" ends it.
        if not match or not (match.group(0)[0].isupper() or match.group(0)[0].isdigit()):
            break
        end = match.end()
        words += 1
        if match.group(0).isdigit():  # a numbered unit's name is its number
            break
        if end < len(norm) and norm[end] == " ":
            cursor = end + 1
        else:
            break
    return (position, end) if words else None


def find_bodies(
    norm: str, folded: str, start: int = 0, end: int | None = None
) -> list[BodyMention]:
    """Every body mention in the range, with its level and following name."""
    end = len(folded) if end is None else end
    mentions: list[BodyMention] = []
    for match in after_boundary(_BODY, folded, LETTER, start, end):
        group = match.lastgroup or ""
        words = match.group(group)
        mention = BodyMention(match.start(), match.end(), "", words)
        after = _FILLER.match(folded, match.end())
        name_start = after.end() if after else match.end()
        if group == "central":
            mention.kind = "central"
        elif group == "party":
            mention.kind = {"tinh uy": "province", "thanh uy": "city"}.get(words, "")
            if not mention.kind:
                mention.kind = "district" if words in _LEVEL_OF_PARTY else "commune"
        elif group in ("bloc", "front", "commune"):
            mention.kind = "commune"
        elif group == "typed_district":
            mention.kind, name_start = "district", _skip_spaces(folded, match.end())
        elif group == "typed_city":
            mention.kind, name_start = "city", _skip_spaces(folded, match.end())
        elif group == "typed_province":
            mention.kind, name_start = "province", _skip_spaces(folded, match.end())
        elif group == "party_bare":
            mention.kind = "party_bare"
        else:
            mention.kind = "bare"
        mention.typed = group.startswith("typed_") or group == "commune"
        _attach_name(mention, norm, folded, name_start)
        if mention.typed and not mention.name:
            continue
        mentions.append(mention)
    return mentions


def _skip_spaces(folded: str, position: int) -> int:
    while position < len(folded) and folded[position] == " ":
        position += 1
    return position


def _attach_name(mention: BodyMention, norm: str, folded: str, position: int) -> None:
    if position >= len(folded):
        return
    hit = None
    if mention.kind in ("province", "city", "bare"):
        hit = places.name_at(places.province_index(), folded, position)
        if (
            hit
            and not places.is_capitalised(norm, hit.start, hit.end)
            and not folded.startswith(("tp", "hcm"), hit.start)
        ):
            hit = None
        if hit:
            mention.level_hint = "province"
    if hit is None and mention.kind in ("district", "city", "bare"):
        hit = places.name_at(places.district_index(), folded, position)
        if hit and not places.is_capitalised(norm, hit.start, hit.end):
            hit = None
        if hit:
            mention.level_hint = "district"
    if hit is None and mention.kind in ("district", "city", "bare"):
        hit = _numbered_district(folded, mention, position)
        if hit:
            mention.level_hint = "district"
    if hit is not None:
        mention.name = norm[hit.start : hit.end]
        mention.name_key = hit.key
        mention.name_codes = hit.codes
        mention.name_end = hit.end
        return
    if mention.kind == "commune":
        span = capitalised_name(norm, position, 3)
        if span:
            mention.name = norm[span[0] : span[1]]
            mention.name_key = places.canon_key(mention.name)
            mention.name_end = span[1]


_NUMBER = re.compile(r"\d{1,2}(?![\d/.,:-])")
_URBAN_TYPE_BEFORE = re.compile(r"(?:quan|q\.)\s*$")


def _numbered_district(folded: str, mention: BodyMention, position: int) -> places.NameHit | None:
    """ "Quận ủy Quận 3", "Ban Dân vận Quận ủy quận 10": a numbered urban district, only
    with its type word (a bare number is a figure)."""
    number = _NUMBER.match(folded, position)
    if number is None:
        return None
    typed = _URBAN_TYPE_BEFORE.search(folded, mention.end, position)
    if not typed:
        return None
    codes = places.numbered_districts().get(number.group(0))
    return places.NameHit(position, number.end(), number.group(0), codes) if codes else None


def _before(folded: str, mention: BodyMention) -> str:
    """Up to 45 characters before the mention, within its line."""
    window = folded[max(0, mention.start - 45) : mention.start]
    return window[window.rfind("\n") + 1 :]


def is_venue(folded: str, mention: BodyMention) -> bool:
    """True when the body is where the meeting took place ("tại Huyện ủy …")."""
    return bool(_AT_PLACE.search(_before(folded, mention)))


# "Quyết định 290-QĐ/TW … của Bộ Chính trị", "Kỷ niệm chương … của Ban Dân vận Trung ương":
# the body that issued a document or gave an award, not one that held a meeting.
_ISSUED_BY = re.compile(
    r"(?:\d+\s*[-/]\s*[a-z]{1,5}\s*/\s*[a-z]{1,6}|nghi quyet|chi thi|ket luan|quyet dinh"
    r"|quy dinh|huong dan|ky niem chuong|bang khen|giay khen|co thi dua)[^.;:]{0,70}cua\s+$"
)


def is_issuer(folded: str, mention: BodyMention) -> bool:
    """True when the body issued a document or an award named just before it."""
    window = folded[max(0, mention.start - 110) : mention.start]
    return bool(_ISSUED_BY.search(window[window.rfind("\n") + 1 :]))


def is_office_of_person(folded: str, mention: BodyMention) -> bool:
    """True when the body is part of someone's title or a venue ("tại Huyện ủy")."""
    if is_venue(folded, mention) or is_issuer(folded, mention):
        return True
    return bool(_TITLE_BEFORE.search(_before(folded, mention)[-22:]))


_TYPE_WORD_KIND = {
    "huyen": "huyen",
    "quan": "quan",
    "thi xa": "thi_xa",
    "thanh pho": "thanh_pho",
    "tp": "thanh_pho",
    "tp.": "thanh_pho",
}


def district_kind(body: str, *, typed: bool = False) -> str | None:
    """The district kind a body names: "Huyện ủy" (or the type word "huyện") → huyen."""
    if typed:
        return _TYPE_WORD_KIND.get(body)
    words = body.split()
    return _DISTRICT_KIND.get(" ".join(words[-2:])) if len(words) >= 2 else None


def commune_kind(body: str) -> str:
    return _commune_kind(body)
