"""The publish.index_report task keeps the read model in step with extractions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from danvan_shared.db import get_engine
from danvan_shared.models import FeedEntry
from tests.publish.conftest import BODY, HA_GIANG, StoreReport, make_extraction, period


def entries(report_id: uuid.UUID) -> dict[str, FeedEntry]:
    with Session(get_engine()) as session:
        rows = session.exec(select(FeedEntry).where(FeedEntry.report_id == report_id))
        return {row.feed: row for row in rows}


def test_a_district_report_goes_to_old_province_new_province_and_national(
    store_report: StoreReport,
) -> None:
    report_id = store_report()
    found = entries(report_id)
    assert set(found) == {"tuyen-quang", "tuyen-quang-2025", "national"}
    entry = found["tuyen-quang"]
    assert (entry.period_key, str(entry.period_start), str(entry.period_end)) == (
        "2022-H1",
        "2022-01-01",
        "2022-06-30",
    )
    assert entry.level == "district" and entry.meeting_type == "so_ket"
    assert entry.campaign_slugs == "|dan-van-kheo|"
    assert "Hà Đức Tập" in entry.summary and "6 tháng đầu năm 2022" in entry.summary
    assert entry.source_url == "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket"


def test_a_merged_province_is_mapped_to_its_2025_province(store_report: StoreReport) -> None:
    # Hà Giang merged into Tuyên Quang; the extraction names only the old province.
    report_id = store_report(make_extraction(province=HA_GIANG, province_2025=None, unit=None))
    assert set(entries(report_id)) == {"ha-giang", "tuyen-quang-2025", "national"}


def test_central_meetings_go_only_to_national(store_report: StoreReport) -> None:
    report_id = store_report(make_extraction(level="central", province=None, province_2025=None))
    assert set(entries(report_id)) == {"national"}


def test_rerunning_replaces_and_never_duplicates(store_report: StoreReport) -> None:
    report_id = store_report()
    before = entries(report_id)
    from danvan_publish.tasks import index_report

    for _ in range(3):
        index_report.run(report_id=str(report_id), status="extracted", extractor_version="test-1")
    after = entries(report_id)
    assert {feed: e.id for feed, e in after.items()} == {feed: e.id for feed, e in before.items()}
    # Nothing a reader sees changed, so the entry's updated date did not move either.
    assert {e.updated_at for e in after.values()} == {e.updated_at for e in before.values()}


def test_re_extraction_updates_the_entry_in_place(store_report: StoreReport) -> None:
    report_id = store_report()
    before = entries(report_id)["tuyen-quang"]
    store_report(
        make_extraction(period=period("2022-9M", "9M")), report_id=report_id, version="test-2"
    )
    after = entries(report_id)["tuyen-quang"]
    assert after.id == before.id and after.created_at == before.created_at
    assert after.period_key == "2022-9M" and after.extractor_version == "test-2"
    assert after.updated_at > before.updated_at


def test_irrelevant_or_failed_reports_lose_their_entries(store_report: StoreReport) -> None:
    report_id = store_report()
    assert entries(report_id)
    store_report(make_extraction(relevant=False), report_id=report_id, version="test-2")
    assert entries(report_id) == {}
    other = store_report()
    store_report(report_id=other, status="failed", version="test-3")
    assert entries(other) == {}


def test_one_meeting_reported_twice_has_one_canonical_entry(store_report: StoreReport) -> None:
    first = store_report()
    second = store_report(source_url="https://baotuyenquang.com.vn/so-ket")
    assert entries(first)["tuyen-quang"].is_canonical
    assert not entries(second)["tuyen-quang"].is_canonical
    store_report(make_extraction(relevant=False), report_id=first, version="test-2")
    assert entries(second)["tuyen-quang"].is_canonical


def test_indexing_acknowledges_the_report_extracted_event(store_report: StoreReport) -> None:
    from danvan_shared.models import Report

    report_id = store_report()
    with Session(get_engine()) as session:
        report = session.get(Report, report_id)
        assert report is not None
        # The store fixture writes the report with the flag set by extract's commit.
        assert report.event_pending is False


def test_a_report_that_cannot_be_indexed_ends_failed_listed_and_retryable(
    store_report: StoreReport, configure, database_url: str, redis_url: str
) -> None:
    """A report stored before intake replaced U+FFFF (or any other indexing failure):
    it used to look extracted for ever while the relay re-sent its event."""
    from fastapi.testclient import TestClient

    from danvan_ingest.app import create_app
    from danvan_ingest.relay import relay_once
    from danvan_shared.models import Report
    from tests.ops.conftest import bearer, create_key

    report_id = store_report(body=BODY + " \uffff")
    assert entries(report_id) == {}
    with Session(get_engine()) as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert report.status == "failed" and report.event_pending is False
        assert report.last_error is not None
        assert report.last_error.startswith(
            "publishing failed: ValueError: All strings must be XML"
        )

    configure(database_url=database_url, broker_url=redis_url, stale_queued_seconds="1")
    assert relay_once(now=datetime.now(UTC) + timedelta(hours=1)).events == 0  # no re-send
    operator = bearer(create_key("operator"))
    with TestClient(create_app(run_relay=False)) as ingest:
        failed = ingest.get("/v1/pipeline/failed", headers=operator).json()["items"]
        assert [(item["id"], item["reason"]) for item in failed] == [
            (str(report_id), report.last_error)
        ]
        retry = ingest.post(failed[0]["links"]["retry"], headers=operator)
        assert retry.status_code == 202 and retry.json()["status"] == "queued"
        assert ingest.get("/v1/pipeline/failed", headers=operator).json()["items"] == []
