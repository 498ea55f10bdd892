"""The communes since 1 July 2025 (xã, phường, đặc khu) and the old → new commune map,
read from the data file on first use (records are made when first asked for).

The map is the converter of vietnamadminunits (see ``data/SOURCES.md``): each commune of
June 2025 → the units it became part of, its main successor first; a commune split between
several units maps to each of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from typing import cast

from danvan_shared.gazetteer.keys import COMMUNE_2025_PREFIXES, canon, lookup_codes, lookup_key
from danvan_shared.gazetteer.model import Commune2025, Commune2025Kind
from danvan_shared.gazetteer.tables import code_lists, rows

LABELS = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}


class Communes2025:
    """Post-2025 communes by code, by province and by name, and the map from old units."""

    def __init__(self, communes: str, keys: str, old_to_new: str) -> None:
        """From the data file's row text ``communes_2025`` and key texts
        ``commune_2025_keys`` and ``commune_to_2025`` (see ``tables.py``)."""
        self._old_to_new_text = old_to_new
        self._rows = {row[0]: row for row in rows(communes)}
        self._made: dict[str, Commune2025] = {}
        self.codes_by_province: dict[str, list[str]] = defaultdict(list)
        for code, row in self._rows.items():
            self.codes_by_province[row[3]].append(code)
        self.keys = code_lists(keys)
        index: dict[str, set[str]] = defaultdict(set)
        for key, codes in self.keys.items():
            index[canon(key)].update(codes)
        self.index = {key: tuple(sorted(codes)) for key, codes in index.items()}

    @property
    def codes(self) -> list[str]:
        return list(self._rows)  # the file lists them by code

    @cached_property
    def _old_to_new(self) -> dict[str, tuple[str, ...]]:
        return code_lists(self._old_to_new_text)

    def get(self, code: str) -> Commune2025 | None:
        commune = self._made.get(code)
        if commune is None:
            row = self._rows.get(code)
            if row is None:
                return None
            code, name, kind, province, communes, districts = row
            made = Commune2025(
                code,
                name,
                f"{LABELS[kind]} {name}",
                cast(Commune2025Kind, kind),
                province,
                tuple(communes.split()),
                tuple(districts.split()),
            )
            commune = self._made.setdefault(code, made)
        return commune

    def every(self, codes: Iterable[str]) -> list[Commune2025]:
        return [cast(Commune2025, self.get(c)) for c in codes]

    def named(self, name: str) -> list[Commune2025]:
        codes, kind, _ = lookup_codes(self.index, lookup_key(name), COMMUNE_2025_PREFIXES)
        found = self.every(codes)
        narrowed = [c for c in found if c.kind == kind]
        return narrowed or found

    def successors(self, old_commune_code: str) -> list[Commune2025]:
        return self.every(self._old_to_new.get(old_commune_code, ()))
