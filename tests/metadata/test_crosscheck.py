"""Checks across items and files: unique codes, the org-unit tree, references, expressions."""
from __future__ import annotations

from pathlib import Path

import pytest

from weijian.errors import Problem
from weijian.metadata import check_package, load_package

BASE = {
    "orgunits.yaml": """\
schema_version: 1
levels: [{level: 1, name: 县}, {level: 2, name: 乡镇}, {level: 3, name: 机构}]
orgunits:
  - {code: YL, name: 沅陵县, type: 县}
  - {code: YL_ELX, name: 二酉乡, parent: YL, type: 乡镇}
  - {code: YL_ELX_WSY, name: 二酉乡卫生院, parent: YL_ELX, type: 乡镇卫生院}
""",
    "elements.yaml": """\
schema_version: 1
elements:
  - {code: HTN_MANAGED, name: 已管理高血压患者人数, unit: 人, aggregation: last, period_type: monthly}
  - {code: HTN_STD_MANAGED, name: 规范管理高血压患者人数, unit: 人, aggregation: last, period_type: monthly}
  - {code: POP_RESIDENT, name: 常住人口, unit: 人, aggregation: last, period_type: yearly}
  - {code: CASES, name: 法定传染病报告病例数, unit: 例, aggregation: sum, period_type: monthly, category: DISEASE_CLASS}
categories:
  - code: DISEASE_CLASS
    name: 传染病类别
    options: [{code: CLASS_B, name: 乙类}, {code: CLASS_C, name: 丙类}]
""",
    "indicators.yaml": """\
schema_version: 1
indicators:
  - {code: HTN_STD_RATE, name: 高血压患者规范管理率, numerator: "#{HTN_STD_MANAGED}", denominator: "#{HTN_MANAGED}",
     kind: percent, synonyms: [规范管理率]}
""",
    "targets.yaml": """\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 70, kind: threshold}
""",
}

UNITS_HEAD = BASE["orgunits.yaml"].split("orgunits:\n")[0] + "orgunits:\n"


def units(*lines: str) -> str:
    """An orgunits.yaml with the given unit lines."""
    return UNITS_HEAD + "".join(f"  - {line}\n" for line in lines)


def with_indicator(line: str) -> str:
    return BASE["indicators.yaml"] + f"  - {line}\n"


def problems_of(folder: Path, **files: str | None) -> list[Problem]:
    for name, text in {**BASE, **{f"{stem}.yaml": text for stem, text in files.items()}}.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    package, problems = check_package(folder)
    assert package is None and problems
    return problems


def one_problem(folder: Path, **files: str) -> Problem:
    problems = problems_of(folder, **files)
    assert len(problems) == 1, [p.describe() for p in problems]
    return problems[0]


def assert_problem(problem: Problem, *, file: str, item: str | None, column: str | None, code: str, text: str):
    assert (problem.file, problem.item, problem.column, problem.code) == (file, item, column, code), problem
    assert text in problem.message, problem.message


# -- unique codes and names ------------------------------------------------------

def test_duplicate_orgunit_code(tmp_path):
    text = BASE["orgunits.yaml"] + "  - {code: YL_ELX, name: 二酉苗族乡, parent: YL, type: 乡镇}\n"
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL_ELX", column="code", code="duplicate-code",
                   text="代码“YL_ELX”重复，已在第 5 行定义")
    assert problem.row == 7


def test_duplicate_element_code(tmp_path):
    text = BASE["elements.yaml"].replace("code: POP_RESIDENT", "code: HTN_MANAGED")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="HTN_MANAGED", column="code", code="duplicate-code",
                   text="重复")


def test_duplicate_category_code(tmp_path):
    text = BASE["elements.yaml"] + "  - {code: DISEASE_CLASS, name: 病种, options: [{code: FLU, name: 流感}]}\n"
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="DISEASE_CLASS", column="code", code="duplicate-code",
                   text="重复")


def test_duplicate_option_code_within_a_category(tmp_path):
    text = BASE["elements.yaml"].replace("{code: CLASS_C, name: 丙类}", "{code: CLASS_B, name: 丙类}")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="DISEASE_CLASS", column="options", code="duplicate-code",
                   text="选项代码“CLASS_B”在分类“DISEASE_CLASS”中重复")


