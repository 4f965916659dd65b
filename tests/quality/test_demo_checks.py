"""The checks on the demo county find every problem the generator planted
(demo_manifest.yaml) and little else."""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

import pytest
import yaml

from weijian.model.periods import Period
from weijian.quality import check, completeness, subtree
from weijian.workspace import Workspace

RANGE = Period.parse("2026年1-10月")
# every report of 1—10月 is overdue by then, whatever day the suite runs on
AS_OF = datetime(2026, 11, 30)
MAX_OTHER_FINDINGS = 10


@pytest.fixture(scope="module")
def demo(demo_workspace):
    ws = Workspace.open(demo_workspace)
    try:
        manifest = yaml.safe_load((demo_workspace / "demo_manifest.yaml").read_text(encoding="utf-8"))
        started = time.perf_counter()
        findings = check(ws.analytics, "YL", RANGE, as_of=AS_OF)
        seconds = time.perf_counter() - started
        yield ws, manifest["planted"], findings, seconds
    finally:
        ws.close()


def matches(finding, planted: dict) -> bool:
    return (finding.kind == planted["kind"] and finding.ou == planted["orgunit"]
            and finding.period == str(planted["period"])
            and ("element" not in planted or finding.element == planted["element"]))


def test_every_planted_problem_is_found(demo):
    _, planted, findings, _ = demo
    assert {"missing", "outlier", "rule"} <= {p["kind"] for p in planted}
    for problem in planted:
        assert any(matches(f, problem) for f in findings), f"未发现预置问题：{problem}"


def test_few_other_findings(demo):
    _, planted, findings, seconds = demo
    others = [f for f in findings if not any(matches(f, p) for p in planted)]
    print(f"\n演示县 2026年1—10月全县审核：{len(findings)} 条问题，用时 {seconds:.2f} 秒；"
          f"预置问题以外 {len(others)} 条 {dict(Counter(f.kind for f in others))}")
    for finding in others:
        print("  ", finding.message)
    assert len(others) <= MAX_OTHER_FINDINGS


def test_findings_are_sorted_and_json_ready(demo):
    _, _, findings, _ = demo
    order = {"高": 0, "中": 1, "低": 2}
    assert [(order[f.importance], f.ou, f.period) for f in findings] == sorted(
        (order[f.importance], f.ou, f.period) for f in findings)
    for finding in findings:
        data = finding.to_dict()
        assert data["kind"] in ("rule", "outlier", "missing", "late") and data["message"].startswith(finding.ou_name)


def test_reporting_rate_shows_the_silent_month(demo):
    ws, planted, _, _ = demo
    (silent,) = [p for p in planted if p["kind"] == "missing"]
    found = completeness(ws.analytics, subtree(ws.package, "YL"), RANGE)
    by_period = {r.key: r for r in found.by_period()}
    month = by_period[str(silent["period"])]
    assert month.reported < month.expected
    assert all(r.reported == r.expected for key, r in by_period.items() if key != str(silent["period"]))
