"""The README's daily-use lines run as written, in order, with the files the
repository ships (docs/examples/): what a new county types on its first day."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from weijian.cli import app

ROOT = Path(__file__).parent.parent


def daily_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## 日常使用.*?```bash\n(.*?)```", text, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith(".venv/bin/weijian ")]


def test_readme_daily_use_runs_as_written(tmp_path, monkeypatch):
    lines = daily_lines()
    assert len(lines) >= 12 and lines[0].startswith(".venv/bin/weijian init")
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    for line in lines:
        result = CliRunner().invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert "Traceback" not in result.output
    assert (tmp_path / "上半年工作总结.docx").exists() and (tmp_path / "批注.html").exists()
    assert (tmp_path / "县卫健局_恢复" / "weijian.yaml").exists()
