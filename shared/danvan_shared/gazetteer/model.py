"""The gazetteer's record types: provinces (two boundary sets), districts, communes.

Plain frozen dataclasses so that records are hashable, cheap (slots) and safe to share
between threads and callers; every value comes from the generated data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Boundary = Literal["old", "2025"]
ProvinceKind = Literal["tinh", "thanh_pho_tw"]
DistrictKind = Literal["huyen", "quan", "thi_xa", "thanh_pho"]
CommuneKind = Literal["xa", "phuong", "thi_tran"]


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level unit.

    ``name`` is the short form ("Tuyên Quang", "Hồ Chí Minh"); ``full_name`` adds
    the type ("Tỉnh Tuyên Quang", "Thành phố Hồ Chí Minh"). Old (pre-1 July 2025)
    provinces carry ``new_code``, the 2025 province they became part of; 2025
    provinces carry ``merged_from``, the old codes they were formed from.
    """

    code: str
    name: str
    full_name: str
    kind: ProvinceKind
    slug: str
    boundary: Boundary
    new_code: str | None = None
    merged_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class District:
    """A district-level unit (abolished on 1 July 2025).

    ``name`` is the short name ("Chiêm Hóa"; "1" for Quận 1), ``full_name`` the
    official one ("Huyện Chiêm Hóa"). ``kind`` is the latest type. ``valid_to`` is
    the last day the unit existed for units dissolved or merged before 1 July 2025,
    else None.
    """

    code: str
    name: str
    full_name: str
    kind: DistrictKind
    province_code: str
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Commune:
    """A pre-2025 commune-level unit (xã, phường, thị trấn).

    ``valid_to`` (an addition to the original contract, defaulted) is set for
    communes merged away between the ~2022 snapshot and the 2025-07 state.
    """

    code: str
    name: str
    full_name: str
    kind: CommuneKind
    district_code: str
    province_code: str
    valid_to: date | None = None