def test_duplicate_indicator_code(tmp_path):
    text = with_indicator('{code: HTN_STD_RATE, name: 另一个率, numerator: "#{HTN_MANAGED}", kind: plain}')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="code", code="duplicate-code",
                   text="重复")


def test_indicator_code_may_not_be_an_element_code(tmp_path):
    text = with_indicator('{code: CASES, name: 法定传染病病例数, numerator: "#{CASES}", kind: plain}')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="CASES", column="code", code="duplicate-code",
                   text="已用作数据项代码")


def test_indicator_synonym_must_be_unique(tmp_path):
    text = with_indicator('{code: HTN_RATE2, name: 规范管理率, numerator: "#{HTN_MANAGED}", kind: plain}')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_RATE2", column="name", code="duplicate-name",
                   text="名称“规范管理率”已被指标“HTN_STD_RATE”使用")


# -- the org-unit tree -------------------------------------------------------------

def test_missing_parent(tmp_path):
    text = BASE["orgunits.yaml"] + "  - {code: YL_GX_WSY, name: 官庄镇卫生院, parent: YL_X, type: 乡镇卫生院}\n"
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL_GX_WSY", column="parent", code="missing-parent",
                   text="上级机构“YL_X”不存在")
    assert problem.row == 7


def test_cycle_is_named(tmp_path):
    text = units(
        "{code: YL, name: 沅陵县, type: 县}",
        "{code: YL_A, name: 甲乡, parent: YL_C, type: 乡镇}",
        "{code: YL_B, name: 乙乡, parent: YL_A, type: 乡镇}",
        "{code: YL_C, name: 丙乡, parent: YL_B, type: 乡镇}",
        "{code: YL_C_WSY, name: 丙乡卫生院, parent: YL_C, type: 乡镇卫生院}",  # below the cycle: no echo
    )
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL_A", column="parent", code="cycle",
                   text="上级关系成环：YL_A → YL_C → YL_B → YL_A")


def test_unit_that_is_its_own_parent(tmp_path):
    text = BASE["orgunits.yaml"].replace("parent: YL_ELX,", "parent: YL_ELX_WSY,")
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL_ELX_WSY", column="parent", code="cycle",
                   text="YL_ELX_WSY → YL_ELX_WSY")


def test_no_root(tmp_path):
    text = units(
        "{code: YL, name: 沅陵县, parent: YL_ELX, type: 县}",
        "{code: YL_ELX, name: 二酉乡, parent: YL, type: 乡镇}",
    )
    problems = problems_of(tmp_path, orgunits=text, targets="schema_version: 1\ntargets: []\n")
    assert [p.code for p in problems] == ["missing-root", "cycle"]
    assert_problem(problems[0], file="orgunits.yaml", item=None, column="parent", code="missing-root",
                   text="没有顶级机构")
    assert "YL → YL_ELX → YL" in problems[1].message


def test_two_roots(tmp_path):
    text = BASE["orgunits.yaml"] + "  - {code: CX, name: 辰溪县, type: 县}\n"
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="CX", column="parent", code="multiple-roots",
                   text="已有顶级机构“YL”")


def test_unit_deeper_than_the_levels(tmp_path):
    text = BASE["orgunits.yaml"] + "  - {code: YL_ELX_WSY_1, name: 分院, parent: YL_ELX_WSY, type: 分院}\n"
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL_ELX_WSY_1", column="parent", code="bad-level",
                   text="位于第 4 级，但 levels 只定义了 3 级")


def test_at_most_six_levels(tmp_path):
    text = BASE["orgunits.yaml"].replace("{level: 3, name: 机构}", "{level: 3, name: 机构}, {level: 7, name: 组}")
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="levels 第4项", column="level", code="bad-value",
                   text="应在 1 到 6 之间")


def test_levels_numbered_in_order(tmp_path):
    text = BASE["orgunits.yaml"].replace("{level: 2, name: 乡镇}", "{level: 3, name: 乡镇}")
    problems = problems_of(tmp_path, orgunits=text)
    assert_problem(problems[0], file="orgunits.yaml", item="levels 第2项", column="level", code="bad-level",
                   text="这里应为 2，实际是 3")


