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
        (["--period", "2026S1", "-o", tmp_path / "x.pdf"], "不支持的输出格式"),
        (["--period", "2026S1", "--template", tmp_path / "none.md.j2"], "模板文件不存在"),
        (["--period", "2026S1", "-o", tmp_path / "x.md", "--pdf"], "--pdf 需要 .docx"),
    ]
    for extra, message in cases:
        result = run("report", "-w", demo_workspace, *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output, (extra, result.output)
