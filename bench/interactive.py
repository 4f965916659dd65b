"""Interactive query latency on the demo county (DESIGN: under 100 ms).

    python bench/interactive.py [--workspace DIR] [--repeat 20]

Builds the demo county (if DIR has none), then times the queries a
statistician types — one indicator for the county, the township ranking, an
element with its annual task, a Chinese period range — through the same
``Workspace.query`` the CLI uses. Writes bench/results/interactive.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from weijian import Workspace
from weijian.demo import build_demo

QUERIES = [
    ("HTN_STD_RATE", "YL", "2025S1"),
    ("HTN_STD_RATE", "children:YL", "2025S1"),
    ("VACC_DOSES", "YL", "2025年1-10月"),
    ("INCIDENCE", "YL", "2025S1"),
    ("HEALTH_RECORD_RATE", "YL_GX", "202510"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("bench/data/interactive-demo"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("bench/results/interactive.json"))
    args = parser.parse_args()
    if not (args.workspace / "weijian.yaml").exists():
        build_demo(args.workspace, last_month="202610").close()
    rows = []
    with Workspace.open(args.workspace) as ws:
        values = ws.store.count_values()
        for code, ou, period in QUERIES:
            ws.query(code, ou, period)  # first call pays imports and catalog look-ups
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                ws.query(code, ou, period)
                times.append((time.perf_counter() - start) * 1000)
            rows.append({"query": f"{code} {ou} {period}", "median_ms": round(statistics.median(times), 1),
                         "p90_ms": round(sorted(times)[int(len(times) * 0.9) - 1], 1), "max_ms": round(max(times), 1)})
    result = {"benchmark": "interactive", "values": values, "repeat": args.repeat,
              "machine": {"python": platform.python_version(), "platform": platform.platform()},
              "goal_ms": 100, "queries": rows, "all_under_goal": all(r["median_ms"] < 100 for r in rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for r in rows:
        print(f"{r['query']:<40} 中位数 {r['median_ms']:>7} ms   P90 {r['p90_ms']:>7} ms")


if __name__ == "__main__":
    main()
