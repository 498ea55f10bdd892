"""The genre's vocabulary as data: named word groups read from ``lexicon.toml``.

Every rule that looks for words (review words, dân vận vocabulary, genre vetoes, guest and
role cues, next-period markers) asks a group here instead of carrying its own regex, so a
new phrase is one line of ``lexicon.toml`` and a match says which entry fired
(``Hit.rule`` = ``"<group>.<entry>"``), which ``danvan eval --explain`` shows.

Phrases are regular expressions over the folded text (lower case, no diacritics, đ → d)
and match whole words. A phrase written with diacritics must also match them: folding
merges words the genre keeps apart ("họp", a meeting, and "hợp", as in "phù hợp"; "Quân
ủy" and "Quận ủy"), so the folded match is checked against the accented text.

Hand-written on purpose: spaCy's SpanRuler does this over tokens, but it needs a spaCy
pipeline (~50 MB, a tokenizer for Vietnamese syllables) for what ``re`` does on a string
whose offsets are already the spans we report. Patterns are compiled once, on first use,
and tried only where the literal start of one of their phrases occurs (an alternation of
40 phrases defeats ``re``'s own prefix scan). ``TextScan`` finds every group's literal
starts in a lead with one Aho-Corasick pass (ahocorasick-rs) and answers range queries.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick

from danvan_shared.vietnamese import normalize_tone

from .folding import fold_same_length

_LETTER_OR_DIGIT = re.compile(r"[a-z0-9]")
_LETTERS_AND_DIGITS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class Hit(NamedTuple):
    """One match of a word group: where, and which entry of which group.

    A named tuple rather than a frozen dataclass: a lead makes hundreds of hits and a
    frozen dataclass's ``__init__`` costs three times a tuple's."""

    start: int
    end: int
    group: str
    entry: str

    @property
    def rule(self) -> str:
        return f"{self.group}.{self.entry}"


class WordGroup:
    """The entries of one group compiled into one alternation over folded text."""

    def __init__(self, name: str, entries: dict[str, list[str]]) -> None:
        self.name = name
        self.entries = tuple(entries)
        alternatives: list[str] = []
        self._entry_of: dict[str, str] = {}
        self._accented: dict[str, re.Pattern[str]] = {}
        for entry, phrases in entries.items():
            for phrase in phrases:
                slot = f"p{len(alternatives)}"
                folded = fold_same_length(phrase)
                alternatives.append(f"(?P<{slot}>{folded})")
                self._entry_of[slot] = entry
                if not phrase.isascii():
                    accented = normalize_tone(phrase.lower())
                    self._accented[slot] = re.compile(accented)
        # No leading look-behind (the boundary before a match is checked in ``finditer``).
        self._pattern = re.compile("(?:" + "|".join(alternatives) + r")(?![a-z0-9])")
        # An alternation of phrases defeats ``re``'s fast prefix scan; the literal start of
        # each phrase, looked for with ``str.find`` (in C), rules most texts out at once.
        needles = [_literal_prefix(fold_same_length(p)) for ps in entries.values() for p in ps]
        self.needles = tuple(dict.fromkeys(needles)) if all(needles) else ()

    def finditer(
        self, folded: str, start: int = 0, end: int | None = None, norm: str | None = None
    ) -> Iterator[Hit]:
        """Whole-word matches in ``folded[start:end]``; accented entries are checked
        against ``norm`` (the same-length accented text) when it is given."""
        end = len(folded) if end is None else end
        if not self.needles:
            yield from self._scan(folded, start, end, norm)
            return
        # Every match starts with one of the needles: try the pattern only where they are.
        positions: set[int] = set()
        for needle in self.needles:
            at = folded.find(needle, start, end)
            while at >= 0:
                positions.add(at)
                at = folded.find(needle, at + 1, end)
        yield from self.matches_at(folded, sorted(positions), start, end, norm)

    def matches_at(
        self, folded: str, positions: list[int], start: int, end: int, norm: str | None
    ) -> Iterator[Hit]:
        """Non-overlapping matches starting at the given (sorted) candidate positions."""
        last_end = start
        match_at, name, entry_of = self._pattern.match, self.name, self._entry_of
        check_accents = bool(self._accented) and norm is not None
        for at in positions:
            if at < last_end or (at > 0 and folded[at - 1] in _LETTERS_AND_DIGITS):
                continue
            match = match_at(folded, at, end)
            if match is None or (check_accents and not self._accent_holds(match, norm)):
                continue
            last_end = match.end()
            yield Hit(at, last_end, name, entry_of[match.lastgroup or ""])

    def _scan(self, folded: str, start: int, end: int, norm: str | None) -> Iterator[Hit]:
        position = start
        while position <= end:
            match = self._pattern.search(folded, position, end)
            if match is None:
                return
            at = match.start()
            if (at > 0 and _LETTER_OR_DIGIT.match(folded, at - 1)) or not self._accent_holds(
                match, norm
            ):
                position = at + 1
                continue
            yield Hit(at, match.end(), self.name, self._entry_of[match.lastgroup or ""])
            position = match.end() if match.end() > at else at + 1

    def _accent_holds(self, match: re.Match[str], norm: str | None) -> bool:
        accented = self._accented.get(match.lastgroup or "")
        if accented is None or norm is None:
            return True
        return (
            accented.fullmatch(normalize_tone(norm[match.start() : match.end()].lower()))
            is not None
        )

    def search(
        self, folded: str, start: int = 0, end: int | None = None, norm: str | None = None
    ) -> Hit | None:
        return next(self.finditer(folded, start, end, norm), None)

    def last(
        self, folded: str, start: int = 0, end: int | None = None, norm: str | None = None
    ) -> Hit | None:
        hit = None
        for hit in self.finditer(folded, start, end, norm):  # noqa: B007
            pass
        return hit

    def match_at(self, folded: str, position: int, norm: str | None = None) -> Hit | None:
        """A match starting exactly at ``position``."""
        hit = self.search(folded, position, min(len(folded), position + 200), norm)
        return hit if hit is not None and hit.start == position else None


_META = re.compile(r"[\\^$.|?*+()\[\]{}]")


def _literal_prefix(phrase: str) -> str:
    """The phrase's literal start, when it is certain to be in every match ("" if not)."""
    meta = _META.search(phrase)
    prefix = phrase[: meta.start()] if meta else phrase
    if meta is not None and phrase[meta.start()] in "?*{":  # the last character is optional
        prefix = prefix[:-1]
    return prefix if len(prefix) >= 2 else ""


