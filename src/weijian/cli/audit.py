"""``weijian audit``: check the figures of an existing work summary."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import console, check_output, fail, open_workspace
from weijian.errors import WeijianError

app = typer.Typer()


@app.command()
def audit(
    file: Annotated[Path, typer.Argument(help="工作总结：.txt、.docx 或 .md", metavar="文件")],
    workspace: Annotated[Optional[Path], typer.Option("-w", "--workspace", help="工作区目录：同时与数据核对", metavar="目录")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出数字和核对结果")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="批注文件：.html 或 .docx")] = None,
):
    """核对工作总结中的数字（按“其中/含/合计/占/比上年增加”等结构读出分项合计、占比、率、完成率、人均、同比、性别比、表格合计，可选与数据核对），结论分一致、部分核对、不一致、无法核对。Example: weijian audit 上半年工作总结.docx -o 批注.html"""
    if output is not None:
        check_output(output, (".html", ".docx"), "批注文件")
    from weijian.audit import audit_file, summary, write_annotated

    try:
        if workspace is None:
            report = audit_file(file)
        else:
            with open_workspace(workspace) as ws:
                report = audit_file(file, workspace=ws)
        if output is not None:
            write_annotated(report, output, source=file)
    except WeijianError as error:
        fail(error)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(*summary.summary_renderables(report), sep="\n")
    if output is not None:
        console.print(f"批注已写入：{output}")

