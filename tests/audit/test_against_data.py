"""With a workspace: a stated 完成率 and a stated task are compared with the targets the workspace knows."""
from __future__ import annotations

from weijian.audit import audit_text
from weijian.workspace import Workspace


def test_stated_completion_and_task_against_the_workspace(demo_workspace):
    with Workspace.open(demo_workspace) as ws:
        result = ws.query("OUTPATIENT_TOTAL", ws.package.root().code, "2026S1")[0]
        county = ws.package.root().name
        right = f"{result.completion:.2f}%"
        wrong = f"{result.completion + 2:.2f}%"
        text = (f"{county}卫生健康局2026年上半年工作总结\n上半年，全县门急诊人次完成全年任务的{right}。"
                f"全年门急诊人次任务{int(result.target)}人次。上半年，全县门急诊人次完成全年任务的{wrong}。")
        report = audit_text(text, workspace=ws)
    data = [(f.verdict, report.figures[f.focus].text) for f in report.findings if f.kind == "data"]
    assert ("consistent", right) in data and ("consistent", f"{int(result.target)}人次") in data
    assert ("inconsistent", wrong) in data
