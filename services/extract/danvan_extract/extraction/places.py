"""Places: gazetteer name matching in folded text and in URL hosts and slugs.

The gazetteer (``danvan_shared.gazetteer``) owns the names; this module owns how reports
write them. Names are matched with ahocorasick-rs automatons built once over the folded
gazetteer keys (the library notes measured it 300–600× faster than a regex alternation),
then filtered for word boundaries. URL hosts are read label by label
(``thanhbinh.dongthap.gov.vn``: district ``thanhbinh`` in province ``dongthap``) against
the same names without spaces, plus a small table for outlets whose host does not spell
the province (``sggp`` is Hồ Chí Minh City's paper).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from .folding import fold_same_length

# Outlets whose host does not contain the province name; province names as written.
HOST_PROVINCES: dict[str, str] = {
    "sggp": "Hồ Chí Minh",
    "hcmcpv": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "hochiminhcity": "Hồ Chí Minh",
    "hanoimoi": "Hà Nội",
    "cadn": "Đà Nẵng",
    "btv": "Bình Dương",
    "qtv": "Quảng Ninh",
    "thvl": "Vĩnh Long",
}
# Host affixes around a province name ("baolangson", "thainguyentv", "tinhuykhanhhoa").
HOST_AFFIXES = (
    "bao",
    "tinhuy",
    "thanhuy",
    "tuyengiao",
    "mttq",
    "bdvtu",
    "bdv",
    "dangbo",
    "congan",
    "vanhocnghethuat",
    "truyenhinh",
    "ptth",
    "dai",
    "tv",
    "online",
    "news",
    "24h",
    "media",
    "portal",
    "cong",
    "dbnd",
    "hdnd",
    "ubnd",
    "so",
    "tapchi",
    "hoi",
    "doan",
    "ca",
    "www",
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_IGNORED_LABELS = {"www", "m", "vn", "gov", "com", "org", "net", "edu", "dcs", "info", "biz"}


def gazetteer() -> Any | None:
    """The shared gazetteer, or None while it is unavailable (the extractor degrades)."""
    return _load_gazetteer()


@lru_cache(maxsize=1)
def _load_gazetteer() -> Any | None:
    try:
        from danvan_shared.gazetteer import get_gazetteer

        return get_gazetteer()
    except Exception:
        return None


def nospace(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key)


def canon_key(text: str) -> str:
    """Fold a free-text name the way gazetteer keys are folded (dashes → spaces)."""
    folded = fold_same_length(text)
    folded = re.sub(r"[-\u2010-\u2014.,;:()\"]+", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


@dataclass(frozen=True)
class NameIndex:
    """Folded name → codes, with an automaton to find the names in folded text."""

    names: dict[str, tuple[str, ...]]
    automaton: Any


def _build_index(names: dict[str, tuple[str, ...]]) -> NameIndex | None:
    if not names:
        return None
    try:
        import ahocorasick_rs

        patterns = list(names)
        # Overlapping matches, then a word-boundary filter, then longest-first selection:
        # leftmost-longest alone loses "minh long" to "yen minh" inside "huyen minh long".
        automaton = ahocorasick_rs.AhoCorasick(patterns)
        return NameIndex(names=names, automaton=(automaton, patterns))
    except Exception:
        return None


@lru_cache(maxsize=1)
def province_index() -> NameIndex | None:
    gaz = gazetteer()
    if gaz is None:
        return None
    names: dict[str, tuple[str, ...]] = {
        key: (code,) for key, code in gaz.province_name_keys().items() if len(key) >= 3
    }
    return _build_index(names)


@lru_cache(maxsize=1)
def district_index() -> NameIndex | None:
    gaz = gazetteer()
    if gaz is None:
        return None
    # Numbered urban districts ("Quận 1") are only found with their type word, elsewhere.
    names = {
        key: tuple(codes)
        for key, codes in gaz.district_name_keys().items()
        if len(key) >= 3 and not key.isdigit()
    }
    return _build_index(names)


@lru_cache(maxsize=1)
def numbered_districts() -> dict[str, tuple[str, ...]]:
    """Numbered urban districts ("Quận 3" → "3"), of kind quận only."""
    gaz = gazetteer()
    if gaz is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, codes in gaz.district_name_keys().items():
        if key.isdigit():
            urban = tuple(c for c in codes if getattr(gaz.district(c), "kind", None) == "quan")
            if urban:
                out[key] = urban
    return out


def _is_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


@dataclass(frozen=True)
class NameHit:
    start: int
    end: int
    key: str
    codes: tuple[str, ...]


def find_names(
    index: NameIndex | None, folded: str, start: int = 0, end: int | None = None
) -> list[NameHit]:
    """Whole-word occurrences of the index's names in ``folded[start:end]``."""
    if index is None:
        return []
    end = len(folded) if end is None else end
    automaton, patterns = index.automaton
    window = folded[start:end]
    candidates: list[NameHit] = []
    for pattern_index, hit_start, hit_end in automaton.find_matches_as_indexes(
        window, overlapping=True
    ):
        absolute_start, absolute_end = start + hit_start, start + hit_end
        if _is_boundary(folded, absolute_start, absolute_end):
            key = patterns[pattern_index]
            candidates.append(NameHit(absolute_start, absolute_end, key, index.names[key]))
    candidates.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
    hits: list[NameHit] = []
    for hit in candidates:
        if not hits or hit.start >= hits[-1].end:
            hits.append(hit)
    return hits


