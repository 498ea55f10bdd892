"""Lookup keys for administrative-unit names, shared by the generator and the loader.

The generator (``shared/scripts/build_gazetteer.py``) stores folded name keys in the
data file and the loader folds queries with the same functions, so both sides always
agree. Folding itself is :func:`danvan_shared.vietnamese.fold` (NFC, one tone-mark
style, no diacritics, lower case, ASCII apostrophes); this module only adds what unit
names need on top: hyphen and apostrophe spacing ("Phan Rang-Tháp Chàm",
"Ia H' Drai"), the unit-type prefixes people write in front of names ("huyện",
"TP.", "thị xã", "Q.", "tỉnh" …) and the k/c spelling variants of Central Highlands
names ("Đắk Lắk" / "Đắc Lắc").
"""

from __future__ import annotations

import itertools
import re

from danvan_shared.vietnamese import fold

_DASH = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014]\s*")
_APOSTROPHE = re.compile(r"\s*'\s*")
_PUNCT = re.compile(r"[.,;:()\[\]\"]+")
_SPACES = re.compile(r"\s+")
_K_FINAL = re.compile(r"\b([a-z]*?)k\b")
_PLAIN = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")

# Folded prefixes, longest first where one is a prefix of another.
PROVINCE_PREFIXES = ("thanh pho", "thu do", "tinh uy", "thanh uy", "tinh", "tp")
DISTRICT_PREFIXES: dict[str, str | None] = {
    "huyen uy": "huyen",
    "quan uy": "quan",
    "thi uy": "thi_xa",
    "thanh uy": "thanh_pho",
    "huyen": "huyen",
    "quan": "quan",
    "thi xa": "thi_xa",
    "thanh pho": "thanh_pho",
    "tp": "thanh_pho",
    "tx": "thi_xa",
    "h": "huyen",
    "q": "quan",
}
# Since 1 July 2025: no thị trấn any more, so "thị trấn X" is read as the name only.
COMMUNE_2025_PREFIXES: dict[str, str | None] = {
    "dang uy dac khu": "dac_khu",
    "dang uy xa": "xa",
    "dang uy phuong": "phuong",
    "dang uy thi tran": None,
    "dac khu": "dac_khu",
    "thi tran": None,
    "phuong": "phuong",
    "xa": "xa",
    "p": "phuong",
}
COMMUNE_PREFIXES: dict[str, str | None] = {
    "dang uy xa": "xa",
    "dang uy phuong": "phuong",
    "dang uy thi tran": "thi_tran",
    "thi tran": "thi_tran",
    "phuong": "phuong",
    "xa": "xa",
    "tt": "thi_tran",
    "p": "phuong",
}


def canon(folded: str) -> str:
    """Canonical form of an already folded key: dashes and punctuation become spaces,
    no spaces around apostrophes, single spaces, leading zeros of numbers dropped."""
    if _PLAIN.fullmatch(folded) and not folded.isdigit():
        return folded  # nothing to change (most keys): one match instead of four
    key = _DASH.sub(" ", folded)
    key = _PUNCT.sub(" ", key)
    key = _APOSTROPHE.sub("'", key)
    key = _SPACES.sub(" ", key).strip()
    return str(int(key)) if key.isdigit() else key


def lookup_key(text: str) -> str:
    """The key a free-text name is looked up by."""
    return canon(fold(text))


def lookup_codes(
    index: dict[str, tuple[str, ...]], key: str, prefixes: dict[str, str | None]
) -> tuple[tuple[str, ...], str | None, str]:
    """Codes for a canonical key as written, else for the key without its type prefix:
    (codes, the kind the prefix names or None, the key that matched)."""
    codes = index.get(key)
    if codes:
        return codes, None, key
    prefix, rest = split_prefix(key, prefixes)
    if not prefix:
        return (), None, key
    return index.get(rest, ()), prefixes[prefix], rest


def split_prefix(key: str, prefixes: dict[str, str | None] | tuple[str, ...]) -> tuple[str, str]:
    """Split a canonical key into (prefix, rest) for the first prefix that matches.

    "tp lang son" → ("tp", "lang son"); "q1" → ("q", "1"); "chiem hoa" → ("", "chiem hoa").
    A prefix glued to a number ("q1", "p4") is accepted; one glued to letters is not.
    """
    for prefix in prefixes:
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            return prefix, key[len(prefix) + 1 :]
        rest = key[len(prefix) :]
        if key.startswith(prefix) and rest.isdigit():
            return prefix, str(int(rest))
    return "", key


def name_variants(name: str, *, k_to_c: bool = False) -> set[str]:
    """Folded spellings of an official name, for pattern building and lookup.

    Always contains ``fold(name)``; adds the hyphen spacings ("ba ria - vung tau",
    "ba ria-vung tau", "ba ria vung tau"), apostrophe spacings ("ia h'drai",
    "ia hdrai") and, with ``k_to_c``, every k→c respelling of k-final syllables.
    """
    base = fold(name)
    out = {base}
    if "-" in base:
        out |= {_DASH.sub(sep, base) for sep in (" - ", "-", " ")}
    if "'" in base:
        out |= {_APOSTROPHE.sub(sep, v) for v in list(out) for sep in ("'", "")}
    if k_to_c:
        for variant in list(out):
            words = variant.split(" ")
            choices = [
                (w, w[:-1] + "c") if _K_FINAL.fullmatch(w) and len(w) > 1 else (w,) for w in words
            ]
            out |= {" ".join(combo) for combo in itertools.product(*choices)}
    return {_SPACES.sub(" ", v).strip() for v in out if v.strip()}
