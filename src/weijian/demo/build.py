"""``weijian demo``: a workspace with a synthetic county, imported through the
real import path, plus a manifest of the problems planted in it."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import yaml

from weijian.demo.generate import DemoPlan, generate_values
from weijian.metadata import DEFAULT_PACKAGE
from weijian.model.periods import Period
from weijian.storage.base import VALUE_COLUMNS
from weijian.workspace import Workspace

PROFILE_FILE = "demo_profile.yaml"
DATA_DIR = "演示数据"
MANIFEST = "demo_manifest.yaml"


def latest_reported_month(today: date | None = None, due_day: int = 10) -> Period:
    """The last month whose reports are due by today (due on the 10th of the next month)."""
    today = today or date.today()
    back = 1 if today.day > due_day else 2
    ordinal = today.year * 12 + today.month - 1 - back
    return Period(ordinal, ordinal)


def build_demo(folder: str | Path, *, last_month: str | Period | None = None, metadata: Path | None = None,
               seed: int = 20240701, progress=None) -> Workspace:
    """Two full years before ``last_month``'s year, and that year to date."""
    folder = Path(folder)
    package_dir = Path(metadata) if metadata else DEFAULT_PACKAGE
    end = Period.parse(last_month) if isinstance(last_month, str) else (last_month or latest_reported_month())
    profile = yaml.safe_load((package_dir / PROFILE_FILE).read_text(encoding="utf-8"))
    ws = Workspace.init(folder, package_dir)
    plan = DemoPlan(first_year=end.year - 2, last_month=end, seed=seed,
                    lagging=tuple(profile.get("lagging", ())))
    files = _write_csv_by_year(ws.package, profile, plan, folder / DATA_DIR)
    report = ws.import_files(files, user="demo", progress=(lambda n: progress(n, None)) if progress else None)
    if not report.ok:
        raise RuntimeError("演示数据导入失败：\n" + report.describe_zh())
    manifest = {"last_month": end.id, "seed": seed, "lagging": list(plan.lagging), "planted": plan.planted,
                "values": report.summary.created}
    (folder / MANIFEST).write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return ws


def _write_csv_by_year(package, profile, plan: DemoPlan, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    writers, handles = {}, []
    try:
        for row in generate_values(package, profile, plan):
            year = row["period"][:4]
            if year not in writers:
                handle = open(out / f"{year}年月报.csv", "w", encoding="utf-8", newline="")
                handles.append(handle)
                writers[year] = csv.DictWriter(handle, fieldnames=list(VALUE_COLUMNS))
                writers[year].writeheader()
            writers[year].writerow(row)
    finally:
        for handle in handles:
            handle.close()
    return sorted(out.glob("*.csv"))
