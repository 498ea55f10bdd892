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
DISTRICT_LABELS = {kind: label[0].upper() + label[1:] for label, kind in DISTRICT_TYPES.items()}
ALIAS_PREFIX = re.compile(r"^(huyen|thixa|tx|quan|q|thanhpho|tp)(?=.)")
ALIAS_KINDS = {
    "huyen": "huyen",
    "thixa": "thi_xa",
    "tx": "thi_xa",
    "quan": "quan",
    "q": "quan",
    "thanhpho": "thanh_pho",
    "tp": "thanh_pho",
}


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


def legacy_aliases(
    src: dict[str, Any], rows: dict[str, list[Any]], spellings: dict[tuple[str, str], str]
) -> list[list[str]]:
    """Former district names that vietnamadminunits keeps as unspaced ASCII aliases
    ("huyenhoanhbo" → TP Hạ Long), as rows ``[successor code, short, full, kind]``.

    They are spaced by matching a commune or district name of the same province, else by
    the only way to split them into known syllables; names that still have their own
    record, or split ambiguously, are skipped. The spelling with diacritics is that of the
    matched name, else ``spellings[code, folded]`` (the generator's hand-written few); the
    kind comes from the alias's type prefix, else it is the successor's."""
    spaced: dict[str, dict[str, str]] = defaultdict(dict)  # province → unspaced → folded
    spelled: dict[tuple[str, str], str] = {}  # (province, folded) → short name
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
                name = split_type(full, types)[1]
            except ValueError:
                continue
            short = fold(name)
            spaced[province][short.replace(" ", "")] = short
            spelled.setdefault((province, canon(short)), name)
            syllables.update(short.split())
    own = {(row[4], canon(fold(row[1]))) for row in rows.values()}
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)  # (code, key) → kinds
    for code, raw in src["district_aliases"]:
        province = district_province[code]
        for alias in json.loads(raw):
            key = spaced_key(alias, spaced[province], syllables)
            if key is None or (province, key) in own:
                continue
            prefix = ALIAS_PREFIX.match(alias)
            kinds[code, key] |= {ALIAS_KINDS[prefix.group(1)]} if prefix else set()
    out = []
    for (code, key), found in sorted(kinds.items()):
        spelling = spelled.get((district_province[code], key)) or spellings.get((code, key))
        if spelling is None or canon(fold(spelling)) != key:
            raise SystemExit(f"former district name {key!r} of {code}: no spelling known")
        kind = min(found) if len(found) == 1 else rows[code][3]
        out.append([code, spelling, f"{DISTRICT_LABELS[kind]} {spelling}", kind])
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