@cache
def _groups() -> dict[str, WordGroup]:
    raw = resources.files("danvan_extract.extraction").joinpath("lexicon.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    groups: dict[str, WordGroup] = {}
    for name, entries in data.items():
        if not isinstance(entries, dict) or not all(
            isinstance(v, list) and all(isinstance(p, str) for p in v) for v in entries.values()
        ):
            raise ValueError(f"lexicon.toml: [{name}] must map entry names to lists of phrases")
        groups[name] = WordGroup(name, entries)
    return groups


@cache
def _all_needles() -> tuple[AhoCorasick, list[list[str]]]:
    """One automaton over every group's needles, and the groups each needle belongs to."""
    owners: dict[str, list[str]] = {}
    for name, word_group in _groups().items():
        for needle in word_group.needles:
            owners.setdefault(needle, []).append(name)
    needles = list(owners)
    return AhoCorasick(needles), [owners[needle] for needle in needles]


def group(name: str) -> WordGroup:
    """The compiled word group ``name`` (a KeyError names a group missing from the file)."""
    return _groups()[name]


def group_names() -> list[str]:
    return sorted(_groups())


class TextScan:
    """Every match of the lexicon's groups in one text (up to ``end``), found once per group
    and then asked for many ranges: the frames of a lead read the same sentences ~10 times.

    A range query returns the matches that lie wholly inside it, as a search of that range
    would (a match straddling the range's start is not found again from inside it).
    """

    def __init__(self, folded: str, norm: str, end: int) -> None:
        self.folded, self.norm, self.end = folded, norm, min(end, len(folded))
        self._hits: dict[str, tuple[list[int], list[Hit]]] = {}
        # One Aho-Corasick pass (ahocorasick-rs, in Rust) finds every group's needles.
        automaton, needle_groups = _all_needles()
        at_needle: dict[int, list[int]] = {}
        for needle, at, _ in automaton.find_matches_as_indexes(
            folded[: self.end], overlapping=True
        ):
            found = at_needle.get(needle)
            if found is None:
                at_needle[needle] = [at]
            else:
                found.append(at)
        positions: dict[str, set[int]] = {}
        for needle, ats in at_needle.items():
            for name in needle_groups[needle]:
                positions.setdefault(name, set()).update(ats)
        self._positions = {name: sorted(found) for name, found in positions.items()}

    def covers(self, folded: str, end: int) -> bool:
        return folded is self.folded and end <= self.end

    def _of(self, name: str) -> tuple[list[int], list[Hit]]:
        found = self._hits.get(name)
        if found is None:
            found = self._hits[name] = self._find(name)
        return found

    def _find(self, name: str) -> tuple[list[int], list[Hit]]:
        word_group = group(name)
        if not word_group.needles:
            hits = list(word_group.finditer(self.folded, 0, self.end, self.norm))
        elif name in self._positions:
            positions = self._positions[name]
            hits = list(word_group.matches_at(self.folded, positions, 0, self.end, self.norm))
        else:
            return [], []  # none of its phrases occurs
        return [hit.start for hit in hits], hits

    def finditer(self, name: str, start: int, end: int) -> Iterator[Hit]:
        starts, hits = self._hits.get(name) or self._of(name)
        for index in range(bisect_left(starts, start), len(hits)):
            hit = hits[index]
            if hit.start >= end:
                return
            if hit.end <= end:
                yield hit

    def search(self, name: str, start: int, end: int) -> Hit | None:
        starts, hits = self._hits.get(name) or self._of(name)
        if not hits:
            return None
        for index in range(bisect_left(starts, start), len(hits)):
            hit = hits[index]
            if hit.start >= end:
                return None
            if hit.end <= end:
                return hit
        return None


def search_in(
    scan: TextScan | None,
    name: str,
    folded: str,
    start: int = 0,
    end: int | None = None,
    norm: str | None = None,
) -> Hit | None:
    """``group(name).search`` answered from ``scan`` when it covers the range."""
    end = len(folded) if end is None else end
    if scan is not None and scan.covers(folded, end):
        return scan.search(name, start, end)
    return group(name).search(folded, start, end, norm)
