"""The Chinese summary ``weijian demo`` prints: headline figures for the
latest half-year (or year to date) with 同比 and 完成率, and one ranking."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

import yaml

from weijian.analytics import round_half_up
from weijian.model.periods import Period
from weijian.workspace import Workspace


RANKED = ("HTN_STD_RATE", "HEALTH_RECORD_RATE")


def summary_period(last_month: Period) -> Period:
    """The latest half-year when it is complete, else the year to date."""
    if last_month.end_month in (6, 12):
        return Period(last_month.end - 5, last_month.end)
    return last_month.year_to_date()


def latest_half_year(ws: Workspace) -> Period:
    """The latest complete half-year of the demo's data: what its 工作总结 covers."""
    manifest = yaml.safe_load((ws.folder / "demo_manifest.yaml").read_text(encoding="utf-8"))
    last = Period.parse(str(manifest["last_month"]))
    year, month = last.year, last.end_month
    if month >= 12:
        return Period.parse(f"{year}S2")
    return Period.parse(f"{year}S1") if month >= 6 else Period.parse(f"{year - 1}S2")


def demo_summary(ws: Workspace, console: Console) -> None:
    manifest = yaml.safe_load((ws.folder / "demo_manifest.yaml").read_text(encoding="utf-8"))
    period = summary_period(Period.parse(str(manifest["last_month"])))
    root = ws.package.root()
    table = Table(title=f"{root.name}主要指标（{period.label}）")
    for column in ("指标", "数值", "去年同期", "同比", "年度目标", "完成率/达标"):
        table.add_column(column)
    headline = [c for c in ws.package.indicators][:12]
    for code in headline:
        r = ws.query(code, root.code, period)[0]
        d = r.to_dict()
        change = "" if r.change is None else f"{round_half_up(r.change, 2):+}{r.change_unit}"
        done = f"{round_half_up(r.completion, 2)}%" if r.completion is not None else (
            "" if r.meets_target is None else ("达标" if r.meets_target else "未达标"))
        table.add_row(r.name, _show(r.rounded, r.unit), _show(round_half_up(r.previous, r.decimals), r.unit), change,
                      _show(d["target"], ""), done)
    console.print(table)
    ranked_code = next((c for c in RANKED if c in ws.package.indicators), next(iter(ws.package.indicators)))
    ranking = ws.query(ranked_code, f"children:{root.code}", period)
    rank_table = Table(title=f"各乡镇{ranking[0].name}排名（{period.label}）")
    for column in ("排名", "机构", "数值"):
        rank_table.add_column(column)
    for r in ranking:
        rank_table.add_row("" if r.rank is None else str(r.rank), r.ou_name,
                           _show(round_half_up(r.value, r.decimals), r.unit))
    console.print(rank_table)
    console.print(f"工作区：{ws.folder}（共导入 {manifest['values']} 条数据；"
                  f"预置的数据质量问题见 {ws.folder / 'demo_manifest.yaml'}）")


def _show(value, unit: str) -> str:
    return "—" if value is None else f"{value}{unit}"
