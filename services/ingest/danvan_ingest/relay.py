"""The relay: nothing accepted is ever lost.

It periodically sends the extract task for every report that was never queued
(the broker was down at POST time) or whose task seems lost (queued or
extracting for longer than a worker could need: e.g. a broker restarted without
persistence), and re-sends ``report.extracted`` events that publish has not
acknowledged (never sent, or sent and lost). Tasks are idempotent, so a
re-send can at worst cost a duplicate run. It also deletes idempotency records past their lifetime.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from danvan_ingest.idempotency import prune_expired
from danvan_ingest.queue import send_extract, send_report_extracted
from danvan_ingest.repository import ReportRepository
from danvan_shared.db import session_scope
from danvan_shared.events import ReportExtracted
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
    with session_scope() as session:
        repository = ReportRepository(session)
        due = repository.due_for_delivery(
            received_before=now - timedelta(seconds=settings.relay_grace_seconds),
            queued_before=now - timedelta(seconds=settings.stale_queued_seconds),
            extracting_before=now - timedelta(seconds=settings.stale_extracting_seconds),
            limit=BATCH,
        )
        for report in due:
            if not send_extract(report.id):
                result.failed += 1
                break  # the broker is down: try the rest next round
            repository.mark_queued(report.id, from_status=report.status, now=now)
            session.commit()
            result.queued += 1
        pending = repository.pending_events(
            finished_before=now - timedelta(seconds=settings.relay_grace_seconds),
            sent_before=now - timedelta(seconds=settings.stale_queued_seconds),
            limit=BATCH,
        )
        for report in pending:
            event = ReportExtracted(
                report_id=report.id,
                status=report.status,
                extractor_version=report.extractor_version or "",
            )
            if not send_report_extracted(event):
                result.failed += 1
                break
            repository.mark_event_sent(report.id, report.extractor_version, now)
            session.commit()
            result.events += 1
        prune_expired(session, ttl=timedelta(hours=settings.idempotency_ttl_hours), now=now)
    if result.queued or result.events:
        logger.info(
            "relay re-sent %d extract tasks and %d report.extracted events",
            result.queued,
            result.events,
        )
    return result


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
