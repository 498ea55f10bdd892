"""Benchmark the extractor: reports per second on one core and peak memory.

Runs ``extract_report`` over the gold corpus files (if present) and over a generated set of
Vietnamese reports built from templates below (varied units, periods, dates and people),
then times underthesea's CRF NER on a sample of the same texts for comparison.

    uv run python bench/extract.py                       # extractor only
    uv run --with underthesea==9.5.0 python bench/extract.py   # plus the NER comparison
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

# ../shared/corpus from the repository root (beside the clone, as in CI).
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_FILES = [CORPUS_DIR / name for name in ("seeds.jsonl", "dev.jsonl", "dev2.jsonl")]

UNITS = [
    ("Ban Dân vận Huyện ủy {d}", ["Chiêm Hóa", "Minh Long", "Bá Thước", "Vạn Ninh", "Tân Phước"]),
    ("Ban Dân vận Tỉnh ủy {p}", ["Yên Bái", "An Giang", "Khánh Hòa", "Đắk Nông", "Thái Bình"]),
    ("Ban Dân vận Thành ủy {c}", ["Hà Nội", "Đà Nẵng", "Cần Thơ", "Lạng Sơn", "Pleiku"]),
    ("Đảng ủy xã {x}", ["Tân Hòa", "Bình Tú", "Phước An", "Trà Vong", "Long Mai"]),
    ("Khối dân vận xã {x}", ["Hồ Sơn", "Vân Nham", "Long Môn", "Tân Lập", "Hòa Bình"]),
]
MEETINGS = ["hội nghị sơ kết", "hội nghị tổng kết", "hội nghị giao ban", "cuộc họp sơ kết"]
PERIODS = [
    ("6 tháng đầu năm", "6 tháng cuối năm {y}"),
    ("9 tháng đầu năm", "3 tháng cuối năm {y}"),
    ("quý I", "quý II năm {y}"),
    ("năm {y}", "năm {y1}"),
    ("quý III năm {y}", "quý IV"),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Dương"]
MIDDLE = ["Văn", "Thị", "Thanh", "Minh", "Đức", "Hữu", "Ngọc", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Nam", "Phúc", "Tâm", "Vinh", "Yến"]
TITLES = [
    "Phó Bí thư Thường trực Huyện ủy",
    "Ủy viên Ban Thường vụ, Trưởng Ban Dân vận Tỉnh ủy",
    "Phó Trưởng ban Thường trực Ban Dân vận",
    "Bí thư Đảng ủy, Chủ tịch HĐND xã",
]
BODY = [
    "Trong {period}, công tác dân vận của hệ thống chính trị tiếp tục chuyển biến tích cực; "
    "các cấp ủy đã ban hành {n} chương trình, kế hoạch, đạt tỷ lệ {pct}%.",
    "Phong trào thi đua “Dân vận khéo” được đẩy mạnh với {n} mô hình, tại {k}/{k} xã, thị "
    "trấn; thực hiện Chỉ thị số {doc}-CT/TU, ngày {d}/{m}/{y} của Ban Thường vụ Tỉnh ủy.",
    "Mặt trận Tổ quốc và các tổ chức chính trị - xã hội vận động {people} người tham gia "
    "cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”.",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def generate_report(rng: random.Random) -> str:
    """One synthetic report in the genre's shape (headline, date line, lead, body, byline)."""
    template, names = rng.choice(UNITS)
    unit = template.format(
        d=rng.choice(names), p=rng.choice(names), c=rng.choice(names), x=rng.choice(names)
    )
    year = rng.randint(2012, 2025)
    reviewed, planned = rng.choice(PERIODS)
    reviewed = reviewed.format(y=year)
    planned = planned.format(y=year, y1=year + 1)
    meeting = rng.choice(MEETINGS)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    part = rng.choice(["Sáng", "Chiều", "Sáng ngày", "Chiều ngày", "Ngày"])
    chair, director = _name(rng), _name(rng)
    lines = [
        f"{unit} {meeting.split()[-2]} {meeting.split()[-1]} công tác dân vận {reviewed}",
        f"{day:02d}/{month:02d}/{year} {rng.randint(7, 17)}:{rng.randint(10, 59)}",
        f"{part} {day}/{month}, {unit} tổ chức {meeting} công tác dân vận {reviewed}, triển khai "
        f"nhiệm vụ {planned}. Đồng chí {director}, {rng.choice(TITLES)} dự và chỉ đạo hội nghị. "
        f"Đồng chí {chair} - {rng.choice(TITLES)} chủ trì hội nghị.",
    ]
    for _ in range(rng.randint(3, 8)):
        lines.append(
            rng.choice(BODY).format(
                period=reviewed,
                n=rng.randint(2, 90),
                pct=f"{rng.randint(80, 99)},{rng.randint(0, 9)}",
                k=rng.randint(5, 20),
                doc=rng.randint(1, 99),
                d=rng.randint(1, 28),
                m=rng.randint(1, 12),
                y=year - 1,
                people=f"{rng.randint(1, 900)}.{rng.randint(100, 999)}",
            )
        )
    lines.append(f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}")
    return "\n\n".join(lines)


