"""The pre-2025 communes (xã, phường, thị trấn), read from the data file on first use.

About 10,600 units plus 363 former names of communes renamed at the same code. Building a
record for each would be most of what loading the gazetteer costs, so the rows are indexed
when the layer is first used and a record is made (once) when it is first asked for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import cast

from danvan_shared.gazetteer.keys import COMMUNE_PREFIXES, lookup_codes, lookup_key
from danvan_shared.gazetteer.model import Commune, CommuneKind
from danvan_shared.gazetteer.tables import code_lists, day, rows

LABELS = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn"}


class OldCommunes:
    """Pre-2025 communes by code, by district and by name (former names included)."""

    def __init__(
        self, communes: str, former_names: str, keys: str, province_of_district: dict[str, str]
    ) -> None:
        """From the data file's row texts ``communes`` and ``commune_former_names`` and its
        key text ``commune_keys`` (see ``tables.py``)."""
        self._province_of_district = province_of_district
        self._rows = {row[0]: row for row in rows(communes)}
        self._made: dict[str, Commune] = {}
        self.codes_by_district: dict[str, list[str]] = defaultdict(list)
        for code, row in self._rows.items():
            self.codes_by_district[row[3]].append(code)
        self.index = code_lists(keys)
        # canonical key of a former name → code → its row
        self._former: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for row in rows(former_names):
            self._former[lookup_key(row[1])][row[0]] = row

    def get(self, code: str) -> Commune | None:
        commune = self._made.get(code)
        if commune is None:
            row = self._rows.get(code)
            if row is None:
                return None
            code, name, kind, district, valid_to = row
            commune = self._made.setdefault(code, self._make(code, name, kind, district, valid_to))
        return commune

    def province_of(self, code: str) -> str:
        return self._province_of_district[self._rows[code][3]]

    def in_district(self, district_code: str) -> list[Commune]:
        return [cast(Commune, self.get(c)) for c in self.codes_by_district.get(district_code, ())]

    def named(self, name: str) -> list[Commune]:
        codes, kind, key = lookup_codes(self.index, lookup_key(name), COMMUNE_PREFIXES)
        former = self._former.get(key, {})
        found = [self._former_record(former[c]) if c in former else self.get(c) for c in codes]
        narrowed = [c for c in found if c is not None and c.kind == kind]
        return narrowed or [c for c in found if c is not None]

    def _former_record(self, row: list[str]) -> Commune:
        code, name, kind, valid_to = row
        now = self._rows[code]
        return self._make(code, name, kind, now[3], valid_to, successor_code=code)

    def _make(
        self,
        code: str,
        name: str,
        kind: str,
        district: str,
        valid_to: str,
        successor_code: str | None = None,
    ) -> Commune:
        return Commune(
            code,
            name,
            f"{LABELS[kind]} {name}",
            cast(CommuneKind, kind),
            district,
            self._province_of_district[district],
            day(valid_to),
            successor_code,
        )
