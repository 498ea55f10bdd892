"""Is this report about a dân vận review meeting?

A scored rule set rather than a classifier: 40 labelled reports cannot train one, and the
traps are lexical and well described (a contest "Dân vận khéo" reviewed at a "Hội nghị tổng
kết và trao giải", a launch, a survey visit, a Front-only review that never says dân vận).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOMAIN = re.compile(
    r"dan van|quy che dan chu|dan chu o co so|van dong quan chung|cong tac quan chung"
)
REVIEW = re.compile(r"(?<![a-z])(so ket|tong ket|giao ban)(?![a-z])")
MEETING = re.compile(r"(?<![a-z])(hoi nghi|cuoc hop|buoi hop|giao ban|hop)(?![a-z])")
# What the reviewed object must not be: a contest and its prizes.
CONTEST = re.compile(
    r"(?<![a-z])(hoi thi|cuoc thi|trao giai|giai bao chi|hoi dien|lien hoan|thi tim hieu)(?![a-z])"
)
# Other main events that are not review meetings, when they lead the report.
OTHER_EVENT = re.compile(
    r"(?<![a-z])(le phat dong|phat dong|ra mat|le ky niem|ky niem \d+ nam|mit tinh|gap mat"
    r"|hop mat|tuyen duong|trao tang|tang qua|tham hoi|khao sat|buoi lam viec|lam viec voi"
    r"|kiem tra|giam sat|tap huan|boi duong|hoi thao|toa dam|hoi thi|cuoc thi|doi thoai)"
    r"(?![a-z])"
)


@dataclass
class Relevance:
    relevant: bool
    confidence: float
    reason: str


def judge(full_folded: str, event_sentence: str, lead: str, slug: str) -> Relevance:
    """Decide from the whole text, the announcing sentence, the lead and the URL slug."""
    domain = bool(DOMAIN.search(full_folded) or DOMAIN.search(slug))
    if not domain:
        return Relevance(False, 0.9, "dân vận is never mentioned")
    review = REVIEW.search(event_sentence)
    if review:
        object_text = event_sentence[review.end() : review.end() + 70]
        if CONTEST.search(object_text) or CONTEST.search(event_sentence[: review.start()][-40:]):
            return Relevance(False, 0.85, "the review is of a contest")
        other = OTHER_EVENT.search(event_sentence[: review.start()])
        if other and other.group(1) in ("le phat dong", "phat dong", "le ky niem", "mit tinh"):
            return Relevance(False, 0.7, f"main event: {other.group(1)}")
        return Relevance(True, 0.9, "review meeting announced")
    other = OTHER_EVENT.search(lead)
    if other:
        return Relevance(False, 0.8, f"main event: {other.group(1)}")
    if MEETING.search(lead) and DOMAIN.search(lead):
        return Relevance(True, 0.6, "a dân vận meeting without a review word")
    if REVIEW.search(slug) and not CONTEST.search(slug):
        return Relevance(True, 0.6, "review meeting named in the URL")
    return Relevance(False, 0.6, "no review meeting found")
