"""``weijian import``, ``export`` and ``template``: data in and out."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import (
    WorkspaceOpt, check_output, console, current_user, err, fail, open_workspace, orgunit_code,
)
from weijian.errors import WeijianError

app = typer.Typer()


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV / JSON / Excel 文件（可多个）", metavar="文件")],
    workspace: WorkspaceOpt = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出导入报告")] = False,
    recorded_at: Annotated[Optional[datetime], typer.Option(
        "--recorded-at", formats=["%Y-%m-%d", "%Y-%m-%d %H:%M"], metavar="日期",
        help="补录历史档案时的实际上报时间（影响及时率）；默认为现在")] = None,
    mapping: Annotated[Optional[Path], typer.Option(
        "--mapping", help="按映射配置读本县自己的表格（weijian sheets suggest 生成）", metavar="配置")] = None,
    period: Annotated[Optional[str], typer.Option(
        "--period", help="与 --mapping 同用：表格里看不出期间时给出，如 202605", metavar="期间")] = None,
):
    """导入数据（全部成功才写入）。Example: weijian import 2024年5月.csv -w 县卫健局"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with open_workspace(workspace) as ws, Progress(TextColumn("导入"), BarColumn(), TextColumn("{task.completed} 行"),
                                          TimeElapsedColumn(), console=err, transient=True,
                                          disable=as_json) as progress:
        task = progress.add_task("import", total=None)
        try:
            report = ws.import_files(files, dry_run=dry_run, user=current_user(), recorded_at=recorded_at,
                                     progress=lambda n: progress.update(task, completed=n), mapping=mapping,
                                     period=period)
        except WeijianError as error:
            fail(error)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        (console if report.ok else err).print(report.describe_zh())
        if report.ok and report.registered:
            console.print(f"登记上报 {report.registered} 份报表（按数据集 × 机构 × 期间）")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def export(
    out: Annotated[Optional[Path], typer.Option("-o", "--output", help="输出文件：.csv / .json / .xlsx")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（含全部下级）")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="期间，如 2024S1、202401..202405、2024年1-5月")] = None,
    workspace: WorkspaceOpt = Path("."),
    parquet: Annotated[Optional[Path], typer.Option(
        "--parquet", help="导出全部数据、机构树和元数据为分区 parquet 目录（供 --engine spark）")] = None,
    force: Annotated[bool, typer.Option("--force", help="--parquet 目录已有导出时覆盖")] = False,
):
    """导出数据（DHIS2 dataValueSets 格式，或 --parquet 目录）。Example: weijian export --ou YL --period 2024S1 -o 上半年.csv"""
    if parquet is not None:
        with open_workspace(workspace) as ws:
            try:
                done = ws.export_parquet(parquet, overwrite=force)
            except WeijianError as error:
                fail(error)
        console.print(f"已导出 {done.values} 条数据、{done.orgunits} 个机构到 {parquet}（{done.partitions} 个分区）")
        return
    if out is None or ou is None or period is None:
        fail(WeijianError("请给出 -o、--ou 和 --period（或用 --parquet 目录导出全部数据）"))
    check_output(out, (".csv", ".json", ".xlsx"), "导出文件")
    with open_workspace(workspace) as ws:
        code = orgunit_code(ws, ou)
        try:
            count = ws.export(code, period, out)
            left_out = ws.left_out_of_export(code, period)
        except WeijianError as error:
            fail(error)
    console.print(f"已导出 {count} 条数据到 {out}")
    if left_out:
        listed = "、".join(f"{p} 的 {n} 条" for p, n in left_out.items())
        console.print(f"[yellow]未导出[/yellow]期间超出所选范围的数据：{listed}（如年度的常住人口）；"
                      "需要时按这些期间另行导出，如 --period 2024")


@app.command()
def template(
    out: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx")],
    period: Annotated[list[str], typer.Option("--period", help="期间（可多次）；每个期间一张工作表")],
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（默认全县）")] = None,
    level: Annotated[Optional[int], typer.Option("--level", help="只列此级机构")] = None,
    workspace: WorkspaceOpt = Path("."),
):
    """生成 Excel 填报模板（行：机构，列：数据项）。Example: weijian template --level 3 --period 202405 -o 5月模板.xlsx"""
    check_output(out, (".xlsx",), "填报模板")
    with open_workspace(workspace) as ws:
        try:
            ws.template(out, period, orgunit_code(ws, ou), level)
        except WeijianError as error:
            fail(error)
    console.print(f"已生成填报模板 {out}")

