"""Officials named in a report, their titles and their roles at the meeting.

Hand-written because the available NER (underthesea's CRF) mislabels this genre's people
as places and never reads roles. Vietnamese officials are written in a few fixed shapes:
"đồng chí <Name>, <title>", "<title> <Name> chủ trì", "<Name> - <title>"; names start with
one of a small set of family names, which anchors the match. Bylines and photo credits are
read separately and never become officials.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Set
from dataclasses import dataclass, field

from .family_names import FAMILY_NAMES, WRITTEN_FAMILY_NAMES
from .folding import fold_same_length
from .sentences import Sentence


def _capitals() -> str:
    """A character class of the capitals that fold to a Latin letter (A, Đ, Ấ, Ỹ …)."""
    chars = [
        chr(c)
        for c in range(0x41, 0x2000)
        if chr(c).isupper() and "a" <= fold_same_length(chr(c)) <= "z"
    ]
    return "[" + "".join(re.escape(c) for c in chars) + "]"


# A family name is a capitalised word of at most 7 letters before a space or apostrophe:
# the regex finds those words in C (its first character class is a fast prefix scan) and
# a set lookup keeps the family names (whose folded form is a known family name too).
_FAMILY_WORD = re.compile(_capitals() + r"[^\W\d_]{0,6}(?=[ '’‘ʼ`])")
_FAMILY_FORMS = frozenset(w for w in WRITTEN_FAMILY_NAMES if fold_same_length(w) in FAMILY_NAMES)
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’]*(?:['’][^\W\d_]+)?")
_WORD_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'")
_LIST_BEFORE = re.compile(r"[,;:]\s*$")
_LIST_AFTER = re.compile(r"\s*[,;.\-–]")
_ROLE_ORDER = ["chair", "director", "speaker", "attendee"]
# Where a title written after a name ends (the earliest of these).
_TITLE_STOP = re.compile(
    r";|\.\s|\(|(?<![a-z])(?:chu tri|du va|den du|toi du|phat bieu"
    r"|da |cho rang|nhan manh|yeu cau|bao cao|lam truong doan)"
)
_LOWER_TAIL = re.compile(r" ([^\W\d_]{1,7})(?=\s*[,\-–])")

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
_HONORIFIC_WORDS = {"ong", "ba", "anh", "chi", "co", "chu", "bac"}
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
    # The lookahead (every alternative's first letter) rejects most positions at once.
    r"(?=[bcdklptv])(?<![a-z])(?:(?P<chair>(?:du va |va )?chu tri)"
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
        match = _NAME_WORD.match(norm, cursor)
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
    match = _LOWER_TAIL.match(norm, end)
    return match.end() if match and match.group(1).islower() else end


def family_name_starts(norm: str, folded: str) -> list[tuple[int, int]]:
    """(start, end) of every capitalised family name in the text, in order."""
    found: list[tuple[int, int]] = []
    for word in _FAMILY_WORD.finditer(norm):
        if word.group().lower() in _FAMILY_FORMS:  # most capitalised words are not
            start = word.start()
            if not (start and folded[start - 1] in _WORD_BEFORE):
                found.append((start, word.end()))
    return found


def find_people(
    norm: str,
    folded: str,
    sentences: list[Sentence],
    excluded: Set[str],
    family_starts: list[tuple[int, int]] | None = None,
) -> list[FoundPerson]:
    """Officials mentioned in ``sentences`` (already split, in order), merged by folded name."""
    people: dict[str, FoundPerson] = {}
    starts = family_name_starts(norm, folded) if family_starts is None else family_starts
    positions = [start for start, _ in starts]
    for sentence in sentences:
        first = bisect.bisect_left(positions, sentence.start)
        if first >= len(positions) or positions[first] >= sentence.end:
            continue
        last = bisect.bisect_left(positions, sentence.end, first)
        mentions = _names_in(
            norm, folded, sentence.start, sentence.end, excluded, starts[first:last]
        )
        if not mentions:
            continue
        triggers = [
            (m.start(), m.end(), m.lastgroup or "")
            for m in _TRIGGERS.finditer(folded, sentence.start, sentence.end)
            if m.lastgroup != "chair" or _CHAIRS_MEETING.match(folded, m.end())
        ]
        mention_starts = [m[0] for m in mentions]
        for start, end, honorific in mentions:
            name = proper_case(norm[start:end])
            key = folded[start:end]
            titles = _titles_after(norm, folded, end, sentence.end) or _title_before(
                norm, start, sentence.start
            )
            role = _role_for(folded, start, end, triggers, mention_starts)
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
        person.roles.sort(key=_ROLE_ORDER.index)
    return list(people.values())


def _names_in(
    norm: str,
    folded: str,
    start: int,
    end: int,
    excluded: Set[str],
    candidates: list[tuple[int, int]],
) -> list[tuple[int, int, bool]]:
    found: list[tuple[int, int, bool]] = []
    last_end = start
    starts = {s for s, _ in candidates}
    for name_start, family_end in candidates:
        if name_start < last_end or family_end >= end:
            continue
        # "Ông Nguyễn Minh Ngọc": the honorific is not part of the name.
        if folded[name_start:family_end] in _HONORIFIC_WORDS and family_end + 1 in starts:
            continue
        name_end = _extend_name(norm, name_start, end)
        if name_end == name_start:
            continue
        before = folded[max(start, name_start - 60) : name_start]
        honorific = bool(_HONORIFIC_BEFORE.search(before))
        listed = (
            bool(found) and bool(_LIST_BEFORE.search(before)) and (name_start - found[-1][1] < 160)
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
        if only_listed and not _LIST_AFTER.match(folded, name_end, name_end + 3):
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
    found = _TITLE_STOP.search(folded, cursor, limit)
    stop = found.start() if found else limit
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
    before = [t for t in triggers if t[1] <= start]
    for trigger_start, trigger_end, role in triggers:
        if trigger_start < end:
            continue
        # "Đến dự có đồng chí A, …; đồng chí B, … chủ trì": the cue after B is B's; A keeps
        # the role its own clause introduced.
        if before and any(end < s < trigger_start for s in later_names):
            return before[-1][2]
        between = folded[end:trigger_start]
        # A later trigger followed by "có/là/:" introduces other people, not this one.
        clause_end = min(len(folded), trigger_end + 40)
        for stop in (";", "."):
            found_stop = folded.find(stop, trigger_end, clause_end)
            clause_end = found_stop if found_stop >= 0 else clause_end
        if _PREFIX_LINK.search(folded, trigger_end, clause_end) and any(
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
