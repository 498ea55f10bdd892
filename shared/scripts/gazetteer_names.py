"""Name cleaning and former-name recovery for ``build_gazetteer.py``.

Kept apart so that the generator stays readable; like it, this reads only the source
packages' data (already loaded by the generator) and never types unit names by hand.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from danvan_shared.gazetteer.keys import canon
from danvan_shared.vietnamese import fold, normalize_tone

DISTRICT_TYPES = {"huyện": "huyen", "quận": "quan", "thị xã": "thi_xa", "thành phố": "thanh_pho"}
COMMUNE_TYPES = {"xã": "xa", "phường": "phuong", "thị trấn": "thi_tran"}
ALIAS_PREFIX = re.compile(r"^(huyen|thixa|tx|quan|q|thanhpho|tp)(?=.)")


def clean(name: str) -> str:
    """NFC, hòa-style tone marks, ASCII apostrophes, single spaces."""
    name = normalize_tone(name).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", name).strip()


def split_type(full: str, types: dict[str, str]) -> tuple[str, str, str]:
    """'Thị Xã Mường Lay' → ('Thị xã Mường Lay', 'Mường Lay', 'thi_xa')."""
    full = clean(full)
    for label, kind in types.items():
        if full.lower().startswith(label + " "):
            short = full[len(label) + 1 :].strip()
            short = str(int(short)) if short.isdigit() else short  # "Phường 04" → "4"
            return f"{label[0].upper()}{label[1:]} {short}", short, kind
    raise ValueError(f"no unit type in {full!r}")


def legacy_aliases(src: dict[str, Any], rows: dict[str, list[Any]]) -> dict[str, set[str]]:
    """Former district names that vietnamadminunits keeps as unspaced ASCII aliases
    ("huyenhoanhbo" → TP Hạ Long). They are spaced by matching a commune or district
    name of the same province, else by the only way to split them into known syllables;
    names that still have their own record, or split ambiguously, are skipped."""
    spaced: dict[str, dict[str, str]] = defaultdict(dict)  # province → unspaced → folded
    names = [(r[0], r[7]) for r in src["legacy"] if r[7]] + [(r[0], r[5]) for r in src["legacy"]]
    district_province = {c: row[4] for c, row in rows.items()}
    names += [
        (district_province[c["parent_code"]], c["name_with_type"])
        for c in src["h_communes"].values()
    ]
    names += [(d["parent_code"], d["name_with_type"]) for d in src["h_districts"].values()]
    syllables: set[str] = set()
    for province, full in names:
        for types in (COMMUNE_TYPES, DISTRICT_TYPES):
            try:
                short = fold(split_type(full, types)[1])
            except ValueError:
                continue
            spaced[province][short.replace(" ", "")] = short
            syllables.update(short.split())
    own = {(row[4], canon(fold(row[1]))) for row in rows.values()}
    out: dict[str, set[str]] = defaultdict(set)
    for code, raw in src["district_aliases"]:
        province = district_province[code]
        for alias in json.loads(raw):
            key = spaced_key(alias, spaced[province], syllables)
            if key is not None and (province, key) not in own:
                out[key].add(code)
    return out


def spaced_key(alias: str, spaced: dict[str, str], syllables: set[str]) -> str | None:
    rest = ALIAS_PREFIX.sub("", alias)
    for candidate in (rest, alias):  # "quanguyen" is Quảng Uyên, not quận "guyen"
        if candidate.isdigit():
            return str(int(candidate))
        if candidate in spaced:
            return canon(spaced[candidate])
    splits = segmentations(rest, syllables)
    return splits[0] if len(splits) == 1 else None  # "district9", "hongnguthixa": skipped


def segmentations(text: str, syllables: set[str]) -> list[str]:
    """The ways to write ``text`` as the fewest (2 or 3) known syllables of 2+ letters
    ("tinhgia" → ["tinh gia"])."""
    two = [
        f"{text[:i]} {text[i:]}"
        for i in range(2, len(text) - 1)
        if text[:i] in syllables and text[i:] in syllables
    ]
    if two:
        return two
    return [
        f"{text[:i]} {text[i:j]} {text[j:]}"
        for i in range(2, len(text) - 3)
        for j in range(i + 2, len(text) - 1)
        if text[:i] in syllables and text[i:j] in syllables and text[j:] in syllables
    ]