def test_levels_and_paths_are_computed(tmp_path):
    text = units(
        "{code: YL_ELX_WSY, name: 二酉乡卫生院, parent: YL_ELX, type: 乡镇卫生院}",  # child before parent
        "{code: YL_ELX, name: 二酉乡, parent: YL, type: 乡镇}",
        "{code: YL, name: 沅陵县, type: 县}",
    )
    for name, content in {**BASE, "orgunits.yaml": text}.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    package = load_package(tmp_path)
    assert [(u.code, u.level) for u in package.orgunits.values()] == [("YL_ELX_WSY", 3), ("YL_ELX", 2), ("YL", 1)]
    assert package.orgunits["YL_ELX"].path == ("YL", "YL_ELX")
    assert package.root().code == "YL"


# -- elements, indicators, expressions --------------------------------------------

def test_element_with_unknown_category(tmp_path):
    text = BASE["elements.yaml"].replace("category: DISEASE_CLASS", "category: DISEASE")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="CASES", column="category", code="unknown-reference",
                   text="分类“DISEASE”不存在")


def test_indicator_bad_expression(tmp_path):
    text = BASE["indicators.yaml"].replace('"#{HTN_STD_MANAGED}"', '"#{HTN_STD_MANAGED"')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="numerator", code="bad-expression",
                   text="没有对应的“}”")


def test_indicator_unknown_element(tmp_path):
    text = BASE["indicators.yaml"].replace('denominator: "#{HTN_MANAGED}"', 'denominator: "#{HTN_MANAGE}"')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="denominator",
                   code="unknown-reference", text="数据项“HTN_MANAGE”不存在")


def test_indicator_unknown_option(tmp_path):
    text = with_indicator('{code: CLASS_BX_INCIDENCE, name: 乙类发病率, numerator: "#{CASES.CLASS_X}",'
                          ' denominator: "#{POP_RESIDENT}", kind: per_100k}')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="CLASS_BX_INCIDENCE", column="numerator",
                   code="unknown-reference",
                   text="选项“CLASS_X”不属于数据项“CASES”的分类“DISEASE_CLASS”（可选：CLASS_B、CLASS_C）")


def test_indicator_option_of_element_without_category(tmp_path):
    text = BASE["indicators.yaml"].replace('"#{HTN_STD_MANAGED}"', '"#{HTN_STD_MANAGED.MALE}"')
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="numerator",
                   code="unknown-reference", text="数据项“HTN_STD_MANAGED”没有分类")


def test_option_sums_are_fine(tmp_path):
    text = with_indicator('{code: CLASS_BC_INCIDENCE, name: 乙丙类传染病发病率,'
                          ' numerator: "#{CASES.CLASS_B} + #{CASES.CLASS_C}", denominator: "#{POP_RESIDENT}",'
                          ' kind: per_100k, decimals: 2, direction: lower_better}')
    for name, content in {**BASE, "indicators.yaml": text}.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert load_package(tmp_path).indicators["CLASS_BC_INCIDENCE"].factor == 100000


def test_broken_element_does_not_echo_as_unknown_reference(tmp_path):
    text = BASE["elements.yaml"].replace("name: 已管理高血压患者人数, unit: 人", "name: 已管理高血压患者人数, unit: 2")
    problem = one_problem(tmp_path, elements=text)
    assert (problem.item, problem.column, problem.code) == ("HTN_MANAGED", "unit", "wrong-type")


# -- targets ---------------------------------------------------------------------

def targets(line: str) -> str:
    return f"schema_version: 1\ntargets:\n  - {line}\n"


@pytest.mark.parametrize(
    ("line", "column", "code", "text"),
    [
        ("{indicator: HTN_STD_RAT, orgunit: YL, year: 2024, value: 70, kind: threshold}",
         "indicator", "unknown-reference", "指标“HTN_STD_RAT”不存在"),
        ("{element: VACC_DOSES, orgunit: YL, year: 2024, value: 164318, kind: annual_task}",
         "element", "unknown-reference", "数据项“VACC_DOSES”不存在"),
        ("{indicator: HTN_STD_RATE, orgunit: YL_X, year: 2024, value: 70, kind: threshold}",
         "orgunit", "unknown-reference", "机构“YL_X”不存在"),
        ("{orgunit: YL, year: 2024, value: 70, kind: threshold}",
         "indicator", "missing-field", "须填写 indicator（指标）或 element（数据项）之一"),
        ("{indicator: HTN_STD_RATE, element: HTN_MANAGED, orgunit: YL, year: 2024, value: 70, kind: threshold}",
         "element", "bad-value", "只能填一个"),
        ("{indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 70, kind: goal}",
         "kind", "bad-value", "可选"),
    ],
)
def test_target_problems(tmp_path, line, column, code, text):
    problem = one_problem(tmp_path, targets=targets(line))
    assert_problem(problem, file="targets.yaml", item="第1项", column=column, code=code, text=text)


