"""docs/audit.md: every `weijian …` example runs, in order, against the demo county."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from weijian.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def test_doc_examples_run(demo_workspace, tmp_path, monkeypatch):
    text = DOC.read_text(encoding="utf-8")
    lines = [line.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
             for line in block.splitlines() if line.startswith("weijian ")]
    assert len(lines) >= 5
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = [str(demo_workspace) if a == "演示县" else a for a in shlex.split(line)[1:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "批注.html").exists() and (tmp_path / "批注.docx").exists()
