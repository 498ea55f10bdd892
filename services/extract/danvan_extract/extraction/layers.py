"""The boundary set in force on the report's date: before or since 1 July 2025.

A name means different units in the two layers ("phường Ba Đình" is one ward of Hà Nội
since 2025, "quận Ba Đình" a district before), so the holder is read against the layer in
force on the meeting's date (else the page's). Since the reform there is no district
level: a commune-level holder is one of the 3,321 units of 2025 and gives ``province_2025``
directly; its pre-2025 ``province`` is kept only when the unit lies wholly in one old
province. A province-level holder of 2025 keeps an old province only when its province
was not merged. A report without any date is read in the layer its unit's name exists
in; when it exists in both, the name is kept and the province only if both layers agree.
"""

from __future__ import annotations

import re
from datetime import date

from . import places
from .evidence import Evidence
from .resolve import Holder
from .views import TextView

# "tỉnh Tuyên Quang (mới)", "TP.HCM sau sáp nhập": the province as it is since 2025.
_NEW_PROVINCE_AFTER = re.compile(r"\s*(?:\(\s*moi\s*\)|sau (?:khi )?sap nhap|\(\s*sau sap nhap)")


def layer_of(day: date | None) -> str | None:
    if day is None:
        return None
    from danvan_shared.gazetteer import layer_on

    return str(layer_on(day))


def new_province_in_text(full: TextView) -> tuple[str, Evidence] | None:
    """A province written as the merged one ("tỉnh Tuyên Quang (mới)")."""
    gaz = places.gazetteer()
    if gaz is None:
        return None
    for hit in places.find_names(places.province_index(), full.folded, full.start, full.end):
        if not _NEW_PROVINCE_AFTER.match(full.folded, hit.end):
            continue
        province = gaz.province_named(full.norm[hit.start : hit.end], boundary="2025")
        if province is not None:
            evidence = Evidence.at("body", "province.new_name", full, hit.start, hit.end)
            return province.code, evidence
    return None


def apply_layer(holder: Holder, day: date | None, url_province: str | None) -> None:
    """Read the holder's unit and provinces in the layer in force on ``day``."""
    gaz = places.gazetteer()
    if gaz is None or holder.level in (None, "central"):
        return
    layer = layer_of(day)
    if holder.level == "commune" and holder.unit_name:
        _commune(holder, layer, url_province)
    elif holder.level == "province" and layer == "2025" and holder.province_code:
        new = gaz.to_2025(holder.province_code)
        holder.layer, holder.province_2025_code = "2025", new.code
        if len(new.merged_from) > 1:  # a merged province lies in no single old one
            holder.province_code = None


def _commune(holder: Holder, layer: str | None, url_province: str | None) -> None:
    gaz = places.gazetteer()
    assert gaz is not None
    kind = {"xa": "xã", "phuong": "phường", "thi_tran": "thị trấn", "dac_khu": "đặc khu"}.get(
        holder.unit_kind or "", ""
    )
    name = f"{kind} {holder.unit_name}".strip()
    found = gaz.communes_2025_named(name)
    hint = holder.province_code or url_province
    if hint and found:
        new_hint = gaz.to_2025(hint).code
        narrowed = [c for c in found if c.province_code == new_hint]
        found = narrowed or found
    in_old = bool(gaz.communes_named(name))
    if layer == "old" or (layer is None and (in_old or not found)):
        if layer is None and found and len({c.province_code for c in found}) == 1:
            old_new = gaz.to_2025(holder.province_code).code if holder.province_code else None
            if old_new is not None and old_new != found[0].province_code:
                holder.province_code = None  # the layers disagree: unknown
        return
    if not found:
        return
    holder.layer = "2025"
    provinces = {c.province_code for c in found}
    holder.unit_code = found[0].code if len(found) == 1 else None
    if len(found) == 1:
        holder.unit_name, holder.unit_kind = found[0].name, found[0].kind
    if len(provinces) != 1:
        holder.province_code = holder.province_2025_code = None
        return
    holder.province_2025_code = provinces.pop()
    old = gaz.old_province_of_2025_commune(found[0].code) if len(found) == 1 else None
    holder.province_code = old.code if old is not None else None
    holder.evidence = "district"
