"""Every `weijian ledger …` example in docs/ledger.md runs, in order, on a copy of
the demo county (the examples add items; the shared demo must stay as built)."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from weijian.cli import app

DOC = Path(__file__).parent.parent.parent / "docs" / "ledger.md"


def examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [line.split("  #")[0].strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.startswith("weijian ")]


def test_ledger_doc_examples_run(demo_workspace, tmp_path, monkeypatch):
    lines = examples()
    assert len(lines) >= 8
    copy = shutil.copytree(demo_workspace, tmp_path / "演示县")
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = [str(copy) if a == "演示县" else a for a in shlex.split(line)[1:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "工作台账模板.xlsx").exists() and (tmp_path / "2026年台账.xlsx").exists()
