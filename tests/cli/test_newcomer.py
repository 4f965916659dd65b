"""A new county's first hour (issue #17): its own tree from Excel, codes it can
find, names where codes are asked, and every message in Chinese."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()

TREE = [
    ("名称", "上级", "类型", "编码"),
    ("青山县", "", "县", ""),
    ("县直", "青山县", "县直", ""),
    ("青山县人民医院", "县直", "县级医院", ""),
    ("城关镇", "青山县", "乡镇", ""),
    ("城关镇中心卫生院", "城关镇", "乡镇卫生院", ""),
    ("城关镇东门村卫生室", "城关镇", "村卫生室", ""),
    ("白沙乡", "青山县", "乡镇", ""),
    ("白沙乡卫生院", "白沙乡", "乡镇卫生院", ""),
    ("白石乡", "青山县", "乡镇", "BAISHI"),
    ("白石乡卫生院", "BAISHI", "乡镇卫生院", ""),
]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def sheet(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture
def county(tmp_path):
    folder = tmp_path / "青山县卫健局"
    result = run("init", folder, "--orgunits", sheet(tmp_path / "机构.xlsx", TREE))
    assert result.exit_code == 0, result.output
    assert "青山县（编码 QS）" in result.output
    return folder


def units(folder) -> dict[str, dict]:
    result = run("list", "orgunits", "-w", folder, "--json")
    assert result.exit_code == 0, result.output
    return {row["名称"]: row for row in json.loads(result.stdout)}


def test_init_builds_the_tree_from_excel_with_generated_codes(county):
    found = units(county)
    assert len(found) == len(TREE) - 1
    assert found["青山县"]["编码"] == "QS" and found["青山县"]["级"] == 1
    assert found["城关镇"]["编码"] == "QS_CGZ" and found["城关镇"]["上级"] == "青山县"
    assert found["城关镇中心卫生院"]["编码"] == "QS_CGZ_CGZ" and found["城关镇中心卫生院"]["级"] == 3
    assert found["白石乡"]["编码"] == "BAISHI"  # a given code is kept
    assert found["白石乡卫生院"]["上级"] == "白石乡"  # 上级 may name the parent by code
    assert "沅陵" not in json.dumps(found, ensure_ascii=False)


def test_a_new_county_has_the_thresholds_but_not_the_demo_tasks(county):
    targets = (county / "metadata" / "targets.yaml").read_text(encoding="utf-8")
    assert "orgunit: QS" in targets and "orgunit: YL" not in targets
    assert "annual_task}" not in targets.replace("kind: annual_task}\n", "")  # only the example comment mentions it


def test_names_and_any_case_are_accepted_where_codes_are_asked(county):
    by_name = run("query", "-w", county, "--indicator", "高血压患者规范管理率", "--ou", "城关", "--period", "2026S1",
                  "--json")
    by_code = run("query", "-w", county, "--indicator", "htn_std_rate", "--ou", "qs_cgz", "--period", "2026S1",
                  "--json")
    assert by_name.exit_code == 0 and by_code.exit_code == 0, by_name.output + by_code.output
    assert json.loads(by_name.stdout)[0]["ou"] == json.loads(by_code.stdout)[0]["ou"] == "QS_CGZ"


def test_an_unknown_name_suggests_the_nearest_codes(county):
    result = run("query", "-w", county, "--indicator", "HTN_STD_RATE", "--ou", "白沙村", "--period", "2026S1")
    assert result.exit_code == 2
    assert "QS_BSX（白沙乡）" in result.output and "weijian list orgunits" in result.output
    ambiguous = run("query", "-w", county, "--indicator", "HTN_STD_RATE", "--ou", "白", "--period", "2026S1")
    assert ambiguous.exit_code == 2 and "不存在" in ambiguous.output


def test_county_alone_starts_with_one_unit(tmp_path):
    result = run("init", tmp_path / "ws", "--county", "某某县")
    assert result.exit_code == 0, result.output
    assert list(units(tmp_path / "ws")) == ["某某县"]


@pytest.mark.parametrize("rows, message", [
    ([("名称", "类型"), ("青山县", "县")], "缺少必需的列：上级"),
    ([("名称", "上级", "类型"), ("青山县", "", "县"), ("城关镇", "青山", "乡镇")], "第 3 行，“上级”列：上级“青山”不在表中"),
    ([("名称", "上级", "类型"), ("青山县", "", "县"), ("城关镇", "", "乡镇")], "“上级”为空的行有 2 个"),
    ([("名称", "上级", "类型"), ("青山县", "", "县"), ("城关镇", "青山县", "")], "第 3 行，“类型”列：类型为空"),
    ([("名称", "上级", "类型", "编码"), ("青山县", "", "县", "qs-1")], "编码“qs-1”应由大写字母"),
    ([("名称", "上级", "类型"), ("青山县", "", "县"), ("甲", "乙", "乡镇"), ("乙", "甲", "乡镇")], "形成循环"),
])
def test_a_bad_tree_is_refused_with_row_and_column(tmp_path, rows, message):
    result = run("init", tmp_path / "ws", "--orgunits", sheet(tmp_path / "机构.xlsx", rows))
    assert result.exit_code == 2
    assert "机构.xlsx" in result.output and message in result.output
    assert not (tmp_path / "ws" / "weijian.yaml").exists()  # nothing half-made


def test_list_searches_every_kind(county):
    for kind, text, code in (("elements", "接种剂次", "VACC_DOSES"), ("indicators", "规范管理率", "HTN_STD_RATE"),
                             ("datasets", "基本公共卫生", "BPHS_MONTHLY"), ("orgunits", "白沙", "QS_BSX")):
        result = run("list", kind, "-w", county, "--search", text, "--json")
        assert result.exit_code == 0, result.output
        assert code in [row["编码"] for row in json.loads(result.stdout)], (kind, result.stdout[:300])
    assert run("list", "things", "-w", county).exit_code == 2


def test_output_names_must_match_what_is_written(county, tmp_path):
    for args in (("template", "-w", county, "--period", "202605", "-o", tmp_path / "x.xls"),
                 ("export", "-w", county, "--ou", "QS", "--period", "202605", "-o", tmp_path / "a.txt"),
                 ("ledger", "export", tmp_path / "x.csv", "-w", county)):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert "文件名应以" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("x.*")) and not (tmp_path / "a.txt").exists()
