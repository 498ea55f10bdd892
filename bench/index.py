"""Benchmark publish indexing: the cost per report of a 100-report batch, for distinct
meetings and for copies of one meeting that already has thousands of copies.

For each database (SQLite in a temporary directory, PostgreSQL in a scratch database
on 127.0.0.1:5432) it stores generated reports with their extractions straight into
the tables (as extract leaves them), then indexes them through the publish tasks,
in process (no broker):

* ``single``: ``publish.index_report`` once per report (the path before batches);
* ``batch``: ``publish.index_batch`` once for all of them (skipped when the code
  under test has no such task, so the script also measures older checkouts).

``--reports generated`` (the default) stores the bench's generated reports (``intake``,
the same as ``e2e.py`` sends) with what the extractor makes of them: several people,
organisations, campaigns, documents and figures, each with its spans, about 4.6 KB of
JSON. ``--reports minimal`` stores one short text with a one-person extraction, as
this bench did until 2026-12-01; it costs less than half as much to index, so it
understated publish's share of the pipeline.

Scenarios, each on fresh reports: ``distinct`` (every report its own meeting) and
``copies`` (every report the same meeting, which already has ``--copies`` copies in
every one of its feeds). Each line gives the median over ``--rounds`` rounds of the
wall time per report, the CPU time of this process per report (the database server's
is not in it, but it is far less sensitive to a busy machine than the wall time) and
the SQL statements per report (an executemany counts once).

Usage:
    uv run python bench/index.py                      # both databases, 2,000 copies
    uv run python bench/index.py --databases sqlite --copies 500 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import create_scratch_database, drop_scratch_database
from sqlalchemy import Engine, event, insert, select, update

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BASE_URL = "http://feeds.bench"
VERSION = "bench-1"
# Written for this benchmark: a district's mid-year review of its mass mobilisation work.
BODY = (
    "Chiều ngày 12/7/2023, Huyện ủy {unit} tổ chức Hội nghị sơ kết công tác dân vận "
    "6 tháng đầu năm, bàn nhiệm vụ 6 tháng cuối năm 2023. Đồng chí Nguyễn Văn Bình, "
    "Phó Bí thư Huyện ủy chủ trì. Phong trào thi đua Dân vận khéo tiếp tục lan tỏa; "
    "các mô hình tự quản ở khu dân cư được nhân rộng."
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--batch", type=int, default=100, help="reports per batch (%(default)s)")
    parser.add_argument(
        "--copies", type=int, default=2000, help="copies of the meeting before (%(default)s)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per line (%(default)s)")
    parser.add_argument(
        "--reports",
        choices=("generated", "minimal"),
        default="generated",
        help="generated reports and their extractions, or one minimal report (%(default)s)",
    )
    parser.add_argument("--admin-url", default=ADMIN_URL)
    return parser.parse_args()


#: ``--reports generated``: (report, its extraction as JSON) pairs, all relevant
GENERATED: list[tuple[dict[str, Any], dict[str, Any]]] = []


def generate(count: int) -> None:
    """``count`` relevant generated reports, extracted once here, for ``store``."""
    from intake import payloads

    from danvan_extract.extraction import extract_report

    for report in payloads(4 * count, seed=11, tag="index"):
        found = extract_report(
            report["text"],
            content_type="text/plain",
            url=report["source_url"],
            title=report["title"],
            published_at=datetime.fromisoformat(report["published_at"]),
        )
        if found.relevant:
            data = found.model_dump(mode="json") | {"extractor_version": VERSION}
            GENERATED.append((report, data))
        if len(GENERATED) == count:
            return


def _generated(meeting: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The generated report (and its extraction) that stands for ``meeting``."""
    return GENERATED[meeting % len(GENERATED)]


def extraction(meeting: int) -> dict[str, Any]:
    """A relevant meeting of its own (the same for the same ``meeting``): generated, or
    a district sơ kết in Tuyên Quang named after ``meeting``."""
    from danvan_shared.extraction_schema import Extraction, Period, Person, ProvinceRef, Unit

    if GENERATED:
        _, data = _generated(meeting)
        return data | {"event_key": f"bench-meeting-{meeting}"}

    unit = f"Đơn vị {meeting}"
    return Extraction(
        relevant=True,
        meeting_type="so_ket",
        level="district",
        unit=Unit(name=unit, kind="huyen", body="Huyện ủy"),
        province=ProvinceRef(code="08", name="Tuyên Quang", slug="tuyen-quang"),
        province_2025=ProvinceRef(code="08", name="Tuyên Quang", slug="tuyen-quang-2025"),
        period=Period(key="2023-H1", kind="H1", year=2023, text="6 tháng đầu năm"),
        event_date="2023-07-12",
        people=[Person(name="Nguyễn Văn Bình", titles=["Phó Bí thư Huyện ủy"], roles=["chair"])],
        event_key=f"don-vi-{meeting}|so_ket|2023-H1|2023-07-12",
        extractor_version=VERSION,
    ).model_dump(mode="json")


def store(engine: Engine, meetings: list[int]) -> list[uuid.UUID]:
    """Reports as extract leaves them (extracted, event outstanding), one per meeting."""
    from danvan_shared.models import ExtractionRecord, Report

    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in meetings]
    reports = [
        {
            "id": report_id,
            "content_hash": uuid.uuid4().hex,
            "content_type": "text/plain",
            **_text(report_id, meeting),
            "source_name": "Cổng thông tin",
            "published_at": now - timedelta(days=1),
            "received_at": now,
            "status": "extracted",
            "attempts": 1,
            "extractor_version": VERSION,
            "event_pending": True,
        }
        for report_id, meeting in zip(ids, meetings, strict=True)
    ]
    extractions = [
        {
            "report_id": report_id,
            "extractor_version": VERSION,
            "relevant": True,
            "data": extraction(meeting),
            "created_at": now,
        }
        for report_id, meeting in zip(ids, meetings, strict=True)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Report), reports)
        connection.execute(insert(ExtractionRecord), extractions)
    return ids


