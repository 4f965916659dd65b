"""``weijian check``, ``reporting``, ``approve``, ``unapprove``, ``history``: reviewing the data."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from statistics import median
from typing import Annotated, Optional

import typer

from weijian.cli.common import (
    DataOpt, EngineOpt, JsonOpt, MasterOpt, UserOpt, WorkspaceOpt, console, current_user, fail, fmt, metadata_code,
    open_engine, open_workspace, orgunit_code, plain,
)
from weijian.errors import WeijianError

app = typer.Typer()

KIND_NAMES = {"rule": "审核规则", "outlier": "异常值", "missing": "缺报", "late": "迟报"}
OuOpt = Annotated[str, typer.Option("--ou", help="机构编码或名称（含全部下级）", metavar="机构")]
PeriodOpt = Annotated[str, typer.Option("--period", help="期间，如 202405、2024S1、2026年1-10月", metavar="期间")]
# a late report this many days after its due day is not late: it is an archive loaded afterwards
BACKFILL_DAYS = 30


def _label(ws, ou: str, period: str) -> str:
    from weijian.model.periods import Period

    try:
        return f"{ws.package.orgunits[ou].name} {Period.parse(period).label}"
    except WeijianError as error:
        fail(error)


@app.command()
def check(
    ou: OuOpt,
    period: PeriodOpt,
    workspace: WorkspaceOpt = Path("."),
    summary: Annotated[bool, typer.Option("--summary", help="只列各类问题按机构的计数")] = False,
    limit: Annotated[int, typer.Option("--limit", help="最多列出多少条（0 为全部）", metavar="条数")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出全部问题")] = False,
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """数据审核：违反审核规则、异常值、缺报和迟报。Example: weijian check --ou YL --period 2026年1-10月 --summary"""
    from rich.table import Table

    if limit < 0:
        fail(WeijianError("--limit 应为 0（全部）或正整数"))
    with open_engine(workspace, engine, data, master) as ws:
        ou = orgunit_code(ws, ou)
        label = _label(ws, ou, period)
        try:
            findings = ws.check(ou, period)
        except WeijianError as error:
            fail(error)
        groups = _summary_units(ws, ou)
    if as_json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2, default=str))
        return
    counts = Counter(f.kind for f in findings)
    console.print(f"{label}：共发现 {len(findings)} 个问题（"
                  + "，".join(f"{name} {counts[kind]}" for kind, name in KIND_NAMES.items()) + "）")
    if summary:
        console.print(_summary_table(findings, groups))
    elif findings:
        table = Table(show_lines=False)
        for column in ("重要程度", "类别", "说明"):
            table.add_column(column)
        shown = findings if limit == 0 else findings[:limit]
        for f in shown:
            table.add_row(f.importance, KIND_NAMES.get(f.kind, f.kind), f.message)
        console.print(table)
        if len(shown) < len(findings):
            console.print(f"……另有 {len(findings) - len(shown)} 条未列出：--summary 看按机构的计数，"
                          "--limit 0 列出全部，--json 输出全部")
    hint = _backfill_hint(findings)
    if hint:
        console.print(hint)


def _summary_units(ws, ou: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each unit of the subtree → the child of ``ou`` it lies under (``ou`` for itself); and every unit's name."""
    package = ws.package
    root = package.orgunits[ou].path
    groups = {code: unit.path[len(root)] if len(unit.path) > len(root) else ou
              for code, unit in package.orgunits.items() if unit.path[:len(root)] == root}
    return groups, {code: unit.name for code, unit in package.orgunits.items()}


def _summary_table(findings, units: tuple[dict[str, str], dict[str, str]]):
    from rich.table import Table

    groups, names = units
    counts: dict[str, Counter] = {}
    for f in findings:
        counts.setdefault(groups.get(f.ou, f.ou), Counter())[f.kind] += 1
    table = Table(title="按机构计数")
    for column in ("机构", *KIND_NAMES.values(), "合计"):
        table.add_column(column, justify="left" if column == "机构" else "right")
    for code, kinds in sorted(counts.items(), key=lambda item: -sum(item[1].values())):
        table.add_row(names.get(code, code), *(str(kinds[k]) for k in KIND_NAMES), str(sum(kinds.values())))
    return table


def _backfill_hint(findings) -> str | None:
    late = [f.late for f in findings if f.kind == "late" and f.late is not None]
    if not late or len(late) < 0.8 * len(findings) or median(late) < BACKFILL_DAYS:
        return None
    return (f"提示：{len(late)} 条迟报中位迟 {median(late):g} 天，像是事后补录的历史数据。补录时请用 "
            "weijian import --recorded-at 2026-05-08 给出实际上报日期，及时率才按当时计算")


