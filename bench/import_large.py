"""Import of a large CSV: throughput and peak memory (bounded, not growing with the file).

    python bench/import_large.py [--rows 2000000] [--out bench/results/import_large.json]

Generates a DHIS2 CSV for the demo county's elements and units (valid rows,
so all of it is stored), imports it into a fresh DuckDB workspace through the
same path as `weijian import`, then imports it again (idempotent: nothing
changes). Peak RSS is read from /proc after each step, in this process.
"""
from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

from weijian import Workspace
from weijian.metadata import DEFAULT_PACKAGE
from weijian.model.periods import Period


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_csv(ws: Workspace, path: Path, rows: int) -> int:
    elements = [e for e in ws.package.elements.values() if e.period_type == "monthly" and e.category is None]
    units = [u.code for u in ws.package.orgunits.values() if u.level == ws.package.max_level]
    written, month = 0, Period.parse("200001").start
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["dataelement", "period", "orgunit", "value"])
        while written < rows:
            period = Period(month, month).id
            for unit in units:
                for element in elements:
                    out.writerow([element.code, period, unit, (written * 7) % 997])
                    written += 1
                    if written >= rows:
                        return written
            month += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/import_large.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", DEFAULT_PACKAGE)
        data = Path(tmp) / "large.csv"
        rows = write_csv(ws, data, args.rows)
        size_mb = data.stat().st_size / 2**20
        before = peak_rss_mb()
        start = time.perf_counter()
        first = ws.import_files([data])
        first_seconds = time.perf_counter() - start
        after_first = peak_rss_mb()
        start = time.perf_counter()
        again = ws.import_files([data])
        again_seconds = time.perf_counter() - start
        result = {
            "benchmark": "import_large", "rows": rows, "file_mb": round(size_mb, 1),
            "first_import": {"ok": first.ok, "created": first.summary.created, "seconds": round(first_seconds, 1),
                             "rows_per_second": round(rows / first_seconds)},
            "re_import": {"ok": again.ok, "changed": again.summary.changed, "seconds": round(again_seconds, 1)},
            "peak_rss_mb": {"before_import": round(before), "after_first_import": round(after_first),
                            "after_re_import": round(peak_rss_mb())},
        }
        ws.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
