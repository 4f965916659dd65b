"""Drafting the demo county's 上半年工作总结 with its charts (goal: under 2 s).

    python bench/report.py [--workspace DIR] [--repeat 5]

Builds the demo county (if DIR has none), then times, in one process and one
run, the whole path a user waits for — ``Workspace.report`` (queries, 存在问题,
charts, outline) and writing the .docx with its JSON sidecar — and, beside it,
the same draft written as Markdown (no Word layout) so the share of each part
shows. Writes bench/results/report.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from weijian import Workspace
from weijian.demo import build_demo

GOAL_SECONDS = 2.0  # issue #15: the demo half-year draft on a quiet machine


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("bench/data/interactive-demo"))
    parser.add_argument("--period", default="2026S1")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/report.json"))
    args = parser.parse_args()
    if not (args.workspace / "weijian.yaml").exists():
        build_demo(args.workspace, last_month="202610").close()
    runs = []
    with Workspace.open(args.workspace) as ws, tempfile.TemporaryDirectory() as tmp:
        ws.report(args.period, today=date(2026, 7, 6))  # first call pays imports, fonts and catalog look-ups
        for n in range(args.repeat):
            draft, draft_s = timed(lambda: ws.report(args.period, today=date(2026, 7, 6)))
            _, docx_s = timed(lambda: ws.write_report(draft, Path(tmp) / f"r{n}.docx"))
            _, md_s = timed(lambda: ws.write_report(draft, Path(tmp) / f"r{n}.md"))
            runs.append({"draft_s": draft_s, "docx_s": docx_s, "markdown_s": md_s, "total_s": draft_s + docx_s,
                         "engine_queries": draft.queries, "figures": len(draft.facts),
                         "charts": sum(1 for b in draft.document.blocks if type(b).__name__ == "Chart")})
        values = ws.store.count_values()
    median = {key: round(statistics.median(r[key] for r in runs), 3)
              for key in ("draft_s", "docx_s", "markdown_s", "total_s")}
    result = {"benchmark": "report", "period": args.period, "values": values, "repeat": args.repeat,
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": __import__("os").cpu_count()},
              "goal_seconds": GOAL_SECONDS, "median": median, "under_goal": median["total_s"] < GOAL_SECONDS,
              "engine_queries": runs[0]["engine_queries"], "figures": runs[0]["figures"],
              "charts": runs[0]["charts"], "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"起草 {median['draft_s']} s + 写 Word {median['docx_s']} s = {median['total_s']} s"
          f"（目标 < {GOAL_SECONDS} s；Markdown {median['markdown_s']} s）；"
          f"{result['figures']} 个数字，{result['charts']} 张图，{result['engine_queries']} 次查询")


if __name__ == "__main__":
    main()
