"""Which copy of a meeting a feed shows (``?duplicates=false``).

Of the entries of one meeting in one feed (same ``feed`` and ``event_key``), the one
with the lowest id, the first indexed, is canonical; an entry without an event key
always is. The indexer used to re-read every copy of each event it touched, so with
thousands of copies of one meeting every new copy cost thousands of rows.

Since only the lowest entry of an event is canonical, a batch changes the flags of at
most these rows of each event it touches: the entries it moves in (inserted, or
re-keyed from another event), the event's lowest entry after the writes (promoted when
the canonical one left: deleted or re-keyed), and its lowest entry before (demoted when
an entry with a lower id moved in). ``prepare`` reads the lowest id of every touched
event before the writes and ``settle`` again after them, one index probe per event on
(feed, event_key, id) in one statement each, and only flags that differ are written.
The flags of rows the batch did not load follow from the rule itself: before the batch,
an event's lowest entry is its canonical one and no other is. Migration 0009 made every
stored flag follow the rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

from danvan_publish import index_repository
from danvan_publish.index_repository import EntryRow, Event


@dataclass
class Changes:
    """How a batch moves entries between events."""

    #: entries entering each event: inserted with its key, or re-keyed to it
    joined: dict[Event, list[EntryRow]] = field(default_factory=lambda: defaultdict(list))
    #: ids of the entries leaving each event: deleted, or re-keyed away from it
    left: dict[Event, set[int]] = field(default_factory=lambda: defaultdict(set))
    #: existing entries whose event key was removed
    unkeyed: list[EntryRow] = field(default_factory=list)

    def insert(self, entry: EntryRow) -> None:
        if entry.event_key:
            self.joined[(entry.feed, entry.event_key)].append(entry)
        else:
            entry.is_canonical = True

    def rekey(self, entry: EntryRow, old_key: str | None) -> None:
        """``entry`` (already written to with its new values) had ``old_key`` before."""
        if old_key == entry.event_key:
            return
        if old_key and entry.id is not None:
            self.left[(entry.feed, old_key)].add(entry.id)
        if entry.event_key:
            self.joined[(entry.feed, entry.event_key)].append(entry)
        else:
            self.unkeyed.append(entry)

    def delete(self, entry: EntryRow) -> None:
        if entry.event_key and entry.id is not None:
            self.left[(entry.feed, entry.event_key)].add(entry.id)

    @property
    def events(self) -> set[Event]:
        return set(self.joined) | set(self.left)


def prepare(session: Session, changes: Changes) -> dict[Event, int | None]:
    """Before the writes: lock the touched events (PostgreSQL), read their lowest ids,
    and give the entries moving in the flag they will have whenever that can be known
    now, so that ``settle`` usually has nothing to write. Returns the lowest ids."""
    events = changes.events
    index_repository.lock_events(session, events)
    before = index_repository.lowest_ids(session, events)
    for entry in changes.unkeyed:
        entry.is_canonical = True
    for event, entries in changes.joined.items():
        lowest = before.get(event)
        moved = [entry.id for entry in entries if entry.id is not None]
        first_insert = next((entry for entry in entries if entry.id is None), None)
        # new ids are higher than every stored one, so only a re-keyed entry can undercut
        winner: int | None = None
        if lowest is None:  # a new event: its lowest moved-in entry, else its first insert
            winner = min(moved, default=None)
        elif lowest not in changes.left.get(event, ()):
            winner = min([lowest, *moved])
        else:
            first_insert = None  # the canonical entry leaves: its successor is known after
        for entry in entries:
            if entry.id is None:
                entry.is_canonical = winner is None and entry is first_insert
            else:
                entry.is_canonical = entry.id == winner
    return before


def settle(
    session: Session,
    changes: Changes,
    before: Mapping[Event, int | None],
    written: Iterable[EntryRow],
) -> None:
    """After the writes: make the lowest entry of every touched event canonical and the
    others not, writing only the flags that differ. ``written`` is every entry of the
    batch's reports as stored now (with ids), whose flags are therefore known."""
    events = changes.events
    if not events:
        return
    after = index_repository.lowest_ids(session, events)
    known = {entry.id: entry for entry in written if entry.id is not None}
    wanted: dict[int, bool] = {}
    stored: dict[int, bool] = {}
    for event in sorted(events):
        lowest, previous = after.get(event), before.get(event)
        left = changes.left.get(event, set())
        for entry in changes.joined.get(event, []):
            assert entry.id is not None
            wanted[entry.id] = entry.id == lowest
        if lowest is not None:
            wanted[lowest] = True
            stored.setdefault(lowest, lowest == previous)  # the rule, if not loaded
        if previous is not None and previous != lowest and previous not in left:
            wanted[previous] = False
            stored.setdefault(previous, True)
    for entry_id, entry in known.items():
        stored[entry_id] = entry.is_canonical
    changed = {entry_id: flag for entry_id, flag in wanted.items() if stored[entry_id] != flag}
    index_repository.set_canonical(session, changed)
    for entry_id, flag in changed.items():
        if entry_id in known:
            known[entry_id].is_canonical = flag
