"""The write side of publish: keep reports' feed entries in step with their current
extractions. Run by the ``publish.index_batch`` and ``publish.index_report`` tasks
(``tasks.py``); what the entries hold is decided by the pure functions of ``entries.py``.

A batch is indexed set-based, so its cost per report does not depend on how many
reports it holds or how many copies their meetings have: the reports, their current
extractions and their existing entries are read in one statement each; the search
documents are written (``documents.sync``); the entries' writes go in bulk
(``index_repository``); canonical copies are kept by ``canonical`` without reading the
other copies; WebSub is told once and each changed feed's version is bumped once, last,
as its row is shared by every batch.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from danvan_publish import canonical, documents, fragments, index_repository, websub
from danvan_publish.entries import EntryValues, entries_for_report
from danvan_publish.index_repository import EntryRow, StoredExtraction, StoredItem
from danvan_shared.extraction_schema import Extraction
from danvan_shared.models import Report, ReportStatus
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish")

#: the columns whose change a reader sees (``content_hash`` covers every shown value)
_VISIBLE = ("content_hash", "boundary", "province_code", "province_name")


@dataclass(frozen=True)
class IndexResult:
    report_id: uuid.UUID
    feeds: list[str]
    changed: bool


@dataclass
class _Writes:
    """What indexing a batch writes, worked out before anything is written."""

    now: datetime
    base_url: str
    inserts: list[EntryRow] = field(default_factory=list)
    updates: list[EntryRow] = field(default_factory=list)
    #: entries left as they are
    kept: list[EntryRow] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    changed_feeds: set[str] = field(default_factory=set)
    changed_reports: set[uuid.UUID] = field(default_factory=set)
    moves: canonical.Changes = field(default_factory=canonical.Changes)
    #: the reports' rendered items to store, and the reports whose items go
    items: list[dict[str, Any]] = field(default_factory=list)
    stale_items: list[uuid.UUID] = field(default_factory=list)

    def report(
        self,
        report_id: uuid.UUID,
        desired: list[EntryValues],
        existing: dict[str, EntryRow],
        item: StoredItem | None,
    ) -> None:
        """Add what makes ``report_id``'s entries ``desired``. Existing entries keep their
        id and creation date; ``updated_at`` moves only when something a reader sees
        has changed."""
        entries: list[EntryRow] = []
        for values in desired:
            columns = values.as_columns()
            entry = existing.pop(values.feed, None)
            if entry is None:
                entry = EntryRow(
                    id=None,
                    report_id=report_id,
                    **columns,
                    is_canonical=True,
                    created_at=self.now,
                    updated_at=self.now,
                )
                entries.append(entry)
                self.inserts.append(entry)
                self.moves.insert(entry)
            elif any(entry.column(name) != columns[name] for name in _VISIBLE):
                old_key = entry.event_key
                for name, value in columns.items():
                    setattr(entry, name, value)
                entry.updated_at = self.now
                entries.append(entry)
                self.updates.append(entry)
                self.moves.rekey(entry, old_key)
            else:
                entries.append(entry)
                self.kept.append(entry)
                continue
            self.changed_feeds.add(values.feed)
            self.changed_reports.add(report_id)
        self._items(report_id, entries, item)
        for stale in existing.values():
            if stale.id is not None:
                self.deletes.append(stale.id)
            self.moves.delete(stale)
            self.changed_feeds.add(stale.feed)
            self.changed_reports.add(report_id)

    def _items(
        self, report_id: uuid.UUID, entries: list[EntryRow], item: StoredItem | None
    ) -> None:
        """Render the report's items once for all its entries, unless the stored ones
        still serve them."""
        if not entries:
            if item is not None:
                self.stale_items.append(report_id)
            return
        content_hash = entries[0].column("content_hash")
        if item is not None and fragments.is_current(
            item.key, item.content_hash, content_hash, self.base_url
        ):
            return
        rendered = fragments.render_report(entries[0], self.base_url)
        if rendered is None:  # its entries are rendered on request
            if item is not None:
                self.stale_items.append(report_id)
            return
        self.items.append(
            {"report_id": report_id, "content_hash": content_hash, **rendered.as_columns()}
        )

    @property
    def stored(self) -> list[EntryRow]:
        """The batch's entries as they are once written."""
        return [*self.inserts, *self.updates, *self.kept]


def _current_extraction(
    report: Report | None, record: StoredExtraction | None
) -> Extraction | None:
    """The extraction the report publishes, or None when it publishes nothing."""
    if (
        report is None
        or record is None
        or not record.relevant
        or report.status in (ReportStatus.irrelevant, ReportStatus.failed)
    ):
        return None
    try:
        return Extraction.model_validate_json(record.data_json)
    except ValidationError:
        logger.warning("extraction of report %s does not match the contract", report.id)
        return None


def index_reports(
    session: Session, report_ids: Iterable[uuid.UUID], now: datetime | None = None
) -> list[IndexResult]:
    """Make each report's feed entries match its current extraction (idempotent), in
    the session's transaction. Raises on the first report that cannot be indexed."""
    writes = _Writes(now=now or datetime.now(UTC), base_url=get_settings().public_base_url)
    ids = list(dict.fromkeys(report_ids))
    loaded = index_repository.reports_and_extractions(session, ids)
    existing: dict[uuid.UUID, dict[str, EntryRow]] = defaultdict(dict)
    for entry in index_repository.entries_of_reports(session, ids, lock=True):
        existing[entry.report_id][entry.feed] = entry
    items = index_repository.items_of_reports(session, ids)
    published: dict[uuid.UUID, tuple[Report, Extraction]] = {}
    feeds: dict[uuid.UUID, list[str]] = {}
    for report_id in ids:
        report, record = loaded.get(report_id, (None, None))
        extraction = _current_extraction(report, record)
        desired = entries_for_report(report, extraction) if report and extraction else []
        if report and extraction and desired:
            published[report_id] = (report, extraction)
        feeds[report_id] = sorted(values.feed for values in desired)
        writes.report(report_id, desired, existing.pop(report_id, {}), items.get(report_id))

    stored = writes.stored
    entries: dict[uuid.UUID, list[EntryRow]] = defaultdict(list)
    for entry in stored:
        entries[entry.report_id].append(entry)
    # The documents first: they read the entries' values only, and are the slowest
    # writes, so they are kept out of the time the event locks and the feed versions'
    # rows are held (publish-worker and publish-bulk wait for each other on both).
    documents.sync(
        session,
        {
            report_id: documents.Published(report, extraction, entries[report_id])
            for report_id, (report, extraction) in published.items()
        },
        ids,
        writes.now,
    )  # search, coverage, exports
    index_repository.write_items(session, writes.items)
    index_repository.delete_items(session, writes.stale_items)
    before = canonical.prepare(session, writes.moves)
    index_repository.insert_entries(session, writes.inserts)
    index_repository.update_entries(session, writes.updates)
    index_repository.delete_entries(session, writes.deletes)
    canonical.settle(session, writes.moves, before, stored)
    websub.notify_after_commit(session, writes.changed_feeds)  # subscribers, once committed
    index_repository.bump_versions(session, writes.changed_feeds, writes.now)  # hot rows: last
    return [
        IndexResult(report_id, feeds[report_id], report_id in writes.changed_reports)
        for report_id in ids
    ]


def index_report(
    session: Session, report_id: uuid.UUID, now: datetime | None = None
) -> IndexResult:
    """``index_reports`` for one report."""
    return index_reports(session, [report_id], now)[0]
