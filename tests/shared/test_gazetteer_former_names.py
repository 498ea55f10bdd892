"""Former names of pre-2025 units: a unit looked up by the name it had comes out under
that name, never under the name of the unit it merged into or was renamed to (issue 10:
a pre-2025 district came out under the name of the unit it merged into).

The expected facts are public knowledge (the UBTVQH resolutions on district and commune
arrangements of 2019-2025), not values copied from the generated file.
"""

from __future__ import annotations

from datetime import date

import pytest

from danvan_shared.gazetteer import Gazetteer, get_gazetteer
from danvan_shared.gazetteer.keys import canon, name_variants
from danvan_shared.vietnamese import fold


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return get_gazetteer()


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
def test_former_name_comes_out_under_that_name(g: Gazetteer, former: str, province: str) -> None:
    found = g.districts_named(former)
    assert found and {g.province(d.province_code) for d in found} == {g.province_named(province)}
    # under the name they had, filed under the code of the unit that carries on
    for district in found:
        assert district.name == former.removeprefix("Quận ")
        assert district.is_former_name and district.valid_to is not None
        successor = g.district(district.code)
        assert successor is not None and successor.name != district.name


@pytest.mark.parametrize(
    ("former", "full_name", "kind", "merged_into"),
    [
        # merged with Đạ Huoai and Cát Tiên on 2024-12-01 into a unit named Đạ Huoai
        ("Đạ Tẻh", "Huyện Đạ Tẻh", "huyen", "Đạ Huoai"),
        # merged with Long Điền on 2025-01-01 into Long Đất
        ("huyện Đất Đỏ", "Huyện Đất Đỏ", "huyen", "Long Đất"),
        # the provincial city of Huế until 2025-01-01 (then the quận Thuận Hóa, Phú Xuân)
        ("Thành ủy Huế", "Thành phố Huế", "thanh_pho", "Thuận Hóa"),
        ("Huyện ủy Tĩnh Gia", "Huyện Tĩnh Gia", "huyen", "Nghi Sơn"),
        ("Quận 9", "Quận 9", "quan", "Thủ Đức"),
    ],
)
def test_a_former_name_never_comes_out_under_the_later_one(
    g: Gazetteer, former: str, full_name: str, kind: str, merged_into: str
) -> None:
    [district] = g.districts_named(former)
    assert (district.full_name, district.kind) == (full_name, kind)
    assert district.valid_to is not None and district.valid_to < date(2025, 7, 1)
    later = g.district(district.code)
    assert later is not None and later.name == merged_into and later.valid_to is None
    assert district.successor_code == later.code
    assert later in g.districts_named(merged_into)


def test_every_district_and_commune_key_gives_units_of_that_name(g: Gazetteer) -> None:
    """Whatever key a matcher finds, the unit comes out under the name it found."""
    for key in g.district_name_keys():
        for district in g.districts_named(key):
            variants = {canon(v) for v in name_variants(district.name, k_to_c=True)}
            assert canon(key) in variants, (key, district)
    for key in g.commune_name_keys():
        for commune in g.communes_named(key):
            assert canon(fold(commune.name)) == key, (key, commune)


def test_dissolved_districts_name_their_successor(g: Gazetteer) -> None:
    [dong_son] = g.districts_named("Đông Sơn")
    assert dong_son.successor_code is not None and not dong_son.is_former_name
    successor = g.district(dong_son.successor_code)
    assert successor is not None and successor.full_name == "Thành phố Thanh Hóa"
    assert all(d.successor_code is None for d in g.districts if d.valid_to is None)


def test_renumbered_ward_keeps_its_former_number(g: Gazetteer) -> None:
    wards = g.communes_named("Phường 4")
    renamed = [c for c in wards if c.is_former_name]
    assert renamed and all(c.full_name == "Phường 4" for c in wards)
    for ward in renamed:
        now = g.commune(ward.code)
        assert now is not None and now.full_name != "Phường 4"
        assert (now.district_code, now.province_code) == (ward.district_code, ward.province_code)
