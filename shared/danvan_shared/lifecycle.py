"""The report's lifecycle: the only code that writes its status and outbox columns.

A report moves received → queued → extracting → extracted | irrelevant | failed, and
back to the start when it is run again. Three services move it: ingest stores it,
queues it and relays what was lost; extract claims, finishes and fails it; publish
acknowledges its event or fails it when it cannot be indexed. ``TRANSITIONS`` is the
one statement of which operation may move a report from which status to which, and
the functions below are the only writes of ``status``, ``event_pending`` and
``event_sent_at`` (services keep their own repositories for reads).

Each operation is one conditional ``UPDATE … WHERE id IN (…) AND status IN (its
sources) … RETURNING``: a compare-and-set, so two deliveries of a task, the relay and
an operator can race without locks, and a batch of reports moves in one statement.
A report that moved on in the meantime is not returned, and callers act on the ids
they get back. ``IllegalTransition`` is raised instead when the miss is a bug, not a
race:

- the caller asks for a move the table forbids (``mark_queued`` from ``extracted``);
- ``finish`` or ``fail`` finds a report that is not ``extracting``: only the holder
  of the claim makes these moves, and the claim holds the report there;
- ``acknowledge`` finds an outstanding event on a report that is not finished.

The outbox (``event_pending``, ``event_sent_at``) survives a lost ``report.extracted``
event: ``finish`` flags the event in the same commit as the status, publish's
``acknowledge`` clears it in the same commit as the feed entries, and the relay
re-sends what stays flagged for too long. An event is outstanding only while its
report is finished (``OUTBOX``): sending a report back to extraction (``requeue``,
``retry``) withdraws its event, because its next run flags a new one. Before, the
flag survived a retry, so the relay re-sent the old event of a report that was
waiting to be extracted again.

Written by hand: state-machine libraries (transitions, python-statemachine) move one
object in memory; these moves are set-based SQL conditions, which is the point.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlmodel import Session, col

from danvan_shared.events import ReportExtracted
from danvan_shared.models import Report, ReportStatus

_S = ReportStatus

#: extracted, with or without a meeting to publish
EXTRACTED = frozenset({_S.extracted, _S.irrelevant})
#: nothing more happens to the report unless someone runs it again
FINISHED = EXTRACTED | {_S.failed}
#: where a report.extracted event may be outstanding. ``finish`` only flags extracted
#: and irrelevant reports; a failed one may still carry a flag from before retries
#: withdrew events, and indexing its event removes what an earlier extraction published
OUTBOX = FINISHED


class Operation(StrEnum):
    mark_queued = "mark_queued"
    mark_received = "mark_received"
    claim = "claim"
    finish = "finish"
    fail = "fail"
    requeue = "requeue"
    retry = "retry"
    fail_publishing = "fail_publishing"
    mark_event_sent = "mark_event_sent"
    mark_event_unsent = "mark_event_unsent"
    acknowledge = "acknowledge"


@dataclass(frozen=True)
class Transition:
    #: the service that makes the move
    by: str
    sources: frozenset[ReportStatus]
    #: empty when only the outbox columns change
    targets: frozenset[ReportStatus]


_R, _Q, _X, _F = _S.received, _S.queued, _S.extracting, _S.failed
_NONE: frozenset[ReportStatus] = frozenset()

TRANSITIONS: Mapping[Operation, Transition] = {
    # ingest: its extract task was sent (at intake, by an operator's retry, or by the
    # relay for a report never sent or whose task seems lost); the send failed
    Operation.mark_queued: Transition("ingest", frozenset({_R, _Q, _X}), frozenset({_Q})),
    Operation.mark_received: Transition("ingest", frozenset({_Q}), frozenset({_R})),
    # an operator runs a finished report again with a fresh delivery count
    Operation.retry: Transition("ingest", FINISHED, frozenset({_R})),
    # extract: a worker takes it (an extracting report only by a redelivery of the task
    # that claimed it), extracts it, or fails it for good or for a retry
    Operation.claim: Transition("extract", frozenset({_R, _Q}), frozenset({_X})),
    Operation.finish: Transition("extract", frozenset({_X}), EXTRACTED),
    Operation.fail: Transition("extract", frozenset({_X}), frozenset({_F, _Q})),
    # reprocessing by a newer extractor (the worker sends the tasks itself)
    Operation.requeue: Transition("extract", FINISHED, frozenset({_Q})),
    # publish: it cannot be indexed, so it fails and its event is withdrawn
    Operation.fail_publishing: Transition("publish", EXTRACTED, frozenset({_F})),
    # the outbox alone: re-sent by the relay, a failed send after finishing, indexed
    Operation.mark_event_sent: Transition("ingest", OUTBOX, _NONE),
    Operation.mark_event_unsent: Transition("extract", OUTBOX, _NONE),
    Operation.acknowledge: Transition("publish", OUTBOX, _NONE),
}


class IllegalTransition(Exception):
    """A move ``TRANSITIONS`` forbids: a bug in the caller, never a race it lost."""

    def __init__(
        self, operation: Operation, found: Mapping[uuid.UUID | None, ReportStatus | None]
    ) -> None:
        self.operation = operation
        #: each report (None: not named) and the status it was found in (None: no such report)
        self.found = dict(found)
        sources = ", ".join(sorted(TRANSITIONS[operation].sources))
        listed = "; ".join(
            f"{f'report {key}' if key else 'the report'} is {status or 'missing'}"
            for key, status in list(self.found.items())[:5]
        )
        more = f" (and {len(self.found) - 5} more)" if len(self.found) > 5 else ""
        super().__init__(f"cannot {operation}: {listed}{more}; {operation} starts from {sources}")


def check(operation: Operation, status: ReportStatus | str) -> None:
    """Raise ``IllegalTransition`` unless ``operation`` may start from ``status``."""
    if status not in TRANSITIONS[operation].sources:
        raise IllegalTransition(operation, {None: ReportStatus(status)})


# ---- conditions the services' repositories read by ---------------------------------------


def outdated(current_version: str, *, include_failed: bool = False) -> ColumnElement[bool]:
    """Reports a run of ``current_version`` would redo: extracted by another version,
    and with ``include_failed`` every failed report (it may have failed under this
    version too)."""
    older = col(Report.status).in_(EXTRACTED) & or_(
        col(Report.extractor_version).is_(None),
        col(Report.extractor_version) != current_version,
    )
    if include_failed:
        return older | (col(Report.status) == _S.failed)
    return older


def event_outstanding() -> ColumnElement[bool]:
    """Reports whose report.extracted event publish has not acknowledged."""
    return col(Report.event_pending).is_(True) & col(Report.status).in_(OUTBOX)


class _ExtractedRow(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def extractor_version(self) -> str | None: ...


def extracted_event(report: _ExtractedRow) -> ReportExtracted:
    """The report.extracted event of a report (or a row with its id, status and
    version): what extract sends when it finishes and the relay re-sends."""
    return ReportExtracted(
        report_id=report.id,
        status=ReportStatus(report.status).value,
        extractor_version=report.extractor_version or "",
    )


# ---- ingest -----------------------------------------------------------------------------


def on_arrival(now: datetime) -> dict[str, Any]:
    """The lifecycle columns of a report being stored: ``queued`` at once, because
    intake sends its task right after the commit (``mark_received`` if that fails)."""
    return {"status": _S.queued, "received_at": now, "queued_at": now}


def mark_queued(
    session: Session, ids: Collection[uuid.UUID], *, from_status: ReportStatus | str, now: datetime
) -> list[uuid.UUID]:
    """Move reports still in ``from_status`` to ``queued``: their task was just sent.
    Ones a worker moved on meanwhile are left alone."""
    check(Operation.mark_queued, from_status)
    return _move(
        session,
        Operation.mark_queued,
        ids,
        {"status": _S.queued, "queued_at": now},
        sources=[ReportStatus(from_status)],
    )


def mark_received(session: Session, ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
    """Back to ``received`` after a failed send, unless a worker already took them."""
    return _move(session, Operation.mark_received, ids, {"status": _S.received, "queued_at": None})


def retry(session: Session, ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
    """Send finished reports back to the start with a fresh delivery count (an
    operator's retry); conditional on their being finished, so it never races a worker."""
    return _move(
        session,
        Operation.retry,
        ids,
        {
            "status": _S.received,
            "queued_at": None,
            "started_at": None,
            "finished_at": None,
            "attempts": 0,
            "last_error": None,
            "event_pending": False,
        },
    )


def mark_event_sent(
    session: Session, ids: Collection[uuid.UUID], version: str | None, now: datetime
) -> list[uuid.UUID]:
    """Record that the outstanding events of ``version``'s extractions were sent."""
    return _outbox(session, Operation.mark_event_sent, ids, version, {"event_sent_at": now})


# ---- extract ----------------------------------------------------------------------------


def claim(
    session: Session, ids: Collection[uuid.UUID], *, task_id: str | None, now: datetime
) -> list[Report]:
    """Mark waiting reports as being extracted by task ``task_id``; count the delivery.
    Returns the reports claimed, read in the same statement (UPDATE … RETURNING).

    Conditional, so two deliveries of one report never both run it. A report left
    ``extracting`` by the same task id is taken over: that is a redelivery of the same
    message (the worker child running it was killed and Celery requeued the message) or
    the task's own retry after a transient fault, so the claim's holder is gone. (Such
    a redelivery used to be skipped, and the report waited for the relay's
    stale-extracting sweep.) Two deliveries of one message cannot overlap: the broker's
    visibility timeout is longer than the task time limit.
    """
    if not ids:
        return []
    claimable: ColumnElement[bool] = col(Report.status).in_(TRANSITIONS[Operation.claim].sources)
    if task_id is not None:
        claimable = claimable | (
            (col(Report.status) == _S.extracting) & (col(Report.claim_task_id) == task_id)
        )
    return list(
        session.scalars(
            update(Report)
            .where(col(Report.id).in_(ids), claimable)
            .values(
                status=_S.extracting,
                started_at=now,
                attempts=Report.attempts + 1,
                claim_task_id=task_id,
            )
            .returning(Report),
            # the rows as updated, even for reports this session had loaded before
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
    )


def finish(
    session: Session, relevance: Mapping[uuid.UUID, bool], *, version: str, now: datetime
) -> list[ReportExtracted]:
    """Finish claimed reports as extracted by ``version``: ``extracted`` where
    ``relevance`` says True, else ``irrelevant``, with their report.extracted events
    flagged in the same commit. Returns those events, to be sent after the commit.

    The events are recorded as sent in this commit (the send follows at once); a failed
    send clears that again (``mark_event_unsent``), so the relay re-sends without
    waiting for the stale threshold. Raises ``IllegalTransition`` for a report that is
    not ``extracting``.
    """
    if not relevance:
        return []
    relevant = [key for key, is_relevant in relevance.items() if is_relevant]
    status: Any
    if len(relevant) in (0, len(relevance)):
        status = _S.extracted if relevant else _S.irrelevant
    else:
        status = case((col(Report.id).in_(relevant), _S.extracted.value), else_=_S.irrelevant.value)
    rows = session.execute(
        _guarded(Operation.finish, relevance.keys())
        .values(
            status=status,
            extractor_version=version,
            finished_at=now,
            last_error=None,
            event_pending=True,
            event_sent_at=now,
        )
        .returning(col(Report.id), col(Report.status), col(Report.extractor_version)),
        execution_options={"synchronize_session": "fetch"},
    ).all()
    _require_all(session, Operation.finish, relevance.keys(), {row.id for row in rows})
    return [extracted_event(row) for row in rows]


def fail(
    session: Session,
    ids: Collection[uuid.UUID],
    *,
    reason: str,
    final: bool,
    now: datetime,
) -> list[uuid.UUID]:
    """The extraction of claimed reports raised: ``failed`` for good when ``final``,
    else back to ``queued`` for a retry. Raises ``IllegalTransition`` for a report that
    is not ``extracting``."""
    moved = _move(
        session,
        Operation.fail,
        ids,
        {
            "status": _S.failed if final else _S.queued,
            "last_error": reason,
            "finished_at": now if final else None,
            "queued_at": now,
        },
    )
    _require_all(session, Operation.fail, ids, set(moved))
    return moved


def mark_event_unsent(
    session: Session, ids: Collection[uuid.UUID], version: str
) -> list[uuid.UUID]:
    """The send after ``finish`` failed: let the relay send the events at its next round."""
    return _outbox(session, Operation.mark_event_unsent, ids, version, {"event_sent_at": None})


_REQUEUED = {
    "status": _S.queued,
    "attempts": 0,
    "last_error": None,
    "event_pending": False,
}


def requeue(
    session: Session,
    ids: Collection[uuid.UUID],
    current_version: str,
    *,
    now: datetime,
    include_failed: bool = False,
) -> list[uuid.UUID]:
    """Put the ``outdated`` reports among ``ids`` back in the queue with a fresh delivery
    count (reprocess moves 100,000 reports a chunk at a time, each chunk committed and
    sent before the next); the ids queued, leaving out any that is no longer outdated."""
    return _move(
        session,
        Operation.requeue,
        ids,
        {**_REQUEUED, "queued_at": now},
        outdated(current_version, include_failed=include_failed),
    )


# ---- publish ----------------------------------------------------------------------------


def acknowledge(session: Session, ids: Collection[uuid.UUID], version: str) -> list[uuid.UUID]:
    """Clear the outstanding events of ``version``'s extractions: publish indexed them.

    An event for another version, or one already acknowledged or withdrawn (the report
    was sent back to extraction meanwhile), is stale and changes nothing. Raises
    ``IllegalTransition`` for an outstanding event on a report that is not finished.

    The check after the update reads newer rows than the update saw (read committed):
    a re-run of the same version that finished in between shows up finished with a new
    outstanding event. That event is not this one and will be delivered itself, so
    only an outstanding event on an unfinished report is the bug.
    """
    acknowledged = _outbox(session, Operation.acknowledge, ids, version, {"event_pending": False})
    rest = [key for key in ids if key not in set(acknowledged)]
    if rest:
        stray = session.execute(
            select(col(Report.id), col(Report.status)).where(
                col(Report.id).in_(rest),
                col(Report.extractor_version) == version,
                col(Report.event_pending).is_(True),
                col(Report.status).not_in(list(TRANSITIONS[Operation.acknowledge].sources)),
            )
        ).all()
        if stray:
            raise IllegalTransition(Operation.acknowledge, {row.id: row.status for row in stray})
    return acknowledged


def fail_publishing(
    session: Session, ids: Collection[uuid.UUID], version: str, *, reason: str, now: datetime
) -> list[uuid.UUID]:
    """Mark reports failed with the reason indexing gave and withdraw their events, so
    operators see them in ``/v1/pipeline/failed`` (and can retry them) and the relay
    stops re-sending an event that can only fail again. Conditional on the report still
    being ``version``'s extraction: one already sent back for a retry or a reprocess is
    left alone."""
    return _move(
        session,
        Operation.fail_publishing,
        ids,
        {"status": _S.failed, "last_error": reason, "finished_at": now, "event_pending": False},
        col(Report.extractor_version) == version,
    )


# ---- the statements ---------------------------------------------------------------------


def _guarded(
    operation: Operation,
    ids: Collection[uuid.UUID],
    *conditions: ColumnElement[bool],
    sources: Collection[ReportStatus] | None = None,
) -> Any:
    allowed = TRANSITIONS[operation].sources if sources is None else sources
    return update(Report).where(
        col(Report.id).in_(list(ids)), col(Report.status).in_(list(allowed)), *conditions
    )


def _move(
    session: Session,
    operation: Operation,
    ids: Collection[uuid.UUID],
    values: Mapping[str, Any],
    *conditions: ColumnElement[bool],
    sources: Collection[ReportStatus] | None = None,
) -> list[uuid.UUID]:
    """One conditional UPDATE; the ids it moved. 'fetch' keeps the ORM objects of these
    reports in the session in step with the rows."""
    if not ids:
        return []
    statement = (
        _guarded(operation, ids, *conditions, sources=sources)
        .values(**values)
        .returning(col(Report.id))
    )
    return list(session.scalars(statement, execution_options={"synchronize_session": "fetch"}))


def _outbox(
    session: Session,
    operation: Operation,
    ids: Collection[uuid.UUID],
    version: str | None,
    values: Mapping[str, Any],
) -> list[uuid.UUID]:
    return _move(
        session,
        operation,
        ids,
        values,
        col(Report.extractor_version) == version,
        col(Report.event_pending).is_(True),
    )


def _require_all(
    session: Session, operation: Operation, ids: Collection[uuid.UUID], moved: set[uuid.UUID]
) -> None:
    missing = [key for key in ids if key not in moved]
    if not missing:
        return
    rows = session.execute(
        select(col(Report.id), col(Report.status)).where(col(Report.id).in_(missing))
    )
    found = {row.id: row.status for row in rows}
    raise IllegalTransition(operation, {key: found.get(key) for key in missing})
