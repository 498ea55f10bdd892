"""Extracting a set of stored reports: what ``extract.report`` and ``extract.batch`` share.

A run claims its reports in one conditional statement and commits, so another
delivery finds them taken; extracts each with the pure extractor, outside any
transaction; then stores every extraction in one statement and finishes the
reports, flagging their events (the outbox), in one commit. A report whose
extraction raises fails alone: its failure is recorded in that same commit and
the rest of the run is finished as usual. The tasks decide what follows (a retry,
a send); every status move is ``danvan_shared.lifecycle``'s.
"""

from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError as DatabaseError
from sqlmodel import Session

from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report
from danvan_extract.extraction.host_table import load_host_provinces
from danvan_extract.repository import ExtractRepository
from danvan_shared import lifecycle
from danvan_shared.db import JsonText, session_scope
from danvan_shared.events import ReportExtracted
from danvan_shared.extraction_schema import Extraction
from danvan_shared.lifecycle import IllegalTransition
from danvan_shared.models import Report
from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.extract")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Failure:
    """A report whose extraction raised."""

    report_id: uuid.UUID
    attempts: int
    reason: str
    error: Exception
    #: failed for good (its last allowed delivery); else it is queued for a retry
    final: bool


@dataclass
class Run:
    """What became of each report a run was given."""

    #: finished: their report.extracted events, to send after the commit
    events: list[ReportExtracted] = field(default_factory=list)
    #: raised on a delivery that was not the last: back in ``queued``, to be retried
    retries: list[Failure] = field(default_factory=list)
    #: failed for good: raised on the last delivery, or delivered too often
    failed: list[uuid.UUID] = field(default_factory=list)
    #: not claimable: another delivery has them, or they are finished
    skipped: list[uuid.UUID] = field(default_factory=list)
    #: taken from this run meanwhile (the relay's stale-extracting sweep): result dropped
    superseded: list[uuid.UUID] = field(default_factory=list)


def injected_fault(body: str) -> None:
    """Test-only fault injection, never honoured in production.

    ``DANVAN_TEST_FAIL_MARKER``: a report containing it raises, like a report
    that trips a bug in the extractor. ``DANVAN_TEST_CRASH_MARKER``: the worker
    process dies with SIGKILL, like the kernel's OOM killer.
    """
    if get_settings().environment == "production":
        return
    fail = os.environ.get("DANVAN_TEST_FAIL_MARKER")
    if fail and fail in body:
        raise RuntimeError("injected extraction fault")
    crash = os.environ.get("DANVAN_TEST_CRASH_MARKER")
    if crash and crash in body:
        os.kill(os.getpid(), signal.SIGKILL)


def run_reports(
    session: Session,
    keys: Collection[uuid.UUID],
    *,
    task_id: str | None,
) -> Run:
    """Claim, extract and finish ``keys`` as task ``task_id``; committed when it returns.

    The claim counts a delivery of each report, and a report delivered more than
    ``max_attempts`` times fails for good without running again (it crashed its worker
    every time). A redelivery of the same task id takes over the reports it claimed.
    """
    settings = get_settings()
    run = Run()
    claimed = lifecycle.claim(session, keys, now=now(), task_id=task_id)
    session.commit()
    claimed_ids = {report.id for report in claimed}
    run.skipped = [key for key in keys if key not in claimed_ids]
    if run.skipped:
        logger.info("%d reports not claimable (taken or finished); skipped", len(run.skipped))
    runnable: list[Report] = []
    for report in claimed:
        if report.attempts > settings.max_attempts:
            lifecycle.fail(
                session,
                [report.id],
                final=True,
                now=now(),
                reason=f"gave up after {settings.max_attempts} deliveries "
                f"(last error: {report.last_error or 'worker lost'})",
            )
            logger.error("report %s failed: too many deliveries", report.id)
            run.failed.append(report.id)
        else:
            runnable.append(report)
    session.commit()
    # Operator's host → province table (DANVAN_HOST_PROVINCES_FILE), read once.
    host_provinces = load_host_provinces(settings.host_provinces_file)
    # Each extraction is kept as its stored form (relevant, JSON) from the start: a
    # hundred extraction models alive until the batch commits made every collection of
    # the rest of the batch's garbage traverse them (about a tenth of the CPU a report).
    extractions: dict[uuid.UUID, StoredExtraction] = {}
    failures: list[Failure] = []
    for report in runnable:
        try:
            injected_fault(report.body)
            extractions[report.id] = _stored_form(
                extract_report(
                    report.body,
                    content_type=report.content_type,
                    url=report.source_url,
                    title=report.title,
                    published_at=report.published_at,
                    host_provinces=host_provinces,
                )
            )
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            final = report.attempts >= settings.max_attempts
            failures.append(Failure(report.id, report.attempts, reason, exc, final))
            logger.warning(
                "extraction of %s failed (attempt %d of %d): %s",
                report.id,
                report.attempts,
                settings.max_attempts,
                reason,
            )
    try:
        run.events = _store(session, extractions, failures)
    except IllegalTransition as exc:
        # Only the relay's stale-extracting sweep takes a claimed report away (this run
        # outlived ``stale_extracting_seconds``); the delivery it sent redoes the work.
        session.rollback()
        ran = [*extractions, *(failure.report_id for failure in failures)]
        held = ExtractRepository(session).held_by(ran, task_id)
        run.superseded = [key for key in ran if key not in held]
        logger.warning(
            "%d reports were taken from this run (%s); their results dropped",
            len(run.superseded),
            exc,
        )
        extractions = {key: value for key, value in extractions.items() if key in held}
        failures = [failure for failure in failures if failure.report_id in held]
        run.events = _store(session, extractions, failures)
    session.commit()
    run.retries = [failure for failure in failures if not failure.final]
    run.failed += [failure.report_id for failure in failures if failure.final]
    return run


#: an extraction as stored: whether the report is relevant, and its data as JSON
StoredExtraction = tuple[bool, JsonText]


def _stored_form(extraction: Extraction) -> StoredExtraction:
    return extraction.relevant, JsonText(extraction.model_dump_json())


def _store(
    session: Session, extractions: dict[uuid.UUID, StoredExtraction], failures: list[Failure]
) -> list[ReportExtracted]:
    stamp = now()
    for failure in failures:
        lifecycle.fail(
            session, [failure.report_id], reason=failure.reason, final=failure.final, now=stamp
        )
    ExtractRepository(session).save_extractions(extractions, version=EXTRACTOR_VERSION, now=stamp)
    relevance = {key: relevant for key, (relevant, _) in extractions.items()}
    return lifecycle.finish(session, relevance, version=EXTRACTOR_VERSION, now=stamp)


def send_events(
    events: list[ReportExtracted], send: Callable[[list[ReportExtracted]], None]
) -> bool:
    """Send the events of finished reports; False if the broker refused them.

    The extractions are committed with their events flagged (the outbox), so a failed
    send is not retried here (re-running the extraction would change nothing): the
    events are marked unsent and the relay sends them once the broker is back."""
    if not events:
        return True
    try:
        send(events)
    except Exception as exc:
        logger.warning(
            "%d report.extracted events not sent (%s); left to the relay", len(events), exc
        )
        try:
            with session_scope() as session:
                lifecycle.mark_event_unsent(
                    session, [event.report_id for event in events], EXTRACTOR_VERSION
                )
        except DatabaseError as db_exc:  # the relay re-sends them once they are stale
            logger.warning(
                "events not marked unsent either (%s); the relay re-sends them later",
                type(db_exc).__name__,
            )
        return False
    return True
