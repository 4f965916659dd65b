"""``weijian list orgunits|elements|indicators|datasets``: find the codes every other command takes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import JsonOpt, WorkspaceOpt, console, fail, open_workspace, orgunit_code
from weijian.errors import WeijianError

app = typer.Typer()

KINDS = {"orgunits": "机构", "elements": "数据项", "indicators": "指标", "datasets": "报表"}
PERIOD_TYPES = {"monthly": "月", "quarterly": "季", "yearly": "年"}
AGGREGATIONS = {"sum": "相加", "last": "取最新", "average": "平均", "max": "最大", "min": "最小"}
INDICATOR_KINDS = {"percent": "%", "permille": "‰", "per_100k": "/10万", "ratio": "比（×100）", "plain": "数值"}


@app.command("list")
def list_(
    kind: Annotated[str, typer.Argument(help="orgunits（机构）、elements（数据项）、indicators（指标）或 datasets（报表）",
                                        metavar="类别")],
    workspace: WorkspaceOpt = Path("."),
    search: Annotated[Optional[str], typer.Option(
        "--search", help="只列编码、名称或别名含此文字的（不分大小写）", metavar="文字")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="orgunits：只列此机构及其下级", metavar="机构")] = None,
    level: Annotated[Optional[int], typer.Option("--level", help="orgunits：只列此级", metavar="级")] = None,
    as_json: JsonOpt = False,
):
    """列出编码：机构、数据项、指标、报表。Example: weijian list orgunits --search 官庄"""
    from rich.table import Table

    kind = kind.strip().lower()
    if kind not in KINDS:
        fail(WeijianError(f"不认识“{kind}”：应为 orgunits、elements、indicators 或 datasets"))
    with open_workspace(workspace) as ws:
        scope = set(ws.subtree(orgunit_code(ws, ou))) if ou else None
        rows = _rows(ws.package, kind, scope, level)
    if search:
        needle = search.strip().lower()
        rows = [r for r in rows if any(needle in str(v).lower() for v in r.values())]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{KINDS[kind]}（{len(rows)} 个）")
    for column in (rows[0] if rows else {"编码": ""}):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    if not rows and search:
        console.print(f"没有含“{search}”的{KINDS[kind]}")


def _rows(package, kind: str, scope: set[str] | None, level: int | None) -> list[dict]:
    if kind == "orgunits":
        names = {code: unit.name for code, unit in package.orgunits.items()}
        return [{"编码": u.code, "名称": u.name, "类型": u.type, "级": u.level, "上级": names.get(u.parent, "")}
                for u in package.orgunits.values()
                if (scope is None or u.code in scope) and (level is None or u.level == level)]
    if kind == "elements":
        return [{"编码": e.code, "名称": e.name, "单位": e.unit, "期间": PERIOD_TYPES.get(e.period_type, e.period_type),
                 "汇总": AGGREGATIONS.get(e.aggregation, e.aggregation), "领域": e.domain or "",
                 "分类": e.category or "", "别名": "、".join(e.synonyms)} for e in package.elements.values()]
    if kind == "indicators":
        return [{"编码": i.code, "名称": i.name, "类型": INDICATOR_KINDS.get(i.kind, i.kind),
                 "分子": i.numerator, "分母": i.denominator, "别名": "、".join(i.synonyms)}
                for i in package.indicators.values()]
    return [{"编码": d.code, "名称": d.name, "期间": PERIOD_TYPES.get(d.period_type, d.period_type),
             "截止日": f"次月{d.due_day}日" if d.period_type == "monthly" else f"{d.due_day}日",
             "数据项": len(d.elements), "机构类型": "、".join(d.orgunit_types)} for d in package.datasets.values()]
