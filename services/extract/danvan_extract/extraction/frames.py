"""The announcing frame: the sentence, headline or URL slug that names the report's event.

Reports announce their event in one frame: "<date>, <holder> tổ chức hội nghị <type>
<object> <period>, triển khai nhiệm vụ <next period>". A frame is read once into its parts
(the organise verb, the review word that names this meeting, a genre word heading another
kind of event, what the review is of), and every field decided from the lead reads them:
relevance, meeting type, reviewed period, holder. Words are looked up in the lexicon, so
each part says which rule found it.

Review words also occur as work content ("sơ, tổng kết các nghị quyết", "chỉ đạo tổ chức
tốt hội nghị sơ kết", "tổng kết 10 năm thực hiện Quyết định 290 …" in a list of results):
those never name the meeting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import tuning
from .lexicon import Hit, TextScan, group
from .views import TextView

_CLAUSE_BREAK = re.compile(r"[.;:!?\n]|,\s")
_OBJECT_END = re.compile(r"[.!?\n]")
# A genre word joined to the review word by "và"/";"/"," names a second event of the same
# gathering ("họp mặt kỷ niệm …; sơ kết công tác dân vận …"), not the only one.
_COORDINATED = re.compile(r"(?:\s(?:va|ket hop|dong thoi)\s|;|,)")
_DATE_CUE = re.compile(
    r"(?<![a-z])(?:ngay|sang|chieu|toi|trua|vua|hom)(?![a-z])|\d{1,2}[/.-]\d{1,2}"
)


@dataclass
class Frame:
    """One view read as an event announcement."""

    view: TextView
    kind: str  # "title", "lead", "url_slug", "body"
    organise: Hit | None = None
    meeting: Hit | None = None
    review: Hit | None = None  # the review word that names this meeting
    other: Hit | None = None  # a meeting named by another descriptor (type "other")
    veto: Hit | None = None  # a genre word heading another kind of event
    leading_veto: Hit | None = None  # a launch or ceremony before the review word
    contest: Hit | None = None  # the review is of a contest
    object_domain: Hit | None = None  # dân vận words in what the review is of
    object_other: Hit | None = None  # other work named as what the review is of
    domain: Hit | None = None  # dân vận words anywhere in the frame
    subject_domain: Hit | None = None  # dân vận words before the organise verb (the holder)
    object_end: int = 0

    @property
    def governed(self) -> bool:
        return bool(self.organise or self.meeting)

    @property
    def strong(self) -> bool:
        """An announcement rather than a line of results: it has a meeting noun or a date."""
        view = self.view
        return self.meeting is not None or bool(_DATE_CUE.search(view.folded, view.start, view.end))


class _Lookup:
    """Lexicon lookups in one view: from the document's scan when it covers the view."""

    # The scan's own method when it covers the view (a frame makes a dozen lookups).
    search: Callable[[str, int, int], Hit | None]

    def __init__(self, view: TextView, scan: TextScan | None) -> None:
        self.folded, self.norm = view.folded, view.norm
        self.scan = scan if scan is not None and scan.covers(view.folded, view.end) else None
        self.search = self.scan.search if self.scan is not None else self._search_group

    def finditer(self, name: str, start: int, end: int) -> list[Hit]:
        if self.scan is not None:
            return list(self.scan.finditer(name, start, end))
        return list(group(name).finditer(self.folded, start, end, self.norm))

    def _search_group(self, name: str, start: int, end: int) -> Hit | None:
        return group(name).search(self.folded, start, end, self.norm)


def _clause_start(folded: str, lower: int, position: int) -> int:
    start = lower
    for match in _CLAUSE_BREAK.finditer(folded, lower, position):
        start = match.end()
    return start


def _is_task(look: _Lookup, hit: Hit, lower: int) -> bool:
    """ "chỉ đạo tổ chức tốt hội nghị sơ kết": the review word is a task, not this meeting."""
    folded = look.folded
    window = max(_clause_start(folded, lower, hit.start), hit.start - 40)
    for task in look.finditer("task", window, hit.start):
        if folded.startswith("to chuc tot", task.start):
            return True
        # "chỉ đạo (tại) hội nghị sơ kết": the verb directs this meeting.
        if look.search("meeting", task.end, min(hit.start, task.end + 16)) is None:
            return True
    return False


