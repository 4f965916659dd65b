"""Reading a package: files, YAML syntax, schema (types, fields, values) → Problems."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from weijian.errors import MetadataError, Problem
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
  - {code: CASES, name: 法定传染病报告病例数, unit: 例, aggregation: sum, period_type: monthly, category: DISEASE_CLASS}
categories:
  - code: DISEASE_CLASS
    name: 传染病类别
    options: [{code: CLASS_B, name: 乙类}, {code: CLASS_C, name: 丙类}]
""",
    "indicators.yaml": """\
schema_version: 1
indicators:
  - code: HTN_STD_RATE
    name: 高血压患者规范管理率
    numerator: "#{HTN_STD_MANAGED}"
    denominator: "#{HTN_MANAGED}"
    kind: percent
""",
    "targets.yaml": """\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 70, kind: threshold}
""",
}


def write(folder: Path, **files: str | None) -> Path:
    """The base package with some files replaced (``orgunits="…"``) or removed (``=None``)."""
    contents = dict(BASE)
    for stem, text in files.items():
        contents[f"{stem}.yaml"] = text
    for name, text in contents.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[Problem]:
    package, problems = check_package(folder)
    assert package is None and problems
    return problems


def one_problem(folder: Path, **files: str | None) -> Problem:
    """The single problem a change causes: also proves it does not cascade."""
    problems = problems_of(write(folder, **files))
    assert len(problems) == 1, [p.describe() for p in problems]
    return problems[0]


def assert_problem(problem: Problem, *, file: str, item: str | None, column: str | None, code: str, text: str):
    assert (problem.file, problem.item, problem.column, problem.code) == (file, item, column, code), problem
    assert text in problem.message, problem.message


def test_base_package_loads(tmp_path):
    package = load_package(write(tmp_path))
    unit = package.orgunits["YL_ELX_WSY"]
    assert unit.level == 3
    assert unit.path == ("YL", "YL_ELX", "YL_ELX_WSY")
    assert package.indicators["HTN_STD_RATE"].decimals == 2
    assert package.targets[0].value == Decimal(70)
    assert package.datasets == {} and package.rules == {}


def test_defaults_are_filled(tmp_path):
    package = load_package(write(tmp_path))
    indicator = package.indicators["HTN_STD_RATE"]
    assert (indicator.direction, indicator.synonyms) == ("higher_better", ())
    assert package.elements["CASES"].value_type == "integer"


def test_denominator_defaults_to_one(tmp_path):
    package = load_package(write(tmp_path, indicators="""\
schema_version: 1
indicators:
  - {code: HTN_STD_RATE, name: 高血压患者规范管理率, numerator: "#{HTN_STD_MANAGED}", kind: plain}
"""))
    assert package.indicators["HTN_STD_RATE"].denominator == "1"


@pytest.mark.parametrize("name", ["orgunits.yaml", "elements.yaml", "indicators.yaml", "targets.yaml"])
def test_missing_required_file(tmp_path, name):
    problem = one_problem(tmp_path, **{name.removesuffix(".yaml"): None})
    assert_problem(problem, file=name, item=None, column=None, code="missing-file", text=f"缺少必需的文件 {name}")


def test_missing_folder(tmp_path):
    package, problems = check_package(tmp_path / "没有这个目录")
    assert package is None
    assert problems[0].code == "missing-package" and "不存在" in problems[0].message


def test_yaml_syntax_error_reports_the_line(tmp_path):
    problem = one_problem(tmp_path, orgunits="""\
schema_version: 1
levels: [{level: 1, name: 县}]
orgunits:
  - {code: YL, name: 沅陵县, type: 县}
  - {code: YL_ELX, name: 二酉乡, parent: YL, type: 乡镇
""")
    assert_problem(problem, file="orgunits.yaml", item=None, column=None, code="yaml-syntax", text="YAML 语法错误")
    # PyYAML notices at the end of the file; the message points back to the unclosed brace.
    assert problem.row == 6
    assert "第 6 行" in problem.message and "花括号“{ }”没有闭合" in problem.message
    assert "相关位置：第 5 行" in problem.message


