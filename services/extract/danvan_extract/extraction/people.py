"""Officials named in a report, their titles and their roles at the meeting.

Hand-written because the available NER (underthesea's CRF) mislabels this genre's people
as places and never reads roles. Vietnamese officials are written in a few fixed shapes:
"đồng chí <Name>, <title>", "<title> <Name> chủ trì", "<Name> - <title>"; names start with
one of a small set of family names, which anchors the match. Bylines and photo credits are
read separately and never become officials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .sentences import Sentence

FAMILY_NAMES = [
    "nguyen",
    "tran",
    "le",
    "pham",
    "hoang",
    "huynh",
    "phan",
    "vu",
    "vo",
    "dang",
    "bui",
    "do",
    "ho",
    "ngo",
    "duong",
    "ly",
    "ha",
    "doan",
    "trinh",
    "dinh",
    "lam",
    "mai",
    "truong",
    "cao",
    "luu",
    "chau",
    "thai",
    "ton",
    "quach",
    "kieu",
    "tang",
    "luong",
    "la",
    "mac",
    "van",
    "trieu",
    "giang",
    "khuc",
    "lu",
    "tieu",
    "thach",
    "dieu",
    "au",
    "nong",
    "vi",
    "lo",
    "hua",
    "cu",
    "to",
    "chu",
    "tong",
    "tat",
    "kim",
    "mong",
    "bach",
    "phung",
    "nghiem",
    "quan",
    "khong",
    "lai",
    "thieu",
    "man",
    "ong",
    "banh",
    "che",
    "dao",
    "doan",
    "dam",
    "diep",
    "han",
    "hau",
    "hong",
    "khuat",
    "lieu",
    "nhu",
    "ninh",
    "phi",
    "phuong",
    "quang",
    "son",
    "tao",
    "than",
    "thi",
    "tieu",
    "tran",
    "trang",
    "ung",
    "uong",
    "vuong",
    "xa",
    "y",
    "k",
    "ksor",
    "ro",
    "rah",
    "siu",
    "ma",
    "sung",
    "giang",
    "vang",
    "mua",
    "thao",
    "hang",
    "lu",
]
_FAMILY = re.compile(
    r"(?<![a-z0-9'])(?:" + "|".join(sorted(set(FAMILY_NAMES), key=len, reverse=True)) + r")(?=[ '])"
)
# The same family names as written, to tell "Trương" (a name) from "Trưởng" (a title).
WRITTEN_FAMILY_NAMES = frozenset(
    [
        "nguyễn",
        "trần",
        "lê",
        "phạm",
        "hoàng",
        "huỳnh",
        "phan",
        "vũ",
        "võ",
        "đặng",
        "bùi",
        "đỗ",
        "hồ",
        "ngô",
        "dương",
        "lý",
        "hà",
        "đoàn",
        "trịnh",
        "đinh",
        "lâm",
        "mai",
        "trương",
        "cao",
        "lưu",
        "châu",
        "thái",
        "tôn",
        "quách",
        "kiều",
        "tăng",
        "lương",
        "la",
        "lã",
        "mạc",
        "văn",
        "triệu",
        "giang",
        "khúc",
        "lữ",
        "tiêu",
        "thạch",
        "điểu",
        "âu",
        "nông",
        "vi",
        "lò",
        "hứa",
        "cù",
        "tô",
        "chu",
        "tống",
        "tất",
        "kim",
        "mông",
        "bạch",
        "phùng",
        "nghiêm",
        "quan",
        "khổng",
        "lại",
        "thiều",
        "mẫn",
        "ông",
        "bành",
        "chế",
        "đào",
        "đàm",
        "diệp",
        "hàn",
        "hầu",
        "hồng",
        "khuất",
        "liễu",
        "như",
        "ninh",
        "phí",
        "phương",
        "quang",
        "sơn",
        "tạ",
        "thân",
        "thi",
        "trang",
        "ứng",
        "uông",
        "vương",
        "y",
        "k",
        "ksor",
        "rơ",
        "rah",
        "siu",
        "mã",
        "sùng",
        "vàng",
        "mùa",
        "thào",
        "hàng",
        "lục",
        "đồng",
        "đậu",
        "lò",
        "lương",
        "võ",
        "vi",
        "ma",
        "đàm",
        "giáp",
    ]
)
_RANK = (
    r"(?:dai tuong|thuong tuong|trung tuong|thieu tuong|dai ta|thuong ta|trung ta|thieu ta"
    r"|dai uy|thuong uy|trung uy|thieu uy)"
)
_HONORIFIC_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:cac dong chi|dong chi|d/c|ong|ba|anh|chi|dc)|" + _RANK + r")"
    r"(?:\s+(?:lanh dao [^:;,]{0,50}|uy vien trung uong dang|" + _RANK + r"))?\s*:?\s*$"
)
_TITLE_START = re.compile(
    r"\s*[,\-–—:]\s*(?:uy vien|pho|bi thu|chu tich|truong|giam doc|tinh uy vien|huyen uy vien"
    r"|thanh uy vien|uv|tuv|huv|pbt|ubtv|thu tuong|bo truong|thu truong|chanh|dai bieu"
    r"|chuyen vien|can bo|thuong truc|thanh vien|nguyen|dai ta|trung ta|thieu tuong)"
)
_TITLE_END_BEFORE = re.compile(
    r"(?:uy|hdnd|ubnd|mttq|tinh|huyen|xa|phuong|quan|trung uong|ban|truong|thuong truc"
    r"|chu tich|bi thu|giam doc|pho truong ban|uy vien|dang|quoc hoi|chinh phu|[a-z]+ dan van"
    r"|[a-zđ]{3,})\s+$"
)
_ROLE_VERB_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:chu tri|du|den du|toi du|tham du|phat bieu|bao cao|cho rang|nhan manh"
    r"|yeu cau|de nghi|lam truong doan|trinh bay|ket luan|ghi nhan|chi dao)(?![a-z])"
)
_NOT_PEOPLE = {
    "ho chi minh",
    "nguyen ai quoc",
    "ha noi",
    "hoang sa",
    "truong sa",
    "dang cong san",
    "dong khoi",
    "nguyen dinh chieu",
}
_TRIGGERS = re.compile(
    r"(?<![a-z])(?:(?P<chair>(?:du va |va )?chu tri)"
    r"|(?P<director>(?:(?:den|toi|tham)\s+)?du\s+(?:va\s+)?(?:phat bieu\s+)?chi dao"
    r"|phat bieu chi dao|chi dao hoi nghi|chi dao tai hoi nghi)"
    r"|(?P<attendee>(?:(?:cung|tham|den|toi)\s+)?du(?:\s+(?:hoi nghi|cuoc hop))?|co mat"
    r"|thu ky|lam truong doan)(?![a-z])"
    r"|(?P<speaker>phat bieu|bao cao|trinh bay|ket luan)(?![a-z]))"
)
# "chủ trì hội nghị" / "… chủ trì." chairs the meeting; "chủ trì phối hợp" leads a task.
_CHAIRS_MEETING = re.compile(
    r"\s*(?:$|[.,;:)]|hoi nghi|cuoc hop|buoi|phien|va\s|(?:la|co|gom)(?![a-z]))"
)
_PREFIX_LINK = re.compile(r"(?<![a-z])(?:co|la|gom)(?![a-z])|:")


@dataclass
class FoundPerson:
    name: str
    key: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    confidence: float = 0.8


def proper_case(name: str) -> str:
    """Case each syllable properly ("Hà Đức tập" → "Hà Đức Tập", "DƯƠNG" → "Dương")."""
    words = []
    for word in name.split():
        if word.isupper() or word.islower():
            word = word[:1].upper() + word[1:].lower()
        words.append(word)
    return " ".join(words)


def _extend_name(norm: str, start: int, limit: int) -> int:
    """End of the capitalised words starting at ``start`` (at most 4 syllables)."""
    cursor, end, words = start, start, 0
    while words < 4 and cursor < limit:
        match = re.compile(r"[^\W\d_][^\W\d_'’]*(?:['’][^\W\d_]+)?").match(norm, cursor)
        if not match or not match.group(0)[0].isupper():
            break
        end = match.end()
        words += 1
        if end + 1 < limit and norm[end] == " ":
            cursor = end + 1
        else:
            break
    return end if words >= 2 else start


def _lowercase_tail(norm: str, end: int) -> int:
    """Accept one trailing lower-case syllable before a title ("Hà Đức tập, Phó …")."""
    match = re.compile(r" ([^\W\d_]{1,7})(?=\s*[,\-–])").match(norm, end)
    return match.end() if match and match.group(1).islower() else end


def find_people(
    norm: str, folded: str, sentences: list[Sentence], excluded: set[str]
) -> list[FoundPerson]:
    """Officials mentioned in ``sentences`` (already split), merged by folded name."""
    people: dict[str, FoundPerson] = {}
    for sentence in sentences:
        mentions = _names_in(norm, folded, sentence.start, sentence.end, excluded)
        if not mentions:
            continue
        triggers = [
            (m.start(), m.end(), m.lastgroup or "")
            for m in _TRIGGERS.finditer(folded, sentence.start, sentence.end)
            if m.lastgroup != "chair" or _CHAIRS_MEETING.match(folded, m.end())
        ]
        for start, end, honorific in mentions:
            name = proper_case(norm[start:end])
            key = folded[start:end]
            titles = _titles_after(norm, folded, end, sentence.end) or _title_before(
                norm, start, sentence.start
            )
            role = _role_for(folded, start, end, triggers, [m[0] for m in mentions])
            person = people.setdefault(key, FoundPerson(name=name, key=key))
            person.spans.append((start, end))
            if not person.name[-1:].isupper() and name != person.name and norm[start:end] == name:
                person.name = name
            for title in titles:
                if title not in person.titles:
                    person.titles.append(title)
            if role and role not in person.roles:
                person.roles.append(role)
            if honorific:
                person.confidence = max(person.confidence, 0.9)
    for person in people.values():
        if not person.roles:
            person.roles.append("attendee")
        person.roles.sort(key=["chair", "director", "speaker", "attendee"].index)
    return list(people.values())


def _names_in(
    norm: str, folded: str, start: int, end: int, excluded: set[str]
) -> list[tuple[int, int, bool]]:
    found: list[tuple[int, int, bool]] = []
    last_end = start
    for match in _FAMILY.finditer(folded, start, end):
        name_start = match.start()
        if name_start < last_end or not norm[name_start].isupper():
            continue
        if norm[name_start : match.end()].lower() not in WRITTEN_FAMILY_NAMES:
            continue
        name_end = _extend_name(norm, name_start, end)
        if name_end == name_start:
            continue
        before = folded[max(start, name_start - 60) : name_start]
        honorific = bool(_HONORIFIC_BEFORE.search(before))
        listed = (
            bool(found)
            and bool(re.search(r"[,;:]\s*$", before))
            and (name_start - found[-1][1] < 160)
        )
        if honorific:
            name_end = _lowercase_tail(norm, name_end)
        key = folded[name_start:name_end]
        if key in _NOT_PEOPLE or key in excluded or len(key.split()) > 4:
            continue
        followed_by_title = bool(_TITLE_START.match(folded, name_end))
        titled_before = bool(_TITLE_END_BEFORE.search(before[-30:])) and bool(
            _ROLE_VERB_AFTER.match(folded, name_end)
        )
        if not (honorific or followed_by_title or titled_before or listed):
            continue
        only_listed = listed and not (honorific or followed_by_title or titled_before)
        if only_listed and not re.match(r"\s*[,;.\-–]", folded[name_end : name_end + 3]):
            continue
        found.append((name_start, name_end, honorific))
        last_end = name_end
    return found


def _titles_after(norm: str, folded: str, end: int, limit: int) -> list[str]:
    if not _TITLE_START.match(folded, end):
        return []
    cursor = end
    while cursor < limit and norm[cursor] in " ,-–—:":
        cursor += 1
    stop = limit
    for pattern in (
        r";",
        r"\.\s",
        r"\(",
        r"(?<![a-z])(?:chu tri|du va|den du|toi du|phat bieu"
        r"|da |cho rang|nhan manh|yeu cau|bao cao|lam truong doan)",
    ):
        found = re.compile(pattern).search(folded, cursor, limit)
        if found:
            stop = min(stop, found.start())
    text = norm[cursor:stop].strip(" ,-–—")
    if len(text) > 220:
        text = text[:220].rsplit(",", 1)[0]
    return [part.strip() for part in re.split(r",\s*", text) if 2 < len(part.strip()) < 120]


def _title_before(norm: str, start: int, limit: int) -> list[str]:
    window_start = max(limit, start - 120)
    segment = norm[window_start:start]
    cut = max(segment.rfind(","), segment.rfind(";"), segment.rfind(":"), segment.rfind("."))
    text = segment[cut + 1 :].strip()
    if not text or not text[:1].isupper() or len(text) < 4:
        return []
    return [text]


def _role_for(
    folded: str, start: int, end: int, triggers: list[tuple[int, int, str]], name_starts: list[int]
) -> str | None:
    """The role of the name at ``start``: a trigger after it (suffix) or before it (prefix)."""
    later_names = [s for s in name_starts if s > start]
    for trigger_start, trigger_end, role in triggers:
        if trigger_start < end:
            continue
        between = folded[end:trigger_start]
        # A later trigger followed by "có/là/:" introduces other people, not this one.
        if _PREFIX_LINK.search(folded, trigger_end, min(len(folded), trigger_end + 40)) and any(
            trigger_end < s < trigger_end + 90 for s in later_names
        ):
            break
        if "." in between.replace("đ/c", ""):
            break
        # Crossing ";" is fine in an enumeration of people ("A, title; đồng chí B, title
        # chủ trì"), not into another clause ("A đã …; giao MTTQ chủ trì phối hợp").
        if ";" in between and not _enumerated(folded, end, trigger_start, later_names):
            break
        return role
    before = [t for t in triggers if t[1] <= start]
    if before:
        return before[-1][2]
    return None


def _enumerated(folded: str, end: int, trigger_start: int, later_names: list[int]) -> bool:
    """Every ";" between a name and a trigger starts the next person of a list."""
    cursor = end
    while True:
        semicolon = folded.find(";", cursor, trigger_start)
        if semicolon < 0:
            return True
        following = [s for s in later_names if semicolon < s < trigger_start]
        if not following or following[0] - semicolon > 30:
            return False
        cursor = following[0]


_PHOTO = re.compile(r"(?<![a-z])(?:(?:tin|bai),?\s*)?anh(?: minh hoa)?\s*:\s*")


def find_credits(
    norm: str, folded: str, lines: list[tuple[int, int]]
) -> list[tuple[str, str, int, int]]:
    """Photo credits ("(Ảnh: Nguyễn Diễm)") and the closing byline: (role, name, start, end)."""
    credits: list[tuple[str, str, int, int]] = []
    for match in _PHOTO.finditer(folded):
        name_end = match.end()
        while name_end < len(norm) and norm[name_end] not in ")\n;" and name_end - match.end() < 40:
            name_end += 1
        name = norm[match.end() : name_end].strip(" .,")
        if name and name[:1].isupper() and len(name.split()) <= 5:
            role = (
                "author"
                if "tin" in match.group(0).lower() or "bai" in match.group(0)
                else ("photographer")
            )
            credits.append((role, name, match.end(), match.end() + len(name)))
    for line_start, line_end in reversed(lines[-4:]):
        line = norm[line_start:line_end].strip()
        words = line.split()
        if (
            2 <= len(words) <= 5
            and len(line) <= 40
            and all(w[:1].isupper() for w in words)
            and (not line.endswith("."))
        ):
            offset = norm.index(line, line_start)
            credits.append(("author", line, offset, offset + len(line)))
            break
    return credits
