"""``weijian query``: an indicator or element with 同比, 完成率 and ranking."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from weijian.cli.common import (
    DataOpt, EngineOpt, JsonOpt, MasterOpt, WorkspaceOpt, console, fail, fmt, metadata_code, open_engine,
    orgunit_code,
)
from weijian.errors import WeijianError

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer()


@app.command()
def query(
    ou: Annotated[str, typer.Option("--ou", help="机构编码或名称，或 children:编码 列出并排名下级", metavar="机构")],
    period: Annotated[str, typer.Option("--period", help="期间，如 2024S1、2024年1-5月", metavar="期间")],
    indicator: Annotated[Optional[str], typer.Option("--indicator", help="指标编码或名称", metavar="指标")] = None,
    element: Annotated[Optional[str], typer.Option(
        "--element", help="数据项编码或名称（可带分类选项：CASES.CLASS_B）", metavar="数据项")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """查询指标或数据项（含同比、完成率、排名）。Example: weijian query --indicator HTN_STD_RATE --ou YL --period 2024S1"""
    if (indicator is None) == (element is None):
        fail(WeijianError("请指定 --indicator 或 --element 之一"))
    if indicator and "." in indicator:
        fail(WeijianError(f"指标编码“{indicator}”不应带分类选项"))
    with open_engine(workspace, engine, data, master) as ws:
        code = metadata_code(ws, indicator, "indicator") if indicator else metadata_code(ws, element, "element")
        try:
            results = ws.query(code, orgunit_code(ws, ou), period)
        except WeijianError as error:
            fail(error)
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    console.print(_results_table(results))


def _results_table(results) -> Table:
    from rich.table import Table

    from weijian.analytics.rounding import round_half_up

    first = results[0]
    table = Table(title=f"{first.name}（{first.period_label}）")
    for column in ("排名", "机构", "数值", "分子", "分母", "去年同期", "同比", "目标", "完成率", "说明"):
        table.add_column(column)
    for r in results:
        change = "" if r.change is None else f"{round_half_up(r.change, 2):+}{r.change_unit}"
        table.add_row(
            "" if r.rank is None else str(r.rank), r.ou_name, fmt(r.rounded, r.unit),
            fmt(r.numerator), fmt(r.denominator), fmt(round_half_up(r.previous, r.decimals), r.unit), change,
            fmt(r.target), "" if r.completion is None else f"{round_half_up(r.completion, 2)}%", r.reason or "",
        )
    return table

