"""The walk-through of docs/import-export.md runs as written, with the example sheets the repository ships."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from weijian.cli import app

ROOT = Path(__file__).parent.parent.parent


def test_import_export_walkthrough_runs(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "import-export.md").read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()
             if line.startswith("weijian ")]
    assert len(lines) >= 5
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    for line in lines:
        result = CliRunner().invoke(app, shlex.split(line)[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "基本公卫月报.yaml").exists()
