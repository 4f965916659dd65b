"""``weijian demo``: a workspace with a synthetic county, imported through the
real import path month by month (each month's reports arrive before their due
day, a few late), plus a manifest of the problems planted in it. Its work
ledger (工作台账) is written to an Excel workbook and imported through the
ledger importer, as a bureau would."""
from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from weijian.demo.generate import DemoPlan, generate_values
from weijian.demo.ledger import demo_ledger
from weijian.exchange.ledger_io import import_ledger, write_ledger_items
from weijian.ledger import Ledger
from weijian.metadata import DEFAULT_PACKAGE
from weijian.model.periods import Period
from weijian.storage.base import VALUE_COLUMNS
from weijian.workspace import Workspace

PROFILE_FILE = "demo_profile.yaml"
DATA_DIR = "演示数据"
LEDGER_FILE = "工作台账.xlsx"
MANIFEST = "demo_manifest.yaml"
DUE_DAY = 10
LATE_REPORTS = 3


def latest_reported_month(today: date | None = None, due_day: int = DUE_DAY) -> Period:
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
    batches = _write_monthly_files(ws.package, profile, plan, folder / DATA_DIR)
    created, done = 0, 0
    for path, arrived in batches:
        report = ws.import_files([path], user="demo", recorded_at=arrived,
                                 progress=(lambda n: progress(done + n, None)) if progress else None)
        if not report.ok:
            raise RuntimeError("演示数据导入失败：\n" + report.describe_zh())
        created += report.summary.created
        done += report.rows_read
    # the analytics tables, as a county sets them up: queries read them, imports refresh them
    ws.build_analytics_tables()
    ledger_file = write_ledger_items(folder / DATA_DIR / LEDGER_FILE,
                                     demo_ledger(ws.package, plan.first_year, end, seed=seed), ws.package)
    ledger_report = import_ledger(Ledger(ws.store, ws.package), ledger_file, user="demo")
    if not ledger_report.ok:
        raise RuntimeError("演示工作台账导入失败：\n" + ledger_report.describe_zh())
    manifest = {"last_month": end.id, "seed": seed, "lagging": list(plan.lagging), "planted": plan.planted,
                "values": created, "ledger": dict(ledger_report.created)}
    (folder / MANIFEST).write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return ws


def _due(period: Period) -> datetime:
    """Reports for a month are due on the 10th of the next month."""
    following = period.end + 1
    return datetime(following // 12, following % 12 + 1, DUE_DAY, 17, 0)


def _batch_month(period: Period) -> Period:
    # yearly figures (常住人口…) are reported with January's reports
    month = period.start if period.n_months == 12 else period.end
    return Period(month, month)


def _write_monthly_files(package, profile, plan: DemoPlan, out: Path) -> list[tuple[Path, datetime]]:
    """One file per reporting month, plus a few units' reports that came late."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(plan.seed + 1)
    late = _late_reports(package, plan, rng)
    writers: dict[Path, csv.DictWriter] = {}
    handles = []
    try:
        for row in generate_values(package, profile, plan):
            month = _batch_month(Period.parse(row["period"]))
            is_late = (row["orgunit"], month.id) in late
            path = out / f"{month.id}{'补报' if is_late else ''}.csv"
            if path not in writers:
                handle = open(path, "w", encoding="utf-8", newline="")
                handles.append(handle)
                writers[path] = csv.DictWriter(handle, fieldnames=list(VALUE_COLUMNS))
                writers[path].writeheader()
            writers[path].writerow(row)
    finally:
        for handle in handles:
            handle.close()
    batches = []
    for path in sorted(writers):
        month = Period.parse(path.stem.removesuffix("补报"))
        if path.stem.endswith("补报"):
            arrived = _due(month) + timedelta(days=late[next(k for k in late if k[1] == month.id)])
        else:
            arrived = _due(month) - timedelta(days=1 + rng.randrange(6))
        batches.append((path, arrived))
    return batches


def _late_reports(package, plan: DemoPlan, rng: random.Random) -> dict[tuple[str, str], int]:
    """(unit, month) → days late, for a few 卫生院 in recent months."""
    centres = sorted(ou.code for ou in package.orgunits.values() if ou.type == "乡镇卫生院")
    months = [Period(plan.last_month.end - k, plan.last_month.end - k) for k in range(1, 6)]
    late: dict[tuple[str, str], int] = {}
    for month in rng.sample(months, min(LATE_REPORTS, len(months))):
        unit, days = rng.choice(centres), 3 + rng.randrange(10)
        late[(unit, month.id)] = days
        plan.planted.append({"kind": "late", "orgunit": unit, "period": month.id,
                             "note": f"该机构当月报表迟报 {days} 天（演示用）"})
    return late
