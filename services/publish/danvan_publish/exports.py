"""Exports of a feed period, one row per report or per person and role, as CSV or Parquet.

Rows are read with a server-side cursor in batches of ``BATCH_ROWS`` and written out
batch by batch: CSV as encoded text chunks (UTF-8 with a byte order mark, so that
spreadsheet programs read the Vietnamese right), Parquet through pyarrow's
``ParquetWriter``, one row group per batch, the bytes it has written handed on after
each. A batch is all that is ever in memory, however many rows the export has.

An export holds the reports of the feed (``province`` slug or ``national``) whose
reviewed period lies within ``period``, like the feed itself, oldest first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine

from danvan_publish import documents_repository

RowKind = Literal["reports", "people"]
ExportFormat = Literal["csv", "parquet"]
BATCH_ROWS = 5000
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}

# (column, Arrow type, meaning): the documentation of the columns (README, OpenAPI)
REPORT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("report_id", pa.string(), "The report's id (UUID)"),
    ("report_url", pa.string(), "Its page here, with the evidence of each field"),
    ("title", pa.string(), "Title as the feeds show it"),
    ("unit_name", pa.string(), "Holding unit as written ('Huyện ủy Chiêm Hóa')"),
    ("unit_code", pa.string(), "GSO code of the unit (district, commune or province)"),
    ("unit_kind", pa.string(), "huyen, quan, thi_xa, thanh_pho, xa, phuong, tinh …"),
    ("level", pa.string(), "central, province, district or commune"),
    ("meeting_type", pa.string(), "so_ket, tong_ket, giao_ban or other"),
    ("province_code", pa.string(), "Pre-2025 province (GSO code)"),
    ("province_2025_code", pa.string(), "Post-2025 province (GSO code)"),
    ("period_key", pa.string(), "Reviewed period: 2024-H1, 2024, 2021-2025 …"),
    ("period_kind", pa.string(), "H1, H2, 9M, Q1…Q4, FY, term …"),
    ("period_start", pa.date32(), "First day of the reviewed period"),
    ("period_end", pa.date32(), "Last day of the reviewed period"),
    ("event_date", pa.date32(), "Meeting date"),
    ("published_at", pa.timestamp("us", tz="UTC"), "Publication time (UTC)"),
    ("source_name", pa.string(), "Publishing outlet"),
    ("source_url", pa.string(), "Original article"),
    ("people", pa.string(), "People named, 'name, title' separated by ' | '"),
    ("summary", pa.string(), "One-paragraph summary (Vietnamese)"),
    ("extractor_version", pa.string(), "Version of the extractor that read it"),
]
PERSON_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("report_id", pa.string(), "The report's id (UUID)"),
    ("report_url", pa.string(), "Its page here"),
    ("person_name", pa.string(), "Name as written in the report"),
    ("person_key", pa.string(), "Name without diacritics, lower case (for matching)"),
    (
        "role",
        pa.string(),
        "chair, director, speaker, attendee, author, photographer; empty when none was read",
    ),
    ("titles", pa.string(), "Titles in this report, separated by ' | '"),
    ("tier", pa.string(), "Tier the title names: central, province, district, commune"),
    ("unit_name", pa.string(), "The holding unit, when the title is of its tier"),
    ("unit_code", pa.string(), "Its GSO code"),
    ("level", pa.string(), "Level of the meeting"),
    ("province_code", pa.string(), "Pre-2025 province (GSO code)"),
    ("province_2025_code", pa.string(), "Post-2025 province (GSO code)"),
    ("period_key", pa.string(), "Reviewed period"),
    ("event_date", pa.date32(), "Meeting date"),
    ("published_at", pa.timestamp("us", tz="UTC"), "Publication time (UTC)"),
    ("report_title", pa.string(), "Title of the report"),
]
COLUMNS = {"reports": REPORT_COLUMNS, "people": PERSON_COLUMNS}


def _moment(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _report_row(row: Any, base_url: str) -> list[Any]:
    return [
        str(row.report_id),
        f"{base_url}/reports/{row.report_id}",
        row.title,
        row.unit_name,
        row.unit_code,
        row.unit_kind,
        row.level,
        row.meeting_type,
        row.province_code,
        row.province_2025_code,
        row.period_key,
        row.period_kind,
        row.period_start,
        row.period_end,
        row.event_date,
        _moment(row.published_at),
        row.source_name,
        row.source_url,
        " | ".join(line for line in row.people_text.splitlines() if line),
        row.summary,
        row.extractor_version,
    ]


def _person_rows(row: Any, base_url: str) -> list[list[Any]]:
    roles = [role for role in row.roles.split("|") if role] or [""]
    head = [str(row.report_id), f"{base_url}/reports/{row.report_id}", row.name, row.name_key]
    rest = [
        " | ".join(row.titles),
        row.tier,
        row.unit_name,
        row.unit_code,
        row.level,
        row.province_code,
        row.province_2025_code,
        row.period_key,
        row.event_date,
        _moment(row.published_at),
        row.report_title,
    ]
    return [[*head, role, *rest] for role in roles]


def row_batches(
    engine: Engine,
    kind: RowKind,
    feed: str,
    start: date,
    end: date,
    base_url: str,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[list[list[Any]]]:
    """The export's rows, ``batch_rows`` (or, per person, a few more) at a time."""
    for partition in documents_repository.export_partitions(
        engine, kind, feed, start, end, batch_rows
    ):
        rows: list[list[Any]] = []
        for row in partition:
            if kind == "reports":
                rows.append(_report_row(row, base_url))
            else:
                rows.extend(_person_rows(row, base_url))
        yield rows


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(kind: RowKind, batches: Iterator[list[list[Any]]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte order mark and a header row, one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _type, _doc in COLUMNS[kind]])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[_csv_value(value) for value in row] for row in rows])
        yield buffer.getvalue().encode()


class _Drain(io.RawIOBase):
    """A write-only file that hands on what was written since the last ``take``."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def parquet_chunks(kind: RowKind, batches: Iterator[list[list[Any]]]) -> Iterator[bytes]:
    """A Parquet file, one row group per batch, its bytes handed on as they are written."""
    schema = pa.schema([(name, arrow_type) for name, arrow_type, _doc in COLUMNS[kind]])
    sink = _Drain()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for rows in batches:
            if rows:
                columns = list(zip(*rows, strict=True))
                writer.write_table(
                    pa.Table.from_arrays(
                        [
                            pa.array(values, type=schema.field(i).type)
                            for i, values in enumerate(columns)
                        ],
                        schema=schema,
                    )
                )
            chunk = sink.take()
            if chunk:
                yield chunk
    yield sink.take()


def chunks(
    engine: Engine,
    kind: RowKind,
    fmt: ExportFormat,
    feed: str,
    bounds: tuple[date, date],
    base_url: str,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[bytes]:
    batches = row_batches(engine, kind, feed, bounds[0], bounds[1], base_url, batch_rows)
    return csv_chunks(kind, batches) if fmt == "csv" else parquet_chunks(kind, batches)


def column_docs(kind: RowKind) -> Sequence[tuple[str, str]]:
    return [(name, doc) for name, _type, doc in COLUMNS[kind]]
