"""The traps a newcomer fell into (issue #17): endless check output, exports
that silently leave values out, a busy port found only after printing passwords."""
from __future__ import annotations

import socket

from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_check_summary_counts_by_kind_and_unit(demo_workspace):
    full = run("check", "-w", demo_workspace, "--ou", "YL", "--period", "2026年1-6月", "--json")
    summary = run("check", "-w", demo_workspace, "--ou", "沅陵县", "--period", "2026年1-6月", "--summary")
    assert summary.exit_code == 0, summary.output
    assert "按机构计数" in summary.output and "合计" in summary.output
    import json

    total = len(json.loads(full.stdout))
    assert f"共发现 {total} 个问题" in summary.output


def test_check_lists_at_most_the_limit_and_says_how_many_are_left(demo_workspace):
    result = run("check", "-w", demo_workspace, "--ou", "YL", "--period", "2026年1-6月", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "未列出" in result.output and "--limit 0" in result.output


def test_export_of_months_says_it_left_out_the_yearly_values(demo_workspace, tmp_path):
    result = run("export", "-w", demo_workspace, "--ou", "YL_GX", "--period", "202601..202606", "-o",
                 tmp_path / "上半年.csv")
    assert result.exit_code == 0, result.output
    assert "未导出" in result.output and "2026 的" in result.output


def test_serve_on_a_busy_port_fails_before_creating_anything(demo_workspace):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "-w", demo_workspace, "--port", port)
    assert result.exit_code == 2
    assert f"端口 {port} 已被占用" in result.output and "密码" not in result.output
