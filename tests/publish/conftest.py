"""Fixtures for the publish tests: a configured database, and factories that store a
report with its extraction (Vietnamese content written for these tests), and index it
the way the ``publish.index_report`` task does."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import TextClause, text
from sqlmodel import Session

from danvan_shared.extraction_schema import (
    Campaign,
    Document,
    Extraction,
    Period,
    Person,
    ProvinceRef,
    Span,
    Unit,
)
from danvan_shared.models import ExtractionRecord, Report, ReportStatus

BASE_URL = "http://feeds.example.vn"
VERSION = "test-1"

TUYEN_QUANG = ProvinceRef(code="08", name="Tuyên Quang", slug="tuyen-quang", evidence="district")
HA_GIANG = ProvinceRef(code="02", name="Hà Giang", slug="ha-giang", evidence="text")
TUYEN_QUANG_2025 = ProvinceRef(code="08", name="Tuyên Quang", slug="tuyen-quang-2025")
BEN_TRE = ProvinceRef(code="83", name="Bến Tre", slug="ben-tre", evidence="context")

BODY = (
    "Sáng ngày 04/8/2022, Huyện ủy Chiêm Hóa tổ chức Hội nghị sơ kết công tác dân vận "
    "6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm 2022. Đồng chí Hà Đức Tập, "
    'Phó Bí thư Thường trực Huyện ủy chủ trì Hội nghị. Phong trào thi đua "Dân vận khéo" '
    "được triển khai sâu rộng; thực hiện Quy định số 124-QĐ/TW, ngày 02/02/2018."
)


def tuples_read(table: str) -> TextClause:
    """PostgreSQL: the rows and index entries of ``table`` read so far by this
    connection (its own counts, reported or not: compare two reads in one transaction)."""
    return text(
        "SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(oid)), 0) FROM pg_class "
        f"WHERE oid = '{table}'::regclass OR oid IN "
        f"(SELECT indexrelid FROM pg_index WHERE indrelid = '{table}'::regclass)"
    )


def period(key: str, kind: str, text: str = "") -> Period:
    return Period(key=key, kind=kind, year=int(key[:4]), text=text)


def make_extraction(**overrides: Any) -> Extraction:
    """A relevant district-level sơ kết in Chiêm Hóa (Tuyên Quang), with spans into BODY."""

    def span(phrase: str) -> list[Span]:
        start = BODY.index(phrase)
        return [Span(start=start, end=start + len(phrase))]

    values: dict[str, Any] = {
        "relevant": True,
        "meeting_type": "so_ket",
        "level": "district",
        "unit": Unit(
            name="Chiêm Hóa", kind="huyen", body="Huyện ủy", spans=span("Huyện ủy Chiêm Hóa")
        ),
        "province": TUYEN_QUANG,
        "province_2025": TUYEN_QUANG_2025,
        "period": Period(
            key="2022-H1",
            kind="H1",
            year=2022,
            text="6 tháng đầu năm",
            spans=span("6 tháng đầu năm"),
        ),
        "next_period": period("2022-H2", "H2", "6 tháng cuối năm 2022"),
        "event_date": "2022-08-04",
        "people": [
            Person(
                name="Hà Đức Tập",
                titles=["Phó Bí thư Thường trực Huyện ủy"],
                roles=["chair"],
                spans=span("Hà Đức Tập"),
            )
        ],
        "campaigns": [Campaign(name="Dân vận khéo", spans=span("Dân vận khéo"))],
        "documents": [
            Document(
                text="Quy định số 124-QĐ/TW",
                number="124-QĐ/TW",
                kind="QĐ",
                issuer="TW",
                spans=span("Quy định số 124-QĐ/TW"),
            )
        ],
        "event_key": "chiem-hoa|so_ket|2022-H1|2022-08-04",
        "extractor_version": VERSION,
    }
    values.update(overrides)
    return Extraction(**values)


StoreReport = Callable[..., uuid.UUID]


@pytest.fixture
def publish_db(database_url: str, configure: Callable[..., None]) -> Iterator[str]:
    from danvan_publish.http_cache import render_cache

    configure(database_url=database_url, public_base_url=BASE_URL)
    render_cache.clear()
    yield database_url
    render_cache.clear()


@pytest.fixture
def stage_report(publish_db: str) -> StoreReport:
    """Store (or re-extract) a report as extract's commit leaves it, without indexing
    it; returns its id."""
    from danvan_shared.db import get_engine

    counter = iter(range(1, 1_000_000))

    def stage(
        extraction: Extraction | None = None,
        *,
        report_id: uuid.UUID | None = None,
        status: str = ReportStatus.extracted,
        body: str = BODY,
        title: str = "Huyện ủy Chiêm Hóa sơ kết công tác dân vận 6 tháng đầu năm 2022",
        source_url: str | None = "https://chiemhoa.tuyenquang.gov.vn/tin-tuc/so-ket",
        source_name: str | None = "Cổng thông tin huyện Chiêm Hóa",
        published_at: datetime | None = None,
        content_type: str = "text/plain",
        version: str = VERSION,
    ) -> uuid.UUID:
        extraction = extraction or make_extraction()
        extraction = extraction.model_copy(update={"extractor_version": version})
        number = next(counter)
        with Session(get_engine()) as session:
            report = session.get(Report, report_id) if report_id else None
            if report is None:
                report = Report(
                    id=report_id or uuid.uuid4(),
                    content_hash=uuid.uuid4().hex,
                    content_type=content_type,
                    body=body,
                    title=title,
                    source_url=source_url,
                    source_name=source_name,
                    published_at=published_at or datetime(2022, 8, 5, 8, number % 60, tzinfo=UTC),
                )
            report.status = status
            report.extractor_version = version
            report.event_pending = True  # as extract's commit leaves it: the outbox
            session.add(report)
            session.flush()
            session.add(
                ExtractionRecord(
                    report_id=report.id,
                    extractor_version=version,
                    relevant=extraction.relevant,
                    data=extraction.model_dump(mode="json"),
                )
            )
            session.commit()
            return report.id

    return stage


@pytest.fixture
def store_report(stage_report: StoreReport) -> StoreReport:
    """Store (or re-extract) a report and run the indexing task on it; returns its id."""
    from danvan_publish.tasks import index_report

    def store(extraction: Extraction | None = None, **options: Any) -> uuid.UUID:
        report_id = stage_report(extraction, **options)
        index_report.run(
            event="report.extracted",
            report_id=str(report_id),
            status=options.get("status", ReportStatus.extracted),
            extractor_version=options.get("version", VERSION),
        )
        return report_id

    return store


@pytest.fixture
def client(publish_db: str) -> Iterator[TestClient]:
    from danvan_publish.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def period_date(year: int, month: int = 1, day: int = 1) -> date:
    return date(year, month, day)
