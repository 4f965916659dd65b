"""A report drafted by weijian audits clean, on its own and against the workspace, and every
figure the sidecar lists for the text is read."""
from __future__ import annotations

import json
import re

import pytest

from weijian.audit import audit_file
from weijian.workspace import Workspace


@pytest.fixture(scope="module")
def drafted(demo_workspace, tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    with Workspace.open(demo_workspace) as ws:
        draft = ws.report("2026S1")
        ws.write_report(draft, folder / "总结.docx")
        ws.write_report(draft, folder / "总结.md")
    return folder


@pytest.mark.parametrize("name", ["总结.docx", "总结.md"])
def test_drafted_report_audits_clean(drafted, name):
    report = audit_file(drafted / name)
    assert not report.inconsistent, [(f.quote, f.message) for f in report.inconsistent]
    kinds = {f.kind for f in report.findings if f.verdict == "consistent"}
    assert {"sum", "rate", "sex_ratio", "yoy", "category_count", "ranking"} <= kinds


def test_every_sidecar_figure_is_read(drafted):
    report = audit_file(drafted / "总结.docx")
    sidecar = json.loads((drafted / "总结.json").read_text(encoding="utf-8"))
    texts = {m.text.strip() for m in report.figures}
    numbers = {re.search(r"\d+(?:\.\d+)?", m.text).group() for m in report.figures}
    missing = []
    for figure in sidecar["figures"]:
        if figure["kind"] == "chart" or figure["text"] not in report.text:
            continue  # charts are pictures, not text
        number = re.search(r"\d+(?:\.\d+)?", figure["text"]).group()
        if number not in numbers and figure["text"] not in texts:
            missing.append(figure["text"])
    assert not missing


def test_drafted_report_agrees_with_the_data(drafted, demo_workspace):
    with Workspace.open(demo_workspace) as ws:
        report = audit_file(drafted / "总结.md", workspace=ws)
    assert not report.inconsistent, [(f.quote, f.message) for f in report.inconsistent]
    data = [f for f in report.findings if f.kind == "data"]
    assert sum(f.verdict == "consistent" for f in data) >= 100


def test_a_changed_figure_disagrees_with_the_data(drafted, demo_workspace, tmp_path):
    text = (drafted / "总结.md").read_text(encoding="utf-8")
    changed = text.replace("高血压患者规范管理率69.45%", "高血压患者规范管理率71.45%", 1)
    assert changed != text
    (tmp_path / "改过.md").write_text(changed, encoding="utf-8")
    with Workspace.open(demo_workspace) as ws:
        report = audit_file(tmp_path / "改过.md", workspace=ws)
    [finding] = [f for f in report.inconsistent if f.kind == "data"]
    assert finding.quote == "71.45%" and "69.45%" in finding.message


@pytest.mark.parametrize("period", ["2025", "2026Q1"])
def test_annual_and_quarter_drafts_audit_clean(demo_workspace, tmp_path, period):
    """Every template (half-year above, annual and quarter here) is read back without a contradiction."""
    with Workspace.open(demo_workspace) as ws:
        draft = ws.report(period)
        ws.write_report(draft, tmp_path / "总结.md")
    report = audit_file(tmp_path / "总结.md")
    assert not report.inconsistent, [(f.quote, f.message) for f in report.inconsistent]
    assert {f.kind for f in report.findings if f.verdict == "consistent"} >= {"sum", "category_count", "ranking"}
