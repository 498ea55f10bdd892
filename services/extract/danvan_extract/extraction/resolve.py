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

from . import places, urls
from .evidence import Evidence
from .units import BodyMention, capitalised_name, commune_kind, district_kind
from .views import TextView

_TYPED_PROVINCE = re.compile(r"(?<![a-z])(?:tinh|thanh pho|tp\.?|tinh uy|thanh uy)\s+$")
_TYPED_DISTRICT = re.compile(
    r"(?<![a-z])(?:huyen|quan|thi xa|thanh pho|tp\.?|huyen uy|quan uy"
    r"|thi uy|thanh uy)\s+$"
)


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
    level_evidence: Evidence | None = None
    unit_evidence: Evidence | None = None
    layer: str = "old"  # the boundary set the unit was read in ("old" or "2025")
    province_2025_code: str | None = None  # set when read in the 2025 layer


def _province(code: str | None) -> Any | None:
    gaz = places.gazetteer()
    if gaz is None or code is None:
        return None
    return gaz.province(code)


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


def complete_holder(
    mention: BodyMention,
    chosen: TextView,
    full: TextView,
    url: urls.UrlPlaces,
    views: list[TextView],
    confidence: float,
    evidence: Evidence,
) -> Holder:
    """Level, unit and province for the chosen holder body."""
    gaz = places.gazetteer()
    holder = Holder(confidence=confidence, level_evidence=evidence)
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
    if level == "province":
        _resolve_province_unit(holder, mention, url, text_provinces)
    elif level == "district":
        _resolve_district_unit(holder, mention, full, url, province_hint, views)
    elif level == "commune":
        _resolve_commune_unit(holder, mention, chosen, url, province_hint, views)
    if holder.unit_name and holder.unit_evidence is None:
        holder.unit_evidence = evidence
    if holder.province_code and gaz is not None and holder.evidence is None:
        holder.evidence = "context"
    return holder


def holder_from_url(url: urls.UrlPlaces) -> Holder:
    """A report on a district or commune site that never names its holder in the text."""
    gaz = places.gazetteer()
    holder = Holder(province_code=url.province_code, evidence="url", confidence=0.5)
    holder.level_evidence = holder.unit_evidence = Evidence("url_host", "holder.site_unit")
    if gaz is None:
        return holder
    commune_code = url.commune_code or url.slug_commune_code
    commune = gaz.commune(commune_code) if commune_code else None
    if commune is not None:
        holder.level, holder.unit_name, holder.unit_kind = "commune", commune.name, commune.kind
        holder.unit_code = commune.code
        return holder
    district_code = url.district_code or url.slug_district_code
    district = gaz.district(district_code) if district_code else None
    if district is not None:
        holder.level, holder.unit_name, holder.unit_kind = "district", district.name, district.kind
        holder.unit_code = district.code
    return holder


def _city_level(
    mention: BodyMention, url: urls.UrlPlaces, text_provinces: Counter[str]
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
    holder: Holder, mention: BodyMention, url: urls.UrlPlaces, text_provinces: Counter[str]
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
    url: urls.UrlPlaces,
    province_hint: str | None,
    views: list[TextView],
) -> None:
    gaz = places.gazetteer()
    holder.unit_kind = district_kind(mention.body, typed=mention.typed)
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
    site_district = url.district_code or url.slug_district_code
    if site_district and gaz:
        _district_from_codes(holder, (site_district,), "url")
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
        codes = _narrow(tuple(places.district_keys().get(key, ())), province_hint)
        evidence = "district" if len(codes) == 1 else "url"
        _district_from_codes(holder, codes, evidence)
        return
    if url.province_code:
        holder.province_code, holder.evidence = url.province_code, "url"


def _resolve_commune_unit(
    holder: Holder,
    mention: BodyMention,
    chosen: TextView,
    url: urls.UrlPlaces,
    province_hint: str | None,
    views: list[TextView],
) -> None:
    gaz = places.gazetteer()
    holder.unit_kind = commune_kind(mention.body)
    holder.unit_name = mention.name
    if gaz is None:
        return
    site_commune = url.commune_code or url.slug_commune_code
    if site_commune and not mention.name:
        commune = gaz.commune(site_commune)
        if commune is not None:
            holder.unit_name, holder.unit_code = commune.name, commune.code
            holder.unit_evidence = (
                Evidence("url_host", "unit.site_commune")
                if url.commune_code
                else Evidence("url_slug", "unit.slug_commune")
            )
    if holder.unit_name is None:
        leading = _leading_commune(views, url, province_hint)
        if leading is not None:
            holder.unit_name, holder.unit_evidence = leading
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


def _leading_commune(
    views: list[TextView], url: urls.UrlPlaces, province_hint: str | None
) -> tuple[str, Evidence] | None:
    """A headline that starts with the commune's name ("An Sơn sơ kết …", "Tân Lập: …"),
    for a holder written without one ("Đảng ủy phường tổ chức …")."""
    gaz = places.gazetteer()
    if gaz is None:
        return None
    for view in views:
        if view.kind != "title":
            continue
        start = view.start
        while start < view.end and view.norm[start] == " ":
            start += 1
        span = capitalised_name(view.norm, start, 4)
        if span is None:
            continue
        words = view.norm[span[0] : span[1]].split()
        for size in range(len(words), 1, -1):
            name = " ".join(words[:size])
            found = gaz.communes_named(name)
            if url.district_code:
                found = [c for c in found if c.district_code == url.district_code]
            elif province_hint:
                found = [c for c in found if c.province_code == province_hint]
            if found:
                end = start + len(name)
                return name, Evidence.at("title", "unit.headline_name", view, start, end)
    return None
