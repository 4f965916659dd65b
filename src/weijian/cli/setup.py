"""``weijian init`` and ``weijian demo``: making a workspace."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import console, err, fail
from weijian.errors import MetadataError, WeijianError

app = typer.Typer()


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="新工作区目录", metavar="目录")],
    orgunits: Annotated[Optional[Path], typer.Option(
        "--orgunits", help="本县机构表（.xlsx 或 .csv）：列“名称”“上级”“类型”，“编码”可选（留空自动生成）",
        metavar="机构表")] = None,
    county: Annotated[Optional[str], typer.Option(
        "--county", help="只建县（区）本身，机构以后再加：如 某某县", metavar="县名")] = None,
    metadata: Annotated[Optional[Path], typer.Option("--metadata", help="元数据包目录（默认：内置包）",
                                                     metavar="目录")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="postgresql:// 地址；默认 DuckDB 文件",
                                                 metavar="地址")] = None,
):
    """新建工作区。不给 --orgunits 或 --county 时机构树为演示县（沅陵县）。
    Example: weijian init 县卫健局 --orgunits 机构.xlsx"""
    from weijian.workspace import Workspace

    try:
        with Workspace.init(folder, metadata, store, orgunits=orgunits, county=county) as ws:
            root = ws.package.root()
            console.print(f"已创建工作区 {folder}：{root.name}（编码 {root.code}）{len(ws.package.orgunits)} 个机构，"
                          f"{len(ws.package.elements)} 个数据项，{len(ws.package.indicators)} 个指标")
            if orgunits is None and county is None:
                console.print("机构树为演示县。建本县的工作区：weijian init 目录 --orgunits 机构.xlsx"
                              "（或 --county 某某县）")
            else:
                console.print(f"查看编码：weijian list orgunits -w {folder}")
    except (WeijianError, MetadataError) as error:
        fail(error)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="演示工作区目录", metavar="目录")] = Path("演示县"),
    force: Annotated[bool, typer.Option("--force", help="目录已存在时删除重建")] = False,
):
    """生成演示县工作区并打印汇总。Example: weijian demo"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from weijian.demo import build_demo, demo_summary, latest_half_year

    if force and (folder / "demo_manifest.yaml").exists():
        shutil.rmtree(folder)  # only a folder that an earlier demo made
    if folder.exists() and any(folder.iterdir()):
        fail(WeijianError(f"目录“{folder}”已存在且非空，请换一个目录或先删除它"))
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task("生成演示数据", total=None)
        ws = build_demo(folder, progress=lambda done, total: progress.update(task, completed=done, total=total))
    with ws:
        demo_summary(ws, console)
        half = latest_half_year(ws)
        try:
            with err.status(f"正在起草{half.label}工作总结……"):
                draft = ws.report(half)
                written = ws.write_report(draft, folder / f"{draft.document.title}.docx")
        except WeijianError as error:
            fail(error)
        console.print(f"工作总结初稿：{written[0]}（文中数字 {len(draft.facts)} 个，来源见 {written[1].name}）")
