"""Benchmark the gazetteer: load time and memory, each run in a fresh interpreter.

Each run imports ``danvan_shared.gazetteer`` and times ``get_gazetteer()`` (the file parse
plus provinces and districts), then the first use of each commune layer (pre-2025 and
since 2025, indexed on first use), and measures with tracemalloc what the whole gazetteer
keeps (every layer indexed and every record made) and its peak. Prints min and median.

    uv run python bench/gazetteer.py            # 7 runs
    uv run python bench/gazetteer.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

# One run, in its own interpreter so nothing is cached. Timings come from an untraced run
# (tracemalloc slows every allocation); memory from a second, traced load.
_RUN = """
import json, time, tracemalloc
t0 = time.perf_counter()
from danvan_shared.gazetteer import store
t1 = time.perf_counter()
g = store.get_gazetteer()
t2 = time.perf_counter()
g.commune("00001")
t3 = time.perf_counter()
g.commune_2025("00004")
t4 = time.perf_counter()
tracemalloc.start()
g = store.Gazetteer(store.load_data())
loaded = tracemalloc.get_traced_memory()[0]
g.commune("00001"); g.commune_2025("00004")
layers = tracemalloc.get_traced_memory()[0]
g.communes_2025; g.to_2025_commune("00001"); g.commune_2025_name_keys()
for d in g.districts:
    g.district_communes(d.code)
kept, peak = tracemalloc.get_traced_memory()
print(json.dumps({
    "import_ms": (t1 - t0) * 1e3, "load_ms": (t2 - t1) * 1e3,
    "old_communes_ms": (t3 - t2) * 1e3, "communes_2025_ms": (t4 - t3) * 1e3,
    "all_ms": (t4 - t1) * 1e3,
    "loaded_mb": loaded / 1e6, "all_layers_mb": layers / 1e6, "all_records_mb": kept / 1e6,
    "peak_mb": peak / 1e6,
}))
"""

LABELS = {
    "import_ms": "import danvan_shared.gazetteer",
    "load_ms": "get_gazetteer()",
    "old_communes_ms": "+ first pre-2025 commune lookup",
    "communes_2025_ms": "+ first 2025 commune lookup",
    "all_ms": "get_gazetteer() + both commune layers",
    "loaded_mb": "memory after get_gazetteer()",
    "all_layers_mb": "memory, both commune layers indexed",
    "all_records_mb": "memory, every record made",
    "peak_mb": "peak memory while loading",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters to run")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", _RUN], capture_output=True, text=True, check=True, timeout=120
        )
        runs.append(json.loads(out.stdout))
    print(f"gazetteer, {args.runs} runs in fresh interpreters (min / median)")
    for key, label in LABELS.items():
        values = [run[key] for run in runs]
        unit = "ms" if key.endswith("_ms") else "MB"
        print(f"  {label:<42} {min(values):7.1f} / {statistics.median(values):7.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
