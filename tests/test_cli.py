"""The CLI contract of issue #2, run in-process on a demo workspace (DuckDB
default) — the same commands the README and docs show."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()


@pytest.fixture
def demo_ws(demo_workspace):
    return demo_workspace


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_query_json_contract(demo_ws):
    result = run("query", "-w", demo_ws, "--indicator", "HTN_STD_RATE", "--ou", "YL", "--period", "2025S1", "--json")
    assert result.exit_code == 0, result.output
    [figure] = json.loads(result.stdout)
    assert {"code", "ou", "period", "value", "numerator", "denominator", "previous", "change", "change_unit",
            "target", "completion"} <= set(figure)
    assert figure["code"] == "HTN_STD_RATE" and figure["period"] == "2025S1"
    assert figure["change_unit"] == "个百分点"
    assert round(figure["numerator"] / figure["denominator"] * 100, 2) == figure["value"]
    assert 55 <= figure["value"] <= 85


def test_query_children_are_ranked(demo_ws):
    result = run("query", "-w", demo_ws, "--indicator", "HTN_STD_RATE", "--ou", "children:YL", "--period",
                 "2025年上半年", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    ranked = [f for f in figures if f["rank"] is not None]
    assert [f["rank"] for f in ranked] == sorted(f["rank"] for f in ranked)
    assert ranked[0]["value"] >= ranked[-1]["value"]
    assert figures[-1]["ou"] == "YL_XZ" and figures[-1]["rank"] is None  # 县直 units report no BPHS


def test_query_element_with_annual_task(demo_ws):
    result = run("query", "-w", demo_ws, "--element", "VACC_DOSES", "--ou", "YL", "--period", "2026年1-10月", "--json")
    [figure] = json.loads(result.stdout)
    assert figure["change_unit"] == "%" and figure["target_kind"] == "annual_task"
    assert figure["completion"] == round(figure["value"] / figure["target"] * 100, 2)


@pytest.mark.parametrize("args, message", [
    (["--indicator", "NO_SUCH", "--ou", "YL", "--period", "2025S1"], "指标编码“NO_SUCH”不存在"),
    (["--indicator", "HTN_STD_RATE", "--ou", "NOWHERE", "--period", "2025S1"], "机构编码“NOWHERE”不存在"),
    (["--indicator", "HTN_STD_RATE", "--ou", "YL", "--period", "2025X9"], "无法识别的期间“2025X9”"),
    (["--ou", "YL", "--period", "2025S1"], "请指定 --indicator 或 --element 之一"),
])
def test_query_bad_input_gets_a_chinese_message(demo_ws, args, message):
    result = run("query", "-w", demo_ws, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_export_then_reimport_changes_nothing(demo_ws, tmp_path):
    out = tmp_path / "上半年.csv"
    result = run("export", "-w", demo_ws, "--ou", "YL_GX", "--period", "2025S1", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("dataelement,period,orgunit")
    again = run("import", "-w", demo_ws, out, "--json")
    report = json.loads(again.stdout)
    assert report["ok"] and report["summary"]["created"] == 0 and report["summary"]["updated"] == 0


def test_import_bad_file_stores_nothing(demo_ws, tmp_path):
    bad = tmp_path / "坏文件.csv"
    bad.write_text("dataelement,period,orgunit,value\nVACC_DOSES,202611,YL_GX_WSY,12\n"
                   "VACC_DOSES,202611,YL_GX_WSY_X,5\nVACC_DOSES,202611,YL_ELX_WSY,十二\n", encoding="utf-8")
    result = run("import", "-w", demo_ws, bad, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["ok"]
    assert {(p["row"], p["column"]) for p in report["problems"]} == {(3, "orgunit"), (4, "value")}
    check = run("query", "-w", demo_ws, "--element", "VACC_DOSES", "--ou", "YL_GX_WSY", "--period", "202611", "--json")
    assert json.loads(check.stdout)[0]["value"] is None


def test_template_and_init(tmp_path):
    result = run("init", tmp_path / "新县")
    assert result.exit_code == 0, result.output
    assert "已创建工作区" in result.output
    out = tmp_path / "模板.xlsx"
    result = run("template", "-w", tmp_path / "新县", "--level", "3", "--period", "202405", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.exists()
    again = run("init", tmp_path / "新县")
    assert again.exit_code == 2 and "已经是 weijian 工作区" in again.output


def test_not_a_workspace(tmp_path):
    result = run("query", "-w", tmp_path, "--indicator", "HTN_STD_RATE", "--ou", "YL", "--period", "2025S1")
    assert result.exit_code == 2 and "不是 weijian 工作区" in result.output


def test_check_json_finds_the_planted_problems(demo_ws):
    import yaml

    result = run("check", "-w", demo_ws, "--ou", "YL", "--period", "2026年1-10月", "--json")
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    planted = yaml.safe_load((demo_ws / "demo_manifest.yaml").read_text(encoding="utf-8"))["planted"]
    found = {(f["kind"], f["ou"], f["period"]) for f in findings}
    for problem in planted:
        assert (problem["kind"], problem["orgunit"], problem["period"]) in found
    assert all({"kind", "ou", "period", "element", "rule", "message"} <= set(f) for f in findings)


def test_reporting_rates(demo_ws):
    result = run("reporting", "-w", demo_ws, "--ou", "YL", "--period", "2026年1-10月", "--json")
    assert result.exit_code == 0, result.output
    total = json.loads(result.stdout)[0]
    assert total["expected"] - total["reported"] == 2  # the one silent village clinic owes two reports
    assert total["reporting_rate"] == round(total["reported"] / total["expected"] * 100, 2)
