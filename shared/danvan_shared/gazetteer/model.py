"""The gazetteer's record types: provinces (two boundary sets), districts, communes before
1 July 2025 and communes since, and which boundary set is in force on a day.

Plain frozen dataclasses so that records are hashable, cheap (slots) and safe to share
between threads and callers; every value comes from the generated data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Boundary = Literal["old", "2025"]
ProvinceKind = Literal["tinh", "thanh_pho_tw"]
DistrictKind = Literal["huyen", "quan", "thi_xa", "thanh_pho"]
CommuneKind = Literal["xa", "phuong", "thi_tran"]
Commune2025Kind = Literal["xa", "phuong", "dac_khu"]

REFORM_DATE = date(2025, 7, 1)
"""The day the two-level local government took effect: 34 provinces, no districts."""


def layer_on(day: date) -> Boundary:
    """The boundary set in force on ``day``: ``"old"`` up to 30 June 2025, ``"2025"`` from
    1 July 2025 (a datetime counts by its calendar day)."""
    if isinstance(day, datetime):
        day = day.date()
    return "old" if day < REFORM_DATE else "2025"


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
    else None; ``successor_code`` is then the district that took it over, where known.

    A *former name* is a record of its own, found by name only (``districts_named``):
    "Đạ Tẻh" is Huyện Đạ Tẻh until 2024-11-30, then merged into the unit filed under
    the same code as "Đạ Huoai". Such a record has ``successor_code == code`` (the code
    its territory is filed under today, its own where GSO kept it) and a ``valid_to``.
    """

    code: str
    name: str
    full_name: str
    kind: DistrictKind
    province_code: str
    valid_to: date | None = None
    successor_code: str | None = None

    @property
    def is_former_name(self) -> bool:
        """A name the unit filed under ``code`` no longer bears (see above)."""
        return self.successor_code == self.code


@dataclass(frozen=True, slots=True)
class Commune:
    """A pre-2025 commune-level unit (xã, phường, thị trấn).

    ``valid_to`` (an addition to the original contract, defaulted) is set for
    communes merged away between the ~2022 snapshot and the 2025-07 state. As for
    districts, a former name ("Phường 4" of a ward renumbered "Phường 1") is a record
    of its own with ``successor_code == code``, found by name only.
    """

    code: str
    name: str
    full_name: str
    kind: CommuneKind
    district_code: str
    province_code: str
    valid_to: date | None = None
    successor_code: str | None = None

    @property
    def is_former_name(self) -> bool:
        return self.successor_code == self.code


@dataclass(frozen=True, slots=True)
class Commune2025:
    """A commune-level unit since 1 July 2025 (xã, phường, đặc khu), directly under a
    2025 province (``province_code``, boundary ``"2025"``).

    ``name`` is the short form ("Hạc Thành"), ``full_name`` the official one ("Phường
    Hạc Thành", "Đặc khu Côn Đảo"). ``merged_from`` are the pre-2025 communes it was
    formed from, wholly or in part (sorted codes); ``merged_from_districts`` the
    pre-2025 districts that had no communes and became it (Côn Đảo, Lý Sơn …).
    """

    code: str
    name: str
    full_name: str
    kind: Commune2025Kind
    province_code: str
    merged_from: tuple[str, ...] = ()
    merged_from_districts: tuple[str, ...] = ()
