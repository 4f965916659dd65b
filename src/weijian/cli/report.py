"""``weijian report``: draft the 工作总结."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import (
    DataOpt, EngineOpt, MasterOpt, WorkspaceOpt, check_output, console, err, fail, open_engine, orgunit_code,
)
from weijian.errors import WeijianError

app = typer.Typer()


@app.command()
def report(
    period: Annotated[str, typer.Option("--period", help="期间，如 2026S1（上半年）、2025（全年）")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="输出文件：.docx、.md 或 .html")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码或名称，默认全县", metavar="机构")] = None,
    template: Annotated[Optional[Path], typer.Option("--template", help="自定义模板文件（.md.j2）")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF")] = False,
    on: Annotated[Optional[str], typer.Option("--date", help="落款日期，如 2026-07-05（默认今天）")] = None,
    workspace: WorkspaceOpt = Path("."),
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """起草工作总结（GB/T 9704 Word 文档，附数据来源）。Example: weijian report --period 2026S1 -o 上半年工作总结.docx"""
    if output is not None:
        check_output(output, (".docx", ".md", ".html"), "工作总结")
    with open_engine(workspace, engine, data, master) as ws:
        ou = orgunit_code(ws, ou)
        try:
            today = datetime.strptime(on, "%Y-%m-%d").date() if on else None
        except ValueError:
            fail(WeijianError(f"--date 应为 2026-07-05 这样的日期，而不是“{on}”"))
        try:
            with err.status("正在起草工作总结……"):
                draft = ws.report(period, ou, template=template, today=today)
                path = output or Path(f"{draft.document.title}.docx")
                written = ws.write_report(draft, path, pdf=pdf)
        except WeijianError as error:
            fail(error)
    console.print(f"已起草：{written[0]}（{draft.document.title}）")
    console.print(f"文中数字 {len(draft.facts)} 个，来源见 {written[1]} 和文末附表")
    for extra in written[2:]:
        console.print(f"PDF：{extra}")

