"""The ``extract.report`` task run in process against a real database and broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

REPORT = (
    "Ngày 18/7/2022, Ban Dân vận Huyện ủy Chiêm Hóa tổ chức hội nghị sơ kết công tác "
    "dân vận 6 tháng đầu năm 2022, triển khai phương hướng nhiệm vụ 6 tháng cuối năm."
)


def test_a_run_whose_report_the_relay_sent_again_drops_its_result(
    configure, database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that outlives the stale-extracting threshold has its report re-queued by the
    relay; when it ends it must not finish a report it no longer holds."""
    configure(database_url=database_url, broker_url=redis_url)
    from danvan_extract import runs, tasks
    from danvan_ingest.relay import relay_once
    from danvan_shared.db import get_engine
    from danvan_shared.models import ExtractionRecord, Report, ReportStatus

    with Session(get_engine()) as session:
        report = Report(
            content_hash=uuid.uuid4().hex,
            content_type="text/plain",
            body=REPORT,
            status=ReportStatus.queued,
            queued_at=datetime.now(UTC),
        )
        session.add(report)
        session.commit()
        key = report.id

    real_extract = runs.extract_report

    def slow_extract(*args: Any, **kwargs: Any) -> Any:
        # Meanwhile, the relay finds the report extracting for too long and sends it again.
        assert relay_once(now=datetime.now(UTC) + timedelta(hours=1)).queued == 1
        return real_extract(*args, **kwargs)

    monkeypatch.setattr(runs, "extract_report", slow_extract)
    result = tasks.extract_report_task.apply(args=[str(key)], task_id="slow-run").get()
    assert result == "superseded"
    with Session(get_engine()) as session:
        stored = session.get(Report, key)
        assert stored is not None
        assert (stored.status, stored.event_pending) == (ReportStatus.queued, False)
        records = session.exec(
            select(func.count())
            .select_from(ExtractionRecord)
            .where(ExtractionRecord.report_id == key)
        ).one()
        assert records == 0

    # The delivery the relay sent runs it normally.
    monkeypatch.setattr(runs, "extract_report", real_extract)
    assert tasks.extract_report_task.apply(args=[str(key)], task_id="relay-run").get() in (
        "extracted",
        "irrelevant",
    )
