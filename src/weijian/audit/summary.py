"""The audit in a terminal: counts by verdict, then each inconsistency with its quote."""
from __future__ import annotations

from rich.table import Table

from weijian.audit.findings import KINDS, VERDICT_NAMES, AuditReport

__all__ = ["summary_renderables"]


def summary_renderables(report: AuditReport) -> list:
    counts = report.counts()
    head = (f"{report.source or '工作总结'}：识别数字 {len(report.figures)} 个，核对关系 {len(report.findings)} 项"
            f"（{'，'.join(f'{VERDICT_NAMES[v]} {n}' for v, n in counts.items())}）")
    out: list = [head]
    if report.period_label:
        out.append(f"文件所述期间：{report.period_label}")
    problems = report.inconsistent
    if not problems:
        out.append("[green]未发现互相矛盾的数字。[/green]")
        return out
    table = Table(title=f"不一致的数字（{len(problems)} 处）", show_lines=True)
    table.add_column("位置", no_wrap=True)
    table.add_column("类别", no_wrap=True)
    table.add_column("原文", overflow="fold", ratio=2)
    table.add_column("说明", overflow="fold", ratio=3)
    for f in problems:
        line = report.text.count("\n", 0, f.start) + 1
        table.add_row(f"第{line}行", KINDS[f.kind], f.quote if len(f.quote) <= 60 else f.quote[:58] + "……",
                      f.message)
    out.append(table)
    return out