def test_duplicate_target(tmp_path):
    again = "  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 75, kind: threshold}\n"
    text = BASE["targets.yaml"] + again
    problem = one_problem(tmp_path, targets=text)
    assert_problem(problem, file="targets.yaml", item="第2项", column="year", code="duplicate-target",
                   text="已在第1项给出")


# -- datasets and rules ------------------------------------------------------------

def dataset(**fields: str) -> str:
    values = {"code": "BPHS_MONTHLY", "name": "基本公共卫生服务月报", "period_type": "monthly", "due_day": "10",
              "elements": "[HTN_MANAGED, HTN_STD_MANAGED]", "orgunit_types": "[乡镇卫生院]", **fields}
    return "schema_version: 1\ndatasets:\n  - {" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}\n"


def test_dataset_loads(tmp_path):
    for name, content in {**BASE, "datasets.yaml": dataset(levels="[3]")}.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    loaded = load_package(tmp_path).datasets["BPHS_MONTHLY"]
    assert loaded.elements == ("HTN_MANAGED", "HTN_STD_MANAGED")
    assert (loaded.due_day, loaded.orgunit_types, loaded.levels) == (10, ("乡镇卫生院",), (3,))


@pytest.mark.parametrize(
    ("fields", "column", "code", "text"),
    [
        ({"elements": "[HTN_MANAGED, VACC_DOSES]"}, "elements", "unknown-reference", "数据项“VACC_DOSES”不存在"),
        ({"orgunit_types": "[乡镇卫生院, 村卫生所]"}, "orgunit_types", "unknown-reference", "机构类型“村卫生所”"),
        ({"levels": "[4]"}, "levels", "unknown-reference", "第 4 级不在"),
        ({"period_type": "weekly"}, "period_type", "bad-value", "可选：monthly、quarterly、half_yearly、yearly"),
        ({"due_day": "0"}, "due_day", "bad-value", "应在 1 到 28 之间"),
    ],
)
def test_dataset_problems(tmp_path, fields, column, code, text):
    problem = one_problem(tmp_path, datasets=dataset(**fields))
    assert_problem(problem, file="datasets.yaml", item="BPHS_MONTHLY", column=column, code=code, text=text)


def rule(**fields: str) -> str:
    values = {"code": "HTN_STD_LE_MANAGED", "name": "规范管理人数不超过已管理人数", "left": '"#{HTN_STD_MANAGED}"',
              "operator": '"<="', "right": '"#{HTN_MANAGED}"', "importance": "高",
              "message": '"规范管理人数（{left}）超过已管理人数（{right}）"', **fields}
    return "schema_version: 1\nrules:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in values.items()) + "\n"


def test_rule_loads(tmp_path):
    for name, content in {**BASE, "rules.yaml": rule()}.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    loaded = load_package(tmp_path).rules["HTN_STD_LE_MANAGED"]
    assert (loaded.operator, loaded.importance, loaded.period_type) == ("<=", "高", "monthly")


@pytest.mark.parametrize(
    ("fields", "column", "code", "text"),
    [
        ({"operator": '"=<"'}, "operator", "bad-value", "可选：==、!=、<、<=、>、>="),
        ({"importance": "严重"}, "importance", "bad-value", "可选：高、中、低"),
        ({"left": '"#{HTN_STD_MANAGED} +"'}, "left", "bad-expression", "缺少运算数"),
        ({"right": '"#{HTN_MANAGED.MALE}"'}, "right", "unknown-reference", "没有分类"),
        ({"right": '"#{HTN}"'}, "right", "unknown-reference", "数据项“HTN”不存在"),
        ({"message": '"超过（{value}）"'}, "message", "bad-value", "“{value}”无法填充"),
        ({"message": '"超过（{left）"'}, "message", "bad-value", "花括号不成对"),
    ],
)
def test_rule_problems(tmp_path, fields, column, code, text):
    problem = one_problem(tmp_path, rules=rule(**fields))
    assert_problem(problem, file="rules.yaml", item="HTN_STD_LE_MANAGED", column=column, code=code, text=text)