def _is_content(look: _Lookup, hit: Hit, lower: int, governed: bool) -> bool:
    """ "sơ, tổng kết …" and review words before documents are work content; a "tổng kết
    N năm thực hiện Chỉ thị …" is the meeting only when a meeting noun or verb governs it."""
    window_start = max(lower, hit.start - 12)
    end = min(len(look.folded), hit.end + 120)
    for content in look.finditer("review_content", window_start, end):
        covers = content.start <= hit.start < content.end
        if covers and (content.entry != "achievement" or not governed):
            return True
    return False


def review_hits(look: _Lookup, view: TextView, governed_from: int | None) -> list[Hit]:
    """The review words of a view that can name its meeting, in text order."""
    found = []
    for hit in look.finditer("review", view.start, view.end):
        governed = governed_from is not None and governed_from <= hit.start
        if _is_content(look, hit, view.start, governed):
            continue
        if _is_task(look, hit, view.start):
            continue
        found.append(hit)
    return found


def read_frame(view: TextView, kind: str, scan: TextScan | None = None) -> Frame:
    folded, start, end = view.folded, view.start, view.end
    look = _Lookup(view, scan)
    frame = Frame(view, kind)
    frame.organise = look.search("organise", start, end)
    frame.meeting = look.search("meeting", start, end)
    head = frame.organise.end if frame.organise else start
    governed_from = min(
        (hit.start for hit in (frame.organise, frame.meeting) if hit is not None), default=None
    )
    reviews = review_hits(look, view, governed_from)
    after_head = [hit for hit in reviews if hit.start >= head]
    frame.review = (after_head or reviews)[0] if reviews else None
    frame.other = look.search("review_other", start, end)
    frame.domain = look.search("domain", start, end)
    if frame.organise is not None:
        frame.subject_domain = look.search("domain", start, frame.organise.start)
    veto_end = min(end, head + tuning.HEAD_VETO_CHARS) if frame.organise else end
    if frame.review is not None:
        veto_end = min(veto_end, frame.review.start)
    # A headline names its event first ("Khảo sát thực trạng tổ chức …"); a sentence after
    # its organise verb.
    veto_start = start if kind != "lead" else head
    frame.veto = look.search("genre_veto", veto_start, veto_end)
    if (
        frame.veto is not None
        and frame.review is not None
        and _COORDINATED.search(folded, frame.veto.end, frame.review.start)
    ):
        frame.veto = None
    if frame.review is not None:
        review = frame.review
        frame.leading_veto = look.search("leading_veto", head, review.start)
        object_end = min(end, review.end + tuning.REVIEW_OBJECT_CHARS)
        stop = _OBJECT_END.search(folded, review.end, object_end)
        object_end = stop.start() if stop else object_end
        marker = look.search("next_marker", review.end, object_end)
        object_end = marker.start if marker else object_end
        frame.object_end = object_end
        frame.contest = look.search("contest", max(start, review.start - 40), object_end)
        frame.object_domain = look.search("domain", review.end, object_end)
        governor = frame.organise or frame.meeting
        if frame.object_domain is None and governor is not None and governor.end <= review.start:
            # "hội nghị (giao ban) công tác dân vận và sơ kết …": named before the review word
            frame.object_domain = look.search("domain", governor.end, review.start)
        frame.object_other = look.search("other_work", review.end, object_end)
    return frame


@dataclass
class Verdict:
    relevant: bool | None  # None: this frame does not decide
    confidence: float
    rule: str


def frame_verdict(frame: Frame) -> Verdict:
    """Whether this frame announces a review of dân vận work, and by which rule."""
    if frame.review is not None:
        if frame.contest is not None:
            return Verdict(False, 0.85, f"reviews a contest ({frame.contest.rule})")
        if frame.leading_veto is not None:
            return Verdict(False, 0.7, frame.leading_veto.rule)
        if frame.veto is not None and frame.kind != "title":
            return Verdict(False, 0.7, frame.veto.rule)
        if frame.object_domain is not None:
            return Verdict(True, 0.9, f"{frame.review.rule}+{frame.object_domain.rule}")
        if frame.object_other is not None:
            return Verdict(False, 0.75, f"reviews other work ({frame.object_other.rule})")
        if frame.subject_domain is not None or frame.domain is not None:
            domain = frame.subject_domain or frame.domain
            assert domain is not None
            return Verdict(True, 0.85, f"{frame.review.rule}+{domain.rule}")
        return Verdict(None, 0.5, frame.review.rule)
    if frame.veto is not None and (frame.governed or frame.kind != "lead"):
        return Verdict(False, 0.8, frame.veto.rule)
    if frame.other is not None and frame.domain is not None:
        return Verdict(True, 0.7, f"{frame.other.rule}+{frame.domain.rule}")
    return Verdict(None, 0.5, "")
