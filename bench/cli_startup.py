"""How long a command takes before and while it works, as a user types it (issue #17).

    python bench/cli_startup.py [--workspace DIR] [--repeat 7]

Each case runs the real ``weijian`` executable in a fresh process (imports
included: that is what a user waits for), ``--repeat`` times; the median and
the best are written to bench/results/cli_startup.json. Goals on a quiet
machine: ``weijian --help`` < 0.3 s, ``weijian query`` on the demo county
< 0.8 s, ``weijian audit`` of a one-page text < 0.8 s. ``query_first`` is the
same query with the workspace's kept templates removed before each run (the
first request of its shape: compiled and kept); ``query_other`` asks another
indicator and half-year of the same shape. Run it alone (check
``uptime``): other work on the two cores shows up directly in these times.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"help": 0.3, "query": 0.8, "query_other": 0.8, "audit": 0.8}
PAGE = ROOT / "docs" / "examples" / "某县上半年工作总结.txt"


def weijian() -> str:
    found = shutil.which("weijian", path=str(Path(sys.executable).parent)) or shutil.which("weijian")
    if found is None:
        raise SystemExit("找不到 weijian 命令：先 pip install -e .")
    return found


def timed(args: list[str], repeat: int, before=None) -> dict:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} 失败：{done.stderr}")
    return {"median_s": round(statistics.median(times), 3), "best_s": round(min(times), 3), "runs": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "bench" / "data" / "interactive-demo")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cli_startup.json")
    args = parser.parse_args()
    if not (args.workspace / "weijian.yaml").exists():
        from weijian.demo import build_demo

        build_demo(args.workspace, last_month="202610").close()
    exe = weijian()
    cases = {
        "help": [exe, "--help"],
        "query": [exe, "query", "-w", str(args.workspace), "--indicator", "HTN_STD_RATE", "--ou", "YL",
                  "--period", "2026S1"],
        "audit": [exe, "audit", str(PAGE)],
        "list": [exe, "list", "orgunits", "-w", str(args.workspace), "--search", "官庄"],
    }
    cache = args.workspace / ".cache"
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        # a shape of request never asked before in this workspace: compiled (Ibis loaded) and kept
        results = {"query_first": timed(cases["query"], args.repeat,
                                        before=lambda: shutil.rmtree(cache, ignore_errors=True))}
        results.update({name: timed(command, args.repeat) for name, command in cases.items()})
        # another indicator, unit and half-year of the same shape: the kept template answers
        results["query_other"] = timed([exe, "query", "-w", str(args.workspace), "--indicator", "老年人健康管理率",
                                        "--ou", "YL", "--period", "2025S2"], args.repeat)
    for name, figures in results.items():
        goal = GOALS.get(name)
        if goal is not None:
            figures["goal_s"] = goal
            figures["met"] = figures["median_s"] < goal
        print(f"{name:6} 中位 {figures['median_s']:.3f} s  最快 {figures['best_s']:.3f} s"
              + (f"  目标 < {goal} s：{'达到' if figures['met'] else '未达到'}" if goal else ""))
    load = os.getloadavg()[0]
    report = {"cases": results, "load_1min": round(load, 2), "python": platform.python_version(),
              "machine": platform.machine(), "cpus": os.cpu_count()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"结果：{args.out}（测量时负载 {load:.2f}）")


if __name__ == "__main__":
    main()