def load_corpus() -> list[tuple[str, str | None]]:
    reports: list[tuple[str, str | None]] = []
    for path in CORPUS_FILES:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    reports.append((record["text"], record.get("url")))
    return reports


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_extractor(reports: list[tuple[str, str | None]]) -> float:
    from danvan_extract.extraction import extract_report

    started = time.perf_counter()
    for text, url in reports:
        extract_report(text, url=url)
    return time.perf_counter() - started


def time_passes(reports: list[tuple[str, str | None]], passes: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds per report over ``passes`` runs of the set.

    CPU time (this process only) is what one core spends; on a shared machine the wall
    clock also counts time other processes held the core.
    """
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(passes):
        cpu_started = time.process_time()
        walls.append(time_extractor(reports) / len(reports))
        cpus.append((time.process_time() - cpu_started) / len(reports))
    return statistics.median(walls), statistics.median(cpus)


def time_underthesea(texts: list[str]) -> float | None:
    try:
        from underthesea import ner
    except ImportError:
        return None
    ner(texts[0])  # the first call loads the CRF model
    started = time.perf_counter()
    for text in texts:
        ner(text)
    return (time.perf_counter() - started) / len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generated", type=int, default=10_000, help="number of generated reports (default 10000)"
    )
    parser.add_argument(
        "--ner-sample", type=int, default=30, help="reports to time underthesea NER on (default 30)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed for the generator")
    parser.add_argument(
        "--min-reports",
        type=int,
        default=2000,
        help="repeat a small set until this many reports were timed (default 2000)",
    )
    parser.add_argument(
        "--passes", type=int, default=50, help="at most this many passes per set (default 50)"
    )
    args = parser.parse_args()

    from danvan_extract.extraction import EXTRACTOR_VERSION, extract_report
    from danvan_extract.extraction.places import district_index, province_index

    started = time.perf_counter()
    extract_report("Huyện ủy Chiêm Hóa sơ kết công tác dân vận 6 tháng đầu năm 2022.")
    province_index()
    district_index()
    warmup = time.perf_counter() - started
    print(
        f"extractor {EXTRACTOR_VERSION}; gazetteer + automatons loaded in {warmup:.2f} s, "
        f"RSS {peak_rss_mb():.0f} MB"
    )

    rng = random.Random(args.seed)
    corpus = load_corpus()
    generated = [(generate_report(rng), None) for _ in range(args.generated)]
    results: dict[str, float] = {}
    for label, reports in (("corpus", corpus), ("generated", generated)):
        if not reports:
            print(f"{label}: no reports (corpus files missing?)")
            continue
        # A small set is run several times: one pass of 40 reports is too short to time.
        passes = max(1, min(args.passes, -(-args.min_reports // len(reports))))
        wall, cpu = time_passes(reports, passes)
        size = sum(len(t) for t, _ in reports) / len(reports)
        results[label] = wall
        print(
            f"{label:<10} {len(reports):>6} reports × {passes:>2}, mean {size:,.0f} chars: "
            f"{1 / wall:,.0f} reports/s on one core ({1000 * wall:.2f} ms/report; "
            f"CPU time {1 / cpu:,.0f} reports/s)"
        )
    print(f"peak RSS {peak_rss_mb():.0f} MB (target ≤ 300 MB)")

    sample = [t for t, _ in (corpus or generated)][: args.ner_sample]
    ner_seconds = time_underthesea(sample)
    if ner_seconds is None:
        print(
            "underthesea is not installed: run `uv run --with underthesea==9.5.0 python "
            "bench/extract.py` for the NER comparison",
            file=sys.stderr,
        )
        return 0
    ours = time_extractor([(t, None) for t in sample]) / len(sample)
    print(
        f"underthesea.ner: {1000 * ner_seconds:.1f} ms/report on {len(sample)} reports; "
        f"extract_report {1000 * ours:.2f} ms/report: {ner_seconds / ours:,.0f}× faster "
        f"(want ≥ 20×)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
