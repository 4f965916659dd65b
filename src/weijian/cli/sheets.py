"""``weijian sheets suggest``: a mapping profile for a county's own sheet, proposed from its cells."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import WorkspaceOpt, check_output, console, fail, open_workspace
from weijian.errors import WeijianError

sheets_app = typer.Typer(help="本县自己的表格：按映射配置导入（先 suggest 生成配置，再 import --mapping）",
                         no_args_is_help=True)


@sheets_app.command()
def suggest(
    file: Annotated[Path, typer.Argument(help="本县的表格：.xlsx、.xls 或 .csv", metavar="文件")],
    workspace: WorkspaceOpt = Path("."),
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="工作表名或序号（默认第一张）", metavar="工作表")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "-o", "--output", help="映射配置文件（默认：工作区 mappings/工作表名.yaml）", metavar="配置")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="配置的名称，如 乡镇基本公卫月报", metavar="名称")] = None,
):
    """读表格，推测表头、各列和各行的含义，写出映射配置；没有把握的列和行留空并列出。
    Example: weijian sheets suggest 5月乡镇月报.xlsx -w 县卫健局 -o 映射/乡镇月报.yaml"""
    from weijian.exchange.sheet_profile import dump_profile
    from weijian.workspace import MAPPINGS_DIR

    if output is not None:
        check_output(output, (".yaml", ".yml"), "映射配置")
    with open_workspace(workspace) as ws:
        try:
            suggestion = ws.suggest_mapping(file, sheet, name)
        except WeijianError as error:
            fail(error)
        target = output or ws.folder / MAPPINGS_DIR / f"{suggestion.profile.name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_profile(suggestion.profile), encoding="utf-8")
    console.print(suggestion.describe_zh(), highlight=False)
    console.print(f"映射配置已写入：{target}\n核对后试导入：weijian import {file} --mapping {target} -w {workspace} --dry-run",
                  highlight=False)
