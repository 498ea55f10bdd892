"""Relevance and meeting type: chosen once, from the frames, with their evidence.

Frames are read in a fixed order of trust: the organiser frame of the lead ("… tổ chức hội
nghị sơ kết …"), the headline, the URL slug. For relevance the first frame that decides
wins; for the meeting type the headline comes first (a lead may add a second event),
then the lead's frame, then the slug. When no frame decides, a dân vận meeting in the
lead without a review word is relevant with low confidence, and anything else is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from . import tuning
from .evidence import Evidence
from .frames import Frame, Verdict, frame_verdict, read_frame
from .lexicon import TextScan, group
from .views import TextView


@dataclass
class Frames:
    """The frames of one report, most trusted first."""

    event: Frame | None  # the organiser frame of the lead
    title: Frame | None
    slug_view: TextView
    lead: LeadFrames

    @cached_property
    def slug(self) -> Frame:
        """The URL slug read as a frame (only when the lead and headline leave it open)."""
        return read_frame(self.slug_view, "url_slug")

    def ordered(self) -> Iterator[Frame]:
        """The lead's frame first when it reads as an announcement, else after the headline
        and the slug (a line of results names meetings too); the slug is read last."""
        event = self.event
        first = (event, self.title) if event is not None and event.strong else (self.title,)
        yield from (frame for frame in first if frame is not None)
        yield self.slug
        if event is not None and not event.strong:
            yield event


class LeadFrames:
    """The lead's sentences read as frames, each on first use: the announcement is nearly
    always in the first two, and later ones are read only when no frame decides."""

    def __init__(self, views: list[TextView], scan: TextScan | None) -> None:
        self._views, self._scan = views, scan
        self._frames: list[Frame] = []

    def __iter__(self) -> Iterator[Frame]:
        for index in range(len(self._views)):
            yield self[index]

    def __getitem__(self, index: int) -> Frame:
        while len(self._frames) <= index:
            view = self._views[len(self._frames)]
            self._frames.append(read_frame(view, "lead", self._scan))
        return self._frames[index]

    def head(self, count: int) -> Iterator[Frame]:
        for index in range(min(count, len(self._views))):
            yield self[index]


def read_frames(
    title: TextView | None, lead: list[TextView], slug: TextView, scan: TextScan | None = None
) -> Frames:
    """``scan``: the lexicon's matches in the article's lead, found once for every frame."""
    lead_frames = LeadFrames(lead, scan)
    return Frames(
        event=_event_frame(lead_frames),
        title=read_frame(title, "title", scan) if title is not None else None,
        slug_view=slug,
        lead=lead_frames,
    )


def _event_frame(frames: LeadFrames) -> Frame | None:
    """The lead sentence that announces the event: the first that names a review meeting
    or, with an organise verb or meeting noun, another kind of event."""
    for index, frame in enumerate(frames):
        if frame.review is not None:
            return frame
        # Another kind of event heads the report only from its opening sentences, and as
        # an event held ("Ngày 3/12, … tổ chức hội nghị báo cáo viên"), not as results
        # ("Việc tổ chức đối thoại với nhân dân đã …").
        if index < tuning.VETO_FRAME_SENTENCES and frame.veto is not None and frame.governed:
            organise = frame.organise
            if organise is None or not frame.view.folded.endswith("viec ", 0, organise.start):
                return frame
    for frame in frames:
        if frame.other is not None and frame.governed:
            return frame
    return None


@dataclass
class Relevance:
    relevant: bool
    confidence: float
    reason: str
    frame: Frame | None
    evidence: Evidence


def judge(frames: Frames, full: TextView, lead_text: str, lead_norm: str) -> Relevance:
    """Is this a review meeting of dân vận work? ``lead_text``: the folded lead."""
    domain = group("domain").search(full.folded, full.start, full.end, full.norm)
    domain = domain or group("domain").search(frames.slug_view.folded)
    if domain is None:
        return Relevance(False, 0.9, "dân vận is never mentioned", None, Evidence("body", "domain"))
    for frame in frames.ordered():
        verdict = frame_verdict(frame)
        if verdict.relevant is not None:
            return _from_frame(frame, verdict)
    for frame in frames.ordered():
        if frame.review is not None:
            return _from_frame(frame, Verdict(True, 0.6, frame.review.rule + "+domain.elsewhere"))
    for frame in frames.lead.head(tuning.LEAD_DOMAIN_SENTENCES):
        veto, governor = frame.veto, frame.organise or frame.meeting
        if veto is not None and governor is not None and 0 <= veto.start - governor.end < 40:
            evidence = Evidence.at("lead", veto.rule, frame.view, veto.start, veto.end)
            return Relevance(False, 0.7, veto.rule, frame, evidence)
    meeting = group("meeting").search(lead_text, norm=lead_norm)
    if meeting is not None and group("domain").search(lead_text) is not None:
        rule = "meeting.unnamed+domain"
        return Relevance(True, 0.6, rule, None, Evidence("lead", rule))
    return Relevance(False, 0.6, "no review meeting found", None, Evidence("lead", "none"))


def _from_frame(frame: Frame, verdict: Verdict) -> Relevance:
    hit = frame.review or frame.veto or frame.other
    evidence = (
        Evidence.at(frame.kind, verdict.rule, frame.view, hit.start, frame.object_end or hit.end)
        if hit is not None
        else Evidence(frame.kind, verdict.rule)
    )
    return Relevance(bool(verdict.relevant), verdict.confidence, verdict.rule, frame, evidence)


def meeting_type(frames: Frames, relevance: Relevance) -> tuple[str | None, Evidence | None]:
    """so_ket, tong_ket, giao_ban or other, from the first frame that names the meeting."""
    if not relevance.relevant:
        return None, None

    def order() -> Iterator[Frame | None]:
        yield from (frames.title, frames.event, relevance.frame)
        yield frames.slug  # read only when the others name no meeting

    for frame in order():
        if frame is None or frame.review is None:
            continue
        if frame_verdict(frame).relevant is False:
            continue
        review = frame.review
        return review.entry, Evidence.at(frame.kind, review.rule, frame.view, *_span(review))
    for frame in order():
        if frame is not None and frame.other is not None:
            other = frame.other
            return "other", Evidence.at(frame.kind, other.rule, frame.view, *_span(other))
    return None, None


def _span(hit: object) -> tuple[int, int]:
    return getattr(hit, "start", 0), getattr(hit, "end", 0)


def event_score(scan: TextScan, view: TextView) -> int:
    """How strongly a lead sentence reads as the announcement of a review meeting: a review
    word (4), dân vận words (2), an organise verb (2), a meeting noun (1)."""
    weights = (("review", 4), ("domain", 2), ("organise", 2), ("meeting", 1))
    return sum(
        weight for name, weight in weights if scan.search(name, view.start, view.end) is not None
    )


def primary_view(frames: Frames, relevance: Relevance, fallback: TextView) -> TextView:
    """The view the meeting's period and holder are read from first."""
    if relevance.frame is not None:
        return relevance.frame.view
    for frame in frames.ordered():
        if frame.review is not None:
            return frame.view
    return frames.event.view if frames.event is not None else fallback
