"""Benchmark search, officials, coverage and exports at 100,000 reports on PostgreSQL.

Generates reports with their search documents and person mentions (texts assembled from
sentences written for this benchmark, units and provinces from the gazetteer) straight
into a scratch database, then measures in process (httpx.AsyncClient + ASGITransport,
sequential requests, render cache OFF so every request queries):

* ``/v1/search`` for a mix of queries: rare (a district, a person), medium (a campaign,
  a phrase), common (words in most reports), with the feed filters, typed with and
  without accents; p50 / p99 per query and over the whole mix (goal: p99 ≤ 50 ms);
* ``/v1/search.atom`` and ``/v1/people?q=``;
* the coverage page and JSON of an old province, a post-2025 province (communes) and the
  nation (goal: ≤ 100 ms);
* a streamed CSV and Parquet export of the national feed for a year, with the peak of
  Python memory allocated while streaming (tracemalloc), to show rows are not held.

Usage:
    uv run python bench/search.py                         # scratch DB on 127.0.0.1:5432
    uv run python bench/search.py --reports 20000 --requests 100
"""

from __future__ import annotations

import argparse
import os
import random
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feeds import BASE_URL, SyncClient, measure
from scratch import create_scratch_database, drop_scratch_database, percentile
from sqlalchemy import insert, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hà", "Nông", "Ma"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Hữu"]
GIVEN = [
    "An",
    "Bình",
    "Chiến",
    "Dũng",
    "Giang",
    "Hòa",
    "Khánh",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quyên",
    "Sơn",
    "Tâm",
    "Thủy",
    "Trung",
    "Vân",
    "Yến",
]
TITLES = [
    "Bí thư Huyện ủy",
    "Phó Bí thư Thường trực Huyện ủy",
    "Trưởng Ban Dân vận Huyện ủy",
    "Chủ tịch Ủy ban MTTQ huyện",
    "Trưởng Ban Dân vận Tỉnh ủy",
    "Phó Chủ tịch UBND tỉnh",
]
CAMPAIGNS = [
    "Dân vận khéo",
    "Toàn dân đoàn kết xây dựng đời sống văn hóa",
    "Xây dựng nông thôn mới",
    "Học tập và làm theo tư tưởng, đạo đức Hồ Chí Minh",
]
SENTENCES = [
    "Các cấp ủy đã quan tâm lãnh đạo công tác dân vận của hệ thống chính trị.",
    "Phong trào thi đua {campaign} tiếp tục được triển khai sâu rộng, có {n} mô hình mới.",
    "Nhân dân hiến {n} nghìn mét vuông đất để mở rộng đường giao thông nông thôn.",
    "Mặt trận và các đoàn thể vận động đoàn viên, hội viên tham gia giữ gìn an ninh trật tự.",
    "Hội nghị đã đánh giá những kết quả đạt được, chỉ ra hạn chế và nguyên nhân.",
    "Việc tiếp xúc, đối thoại trực tiếp với Nhân dân được duy trì thường xuyên.",
    "Công tác dân vận chính quyền gắn với cải cách hành chính đạt nhiều kết quả.",
    "Đã giải quyết {n} đơn thư khiếu nại, kiến nghị của công dân đúng thời hạn.",
    "Các lực lượng vũ trang phối hợp giúp dân xây dựng {n} ngôi nhà đại đoàn kết.",
    "Hội nghị thống nhất phương hướng, nhiệm vụ trọng tâm cho kỳ tới.",
]
# one per report: each about 1 report in 30 (the medium-selectivity queries)
TOPICS = [
    "trồng rừng gỗ lớn",
    "chuyển đổi số",
    "xóa nhà tạm, nhà dột nát",
    "hiến máu tình nguyện",
    "phòng chống ma túy",
    "bảo vệ môi trường",
    "giảm nghèo bền vững",
    "an toàn giao thông",
    "phòng chống thiên tai",
    "xây dựng trường học",
    "nước sạch nông thôn",
    "dồn điền đổi thửa",
    "du lịch cộng đồng",
    "bảo hiểm y tế",
    "hợp tác xã kiểu mới",
    "bảo tồn văn hóa dân tộc",
    "tiêm chủng mở rộng",
    "chợ nông thôn",
    "tín dụng chính sách",
    "đường điện thắp sáng",
    "thủy lợi nội đồng",
    "khuyến học khuyến tài",
    "phòng cháy chữa cháy",
    "nhà văn hóa thôn",
    "sản phẩm OCOP",
    "cây ăn quả đặc sản",
    "chăn nuôi an toàn sinh học",
    "lao động xuất khẩu",
    "phổ cập bơi",
    "thu gom rác thải nhựa",
]
PERIODS = ["2022-H1", "2022", "2023-H1", "2023", "2024-H1", "2024", "2025-H1", "2025", "2026-H1"]
QUERIES = [
    ("rare: a district", {"q": "chiem hoa"}),
    ("rare: a person", {"q": "Nông Thị Quyên"}),
    ("medium (~3%): a topic, no accents", {"q": "chuyen doi so"}),
    ("medium (~3%): a topic phrase", {"q": '"phòng chống ma túy"'}),
    ("medium: campaign, no accents", {"q": "dan van kheo"}),
    ("medium: phrase", {"q": '"nông thôn mới"'}),
    ("common: two words", {"q": "dân vận"}),
    ("common: 3 words, no accents", {"q": "hoi nghi danh gia"}),
    ("common + exclusion", {"q": "đoàn thể -giao"}),
    ("filtered: province + period", {"q": "dan van", "province": "tuyen-quang", "period": "2024"}),
    ("filtered: level + type", {"q": "mô hình", "level": "commune", "type": "tong_ket"}),
    ("or: two campaigns", {"q": "kheo OR nong thon moi"}),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a scratch database)")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument(
        "--requests", type=int, default=200, help="per query (default: %(default)s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="with --database-url: measure what an earlier --keep run loaded there",
    )
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def generate(count: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    from danvan_publish.documents import name_key, title_tier
    from danvan_shared.extraction_schema import period_bounds_for_key
    from danvan_shared.gazetteer import get_gazetteer

    gazetteer = get_gazetteer()
    districts = [d for d in gazetteer.districts if d.valid_to is None]
    communes = gazetteer.communes_2025
    new_slug = {p.code: p.slug for p in gazetteer.provinces_2025}
    old = {p.code: p for p in gazetteer.provinces}
    now = datetime.now(UTC)
    rows: dict[str, list[dict[str, Any]]] = {
        "report": [],
        "report_document": [],
        "person_mention": [],
    }
    for number in range(count):
        report_id = uuid.uuid4()
        key = rng.choice(PERIODS)
        start, end = period_bounds_for_key(key)  # type: ignore[misc]
        after_reform = end >= date(2025, 7, 1)
        level = rng.choice(["district", "district", "commune", "province"])
        if after_reform:
            commune = rng.choice(communes)
            province_code, new_code = None, commune.province_code
            unit_name, unit_code = f"Đảng ủy {commune.full_name.lower()}", commune.code
            level = "commune" if level != "province" else level
            feeds = [new_slug[new_code], "national"]
        else:
            district = rng.choice(districts)
            province_code = district.province_code
            new_code = old[province_code].new_code or ""
            unit_name, unit_code = f"Huyện ủy {district.name}", district.code
            feeds = [old[province_code].slug, new_slug.get(new_code, ""), "national"]
        if level == "province":
            unit_code = province_code or new_code
            unit_name = "Tỉnh ủy"
        meeting = "so_ket" if key.endswith("H1") else "tong_ket"
        published = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(
            days=rng.randint(1, 40), seconds=rng.randint(0, 86_400)
        )
        people = [(_person(rng), rng.choice(TITLES)) for _ in range(rng.randint(1, 3))]
        body = (
            " ".join(
                rng.choice(SENTENCES).format(campaign=rng.choice(CAMPAIGNS), n=rng.randint(2, 90))
                for _ in range(rng.randint(8, 16))
            )
            + f" Năm nay địa phương tập trung vận động Nhân dân về {rng.choice(TOPICS)}."
        )
        word = "Sơ kết" if meeting == "so_ket" else "Tổng kết"
        title = f"{word} công tác dân vận {key} – {unit_name}"
        rows["report"].append(
            {
                "id": report_id,
                "content_hash": report_id.hex,
                "content_type": "text/plain",
                "body": body,
                "title": title,
                "published_at": published,
                "received_at": published,
                "status": "extracted",
                "attempts": 1,
                "extractor_version": "bench",
            }
        )
        rows["report_document"].append(
            {
                "report_id": report_id,
                "title": title,
                "summary": f"{unit_name} tổ chức hội nghị công tác dân vận {key}.",
                "body": body,
                "people_text": "\n".join(f"{n}, {t}" for n, t in people),
                "unit_name": unit_name,
                "unit_code": unit_code,
                "unit_kind": "huyen",
                "level": level,
                "meeting_type": meeting,
                "province_code": province_code,
                "province_2025_code": new_code,
                "feeds": "".join(f"|{feed}" for feed in feeds if feed) + "|",
                "period_key": key,
                "period_kind": key[5:] or "FY",
                "period_start": start,
                "period_end": end,
                "event_date": published.date() - timedelta(days=2),
                "event_key": None,
                "published_at": published,
                "source_url": None,
                "source_name": None,
                "extractor_version": "bench",
                "content_hash": str(number),
                "created_at": now,
                "updated_at": now,
            }
        )
        for name, title_text in people:
            rows["person_mention"].append(
                {
                    "report_id": report_id,
                    "name": name,
                    "name_key": name_key(name),
                    "titles": [title_text],
                    "roles": "|chair|",
                    "tier": title_tier([title_text], level),
                    "province_code": province_code,
                    "province_2025_code": new_code,
                    "unit_code": None,
                    "unit_name": None,
                    "level": level,
                    "period_key": key,
                    "event_date": published.date(),
                    "published_at": published,
                }
            )
    return rows


def load(url: str, count: int, rng: random.Random) -> None:
    from danvan_shared.db import build_engine
    from danvan_shared.models import PersonMention, Report, ReportDocument

    engine = build_engine(url)
    tables = {"report": Report, "report_document": ReportDocument, "person_mention": PersonMention}
    for offset in range(0, count, 10_000):
        rows = generate(min(10_000, count - offset), rng)
        with engine.begin() as connection:
            for name, model in tables.items():
                for at in range(0, len(rows[name]), 5000):
                    connection.execute(insert(model.__table__), rows[name][at : at + 5000])  # type: ignore[attr-defined]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


def main() -> None:
    args = parse_args()
    scratch = args.database_url is None
    url = args.database_url or create_scratch_database(
        ADMIN_URL, "danvan_bench_search", migrate=False
    )
    os.environ["DANVAN_DATABASE_URL"] = url
    os.environ["DANVAN_PUBLIC_BASE_URL"] = BASE_URL
    from urllib.parse import urlencode

    from danvan_publish import exports, http_cache
    from danvan_publish.app import create_app
    from danvan_shared.db import get_engine
    from danvan_shared.extraction_schema import period_bounds_for_key
    from danvan_shared.migrate import upgrade_database

    upgrade_database(url)
    try:
        if args.skip_load and not scratch:
            print(f"database: {url} (loaded before)")
        else:
            begin = time.perf_counter()
            load(url, args.reports, random.Random(args.seed))
            took = time.perf_counter() - begin
            print(f"database: {url}\n{args.reports:,} reports loaded in {took:.0f} s")
        print(f"mode: in process, sequential, render cache OFF, {args.requests} requests per line")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        http_cache.render_cache.enabled = False
        client = SyncClient(create_app())
        print(f"\n{'search':48} {'hits':>7} {'p50 ms':>8} {'p99 ms':>8}")
        mix: list[float] = []
        for name, params in QUERIES:
            path = f"/v1/search?{urlencode(params)}"
            hits = client.get(path).json()["total"]
            timings, _elapsed, _cpu = client.timed(path, args.requests, None, 200)
            mix.extend(timings)
            p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
            print(f"{name:48} {hits:7} {p50:8.2f} {p99:8.2f}")
        p50, p99 = percentile(mix, 0.5), percentile(mix, 0.99)
        print(f"{'ALL SEARCHES (goal p99 <= 50 ms)':48} {'':7} {p50:8.2f} {p99:8.2f}")
        print(f"\n{'other request':48} {'p50 ms':>8} {'p99 ms':>8}")
        for name, path in (
            ("search.atom common query", "/v1/search.atom?q=dan+van"),
            ("people by name", "/v1/people?q=nong+thi+quyen"),
            ("coverage page: old province (districts)", "/coverage/nghe-an/2024-H1"),
            ("coverage page: 2025 province (communes)", "/coverage/nghe-an-2025/2025"),
            ("coverage page: national (63 provinces)", "/coverage/national/2024"),
            ("coverage JSON: 2025 province", "/v1/coverage/nghe-an-2025/2025"),
        ):
            stats = measure(client, path, args.requests)
            print(f"{name:48} {stats['p50']:8.2f} {stats['p99']:8.2f}")
        client.close()
        for key in ("2024", "2021-2025"):  # about 22,000 and 89,000 rows: memory stays flat
            bounds = period_bounds_for_key(key)
            assert bounds is not None
            for fmt in ("csv", "parquet"):
                tracemalloc.start()
                started, size, rows = time.perf_counter(), 0, 0
                for chunk in exports.chunks(
                    get_engine(), "reports", fmt, "national", bounds, BASE_URL
                ):  # type: ignore[arg-type]
                    size += len(chunk)
                    rows += chunk.count(b"\n") if fmt == "csv" else 0
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(
                    f"export national {key} .{fmt}: {size / 1e6:.1f} MB in "
                    f"{time.perf_counter() - started:.1f} s, peak Python memory {peak / 1e6:.1f} MB"
                    + (f" ({rows - 1:,} rows)" if fmt == "csv" else "")
                )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        get_engine.cache_clear()
        if scratch and not args.keep:
            drop_scratch_database(ADMIN_URL, url)


if __name__ == "__main__":
    main()
