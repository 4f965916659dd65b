"""`weijian report` as a user types it."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_report_writes_docx_and_sidecar(demo_workspace, tmp_path):
    out = tmp_path / "上半年.docx"
    result = run("report", "-w", demo_workspace, "--period", "2026S1", "-o", out, "--date", "2026-07-06")
    assert result.exit_code == 0, result.output
    assert out.exists() and out.with_suffix(".json").exists()
    assert "已起草" in result.output and "文中数字" in result.output
    sidecar = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["date"] == "2026-07-06" and sidecar["figures"]
    # the 数据来源 list is a separate 附件, and ledger figures the statistics contradict are named
    assert (tmp_path / "上半年_附件_数据来源.xlsx").exists() and "附件" in result.output
    assert sidecar["notes"] and all(f"请核实：{n}" in result.output.replace("\n", "") for n in sidecar["notes"][:1])


def test_report_quarter_and_without_placeholders(demo_workspace, tmp_path):
    out = tmp_path / "一季度.md"
    result = run("report", "-w", demo_workspace, "--period", "2026Q1", "-o", out, "--no-placeholders",
                 "--appendix", "none")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# 沅陵县卫生健康局2026年第一季度工作总结"
    assert "第二季度工作安排" in text and "上半年" not in text and "时间进度" not in text
    assert "待补充" not in text and not (tmp_path / "一季度_附件_数据来源.xlsx").exists()


def test_report_for_a_township(demo_workspace, tmp_path):
    out = tmp_path / "官庄镇.md"
    result = run("report", "-w", demo_workspace, "--period", "2026S1", "--ou", "YL_GX", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 官庄镇卫生健康局") or "官庄镇" in text.splitlines()[0]


def test_report_bad_inputs_get_chinese_messages(demo_workspace, tmp_path):
    cases = [
        (["--period", "2026S9"], "期间"),
        (["--period", "2026S1", "--ou", "NOPE"], "机构编码“NOPE”不存在"),
        (["--period", "2026S1", "--date", "7月6日"], "--date 应为"),
        (["--period", "2026S1", "-o", tmp_path / "x.pdf"], "工作总结的文件名应以 .docx"),
        (["--period", "2026年1-4月"], "不支持为“2026年1—4月”（1—4月）起草工作总结"),
        (["--period", "2026S1", "--appendix", "pdf"], "--appendix 应为"),
        (["--period", "2026S1", "--template", tmp_path / "none.md.j2"], "模板文件不存在"),
        (["--period", "2026S1", "-o", tmp_path / "x.md", "--pdf"], "--pdf 需要 .docx"),
    ]
    for extra, message in cases:
        result = run("report", "-w", demo_workspace, *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output, (extra, result.output)
