"""Exports as an analyst opens them: CSV a spreadsheet reads (UTF-8 with BOM), Parquet,
one row per report or per person and role, streamed batch by batch, and ``danvan export``.

Every report text here is written for these tests."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from danvan_publish import exports
from danvan_shared.db import get_engine
from danvan_shared.extraction_schema import Period, Person, Unit, period_bounds_for_key
from tests.publish.conftest import StoreReport, make_extraction

REPORT_COLUMNS = [name for name, _type, _doc in exports.REPORT_COLUMNS]
PERSON_COLUMNS = [name for name, _type, _doc in exports.PERSON_COLUMNS]


def _meeting(store_report: StoreReport, unit: str, people: list[Person], key: str = "2024-H1"):  # type: ignore[no-untyped-def]
    extraction = make_extraction(
        unit=Unit(name=unit, kind="huyen", body="Huyện ủy", code=None),
        people=people,
        period=Period(key=key, kind=key[5:] or "FY", year=int(key[:4])),
        event_key=None,
    )
    return store_report(extraction, body=f"Huyện ủy {unit} họp bàn công tác dân vận (bài thử).")


def _three_meetings(store_report: StoreReport) -> list[str]:
    chair = Person(name="Nông Thị Hoà", titles=["Bí thư Huyện ủy"], roles=["chair", "speaker"])
    guest = Person(name="Ma Văn Đức", titles=["Trưởng Ban Dân vận Tỉnh ủy"], roles=["director"])
    ids = [
        _meeting(store_report, "Lâm Bình", [chair, guest]),
        _meeting(store_report, "Na Hang", [Person(name="Triệu Tiến Dũng")]),
        _meeting(store_report, "Hàm Yên", []),
    ]
    _meeting(store_report, "Yên Sơn", [], key="2023")  # another period: not exported
    return [str(report_id) for report_id in ids]


def test_csv_has_a_bom_the_documented_columns_and_one_row_per_report(
    store_report: StoreReport, client: TestClient
) -> None:
    ids = _three_meetings(store_report)
    response = client.get("/v1/exports/tuyen-quang/2024-H1.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "danvan-tuyen-quang-2024-H1-reports.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == REPORT_COLUMNS
    assert [row["report_id"] for row in rows] == ids
    assert rows[0]["unit_name"] == "Huyện ủy Lâm Bình"
    assert (
        rows[0]["people"]
        == "Nông Thị Hoà, Bí thư Huyện ủy | Ma Văn Đức, Trưởng Ban Dân vận Tỉnh ủy"
    )
    assert rows[0]["period_key"] == "2024-H1" and rows[0]["period_start"] == "2024-01-01"
    assert rows[2]["people"] == ""
    # the national feed holds them too; 2024 contains 2024-H1, another province does not
    assert (
        len(
            list(
                csv.DictReader(
                    io.StringIO(
                        client.get("/v1/exports/national/2024.csv").content.decode("utf-8-sig")
                    )
                )
            )
        )
        == 3
    )
    assert (
        client.get("/v1/exports/ha-giang/2024-H1.csv").content.decode("utf-8-sig").count("\n") == 1
    )  # the header alone


def test_people_rows_are_one_per_person_and_role(
    store_report: StoreReport, client: TestClient
) -> None:
    ids = _three_meetings(store_report)
    response = client.get("/v1/exports/tuyen-quang/2024-H1.csv", params={"rows": "people"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == PERSON_COLUMNS
    assert [(row["report_id"], row["person_name"], row["role"]) for row in rows] == [
        (ids[0], "Nông Thị Hoà", "chair"),
        (ids[0], "Nông Thị Hoà", "speaker"),
        (ids[0], "Ma Văn Đức", "director"),
        (ids[1], "Triệu Tiến Dũng", ""),
    ]
    assert rows[0]["tier"] == "district" and rows[2]["tier"] == "province"
    assert rows[0]["person_key"] == "nong thi hoa"


def test_parquet_reads_back_with_types(store_report: StoreReport, client: TestClient) -> None:
    ids = _three_meetings(store_report)
    response = client.get("/v1/exports/tuyen-quang/2024-H1.parquet")
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.content))
    assert table.column_names == REPORT_COLUMNS
    assert table.column("report_id").to_pylist() == ids
    assert str(table.schema.field("event_date").type) == "date32[day]"
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    people = pq.read_table(
        io.BytesIO(client.get("/v1/exports/tuyen-quang/2024-H1.parquet?rows=people").content)
    )
    assert people.num_rows == 4


def test_exports_are_written_batch_by_batch(store_report: StoreReport) -> None:
    ids = _three_meetings(store_report)
    year = period_bounds_for_key("2024")
    assert year is not None
    csv_chunks = list(exports.chunks(get_engine(), "reports", "csv", "tuyen-quang", year, "", 2))
    assert len(csv_chunks) == 3  # the header, then one chunk per batch of two rows
    assert csv_chunks[1].decode().count("\r\n") == 2
    parquet = list(exports.chunks(get_engine(), "reports", "parquet", "tuyen-quang", year, "", 2))
    assert len(parquet) >= 3
    file = pq.ParquetFile(io.BytesIO(b"".join(parquet)))
    assert file.metadata.num_row_groups == 2  # one row group per batch
    assert file.read().column("report_id").to_pylist() == ids


def test_bad_export_requests_get_problems(client: TestClient) -> None:
    assert client.get("/v1/exports/tuyen-quang/2024.xlsx").status_code == 404
    assert client.get("/v1/exports/atlantis/2024.csv").status_code == 404
    assert client.get("/v1/exports/tuyen-quang/2024-H9.csv").status_code == 404
    response = client.get("/v1/exports/tuyen-quang/2024.csv", params={"rows": "everything"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_danvan_export_writes_the_same_file(
    store_report: StoreReport, publish_db: str, tmp_path: Path
) -> None:
    ids = _three_meetings(store_report)
    env = {**os.environ, "DANVAN_DATABASE_URL": publish_db, "DANVAN_DATA_DIR": str(tmp_path)}
    target = tmp_path / "people.parquet"
    command = [sys.executable, "-m", "danvan_shared.cli", "export", "tuyen-quang", "2024-H1"]
    done = subprocess.run(
        [*command, "--rows", "people", "--format", "parquet", "--output", str(target)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert pq.read_table(target).column("report_id").to_pylist()[0] == ids[0]
    printed = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert printed.returncode == 0, printed.stderr.decode()
    assert printed.stdout.startswith(b"\xef\xbb\xbf")
    assert [
        row["report_id"] for row in csv.DictReader(io.StringIO(printed.stdout.decode("utf-8-sig")))
    ] == ids
    unknown = subprocess.run(
        [*command[:-2], "atlantis", "2024"], env=env, capture_output=True, timeout=120
    )
    assert unknown.returncode == 2 and b"atlantis" in unknown.stderr