def test_yaml_tab_indentation_is_explained(tmp_path):
    problem = one_problem(tmp_path, targets="schema_version: 1\ntargets:\n\t- {indicator: HTN_STD_RATE}\n")
    assert problem.code == "yaml-syntax" and problem.row == 3
    assert "制表符" in problem.message


def test_duplicate_yaml_key(tmp_path):
    problem = one_problem(tmp_path, targets="""\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 70, kind: threshold, value: 75}
""")
    assert_problem(problem, file="targets.yaml", item=None, column="value", code="duplicate-key", text="重复")
    assert problem.row == 3


def test_not_utf8(tmp_path):
    write(tmp_path)
    (tmp_path / "targets.yaml").write_bytes("schema_version: 1\ntargets: []\n# 说明\n".encode("gbk"))
    (problem,) = problems_of(tmp_path)
    assert_problem(problem, file="targets.yaml", item=None, column=None, code="bad-encoding", text="UTF-8")


def test_file_is_not_a_mapping(tmp_path):
    problem = one_problem(tmp_path, targets="- 1\n- 2\n")
    assert_problem(problem, file="targets.yaml", item=None, column=None, code="wrong-type", text="映射")


@pytest.mark.parametrize("version", ["2", "'1'", "true"])
def test_wrong_schema_version(tmp_path, version):
    problem = one_problem(tmp_path, targets=f"schema_version: {version}\ntargets: []\n")
    assert problem.file == "targets.yaml" and problem.column == "schema_version"
    assert problem.code in ("schema-version", "wrong-type")
    if version == "2":
        assert_problem(problem, file="targets.yaml", item=None, column="schema_version", code="schema-version",
                       text="不支持的格式版本 2")


def test_missing_schema_version(tmp_path):
    problem = one_problem(tmp_path, targets="targets: []\n")
    assert_problem(problem, file="targets.yaml", item=None, column="schema_version", code="missing-field",
                   text="缺少必填字段“schema_version”")


def test_missing_field(tmp_path):
    text = BASE["elements.yaml"].replace("name: 已管理高血压患者人数, unit: 人, ", "name: 已管理高血压患者人数, ")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="HTN_MANAGED", column="unit", code="missing-field",
                   text="缺少必填字段“unit”（单位）")


def test_unknown_field_suggests_the_right_name(tmp_path):
    text = BASE["elements.yaml"].replace("unit: 人, aggregation: last", "unit: 人, agregation: last", 1)
    problems = problems_of(write(tmp_path, elements=text))
    by_code = {p.code: p for p in problems}
    assert set(by_code) == {"unknown-field", "missing-field"}
    assert_problem(by_code["unknown-field"], file="elements.yaml", item="HTN_MANAGED", column="agregation",
                   code="unknown-field", text="是否应为“aggregation”")
    assert by_code["missing-field"].column == "aggregation"


def test_unknown_top_level_field(tmp_path):
    problem = one_problem(tmp_path, targets="schema_version: 1\ntargets: []\ntarget: []\n")
    assert_problem(problem, file="targets.yaml", item=None, column="target", code="unknown-field",
                   text="未知字段“target”")


def test_wrong_type(tmp_path):
    problem = one_problem(tmp_path, targets="""\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: "2024", value: 70, kind: threshold}
""")
    assert_problem(problem, file="targets.yaml", item="第1项", column="year", code="wrong-type",
                   text="应为整数，实际是文字 2024")
    assert problem.row == 3


def test_yaml_boolean_in_text_field_gets_a_hint(tmp_path):
    text = BASE["orgunits.yaml"].replace("type: 县}", "type: yes}")
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="YL", column="type", code="wrong-type", text="请加引号")


