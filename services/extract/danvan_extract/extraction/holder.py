"""Who held the meeting: candidates from every place a report names its holder, chosen once.

In order of trust: a nationwide meeting ("hội nghị toàn quốc") is central; else the body
that is the subject of the announcing frame ("Ban Dân vận Huyện ủy X tổ chức …", a unit
named by its type word, "Khối vận phường X", a list of co-organisers ending in "… huyện
X"), in the lead's frame, then the headline, the URL slug and the other lead sentences;
else the unit a district or commune site's host names; else the office in the title of
the person who chairs or reports ("Trưởng ban Dân vận Tỉnh ủy … chủ trì"); else, with low
confidence, the first local body the article speaks about. A body in a guest's title
("Dự hội nghị có … Phó Trưởng ban Dân vận Tỉnh ủy") is never a candidate: guests come from
the level above. A holder outside the administrative ladder (a military region, an
emulation cluster, a company) has no level and no province: unknown beats wrong.

``resolve.py`` then reads the unit and its province for the chosen body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import urls
from .evidence import Evidence
from .folding import fold_same_length
from .lexicon import TextScan, group, search_in
from .resolve import Holder, complete_holder, holder_from_url
from .units import BodyMention, find_bodies, is_office_of_person, is_venue
from .views import TextView

_OF_AFTER_REVIEW = re.compile(r"(?<![a-z])cua\s+$")
_NATIONWIDE = re.compile(r"(?<![a-z])(toan quoc|truc tuyen toan quoc)(?![a-z])")
_COMMUNE_WORD = re.compile(r"(?<![a-z])(?:xa|phuong|thi tran|dac khu)(?![a-z])")
_PROVINCIAL_ORGAN = re.compile(r"\s+(?:tinh|thanh pho|huyen|quan|thi xa)(?![a-z])")
_MULTI_PROVINCE = {"non_ladder.military", "non_ladder.enterprise"}
_VIEW_KIND = {"title": "title", "url": "url_slug", "body": "lead"}


def holder_mention(
    view: TextView, guests: Sequence[range] = (), scan: TextScan | None = None
) -> BodyMention | None:
    """The body that is the subject of the view's sentence (or named after "của").

    A venue ("tại Huyện ủy Hữu Lũng đã tổ chức") is the holder only when no other body is
    the subject. A body without a name ("Ban Dân vận, Ủy ban MTTQ … huyện X phối hợp tổ
    chức") gives way to a named unit later in the same subject.
    """
    found = find_bodies(view.norm, view.folded, view.start, view.end)
    everything = [b for b in found if not (view.in_body and _in(guests, b.start))]
    bodies = [b for b in everything if not is_office_of_person(view.folded, b)]
    verb = search_in(scan, "subject_verb", view.folded, view.start, view.end, view.norm)
    if verb:
        before = [b for b in bodies if b.start < verb.start]
        if before:
            first = before[0]
            if first.name is None and first.kind in ("bare", "party_bare"):
                named = [b for b in before[1:] if b.name is not None]
                if named:
                    return named[-1]
            return first
        venues = [b for b in everything if b.start < verb.start and is_venue(view.folded, b)]
        if venues:
            return venues[0]
        # "(Tới dự) Hội nghị sơ kết … của Hội đồng công tác quần chúng TƯ": the meeting's
        # own holder, even in a guest's sentence.
        for body in found:
            if body.start < verb.start or is_office_of_person(view.folded, body):
                continue
            if _OF_AFTER_REVIEW.search(view.folded[max(0, body.start - 6) : body.start]):
                return body
        # "Hội nghị tổng kết công tác … năm 2025, triển khai nhiệm vụ năm 2026, phường Bàn
        # Cờ": a meeting named without a subject, its unit written after it.
        if verb.entry == "review":
            after = [b for b in bodies if b.start > verb.end and b.typed and b.name]
            if after:
                return after[-1]
    untyped = [b for b in bodies if not b.typed or b.start == view.start]
    return untyped[0] if untyped else None


def guest_ranges(folded: str, norm: str, sentences: Sequence[tuple[int, int]]) -> list[range]:
    """From a guest cue to the end of its sentence ("Dự hội nghị có …; lãnh đạo …")."""
    if not sentences:
        return []
    cues = list(group("guest").finditer(folded, sentences[0][0], sentences[-1][1], norm))
    ranges = []
    for start, end in sentences:
        first = next((cue for cue in cues if start <= cue.start and cue.end <= end), None)
        if first is not None:
            ranges.append(range(first.start, end))
    return ranges


def _in(ranges: Sequence[range], position: int) -> bool:
    return any(position in r for r in ranges)


def _non_ladder(
    view: TextView, mention: BodyMention | None, scan: TextScan | None = None
) -> Evidence | None:
    """A subject outside the administrative ladder, before any body the view names."""
    verb = search_in(scan, "subject_verb", view.folded, view.start, view.end, view.norm)
    if verb is None:
        return None
    end = verb.start
    if mention is not None:
        end = min(end, mention.start)
    hit = search_in(scan, "non_ladder", view.folded, view.start, end, view.norm)
    if hit is None or search_in(scan, "guest", view.folded, view.start, hit.start, view.norm):
        return None
    if _PROVINCIAL_ORGAN.match(view.folded, hit.end):
        # "Bộ Chỉ huy Quân sự tỉnh", "Đảng ủy Quân sự tỉnh": a province's own organ.
        return None
    return Evidence.at(_VIEW_KIND.get(view.kind, "lead"), hit.rule, view, hit.start, hit.end)


def _office_in_view(view: TextView, guests: Sequence[range]) -> BodyMention | None:
    """ "Đồng chí X, Trưởng ban Dân vận Tỉnh ủy chỉ đạo hội nghị sơ kết …": the office of
    the person the announcing sentence is about, unless they are introduced as a guest."""
    for body in find_bodies(view.norm, view.folded, view.start, view.end):
        if body.kind == "central" or body.typed or is_venue(view.folded, body):
            continue
        if view.in_body and _in(guests, body.start):
            continue
        if group("guest").search(view.folded, view.start, body.start, view.norm) is None:
            return body
    return None


def _official_mention(titles: Sequence[str]) -> tuple[BodyMention, TextView] | None:
    """The office in a chair's or reporter's title ("Trưởng ban Dân vận Tỉnh ủy")."""
    for title in titles:
        norm = title[:200]
        folded = fold_same_length(norm)
        view = TextView(norm, folded, 0, len(norm), "official", False)
        for body in find_bodies(norm, folded):
            if body.kind != "central" and not body.typed:
                return body, view
    return None


def choose_holder(
    views: list[TextView],
    full: TextView,
    url: urls.UrlPlaces,
    official_titles: Sequence[str] = (),
    lead_end: int = 0,
    guests: Sequence[range] = (),
    scan: TextScan | None = None,
) -> Holder:
    """The holder of the meeting described by ``views`` (most telling first)."""
    mention: BodyMention | None = None
    chosen: TextView | None = None
    rule = "holder.subject"
    for view in views:
        nationwide = _NATIONWIDE.search(view.folded, view.start, view.end)
        if view.kind != "url" and nationwide is not None:
            holder = Holder(level="central", confidence=0.85)
            kind = _VIEW_KIND.get(view.kind, "lead")
            holder.level_evidence = Evidence.at(
                kind, "holder.nationwide", view, nationwide.start(), nationwide.end()
            )
            return holder
        mention = holder_mention(view, guests, scan)
        outside = _non_ladder(view, mention, scan)
        if outside is not None:
            holder = Holder(confidence=0.6, level_evidence=outside)
            # An emulation cluster lies in its site's province; a military region or a
            # corporation may span several: no province then.
            if outside.rule not in _MULTI_PROVINCE and url.province_code:
                holder.province_code, holder.evidence = url.province_code, "url"
            return holder
        if mention is not None:
            chosen = view
            break
    if mention is None:
        central = _bridge_point_of_central(full, lead_end)
        if central is not None:
            return Holder(level="central", confidence=0.6, level_evidence=central)
    site_unit = url.commune_code or url.district_code
    if mention is None and (site_unit or url.slug_commune_code or url.slug_district_code):
        return holder_from_url(url)
    confidence = 0.8
    if mention is None and views:
        office = _office_in_view(views[0], guests)
        if office is not None:
            mention, chosen, rule, confidence = office, views[0], "holder.office_of_subject", 0.6
    if mention is None:
        official = _official_mention(official_titles)
        if official is not None:
            (mention, chosen), rule, confidence = official, "holder.official_title", 0.6
    if mention is None:
        # A report that never announces the meeting ("Năm 2022, Ban Dân vận Tỉnh ủy …"):
        # the first local body the article speaks about, with low confidence.
        for body in find_bodies(full.norm, full.folded, full.start, full.end):
            local = body.kind not in ("central", "party_bare") and not body.typed
            local = local and not _in(guests, body.start)
            if local and not is_office_of_person(full.folded, body):
                mention, chosen, rule, confidence = body, full, "holder.first_body", 0.4
                break
    if mention is None or chosen is None:
        holder = Holder(confidence=0.4)
        if url.province_code:
            holder.province_code, holder.evidence = url.province_code, "url"
        return holder
    if mention.kind == "party_bare":
        mention.kind = "commune" if _commune_context(full, url, lead_end) else "bare"
    kind = "official" if chosen.kind == "official" else _VIEW_KIND.get(chosen.kind, "lead")
    if chosen is full:
        kind = "body"
    evidence = Evidence.at(kind, rule, chosen, mention.start, mention.name_end or mention.end)
    return complete_holder(mention, chosen, full, url, views, confidence, evidence)


def _commune_context(full: TextView, url: urls.UrlPlaces, lead_end: int) -> bool:
    """ "Đảng ủy" alone is a commune's committee on a commune's site or when the lead
    speaks of its xã/phường."""
    if url.commune_code:
        return True
    end = min(full.end, max(lead_end, full.start + 200))
    return bool(_COMMUNE_WORD.search(full.folded, full.start, end))


def _bridge_point_of_central(full: TextView, lead_end: int) -> Evidence | None:
    """A report from a bridge point ("Tại điểm cầu Thành ủy …") of a meeting the central
    leadership attends, which names no holder of its own: a central meeting."""
    end = min(full.end, max(lead_end, full.start + 200))
    point = group("bridge_point").search(full.folded, full.start, end, full.norm)
    if point is None:
        return None
    central = group("central_presence").search(full.folded, full.start, end, full.norm)
    if central is None:
        return None
    return Evidence.at("lead", f"holder.bridge_point+{central.rule}", full, point.start, point.end)
