"""Every `weijian …` example in the docs runs, in order, against the demo county."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from weijian.cli import app

DOCS = Path(__file__).parent.parent / "docs"


def examples(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return [line.split("  #")[0].strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.startswith("weijian ")]


@pytest.mark.parametrize("doc", ["cli.md", "quality.md"])
def test_doc_examples_run(doc, demo_workspace, tmp_path, monkeypatch):
    lines = examples(doc)
    assert len(lines) >= 5
    monkeypatch.chdir(tmp_path)
    for line in lines:
        args = [str(demo_workspace) if a == "演示县" else a for a in shlex.split(line)[1:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"


def test_docs_stand_alone():
    """A user has the repository, not our design notes or this machine's folders."""
    root = DOCS.parent
    for path in [root / "README.md", *DOCS.rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        for outside in ("DESIGN", "../shared", "/work/", "/root/", "/home/"):
            assert outside not in text, f"{path.relative_to(root)} refers to {outside!r}"


def test_architecture_names_every_module():
    """docs/architecture.md is drawn from the code as it is: every package and module appears in it."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    source = DOCS.parent / "src" / "weijian"
    missing = [str(p.relative_to(source)) for p in sorted(source.rglob("*.py"))
               if p.name != "__init__.py" and "default" not in p.parts
               and f"{p.stem}" not in text]
    assert not missing, f"architecture.md does not mention: {missing}"
