"""The consumers of the ``report.extracted`` event: ``publish.index_batch`` takes the
events of one extract batch (queue ``publish.bulk``), ``publish.index_report`` a
single one (an interactive report, the relay's re-sends). Both run the same code: a
single event is a batch of one.

A batch is indexed in one transaction and acknowledged in the same commit, with one
``lifecycle.acknowledge`` per extractor version. A database fault is retried (the
reports are not at fault, and a lost event is re-sent by the relay). Any other failure
is a report's own, so the batch is indexed again one report per transaction, and only
the report that still fails ends ``failed`` with the reason: it shows in
``/v1/pipeline/failed``, an operator can retry it there, and the relay stops re-sending
its event. Before that, a report whose text XML could not hold (U+FFFF) looked
``extracted`` for ever while the relay re-sent its event every ten minutes.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from celery import Task
from sqlalchemy.exc import IntegrityError, OperationalError

from danvan_publish import indexer, yielding
from danvan_publish.worker import celery_app
from danvan_shared import lifecycle
from danvan_shared.celery_app import retry_options
from danvan_shared.db import session_scope
from danvan_shared.events import (
    PUBLISH_INDEX_BATCH,
    PUBLISH_INDEX_REPORT,
    ReportExtracted,
    ReportsExtracted,
)
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.publish.tasks")
_settings = get_settings()

# IntegrityError too: two deliveries of one event racing to insert the same
# (report, feed) row; the retry finds the winner's row and updates it.
_TRANSIENT = (OperationalError, IntegrityError)
_RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": _TRANSIENT,
    **retry_options(_settings),
    "max_retries": _settings.max_attempts,
}


@celery_app.task(name=PUBLISH_INDEX_BATCH, bind=True, **_RETRY_POLICY)
def index_batch(self: Task, **payload: Any) -> dict[str, Any]:
    events = ReportsExtracted.model_validate(payload).reports
    parts = yielding.slices(events) if yielding.serves_fresh_reports(self) else [events]
    results: list[indexer.IndexResult] = []
    failed: dict[uuid.UUID, str] = {}
    requeued = 0
    for number, part in enumerate(parts):
        indexed, failures = index_events(part)
        results += indexed
        failed.update(failures)
        rest = [event for later in parts[number + 1 :] for event in later]
        if rest and yielding.fresh_reports_waiting(self.app) and yielding.requeue(self.app, rest):
            requeued = len(rest)
            break
    changed = sorted({feed for result in results if result.changed for feed in result.feeds})
    logger.info(
        "indexed %d of %d reports (%d changed, feeds: %s)%s",
        len(results),
        len(events),
        sum(result.changed for result in results),
        ",".join(changed) or "none",
        f"; {requeued} sent back to the bulk queue, fresh reports were waiting" if requeued else "",
    )
    return {
        "indexed": len(results),
        "changed": sum(result.changed for result in results),
        "failed": {str(report_id): reason for report_id, reason in failed.items()},
        "requeued": requeued,
    }


@celery_app.task(name=PUBLISH_INDEX_REPORT, **_RETRY_POLICY)
def index_report(**payload: Any) -> dict[str, Any]:
    event = ReportExtracted.model_validate(payload)
    results, failed = index_events([event])
    if failed:
        return {"report_id": str(event.report_id), "failed": failed[event.report_id]}
    result = results[0]
    logger.info(
        "indexed report %s into %s (changed: %s)",
        result.report_id,
        ",".join(result.feeds) or "no feeds",
        result.changed,
    )
    return {"report_id": str(result.report_id), "feeds": result.feeds, "changed": result.changed}


def index_events(
    events: Sequence[ReportExtracted],
) -> tuple[list[indexer.IndexResult], dict[uuid.UUID, str]]:
    """Index and acknowledge the events' reports: all in one transaction, else (a
    report's own failure) one per transaction. Returns the results of the reports
    indexed and the reason of each report failed; database faults propagate."""
    try:
        return _index_together(events), {}
    except _TRANSIENT:
        raise  # transient: retried (autoretry_for)
    except Exception as exc:
        if len(events) == 1:
            return [], {events[0].report_id: _fail(events[0], exc)}
        logger.warning(
            "a batch of %d reports could not be indexed together (%s: %s); "
            "indexing them one by one",
            len(events),
            type(exc).__name__,
            exc,
        )
    results: list[indexer.IndexResult] = []
    failed: dict[uuid.UUID, str] = {}
    for event in events:
        try:
            results += _index_together([event])
        except _TRANSIENT:
            raise
        except Exception as exc:
            failed[event.report_id] = _fail(event, exc)
    return results, failed


def _index_together(events: Sequence[ReportExtracted]) -> list[indexer.IndexResult]:
    with session_scope() as session:
        results = indexer.index_reports(session, [event.report_id for event in events])
        # Acknowledged in the same commit as the entries: a lost event is re-sent by
        # the relay, and a re-sent one re-indexes idempotently.
        by_version: dict[str, list[uuid.UUID]] = defaultdict(list)
        for event in events:
            by_version[event.extractor_version].append(event.report_id)
        for version, report_ids in sorted(by_version.items()):
            lifecycle.acknowledge(session, report_ids, version)
    return results


def _fail(event: ReportExtracted, exc: Exception) -> str:
    """End the report ``failed`` with the reason indexing gave; returns the reason."""
    reason = f"publishing failed: {type(exc).__name__}: {exc}"[:2000]
    logger.error("report %s could not be indexed", event.report_id, exc_info=exc)
    with session_scope() as session:
        lifecycle.fail_publishing(
            session,
            [event.report_id],
            event.extractor_version,
            reason=reason,
            now=datetime.now(UTC),
        )
    return reason