def test_bad_code(tmp_path):
    text = BASE["orgunits.yaml"].replace("{code: YL_ELX_WSY,", "{code: yl_elx_wsy,")
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="yl_elx_wsy", column="code", code="bad-code",
                   text="须以大写字母开头")


def test_bad_choice_lists_the_allowed_values(tmp_path):
    text = BASE["elements.yaml"].replace("aggregation: sum", "aggregation: avg")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="CASES", column="aggregation", code="bad-value",
                   text="“avg”不是可用的取值（可选：sum、last、average、max、min）")


def test_bad_indicator_kind(tmp_path):
    text = BASE["indicators.yaml"].replace("kind: percent", "kind: percentage")
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="kind", code="bad-value",
                   text="percent")


def test_decimals_out_of_range(tmp_path):
    text = BASE["indicators.yaml"] + "    decimals: 7\n"
    problem = one_problem(tmp_path, indicators=text)
    assert_problem(problem, file="indicators.yaml", item="HTN_STD_RATE", column="decimals", code="bad-value",
                   text="应在 0 到 6 之间")


def test_due_day_out_of_range(tmp_path):
    problem = one_problem(tmp_path, datasets="""\
schema_version: 1
datasets:
  - {code: BPHS_MONTHLY, name: 基本公共卫生服务月报, period_type: monthly, due_day: 31, elements: [HTN_MANAGED]}
""")
    assert_problem(problem, file="datasets.yaml", item="BPHS_MONTHLY", column="due_day", code="bad-value",
                   text="应在 1 到 28 之间")


def test_target_value_not_a_number(tmp_path):
    problem = one_problem(tmp_path, targets="""\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: 百分之七十, kind: threshold}
""")
    assert_problem(problem, file="targets.yaml", item="第1项", column="value", code="bad-value",
                   text="“百分之七十”不是数字")


def test_target_value_quoted_number_is_accepted(tmp_path):
    package = load_package(write(tmp_path, targets="""\
schema_version: 1
targets:
  - {indicator: HTN_STD_RATE, orgunit: YL, year: 2024, value: "70.5", kind: threshold, source: 考核文件}
"""))
    assert package.targets[0].value == Decimal("70.5")
    assert package.targets[0].source == "考核文件"


def test_item_that_is_not_a_mapping(tmp_path):
    text = BASE["orgunits.yaml"] + "  - YL_GX\n"
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="第4项", column=None, code="wrong-type", text="应为键值映射")


def test_empty_list(tmp_path):
    problems = problems_of(write(tmp_path, elements="schema_version: 1\nelements: []\n"))
    assert_problem(problems[0], file="elements.yaml", item=None, column="elements", code="bad-value",
                   text="至少要有 1 项")
    # The indicator's elements are indeed gone.
    assert {p.code for p in problems[1:]} == {"unknown-reference"}


def test_problem_inside_a_nested_list(tmp_path):
    text = BASE["elements.yaml"].replace("{code: CLASS_C, name: 丙类}", "{code: CLASS_C}")
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="DISEASE_CLASS", column="options", code="missing-field",
                   text="第2项的name：缺少必填字段“name”")


def test_level_items_are_labelled_by_their_list(tmp_path):
    text = BASE["orgunits.yaml"].replace("{level: 2, name: 乡镇}", "{level: 2}")
    problem = one_problem(tmp_path, orgunits=text)
    assert_problem(problem, file="orgunits.yaml", item="levels 第2项", column="name", code="missing-field",
                   text="缺少必填字段“name”")


