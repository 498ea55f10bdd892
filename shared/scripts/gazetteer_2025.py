"""The post-2025 commune layer for ``build_gazetteer.py``: the 3,321 xã, phường and đặc khu
since 1 July 2025 and the map from each pre-2025 commune to the units it became part of.

Like the generator, this reads only vietnamadminunits' data (``admin_units`` and the ward
part of ``converter_2025.json``) and never types a unit by hand. The converter keys units
by ASCII keys ("tinhthanhhoa_thanhphothanhhoa_phuongdienbien" → "phuonghacthanh"); they
are turned into GSO codes here.

One repair is needed. The converter lists communes split between several new units
(``DICT_PROVINCE_WARD_DIVIDED``) under the new province and the old commune's short key;
where old communes of the *same name* in different old districts now lie in one new
province (Xã Long Bình of Hậu Giang and of Sóc Trăng, both now Cần Thơ; Phường 4 of Mỹ Tho
and of Cao Lãnh, both now Đồng Tháp), a split one is also given its namesakes' targets, so
it seems split into their new units too and 23 new units seemed to straddle two old
provinces. So a target listed for several namesakes goes to the one whose old district
gives it unsplit communes, else to the nearest (by the package's coordinates); a split
commune left with nothing keeps its main successor (``isDefaultNewWard``). Every change is
logged (30 communes with vietnamadminunits 1.0.4).
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from typing import Any

from gazetteer_names import clean, split_type

from danvan_shared.gazetteer.keys import name_variants

COMMUNE_2025_TYPES = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}

# (old province code, old district code, old commune code or None for a district that had
# no communes, such as Côn Đảo) as the converter names them.
OldUnit = tuple[str, str, str | None]


def read_2025(db: Any, converter: dict[str, Any]) -> dict[str, Any]:
    """The raw rows this module needs, read from the open ``dataset.db`` and converter."""
    return {
        "wards_2025": db.execute(
            "SELECT provinceCode, provinceKey, wardCode, ward, wardKey, wardLat, wardLon"
            " FROM admin_units"
        ).fetchall(),
        "legacy_keys": db.execute(
            "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode,"
            " wardLat, wardLon FROM admin_units_legacy"
        ).fetchall(),
        "whole": converter["DICT_PROVINCE_WARD_NO_DIVIDED"],
        "divided": {
            province: {
                old: [(e["newWardKey"], bool(e["isDefaultNewWard"])) for e in targets]
                for old, targets in olds.items()
            }
            for province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items()
        },
    }


def build_communes_2025(src: dict[str, Any]) -> dict[str, Any]:
    """Rows, name keys and the old → new maps of the post-2025 commune layer."""
    old_of: dict[str, OldUnit] = {
        f"{p}_{d}_{w or ''}": (pc, dc, wc) for p, d, w, pc, dc, wc, *_ in src["legacy_keys"]
    }
    new_of = {(pkey, wkey): code for _, pkey, code, _, wkey, *_ in src["wards_2025"]}
    targets: dict[OldUnit, list[tuple[str, bool]]] = defaultdict(list)
    for pkey, units in src["whole"].items():
        for wkey, olds in units.items():
            for old in olds:
                targets[old_of[old]].append((new_of[pkey, wkey], True))
    divided = {
        old_of[old]: [(new_of[pkey, wkey], default) for wkey, default in entries]
        for pkey, olds in src["divided"].items()
        for old, entries in olds.items()
    }
    repair_conflated(divided, targets, src, old_of)
    for old, entries in divided.items():
        targets[old].extend(entries)

    rows, keys = [], defaultdict(set)
    for province, _, code, full, *_ in sorted(src["wards_2025"], key=lambda r: r[2]):
        _, name, kind = split_type(clean(full), COMMUNE_2025_TYPES)
        rows.append([code, name, kind, province])
        for key in name_variants(name, k_to_c=True):
            keys[key].add(code)

    commune_to_2025: dict[str, list[str]] = {}
    district_to_2025: dict[str, list[str]] = {}
    for (_, district, commune), entries in sorted(targets.items(), key=lambda t: str(t[0])):
        # the main successor (the one the converter picks by default) first, then by code
        main = {c for c, default in entries if default}
        ordered = sorted({c for c, _ in entries}, key=lambda c: (c not in main, c))
        if commune is None:
            district_to_2025[district] = ordered
        else:
            commune_to_2025[commune] = ordered
    check_coverage(rows, commune_to_2025, district_to_2025, src)
    # each unit also lists its sources, so that the loader need not invert the map
    sources: dict[str, list[list[str]]] = defaultdict(lambda: [[], []])
    for column, mapping in enumerate((commune_to_2025, district_to_2025)):
        for old, news in sorted(mapping.items()):
            for new in news:
                sources[new][column].append(old)
    rows = [row + sources[row[0]] for row in rows]
    return {
        "communes_2025": rows,
        "commune_2025_keys": {k: sorted(v) for k, v in keys.items()},
        "commune_to_2025": dict(sorted(commune_to_2025.items())),
        "district_to_2025": dict(sorted(district_to_2025.items())),
    }


def repair_conflated(
    divided: dict[OldUnit, list[tuple[str, bool]]],
    whole: dict[OldUnit, list[tuple[str, bool]]],
    src: dict[str, Any],
    old_of: dict[str, OldUnit],
) -> None:
    """Undo the converter's union of targets for same-named split communes (see above)."""
    districts_of_target: dict[str, set[str]] = defaultdict(set)
    for (_, district, _), entries in whole.items():
        for code, _ in entries:
            districts_of_target[code].add(district)
    old_at = {r[5]: (r[6], r[7]) for r in src["legacy_keys"] if r[5]}
    new_at = {r[2]: (r[5], r[6]) for r in src["wards_2025"]}

    def distance(old: OldUnit, new: str) -> float:  # in degrees; only compared
        (lat1, lon1), (lat2, lon2) = old_at[old[2]], new_at[new]
        return math.hypot(lat1 - lat2, (lon1 - lon2) * math.cos(math.radians(lat1)))

    def nearest(members: list[OldUnit], target: str) -> OldUnit:
        return min(members, key=lambda m: (distance(m, target), str(m)))

    def nearest_target(member: OldUnit, targets: list[str]) -> str:
        return min(targets, key=lambda t: (distance(member, t), t))

    def owner(target: str, members: list[OldUnit], targets_of: dict[OldUnit, set[str]]) -> OldUnit:
        """Which of the same-named communes listing ``target`` really went into it."""
        candidates = [m for m in members if target in targets_of[m]]
        local = [m for m in candidates if m[1] in districts_of_target[target]]
        return local[0] if len(local) == 1 else nearest(candidates, target)

    namesakes: dict[tuple[str, str], list[OldUnit]] = defaultdict(list)
    for pkey, units in src["whole"].items():
        for olds in units.values():
            for old in olds:
                namesakes[pkey, old.rsplit("_", 1)[1]].append(old_of[old])
    for pkey, olds in src["divided"].items():
        for old in olds:
            namesakes[pkey, old.rsplit("_", 1)[1]].append(old_of[old])
    for members in namesakes.values():
        split = [m for m in members if m in divided]
        if len(members) < 2 or not split:
            continue
        targets_of = {m: {c for c, _ in divided.get(m) or whole[m]} for m in members}
        for member in split:
            entries = divided[member]
            kept = [(c, d) for c, d in entries if owner(c, members, targets_of) == member]
            if not kept:  # nothing of its own: keep the converter's main successor
                kept = [(c, d) for c, d in entries if d]
            elif not any(d for _, d in kept):
                main = nearest_target(member, [c for c, _ in kept])
                kept = [(c, c == main) for c, _ in kept]
            if len(kept) == len(entries):
                continue
            dropped = sorted({c for c, _ in entries} - {c for c, _ in kept})
            log(f"converter repair: old commune {member[2]} not split into {dropped}")
            divided[member] = kept