def name_at(index: NameIndex | None, folded: str, position: int) -> NameHit | None:
    """The longest indexed name starting exactly at ``position``."""
    if index is None or position >= len(folded):
        return None
    hits = find_names(index, folded, position, min(len(folded), position + 40))
    return hits[0] if hits and hits[0].start == position else None


def is_capitalised(norm: str, start: int, end: int) -> bool:
    """True when every word of ``norm[start:end]`` starts with a capital (a proper name)."""
    words = norm[start:end].split()
    return bool(words) and all(word[:1].isupper() or word[:1].isdigit() for word in words)


@dataclass
class UrlPlaces:
    """What a URL says about where a report comes from."""

    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None
    slug_text: str = ""  # the path, folded, with separators as spaces


@lru_cache(maxsize=512)
def province_code_named(name: str) -> str | None:
    """The old province a configured name (any spelling or alias) or GSO code denotes."""
    gaz = gazetteer()
    if gaz is None or not name.strip():
        return None
    by_code = gaz.province(name.strip())
    if by_code is not None:
        return str(by_code.code)
    province = gaz.province_named(name)
    return str(province.code) if province else None


def _configured_province(label: str, extra: Mapping[str, str] | None) -> str | None:
    """The province the operator's table, else the built-in one, gives a host label."""
    for table in (extra, HOST_PROVINCES):
        name = table.get(label) if table else None
        code = province_code_named(str(name)) if name else None
        if code:
            return code
    return None


def _whole_host_province(host: str, extra: Mapping[str, str] | None) -> str | None:
    """An operator's entry for a whole host or domain ("thanhnien.vn", "news.abc.vn")."""
    for key, name in (extra or {}).items():
        domain = str(key).strip().lower().strip(".")
        if "." in domain and (host == domain or host.endswith("." + domain)):
            code = province_code_named(str(name))
            if code:
                return code
    return None


def _label_province(label: str, province_keys: dict[str, str]) -> str | None:
    best: tuple[int, str] | None = None
    for key, code in province_keys.items():
        if len(key) < 3 or key not in label:
            continue
        if label != key:
            rest = label.replace(key, " ", 1).split()
            if len(key) < 7 and not all(part in HOST_AFFIXES for part in rest):
                continue
        if best is None or len(key) > best[0]:
            best = (len(key), code)
    return best[1] if best else None


@lru_cache(maxsize=1)
def _nospace_province_keys() -> dict[str, str]:
    gaz = gazetteer()
    if gaz is None:
        return {}
    return {nospace(key): code for key, code in gaz.province_name_keys().items()}


@lru_cache(maxsize=1)
def _nospace_district_keys() -> dict[str, tuple[str, ...]]:
    gaz = gazetteer()
    if gaz is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, codes in gaz.district_name_keys().items():
        compact = nospace(key)
        if len(compact) >= 4:
            out[compact] = tuple(sorted(set(out.get(compact, ())) | set(codes)))
    return out


def _district_in(label: str, province_code: str | None) -> str | None:
    codes = _nospace_district_keys().get(label, ())
    gaz = gazetteer()
    if not codes or gaz is None:
        return None
    if province_code:
        codes = tuple(c for c in codes if gaz.district(c).province_code == province_code)
    return codes[0] if len(codes) == 1 else None


def _commune_in(label: str, district_code: str | None) -> str | None:
    gaz = gazetteer()
    if gaz is None or district_code is None:
        return None
    matches = [
        c for c in gaz.district_communes(district_code) if nospace(canon_key(c.name)) == label
    ]
    return matches[0].code if len(matches) == 1 else None


def read_url(url: str | None, host_provinces: Mapping[str, str] | None = None) -> UrlPlaces:
    """Province, district and commune named by a URL's host, and its folded path.

    ``host_provinces`` (host label or whole host → province name) is consulted before the
    built-in ``HOST_PROVINCES`` table, for outlets whose host does not spell the province.
    """
    places = UrlPlaces()
    if not url or len(url) > 4000:
        return places
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        path = unquote(parts.path + " " + parts.query)
    except ValueError:
        return places
    places.slug_text = _NOT_SLUG.sub(" ", canon_key(path)).strip()
    if gazetteer() is None:
        return places
    labels = [label for label in host.split(".") if label and label not in _IGNORED_LABELS]
    province_keys = _nospace_province_keys()
    province_at = None
    whole = _whole_host_province(host, host_provinces)
    if whole:
        places.province_code, province_at = whole, len(labels)
    else:
        for index in range(len(labels) - 1, -1, -1):
            code = _configured_province(labels[index], host_provinces) or _label_province(
                labels[index], province_keys
            )
            if code:
                places.province_code, province_at = code, index
                break
    below = labels[:province_at] if province_at is not None else labels
    if below:
        district = _district_in(below[-1], places.province_code)
        if district:
            places.district_code = district
            if places.province_code is None:
                gaz = gazetteer()
                places.province_code = gaz.district(district).province_code if gaz else None
            if len(below) >= 2:
                places.commune_code = _commune_in(below[-2], district)
    return places