def test_misnamed_file_is_reported_other_files_ignored(tmp_path):
    write(tmp_path)
    (tmp_path / "dataset.yaml").write_text("schema_version: 1\ndatasets: []\n", encoding="utf-8")
    (tmp_path / "demo_profile.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    (problem,) = problems_of(tmp_path)
    assert_problem(problem, file="dataset.yaml", item=None, column=None, code="misnamed-file",
                   text="应为“datasets.yaml”")


def test_all_problems_are_collected(tmp_path):
    folder = write(
        tmp_path,
        orgunits=BASE["orgunits.yaml"].replace("type: 乡镇卫生院", "typ: 乡镇卫生院"),
        elements=BASE["elements.yaml"].replace("aggregation: sum", "aggregation: avg"),
        indicators=BASE["indicators.yaml"].replace("kind: percent", "kind: 百分比"),
        targets=None,
    )
    problems = problems_of(folder)
    assert {p.file for p in problems} == {"orgunits.yaml", "elements.yaml", "indicators.yaml", "targets.yaml"}
    assert len(problems) == 5  # unknown typ + missing type, bad aggregation, bad kind, missing file


def test_load_package_raises_with_every_problem(tmp_path):
    folder = write(tmp_path, targets=None, indicators=None)
    with pytest.raises(MetadataError) as raised:
        load_package(folder)
    assert [p.file for p in raised.value.problems] == ["indicators.yaml", "targets.yaml"]
    assert "元数据有 2 个问题" in str(raised.value)


def test_unknown_field_inside_a_nested_list_suggests_from_that_list(tmp_path):
    text = BASE["elements.yaml"].replace("{code: CLASS_C, name: 丙类}", "{code: CLASS_C, nmae: 丙类}")
    problems = problems_of(write(tmp_path, elements=text))
    unknown = next(p for p in problems if p.code == "unknown-field")
    assert_problem(unknown, file="elements.yaml", item="DISEASE_CLASS", column="options", code="unknown-field",
                   text="第2项的nmae：未知字段“nmae”，是否应为“name”")


def test_element_limit_must_be_positive(tmp_path):
    text = BASE["elements.yaml"].replace("period_type: monthly}", "period_type: monthly, max_value: 0}", 1)
    problem = one_problem(tmp_path, elements=text)
    assert_problem(problem, file="elements.yaml", item="HTN_MANAGED", column="max_value", code="bad-value",
                   text="上限应大于 0")


def test_element_limit_is_read(tmp_path):
    from weijian.metadata import load_package

    text = BASE["elements.yaml"].replace("period_type: monthly}", "period_type: monthly, max_value: 5000}", 1)
    package = load_package(write(tmp_path, elements=text))
    assert package.elements["HTN_MANAGED"].hard_limit == 5000
    assert package.elements["HTN_STD_MANAGED"].max_value is None
    assert package.elements["HTN_STD_MANAGED"].hard_limit == 10 ** 10


def test_a_kept_package_is_the_package_until_a_file_changes(tmp_path):
    from weijian.metadata import load_package
    from weijian.metadata.load import load_package_cached

    (tmp_path / "包").mkdir()
    folder = write(tmp_path / "包")
    cache = tmp_path / "缓存"
    first = load_package_cached(folder, cache)
    assert first == load_package(folder) and len(list(cache.glob("metadata-*.pickle"))) == 1
    assert load_package_cached(folder, cache) == first  # read back from the cache
    text = BASE["elements.yaml"].replace("已管理高血压患者人数", "在管高血压患者人数")
    (folder / "elements.yaml").write_text(text, encoding="utf-8")
    changed = load_package_cached(folder, cache)
    assert changed.elements["HTN_MANAGED"].name == "在管高血压患者人数"
    assert len(list(cache.glob("metadata-*.pickle"))) == 1  # the old one is gone
    next(cache.glob("metadata-*.pickle")).write_bytes(b"not a pickle")
    assert load_package_cached(folder, cache) == changed  # a broken cache is read again from the YAML
    (folder / "elements.yaml").write_text(BASE["elements.yaml"] + "  - {code: BAD\n", encoding="utf-8")
    with pytest.raises(MetadataError):
        load_package_cached(folder, cache)  # a broken package is never served from the cache