@app.command()
def reporting(
    ou: OuOpt,
    period: PeriodOpt,
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="报表编码或名称（默认全部）", metavar="报表")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """上报率与及时率（按下一级机构汇总）。Example: weijian reporting --ou YL --period 2026年1-10月"""
    from rich.table import Table

    with open_workspace(workspace) as ws:
        ou = orgunit_code(ws, ou)
        dataset = metadata_code(ws, dataset, "dataset")
        label = _label(ws, ou, period)
        try:
            report = ws.reporting(ou, period, dataset)
        except WeijianError as error:
            fail(error)
        level = min(ws.package.orgunits[ou].level + 1, ws.package.max_level)
        rows = [report.total(dataset)] + report.by_orgunit(level=level, dataset=dataset)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"上报情况（{label}）")
    for column in ("机构", "应报", "实报", "及时报", "上报率", "及时率"):
        table.add_column(column)
    for r in rows:
        d = r.to_dict()
        table.add_row(r.name, str(r.expected), str(r.reported), str(r.timely),
                      fmt(d["reporting_rate"], "%"), fmt(d["timely_rate"], "%"))
    console.print(table)


@app.command()
def approve(
    ou: Annotated[str, typer.Option("--ou", help="机构编码或名称（含全部下级一并锁定）", metavar="机构")],
    period: PeriodOpt,
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
    confirm: Annotated[bool, typer.Option("--confirm", help="尚有报表未上报时仍然锁定")] = False,
):
    """审核并锁定机构某期数据（有未上报的报表时须加 --confirm）。Example: weijian approve --ou YL_GX --period 202405"""
    with open_workspace(workspace) as ws:
        ou = orgunit_code(ws, ou)
        label = _label(ws, ou, period)
        try:
            total = ws.reporting(ou, period).total()
            missing = total.expected - total.reported
            if missing and not confirm:
                fail(WeijianError(f"{label} 尚有 {missing} 份报表未上报（应报 {total.expected}，已上报 {total.reported}），"
                                  f"未锁定；用 weijian reporting 查看缺报，确要锁定请加 --confirm"))
            ws.approve(ou, period, current_user(user))
        except WeijianError as error:
            fail(error)
    note = f"；另有 {missing} 份报表未上报" if missing else ""
    console.print(f"已审核锁定：{label}（含全部下级机构）{note}")


@app.command()
def unapprove(
    ou: OuOpt,
    period: PeriodOpt,
    reason: Annotated[str, typer.Option("--reason", help="取消审核的原因（必填，记入审核日志）", metavar="原因")],
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """取消审核（须说明原因）。Example: weijian unapprove --ou YL_GX --period 202405 --reason 乡镇更正接种剂次"""
    with open_workspace(workspace) as ws:
        ou = orgunit_code(ws, ou)
        label = _label(ws, ou, period)
        try:
            ws.unapprove(ou, period, current_user(user), reason)
        except WeijianError as error:
            fail(error)
    console.print(f"已取消审核：{label}")


@app.command()
def history(
    element: Annotated[Optional[str], typer.Option("--element", help="数据项编码或名称", metavar="数据项")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码或名称", metavar="机构")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="期间", metavar="期间")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """数据修改记录（谁、何时、旧值、新值、来源文件和行）。Example: weijian history --element VACC_DOSES --ou YL_GX_WSY --period 202405"""
    from rich.table import Table

    with open_workspace(workspace) as ws:
        element = metadata_code(ws, element, "element")
        ou = orgunit_code(ws, ou)
        try:
            entries = ws.history(element, ou, period)
        except WeijianError as error:
            fail(error)
    if as_json:
        print(json.dumps([e.__dict__ for e in entries], ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=f"修改记录（{len(entries)} 条）")
    for column in ("时间", "操作人", "操作", "数据项", "机构", "期间", "分类", "旧值", "新值", "来源"):
        table.add_column(column)
    actions = {"create": "新增", "update": "修改", "delete": "删除"}
    for e in entries:
        source = e.source or ""
        if e.source_row:
            source += f" 第{e.source_row}行"
        table.add_row(f"{e.changed_at:%Y-%m-%d %H:%M}", e.changed_by, actions.get(e.action, e.action), e.dataelement,
                      e.orgunit, e.period, e.categoryoptioncombo, fmt(plain(e.old_value)), fmt(plain(e.new_value)),
                      source)
    console.print(table)
