"""Every `weijian …` example in docs/cli.md runs against the demo county."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weijian.cli import app

DOC = Path(__file__).parent.parent / "docs" / "cli.md"
EXAMPLES = [line for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
            for line in block.splitlines() if line.startswith("weijian ")]


def test_docs_have_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("line", EXAMPLES)
def test_doc_example_runs(line, demo_workspace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [str(demo_workspace) if a == "演示县" else a for a in shlex.split(line)[1:]]
    if args[0] == "import":  # imports the file the export example wrote
        CliRunner().invoke(app, ["export", "-w", str(demo_workspace), "--ou", "YL_GX", "--period",
                                 "202501..202506", "-o", "官庄镇上半年.csv"])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
