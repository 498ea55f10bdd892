"""The relay: nothing accepted is ever lost.

It periodically sends the extract task for every report that was never queued
(the broker was down at POST time) or whose task seems lost (queued or
extracting for longer than a worker could need: e.g. a broker restarted without
persistence), and re-sends ``report.extracted`` events that publish has not
acknowledged (never sent, or sent and lost). Both go as bulk batches
(``extract.batch``, ``publish.index_batch``). Tasks are idempotent, so a re-send
can at worst cost a duplicate run. It also deletes idempotency records past their
lifetime and keeps the planner's statistics fresh (SQLite's; PostgreSQL's when
autovacuum is off, as it is in some CI set-ups, where nothing else would, and then it
vacuums the tables too).

"Seems lost" is judged only while the queue the work waits on is empty. Under load a
report can wait in a deep queue for longer than ``stale_queued_seconds`` and an event
for longer than publish takes to catch up; re-sending those (as the relay once did)
added work behind the work already waiting, and once publishing lagged the publish
queue grew without bound. A queued report or a sent event is lost only if nothing is
left to deliver it, so while the extract queues (interactive and bulk) or the publish
queues hold messages, or their depth cannot be read, only what was never sent is
sent. A stale ``extracting`` report is re-sent whatever the queues hold: it was taken
from its queue by a worker that has outlived the task time limit.

Stale ``extracting`` reports go one task each, never as a batch: the worker that held
them may have been killed by one of them (the OOM killer, a crash in a native
library). Sent together again, that report would kill each new batch and every
report in it would use up its deliveries; alone, it fails alone.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from danvan_ingest.broker import (
    queue_depths,
    send_extract_batches,
    send_extract_each,
    send_reports_extracted,
)
from danvan_ingest.idempotency import prune_expired
from danvan_ingest.repository import ReportRepository
from danvan_shared import lifecycle
from danvan_shared.db import get_engine, maintain_tables, refresh_statistics, session_scope
from danvan_shared.events import (
    EXTRACT_BULK_QUEUE,
    EXTRACT_QUEUE,
    PUBLISH_BULK_QUEUE,
    PUBLISH_QUEUE,
)
from danvan_shared.models import Report, ReportStatus
from danvan_shared.settings import Settings, get_settings

logger = logging.getLogger("danvan.ingest.relay")
BATCH = 500


@dataclass
class RelayResult:
    queued: int = 0
    events: int = 0
    failed: int = 0


def relay_once(settings: Settings | None = None, now: datetime | None = None) -> RelayResult:
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    result = RelayResult()
    depths = queue_depths()
    extract_idle = depths is not None and depths[EXTRACT_QUEUE] + depths[EXTRACT_BULK_QUEUE] == 0
    publish_idle = depths is not None and depths[PUBLISH_QUEUE] + depths[PUBLISH_BULK_QUEUE] == 0
    stale = now - timedelta(seconds=settings.stale_queued_seconds)
    grace = now - timedelta(seconds=settings.relay_grace_seconds)
    with session_scope() as session:
        repository = ReportRepository(session)
        due = repository.due_for_delivery(
            received_before=grace,
            queued_before=stale if extract_idle else None,
            extracting_before=now - timedelta(seconds=settings.stale_extracting_seconds),
            limit=BATCH,
        )
        _send_reports(session, due, now, result)
        if not result.failed:
            pending = repository.pending_events(
                finished_before=grace, sent_before=stale if publish_idle else None, limit=BATCH
            )
            _send_events(session, pending, now, result)
        prune_expired(session, ttl=timedelta(hours=settings.idempotency_ttl_hours), now=now)
        refresh_statistics(session)  # SQLite; after the queries above: they name the tables
    kept = maintain_tables(get_engine())  # PostgreSQL with autovacuum off
    if kept.analysed or kept.vacuumed:
        logger.info(
            "tables kept (autovacuum is off): analysed %s; vacuumed %s",
            ", ".join(kept.analysed) or "none",
            ", ".join(kept.vacuumed) or "none",
        )
    if result.queued or result.events:
        logger.info(
            "relay re-sent %d reports for extraction and %d report.extracted events",
            result.queued,
            result.events,
        )
    return result


def _send_reports(
    session: Session, reports: list[Report], now: datetime, result: RelayResult
) -> None:
    by_status: dict[ReportStatus, list[Report]] = defaultdict(list)
    for report in reports:
        by_status[report.status].append(report)
    for status, group in by_status.items():
        ids = [report.id for report in group]
        send = send_extract_each if status == ReportStatus.extracting else send_extract_batches
        unsent = send(ids)
        sent = ids[: len(ids) - len(unsent)]
        lifecycle.mark_queued(session, sent, from_status=status, now=now)
        session.commit()
        result.queued += len(sent)
        if unsent:
            result.failed += 1
            return  # the broker is down: try the rest next round


def _send_events(
    session: Session, reports: list[Report], now: datetime, result: RelayResult
) -> None:
    events = [lifecycle.extracted_event(report) for report in reports]
    unsent = send_reports_extracted(events)
    sent = events[: len(events) - len(unsent)]
    by_version: dict[str, list[uuid.UUID]] = defaultdict(list)
    for event in sent:
        by_version[event.extractor_version].append(event.report_id)
    for version, ids in by_version.items():
        lifecycle.mark_event_sent(session, ids, version or None, now)
    session.commit()
    result.events += len(sent)
    if unsent:
        result.failed += 1


class RelayThread(threading.Thread):
    """Runs ``relay_once`` every ``relay_interval_seconds`` until stopped."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="danvan-relay", daemon=True)
        self.settings = settings
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.settings.relay_interval_seconds):
            try:
                relay_once(self.settings)
            except Exception as exc:  # a database outage must not kill the relay
                logger.warning("relay round failed: %s: %s", type(exc).__name__, exc)

    def stop(self) -> None:
        self.stopped.set()
