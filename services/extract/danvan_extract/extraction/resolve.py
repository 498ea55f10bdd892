"""From body mentions, URL and text to one holder: level, unit and province (old and 2025).

A wrong province is worse than none, so every step that guesses is refused: an ambiguous
district name ("Châu Thành") needs another clue (the URL's province, a province named in
the text) that leaves exactly one candidate, otherwise the province stays unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import places
from .units import (
    BodyMention,
    commune_kind,
    district_kind,
    find_bodies,
    is_office_of_person,
    is_venue,
)

_VERB = re.compile(r"(?<![a-z])(to chuc|so ket|tong ket|giao ban|hop|phoi hop)(?![a-z])")
_OF_AFTER_REVIEW = re.compile(r"(?<![a-z])cua\s+$")
_NATIONWIDE = re.compile(r"(?<![a-z])(toan quoc|truc tuyen toan quoc)(?![a-z])")
_TYPED_PROVINCE = re.compile(r"(?<![a-z])(?:tinh|thanh pho|tp\.?|tinh uy|thanh uy)\s+$")
_TYPED_DISTRICT = re.compile(
    r"(?<![a-z])(?:huyen|quan|thi xa|thanh pho|tp\.?|huyen uy|quan uy"
    r"|thi uy|thanh uy)\s+$"
)


@dataclass
class TextView:
    """A piece of text to read the holder from (the body, the title or the URL slug)."""

    norm: str
    folded: str
    start: int
    end: int
    kind: str  # "body", "title", "url"
    in_body: bool


@dataclass
class Holder:
    level: str | None = None
    unit_name: str | None = None
    unit_kind: str | None = None
    unit_code: str | None = None
    body: str | None = None
    province_code: str | None = None
    evidence: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    province_spans: list[tuple[int, int]] = field(default_factory=list)
    confidence: float = 0.5


def holder_mention(view: TextView, *, allow_offices: bool = False) -> BodyMention | None:
    """The body that is the subject of the sentence (or named after "của").

    A venue ("tại Huyện ủy Hữu Lũng đã tổ chức") is the holder only when no other body
    is the subject; a body inside a person's title only with ``allow_offices``.
    """
    everything = find_bodies(view.norm, view.folded, view.start, view.end)
    bodies = [b for b in everything if allow_offices or not is_office_of_person(view.folded, b)]
    verb = _VERB.search(view.folded, view.start, view.end)
    if verb:
        before = [b for b in bodies if b.start < verb.start()]
        if before:
            return before[0]
        venues = [b for b in everything if b.start < verb.start() and is_venue(view.folded, b)]
        if venues:
            return venues[0]
        for body in bodies:
            if _OF_AFTER_REVIEW.search(view.folded[max(0, body.start - 6) : body.start]):
                return body
    return bodies[0] if bodies else None


def nationwide(view: TextView) -> bool:
    return bool(_NATIONWIDE.search(view.folded, view.start, view.end))


def _province(code: str | None) -> Any | None:
    gaz = places.gazetteer()
    if gaz is None or code is None:
        return None
    try:
        return gaz.province(code)
    except Exception:
        return None


def province_mentions(norm: str, folded: str, start: int, end: int) -> Counter[str]:
    """Provinces named in the text, counted; a typed name ("tỉnh Bến Tre") counts double."""
    counts: Counter[str] = Counter()
    for hit in places.find_names(places.province_index(), folded, start, end):
        if not places.is_capitalised(norm, hit.start, hit.end) and not hit.key.startswith("tp"):
            continue
        typed = bool(_TYPED_PROVINCE.search(folded[max(0, hit.start - 12) : hit.start]))
        counts[hit.codes[0]] += 2 if typed else 1
    return counts


def district_mentions(view: TextView) -> Counter[str]:
    """District names written with their type word ("huyện Minh Long"), counted by name;
    in text (not a URL slug) only as a proper name ("Quận ủy chủ trì" is no "Chũ")."""
    counts: Counter[str] = Counter()
    folded, start = view.folded, view.start
    for hit in places.find_names(places.district_index(), folded, start, view.end):
        if view.kind != "url" and not places.is_capitalised(view.norm, hit.start, hit.end):
            continue
        if _TYPED_DISTRICT.search(folded[max(0, hit.start - 12) : hit.start]) or (
            hit.start == start
        ):
            counts[hit.key] += 1
    return counts


def _narrow(codes: tuple[str, ...], province_hint: str | None) -> tuple[str, ...]:
    gaz = places.gazetteer()
    if gaz is None or len(codes) <= 1 or not province_hint:
        return codes
    narrowed = tuple(c for c in codes if gaz.district(c).province_code == province_hint)
    return narrowed or codes


def _narrow_kind(codes: tuple[str, ...], kind: str | None) -> tuple[str, ...]:
    """The districts of the kind the body names, when that leaves any."""
    gaz = places.gazetteer()
    if gaz is None or len(codes) <= 1 or not kind:
        return codes
    narrowed = tuple(c for c in codes if getattr(gaz.district(c), "kind", None) == kind)
    return narrowed or codes


def resolve(views: list[TextView], full: TextView, url: places.UrlPlaces) -> Holder:
    """The holder of the meeting described by ``views`` (most telling first)."""
    gaz = places.gazetteer()
    holder = Holder()
    mention: BodyMention | None = None
    chosen: TextView | None = None
    for view in views:
        if nationwide(view) and view.kind != "url":
            holder.level, holder.confidence = "central", 0.85
            return holder
        mention = holder_mention(view)
        if mention is not None:
            chosen = view
            break
    if mention is None and (url.commune_code or url.district_code):
        return _holder_from_url(url)
    if mention is None and views:
        # "Đồng chí X, Trưởng ban Dân vận Tỉnh ủy chỉ đạo hội nghị": the office is the clue.
        mention, chosen = holder_mention(views[0], allow_offices=True), views[0]
    if mention is None:
        # The body of a report that never announces the meeting ("Năm 2022, Ban Dân vận
        # Tỉnh ủy …"): the first local body the article speaks about, with low confidence.
        for body in find_bodies(full.norm, full.folded, full.start, full.end):
            if body.kind != "central" and not is_office_of_person(full.folded, body):
                mention, chosen = body, full
                holder.confidence = 0.4
                break
    if mention is None or chosen is None:
        if url.province_code:
            holder.province_code, holder.evidence, holder.confidence = url.province_code, "url", 0.4
        return holder
    if chosen.in_body:
        holder.spans.append((mention.start, mention.name_end or mention.end))
    holder.body = chosen.norm[mention.start : mention.end]
    text_provinces = province_mentions(full.norm, full.folded, full.start, full.end)
    province_hint = url.province_code or (
        text_provinces.most_common(1)[0][0] if text_provinces else None
    )
    if mention.kind == "central":
        holder.level, holder.confidence = "central", 0.9
        return holder
    level: str | None = mention.kind
    if mention.kind in ("city", "bare"):
        level = _city_level(mention, url, text_provinces)
        if level is None:
            holder.confidence = 0.3
            return holder
    holder.level = level
    holder.confidence = max(holder.confidence, 0.8 if chosen is not full else 0.4)
    if level == "province":
        _resolve_province_unit(holder, mention, url, text_provinces)
    elif level == "district":
        _resolve_district_unit(holder, mention, full, url, province_hint, views)
    elif level == "commune":
        _resolve_commune_unit(holder, mention, chosen, url, province_hint)
    if holder.province_code and gaz is not None and holder.evidence is None:
        holder.evidence = "context"
    return holder


def _holder_from_url(url: places.UrlPlaces) -> Holder:
    """A report on a district or commune site that never names its holder in the text."""
    gaz = places.gazetteer()
    holder = Holder(province_code=url.province_code, evidence="url", confidence=0.5)
    if gaz is None:
        return holder
    commune = gaz.commune(url.commune_code) if url.commune_code else None
    if commune is not None:
        holder.level, holder.unit_name, holder.unit_kind = "commune", commune.name, commune.kind
        holder.unit_code = commune.code
        return holder
    district = gaz.district(url.district_code) if url.district_code else None
    if district is not None:
        holder.level, holder.unit_name, holder.unit_kind = "district", district.name, district.kind
        holder.unit_code = district.code
    return holder


def _city_level(
    mention: BodyMention, url: places.UrlPlaces, text_provinces: Counter[str]
) -> str | None:
    """Thành ủy / a bare "Ban Dân vận": a centrally run city is a province, else a district."""
    if mention.level_hint == "province" and mention.name_codes:
        province = _province(mention.name_codes[0])
        if province is not None and province.kind != "thanh_pho_tw" and mention.kind == "city":
            return "district"
        return "province"
    if mention.level_hint == "district":
        return "district"
    hint = url.province_code or (text_provinces.most_common(1)[0][0] if text_provinces else None)
    province = _province(hint)
    if province is None:
        return None
    if province.kind == "thanh_pho_tw":
        return "province"
    return "district" if mention.kind == "city" else "province"


def _resolve_province_unit(
    holder: Holder, mention: BodyMention, url: places.UrlPlaces, text_provinces: Counter[str]
) -> None:
    code, evidence = None, None
    if mention.level_hint == "province" and mention.name_codes:
        code, evidence = mention.name_codes[0], "text"
    elif url.province_code:
        code, evidence = url.province_code, "url"
    elif text_provinces:
        ranked = text_provinces.most_common(2)
        if len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]:
            code, evidence = ranked[0][0], "text"
    province = _province(code)
    if province is None:
        return
    holder.unit_name, holder.unit_kind, holder.unit_code = province.name, province.kind, code
    holder.province_code, holder.evidence = code, evidence


def _district_from_codes(holder: Holder, codes: tuple[str, ...], evidence: str) -> bool:
    gaz = places.gazetteer()
    if gaz is None or not codes:
        return False
    districts = [gaz.district(c) for c in codes]
    if len({d.province_code for d in districts}) == 1:
        holder.province_code = districts[0].province_code
        holder.evidence = evidence
    if len(districts) == 1:
        holder.unit_code = districts[0].code
        holder.unit_kind = districts[0].kind
    holder.unit_name = holder.unit_name or districts[0].name
    return True


def _resolve_district_unit(
    holder: Holder,
    mention: BodyMention,
    full: TextView,
    url: places.UrlPlaces,
    province_hint: str | None,
    views: list[TextView],
) -> None:
    gaz = places.gazetteer()
    holder.unit_kind = district_kind(mention.body.split()[-2] + " uy") if mention.body else None
    if mention.name and mention.level_hint == "province" and mention.name_codes and gaz:
        # "Thành ủy Lạng Sơn": the provincial city that shares its province's name.
        province_code = mention.name_codes[0]
        cities = [d for d in gaz.districts_named(mention.name) if d.province_code == province_code]
        holder.unit_name = mention.name
        holder.province_code, holder.evidence = province_code, "text"
        if cities:
            holder.unit_code, holder.unit_kind = cities[0].code, cities[0].kind
        return
    if mention.name and mention.name_codes:
        # The body names the unit's kind: "Thị ủy Hoàng Mai" is the thị xã, not the quận.
        by_kind = _narrow_kind(mention.name_codes, holder.unit_kind)
        holder.unit_name = gaz.district(by_kind[0]).name if gaz else mention.name
        codes = _narrow(by_kind, province_hint)
        evidence = "district" if len(by_kind) == 1 else ("url" if url.province_code else "text")
        _district_from_codes(holder, codes, evidence)
        return
    if url.district_code and gaz:
        _district_from_codes(holder, (url.district_code,), "url")
        return
    counts: Counter[str] = Counter()
    for view in views:
        counts.update(dict.fromkeys(district_mentions(view), 3))
    counts.update(district_mentions(full))
    for view in views:
        if view.kind == "url" and province_hint and gaz:
            # A URL slug has no type words: accept names of the site's own province.
            for hit in places.find_names(
                places.district_index(), view.folded, view.start, view.end
            ):
                if any(gaz.district(c).province_code == province_hint for c in hit.codes):
                    counts[hit.key] += 3
    if counts and gaz:
        key = counts.most_common(1)[0][0]
        codes = _narrow(tuple(gaz.district_name_keys().get(key, ())), province_hint)
        evidence = "district" if len(codes) == 1 else "url"
        _district_from_codes(holder, codes, evidence)
        return
    if url.province_code:
        holder.province_code, holder.evidence = url.province_code, "url"


def _resolve_commune_unit(
    holder: Holder,
    mention: BodyMention,
    chosen: TextView,
    url: places.UrlPlaces,
    province_hint: str | None,
) -> None:
    gaz = places.gazetteer()
    holder.unit_kind = commune_kind(mention.body)
    holder.unit_name = mention.name
    if gaz is None:
        return
    if url.commune_code and not mention.name:
        commune = gaz.commune(url.commune_code)
        if commune is not None:
            holder.unit_name, holder.unit_code = commune.name, commune.code
    if holder.unit_name is None:
        if url.province_code:
            holder.province_code, holder.evidence = url.province_code, "url"
        return
    candidates = gaz.communes_named(holder.unit_name)
    # "xã Trà Vong, huyện Tân Biên": a district written right after the commune.
    after = chosen.folded[mention.name_end or mention.end : (mention.name_end or mention.end) + 40]
    district_hit = re.match(r"\s*,?\s*(?:huyen|thi xa|thanh pho|quan)\s+", after)
    district_codes: tuple[str, ...] = ()
    if district_hit:
        position = (mention.name_end or mention.end) + district_hit.end()
        hit = places.name_at(places.district_index(), chosen.folded, position)
        district_codes = hit.codes if hit else ()
    if url.district_code:
        district_codes = (url.district_code,)
    if district_codes:
        narrowed = [c for c in candidates if c.district_code in district_codes]
        candidates = narrowed or candidates
    elif province_hint:
        narrowed = [c for c in candidates if c.province_code == province_hint]
        candidates = narrowed or candidates
    provinces = {c.province_code for c in candidates}
    if len(candidates) == 1:
        holder.unit_code = candidates[0].code
    if len(provinces) == 1:
        holder.province_code = provinces.pop()
        holder.evidence = "url" if url.province_code == holder.province_code else "district"
    elif url.province_code:
        holder.province_code, holder.evidence = url.province_code, "url"
