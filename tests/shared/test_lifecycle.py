"""The report lifecycle: who may move a report where, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from danvan_shared import lifecycle
from danvan_shared.db import build_engine
from danvan_shared.lifecycle import IllegalTransition, Operation
from danvan_shared.models import Report, ReportStatus

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

MakeReport = Callable[..., uuid.UUID]


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = build_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def make_report(session: Session) -> MakeReport:
    def make(status: ReportStatus = ReportStatus.queued, **fields: Any) -> uuid.UUID:
        report = Report(
            content_hash=uuid.uuid4().hex,
            content_type="text/plain",
            body="Hội nghị sơ kết công tác dân vận",
            status=status,
            **fields,
        )
        session.add(report)
        session.commit()
        return report.id

    return make


def stored(session: Session, report_id: uuid.UUID) -> Report:
    session.expire_all()
    report = session.get(Report, report_id)
    assert report is not None
    return report


def test_a_report_goes_from_arrival_to_acknowledged(session: Session) -> None:
    report = Report(
        content_hash="a" * 64, content_type="text/plain", body="x", **lifecycle.on_arrival(NOW)
    )
    session.add(report)
    session.commit()
    key = report.id
    assert stored(session, key).status is ReportStatus.queued

    (claimed,) = lifecycle.claim(session, [key], task_id="task-1", now=NOW)
    assert (claimed.status, claimed.attempts) == (ReportStatus.extracting, 1)
    (event,) = lifecycle.finish(session, {key: True}, version="v1", now=NOW)
    session.commit()
    assert (event.report_id, event.status, event.extractor_version) == (key, "extracted", "v1")
    report = stored(session, key)
    assert report.status is ReportStatus.extracted
    assert report.event_pending and report.event_sent_at == NOW

    assert lifecycle.acknowledge(session, [key], "v1") == [key]
    session.commit()
    assert stored(session, key).event_pending is False


def test_a_batch_is_claimed_and_finished_in_one_statement_each(
    session: Session, make_report: MakeReport
) -> None:
    keys = [make_report() for _ in range(3)]
    claimed = lifecycle.claim(session, keys, task_id="batch", now=NOW)
    assert sorted(report.id for report in claimed) == sorted(keys)
    events = lifecycle.finish(
        session, {keys[0]: True, keys[1]: False, keys[2]: True}, version="v1", now=NOW
    )
    session.commit()
    assert {event.report_id: event.status for event in events} == {
        keys[0]: "extracted",
        keys[1]: "irrelevant",
        keys[2]: "extracted",
    }
    assert [stored(session, key).status for key in keys] == [
        ReportStatus.extracted,
        ReportStatus.irrelevant,
        ReportStatus.extracted,
    ]


def test_a_claim_is_taken_over_only_by_a_redelivery_of_its_own_task(
    session: Session, make_report: MakeReport
) -> None:
    key = make_report()
    assert len(lifecycle.claim(session, [key], task_id="first", now=NOW)) == 1
    assert lifecycle.claim(session, [key], task_id="second", now=NOW) == []
    assert lifecycle.claim(session, [key], task_id=None, now=NOW) == []
    (again,) = lifecycle.claim(session, [key], task_id="first", now=NOW)
    assert again.attempts == 2


def test_finishing_a_report_that_is_not_extracting_is_illegal(
    session: Session, make_report: MakeReport
) -> None:
    waiting = make_report(ReportStatus.received)
    with pytest.raises(IllegalTransition) as raised:
        lifecycle.finish(session, {waiting: True}, version="v1", now=NOW)
    assert raised.value.operation is Operation.finish
    assert raised.value.found == {waiting: ReportStatus.received}
    assert "received" in str(raised.value) and str(waiting) in str(raised.value)
    session.rollback()
    assert stored(session, waiting).status is ReportStatus.received


def test_a_batch_finish_names_the_report_that_was_not_claimed(
    session: Session, make_report: MakeReport
) -> None:
    claimed, requeued = make_report(), make_report()
    lifecycle.claim(session, [claimed, requeued], task_id="batch", now=NOW)
    # The relay's stale-extracting sweep sent one back meanwhile.
    lifecycle.mark_queued(session, [requeued], from_status=ReportStatus.extracting, now=NOW)
    with pytest.raises(IllegalTransition) as raised:
        lifecycle.finish(session, {claimed: True, requeued: True}, version="v1", now=NOW)
    assert raised.value.found == {requeued: ReportStatus.queued}


def test_failing_a_report_that_is_not_extracting_is_illegal(
    session: Session, make_report: MakeReport
) -> None:
    done = make_report(ReportStatus.extracted)
    with pytest.raises(IllegalTransition):
        lifecycle.fail(session, [done], reason="boom", final=True, now=NOW)


def test_a_failed_extraction_is_queued_again_or_failed_for_good(
    session: Session, make_report: MakeReport
) -> None:
    retried, given_up = make_report(), make_report()
    lifecycle.claim(session, [retried, given_up], task_id="t", now=NOW)
    lifecycle.fail(session, [retried], reason="boom", final=False, now=NOW)
    lifecycle.fail(session, [given_up], reason="boom", final=True, now=NOW)
    session.commit()
    first, second = stored(session, retried), stored(session, given_up)
    assert (first.status, first.finished_at, first.last_error) == (
        ReportStatus.queued,
        None,
        "boom",
    )
    assert (second.status, second.finished_at) == (ReportStatus.failed, NOW)


def test_acknowledging_an_event_of_a_report_that_is_not_finished_is_illegal(
    session: Session, make_report: MakeReport
) -> None:
    # An outstanding event on a received report: no operation leaves one there.
    key = make_report(ReportStatus.received, extractor_version="v1", event_pending=True)
    with pytest.raises(IllegalTransition) as raised:
        lifecycle.acknowledge(session, [key], "v1")
    assert raised.value.found == {key: ReportStatus.received}


def test_a_retry_withdraws_the_event_so_a_late_acknowledgement_is_harmless(
    session: Session, make_report: MakeReport
) -> None:
    key = make_report(ReportStatus.extracting)
    lifecycle.finish(session, {key: True}, version="v1", now=NOW)
    assert lifecycle.retry(session, [key]) == [key]
    session.commit()
    report = stored(session, key)
    assert (report.status, report.event_pending, report.attempts) == (
        ReportStatus.received,
        False,
        0,
    )
    # The event sent by the finish arrives after the retry: stale, not an error.
    assert lifecycle.acknowledge(session, [key], "v1") == []
    # An event of another version is stale too.
    other = make_report(ReportStatus.extracted, extractor_version="v2", event_pending=True)
    assert lifecycle.acknowledge(session, [other], "v1") == []
    assert stored(session, other).event_pending is True


def test_a_late_event_is_stale_when_a_rerun_of_its_version_finishes_meanwhile(
    postgres_url: str,
) -> None:
    # An operator's retry re-runs a report under the same version; the first run's event
    # reaches publish while the re-run extracts, and the re-run finishes between
    # acknowledge's update (which missed) and its check (which reads the newer row).
    publish, extract = build_engine(postgres_url), build_engine(postgres_url)
    with Session(extract) as worker:
        report = Report(
            content_hash=uuid.uuid4().hex,
            content_type="text/plain",
            body="Hội nghị tổng kết công tác dân vận",
            status=ReportStatus.extracting,
            extractor_version="v1",
        )
        worker.add(report)
        worker.commit()
        key = report.id
    finished: list[bool] = []

    def rerun_finishes_after_the_update(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE report") and not finished:
            finished.append(True)
            with Session(extract) as worker:
                events = lifecycle.finish(worker, {key: True}, version="v1", now=NOW)
                assert [sent.report_id for sent in events] == [key]
                worker.commit()

    event.listen(publish, "after_cursor_execute", rerun_finishes_after_the_update)
    try:
        with Session(publish) as session:
            assert lifecycle.acknowledge(session, [key], "v1") == []
            session.commit()
        assert finished
        with Session(extract) as worker:
            rerun = worker.get(Report, key)
            assert rerun is not None
            # The re-run's own event stays outstanding, to be delivered and acknowledged.
            assert (rerun.status, rerun.event_pending) == (ReportStatus.extracted, True)
            worker.delete(rerun)
            worker.commit()
    finally:
        event.remove(publish, "after_cursor_execute", rerun_finishes_after_the_update)
        publish.dispose()
        extract.dispose()


def test_a_retry_never_races_a_worker(session: Session, make_report: MakeReport) -> None:
    running = make_report(ReportStatus.extracting)
    assert lifecycle.retry(session, [running]) == []
    assert stored(session, running).status is ReportStatus.extracting


def test_queueing_from_a_finished_status_is_illegal(
    session: Session, make_report: MakeReport
) -> None:
    done = make_report(ReportStatus.extracted)
    with pytest.raises(IllegalTransition):
        lifecycle.mark_queued(session, [done], from_status=ReportStatus.extracted, now=NOW)
    assert stored(session, done).status is ReportStatus.extracted


def test_queueing_leaves_a_report_a_worker_moved_on(
    session: Session, make_report: MakeReport
) -> None:
    key = make_report(ReportStatus.received)
    lifecycle.claim(session, [key], task_id="t", now=NOW)
    assert lifecycle.mark_queued(session, [key], from_status="received", now=NOW) == []
    assert lifecycle.mark_received(session, [key]) == []
    assert stored(session, key).status is ReportStatus.extracting


def test_publishing_failure_fails_only_the_version_it_indexed(
    session: Session, make_report: MakeReport
) -> None:
    current = make_report(ReportStatus.extracted, extractor_version="v2", event_pending=True)
    later = make_report(ReportStatus.queued, extractor_version="v2", event_pending=False)
    moved = lifecycle.fail_publishing(
        session, [current, later], "v2", reason="publishing failed", now=NOW
    )
    session.commit()
    assert moved == [current]
    report = stored(session, current)
    assert (report.status, report.event_pending, report.last_error) == (
        ReportStatus.failed,
        False,
        "publishing failed",
    )
    assert stored(session, later).status is ReportStatus.queued


def test_the_relay_sees_and_marks_only_outstanding_events(
    session: Session, make_report: MakeReport
) -> None:
    outstanding = make_report(ReportStatus.extracted, extractor_version="v1", event_pending=True)
    acknowledged = make_report(ReportStatus.extracted, extractor_version="v1")
    sent_at = NOW + timedelta(minutes=5)
    assert lifecycle.mark_event_sent(session, [outstanding, acknowledged], "v1", sent_at) == [
        outstanding
    ]
    assert lifecycle.mark_event_unsent(session, [outstanding], "v1") == [outstanding]
    session.commit()
    assert stored(session, outstanding).event_sent_at is None
    assert stored(session, acknowledged).event_sent_at is None


def test_requeueing_outdated_reports_honours_include_failed(
    session: Session, make_report: MakeReport
) -> None:
    older = make_report(ReportStatus.extracted, extractor_version="v1", event_pending=True)
    current = make_report(ReportStatus.irrelevant, extractor_version="v2")
    failed_now = make_report(ReportStatus.failed, extractor_version="v2", attempts=5)
    waiting = make_report(ReportStatus.queued, extractor_version="v1")

    everyone = [older, current, failed_now, waiting]
    assert lifecycle.requeue(session, everyone, "v2", now=NOW) == [older]
    both = lifecycle.requeue(session, everyone, "v2", now=NOW, include_failed=True)
    session.commit()
    assert both == [failed_now]
    report = stored(session, older)
    assert (report.status, report.event_pending, report.queued_at) == (
        ReportStatus.queued,
        False,
        NOW,
    )
    assert stored(session, failed_now).attempts == 0
    assert stored(session, current).status is ReportStatus.irrelevant
    assert stored(session, waiting).status is ReportStatus.queued


def test_every_status_can_be_reached_and_left() -> None:
    """A status added to ``ReportStatus`` must be wired into the table."""
    moves = lifecycle.TRANSITIONS.values()
    assert set(lifecycle.TRANSITIONS) == set(Operation)
    assert {status for move in moves for status in move.sources} == set(ReportStatus)
    assert {status for move in moves for status in move.targets} == set(ReportStatus)


def test_requeueing_a_chunk_moves_only_the_outdated_reports_named(
    session: Session, make_report: MakeReport
) -> None:
    older = make_report(ReportStatus.extracted, extractor_version="v1", event_pending=True)
    also_older = make_report(ReportStatus.irrelevant, extractor_version="v1")
    current = make_report(ReportStatus.extracted, extractor_version="v2")
    failed = make_report(ReportStatus.failed, extractor_version="v2", attempts=5)
    waiting = make_report(ReportStatus.queued, extractor_version="v1")
    named = [older, current, failed, waiting]

    assert lifecycle.requeue(session, named, "v2", now=NOW) == [older]
    assert lifecycle.requeue(session, named, "v2", now=NOW, include_failed=True) == [failed]
    session.commit()
    report = stored(session, older)
    assert (report.status, report.event_pending, report.queued_at) == (
        ReportStatus.queued,
        False,
        NOW,
    )
    assert stored(session, failed).attempts == 0
    assert stored(session, also_older).status is ReportStatus.irrelevant  # not named
    assert stored(session, current).status is ReportStatus.extracted
