"""What a report's URL says about where it comes from: the host, its labels and the slug.

URL hosts are read label by label (``thanhbinh.dongthap.gov.vn``: district ``thanhbinh`` in
province ``dongthap``) against the gazetteer's names without spaces, plus a small table for
outlets whose host does not spell the province (``sggp`` is Hồ Chí Minh City's paper) that
operators extend (``DANVAN_HOST_PROVINCES_FILE``). District sites come as subdomains
(``tpthuduc``), as a province portal's first path segment (``dongnai.dcs.vn/bienhoa/…``),
and a ward's site as its name right under the province or glued to its district's
(``ansontamky``). A slug may name the unit with its type word (``…/phuong-tan-hoa-…``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .places import canon_key, district_keys, gazetteer, nospace

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


@dataclass
class UrlPlaces:
    """What a URL says about where a report comes from."""

    province_code: str | None = None
    district_code: str | None = None
    commune_code: str | None = None
    slug_text: str = ""  # the path, folded, with separators as spaces
    slug_district_code: str | None = None  # a unit the slug names with its type word
    slug_commune_code: str | None = None


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
    for key, codes in district_keys().items():
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
    # A province portal's district sub-site: "dongnai.dcs.vn/bienhoa/chitiet/…".
    first_segment = _NOT_SLUG.sub("", (parts.path.strip("/").split("/") or [""])[0].lower())
    table = (
        tuple(sorted((str(k), str(v)) for k, v in host_provinces.items())) if host_provinces else ()
    )
    places.province_code, places.district_code, places.commune_code = _host_places(
        host, first_segment, table
    )
    _read_slug_unit(places)
    return places


# Keyed by what decides it: an outlet sends many reports from one host, and the label
# lookups (every province key tried against every label) cost more than the rest of it.
@lru_cache(maxsize=4096)
def _host_places(
    host: str, first_segment: str, table: tuple[tuple[str, str], ...]
) -> tuple[str | None, str | None, str | None]:
    """(province, district, commune) codes a host (and a portal's first segment) names."""
    places = UrlPlaces()
    host_provinces = dict(table)
    labels = [label for label in host.split(".") if label and label not in _IGNORED_LABELS]
    province_keys = _nospace_province_keys()
    province_at = None
    whole = _whole_host_province(host, host_provinces)
    if whole:
        places.province_code, province_at = whole, len(labels)
    else:
        for index in range(len(labels) - 1, -1, -1):
            code = _configured_province(labels[index], host_provinces) or _label_province(
                labels[index].replace("-", ""), province_keys
            )
            if code:
                places.province_code, province_at = code, index
                break
    below = labels[:province_at] if province_at is not None else labels
    if places.province_code and not below and first_segment:
        below = [first_segment]
    if below:
        _read_units(places, below)
    return places.province_code, places.district_code, places.commune_code


_LABEL_PREFIXES = ("tp", "tx", "huyen", "quan", "thixa", "thanhpho", "ubnd")


def _read_units(places: UrlPlaces, below: list[str]) -> None:
    """District and commune from the host labels under the province ("thanhbinh",
    "tpthuduc", a ward's own site "thanhkhetay", or one glued label "ansontamky")."""
    gaz = gazetteer()
    if gaz is None:
        return
    below = [label.replace("-", "") for label in below]
    label = below[-1]
    stripped = next((label[len(p) :] for p in _LABEL_PREFIXES if label.startswith(p)), label)
    district = _district_in(label, places.province_code) or _district_in(
        stripped, places.province_code
    )
    if district is None:
        # "ansontamky": a commune's name glued to its district's.
        for size in range(len(label) - 4, 3, -1):
            candidate = _district_in(label[-size:], places.province_code)
            if candidate and _commune_in(label[:-size], candidate):
                places.district_code = candidate
                places.commune_code = _commune_in(label[:-size], candidate)
                break
        else:
            if places.province_code:  # a ward's own site right under its province
                places.commune_code = _commune_in_province(label, places.province_code)
    else:
        places.district_code = district
        if len(below) >= 2:
            places.commune_code = _commune_in(below[-2], district)
    if places.province_code is None and places.district_code:
        district_record = gaz.district(places.district_code)
        places.province_code = district_record.province_code if district_record else None


def _commune_in_province(label: str, province_code: str) -> str | None:
    if len(label) < 5:
        return None
    matches = _province_commune_labels(province_code).get(label, ())
    return matches[0] if len(matches) == 1 else None


@lru_cache(maxsize=64)
def _province_commune_labels(province_code: str) -> dict[str, tuple[str, ...]]:
    """A province's pre-2025 communes by their name without spaces ("thanhkhetay")."""
    gaz = gazetteer()
    labels: dict[str, tuple[str, ...]] = {}
    if gaz is None:
        return labels
    for district in gaz.districts:
        if district.province_code != province_code:
            continue
        for commune in gaz.district_communes(district.code):
            key = nospace(canon_key(commune.name))
            labels[key] = (*labels.get(key, ()), commune.code)
    return labels


_SLUG_UNIT = re.compile(
    r"(?<![a-z])(thi tran|xa|phuong|huyen|quan|thi xa)\s+([a-z]+(?: [a-z]+){0,3})"
)


def _read_slug_unit(places: UrlPlaces) -> None:
    """A unit named with its type word in the slug ("…/phuong-tan-hoa-to-chuc-…",
    "thi-tran-…"), within the district or province the host names."""
    gaz = gazetteer()
    if gaz is None or not places.province_code or places.commune_code:
        return
    for match in _SLUG_UNIT.finditer(places.slug_text):
        kind, words = match.group(1), match.group(2).split()
        for size in range(len(words), 0, -1):
            key = " ".join(words[:size])
            if kind in ("huyen", "quan", "thi xa"):
                codes = [
                    c
                    for c in district_keys().get(key, ())
                    if gaz.district(c).province_code == places.province_code
                ]
                if len(codes) == 1 and places.district_code in (None, codes[0]):
                    places.slug_district_code = codes[0]
                    return
                continue
            found = [
                c
                for c in gaz.communes_named(f"{kind} {key}")
                if c.province_code == places.province_code
                and places.district_code in (None, c.district_code)
            ]
            if len(found) == 1:
                places.slug_commune_code = found[0].code
                return