def _text(report_id: uuid.UUID, meeting: int) -> dict[str, str]:
    if GENERATED:
        report, _ = _generated(meeting)
        return {
            "body": report["text"],
            "title": report["title"],
            "source_url": f"{report['source_url']}?copy={report_id}",
        }
    return {
        "body": BODY.format(unit=f"Đơn vị {meeting}"),
        "title": f"Huyện ủy Đơn vị {meeting} sơ kết công tác dân vận",
        "source_url": f"https://example.vn/tin/{report_id}",
    }


def seed_copies(engine: Engine, count: int) -> None:
    """``count`` indexed copies of meeting 0, written straight into the read model (as
    the indexer writes them: the first one canonical), so that seeding does not depend
    on the code under test (indexing them one by one used to take O(copies²))."""
    from types import SimpleNamespace

    from danvan_publish import fragments
    from danvan_publish.entries import entries_for_report
    from danvan_shared.extraction_schema import Extraction
    from danvan_shared.models import FeedEntry, Report, ReportItem

    ids = store(engine, [0] * count)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        reports = {row.id: row for row in connection.execute(select(Report))}
        rows = []
        items = []
        for number, report_id in enumerate(ids):
            values = entries_for_report(
                reports[report_id],  # type: ignore[arg-type]
                Extraction.model_validate(extraction(0)),
            )
            for entry in values:
                row = {
                    "report_id": report_id,
                    **entry.as_columns(),
                    "is_canonical": number == 0,
                    "created_at": now,
                    "updated_at": now,
                }
                rows.append(row)
            rendered = fragments.render_report(SimpleNamespace(**rows[-1]), BASE_URL)  # type: ignore[arg-type]
            assert rendered is not None
            items.append(
                {
                    "report_id": report_id,
                    "content_hash": rows[-1]["content_hash"],
                    **rendered.as_columns(),
                }
            )
        connection.execute(insert(FeedEntry), rows)
        connection.execute(insert(ReportItem), items)
        connection.execute(update(Report).values(event_pending=False))


@contextmanager
def counted(engine: Engine) -> Iterator[list[int]]:
    count = [0]

    def on_execute(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def indexers() -> dict[str, Callable[[list[uuid.UUID]], None]]:
    from danvan_publish import tasks

    def event(report_id: uuid.UUID) -> dict[str, str]:
        return {"report_id": str(report_id), "status": "extracted", "extractor_version": VERSION}

    def single(ids: list[uuid.UUID]) -> None:
        for report_id in ids:
            tasks.index_report.run(**event(report_id))

    found: dict[str, Callable[[list[uuid.UUID]], None]] = {"single": single}
    if hasattr(tasks, "index_batch"):

        def batch(ids: list[uuid.UUID]) -> None:
            tasks.index_batch.run(reports=[event(report_id) for report_id in ids])

        found["batch"] = batch
    return found


def measure(url: str, args: argparse.Namespace, label: str) -> None:
    from danvan_shared.db import get_engine
    from danvan_shared.settings import get_settings

    os.environ["DANVAN_DATABASE_URL"] = url
    os.environ["DANVAN_PUBLIC_BASE_URL"] = BASE_URL
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    modes = indexers()
    seed_copies(engine, args.copies)
    next_meeting = iter(range(1, 10_000_000))
    for scenario in ("distinct", "copies"):
        for mode, index in modes.items():
            times, cpu, statements = [], [], []
            for _ in range(args.rounds):
                meetings = [
                    next(next_meeting) if scenario == "distinct" else 0 for _ in range(args.batch)
                ]
                ids = store(engine, meetings)
                with counted(engine) as count:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    index(ids)
                    elapsed = time.perf_counter() - started
                    elapsed_cpu = time.process_time() - started_cpu
                times.append(elapsed * 1000 / len(ids))
                cpu.append(elapsed_cpu * 1000 / len(ids))
                statements.append(count[0] / len(ids))
            print(
                f"{label:10} {scenario:8} {mode:6} "
                f"{statistics.median(times):7.2f} ms/report "
                f"({statistics.median(cpu):6.2f} ms CPU in this process) "
                f"{statistics.median(statements):6.2f} statements/report",
                flush=True,
            )
    engine.dispose()


def main() -> None:
    args = parse_args()
    if args.reports == "generated":
        generate(1000)
    # As the publish worker starts (danvan_publish.worker): what is loaded is kept out of
    # the collector's way, and young collections come in larger steps.
    from danvan_shared.memory import collect_less_often, freeze_loaded_objects

    freeze_loaded_objects("bench")
    collect_less_often("bench")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["DANVAN_DATA_DIR"] = directory
        for database in args.databases.split(","):
            if database == "sqlite":
                from danvan_shared.migrate import upgrade_database

                url = f"sqlite:///{directory}/bench.db"
                upgrade_database(url)
                measure(url, args, "sqlite")
            else:
                url = create_scratch_database(args.admin_url, "danvan_bench_index")
                try:
                    measure(url, args, "postgresql")
                finally:
                    drop_scratch_database(args.admin_url, url)


if __name__ == "__main__":
    main()