def check_coverage(
    rows: list[list[Any]],
    commune_to_2025: dict[str, list[str]],
    district_to_2025: dict[str, list[str]],
    src: dict[str, Any],
) -> None:
    """Every new unit has a source and every old commune (or commune-less district) a target."""
    codes = {row[0] for row in rows}
    used = {c for m in (commune_to_2025, district_to_2025) for cs in m.values() for c in cs}
    if used != codes:
        raise SystemExit(f"new units without an old source: {sorted(codes - used)[:10]}")
    communes = {r[5] for r in src["legacy_keys"] if r[5]}
    districts = {r[4] for r in src["legacy_keys"] if not r[5]}
    if communes != set(commune_to_2025) or districts != set(district_to_2025):
        raise SystemExit("old communes missing from the converter")
    # a unit's old communes must lie in old provinces merged into its new province
    province_of_new = {row[0]: row[3] for row in rows}
    new_province_code = {r[1]: r[0] for r in src["wards_2025"]}
    merged = {new_province_code[n]: set(olds) for n, olds in src["converter"].items()}
    for pkey, dkey, wkey, _, district, commune, *_ in src["legacy_keys"]:
        for new in (commune_to_2025 if commune else district_to_2025)[commune or district]:
            if pkey not in merged[province_of_new[new]]:
                raise SystemExit(f"{pkey}_{dkey}_{wkey} → {new}: outside its new province")
    if len(rows) != len(codes):
        raise SystemExit("duplicate post-2025 commune codes")


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
