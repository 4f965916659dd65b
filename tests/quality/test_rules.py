"""Validation rules on a tiny county, every expected violation worked out by hand.

Tree: C 县 → T1 甲乡 (F1, F2), T2 乙镇 (F3). Runs on every backend.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from weijian.analytics import Analytics
from weijian.model import (
    Category, CategoryOption, DataElement, Level, MetadataPackage, OrgUnit, ValidationRule,
)
from weijian.model.periods import Period
from weijian.quality import run_rules, sort_findings, subtree
from weijian.storage import ValueRow


def _ou(code, name, parent_path, type_):
    path = (*parent_path, code)
    return OrgUnit(code, name, type_, parent_path[-1] if parent_path else None, len(path), path)


UNITS = [
    _ou("C", "演示县", (), "县"),
    _ou("T1", "甲乡", ("C",), "乡镇"),
    _ou("T2", "乙镇", ("C",), "乡镇"),
    _ou("F1", "甲乡卫生院", ("C", "T1"), "乡镇卫生院"),
    _ou("F2", "甲乡二院", ("C", "T1"), "乡镇卫生院"),
    _ou("F3", "乙镇卫生院", ("C", "T2"), "乡镇卫生院"),
]


def package_with(*rules: ValidationRule) -> MetadataPackage:
    elements = [
        DataElement("STD", "规范管理高血压患者人数", "人", "sum"),
        DataElement("MANAGED", "已管理高血压患者人数", "人", "sum"),
        DataElement("CASES", "法定传染病报告病例数", "例", "sum", category="DISEASE_CLASS"),
        DataElement("CASES_REG", "登记传染病病例数", "例", "sum"),
        DataElement("DOSE", "人均剂量", "毫升", "sum", value_type="number"),
        DataElement("DOSE_ALL", "总剂量", "毫升", "sum", value_type="number"),
    ]
    category = Category("DISEASE_CLASS", "传染病类别", (CategoryOption("CLASS_B", "乙类"), CategoryOption("CLASS_C", "丙类")))
    return MetadataPackage(
        levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "机构")),
        orgunits={u.code: u for u in UNITS},
        elements={e.code: e for e in elements},
        categories={category.code: category},
        rules={r.code: r for r in rules},
    )


def rule(operator: str, left="#{STD}", right="#{MANAGED}", *, code="R", importance="高", period_type="monthly",
         levels=(), message="规范管理高血压患者人数（{left}）与已管理高血压患者人数（{right}）不符") -> ValidationRule:
    return ValidationRule(code, f"规则{code}", left, operator, right, message, importance, period_type, tuple(levels))


def row(element: str, period: str, orgunit: str, value: float, option: str = "") -> ValueRow:
    p = Period.parse(period)
    return ValueRow(element, p.id, orgunit, float(value), p.start, p.end, categoryoptioncombo=option)


ROWS = [
    # 202601: F1 5 vs 5, F2 6 vs 5, F3 4 vs 5 — one unit on each side of every operator
    row("STD", "202601", "F1", 5), row("MANAGED", "202601", "F1", 5),
    row("STD", "202601", "F2", 6), row("MANAGED", "202601", "F2", 5),
    row("STD", "202601", "F3", 4), row("MANAGED", "202601", "F3", 5),
    # 202602: F3 has a left side only, F2 a right side only
    row("STD", "202602", "F3", 4), row("MANAGED", "202602", "F2", 3),
    # 202603: F1 breaks <= again (9 vs 7)
    row("STD", "202603", "F1", 9), row("MANAGED", "202603", "F1", 7),
    # options: F1 3 + 4 = 7 registered; F2 2 + 2 ≠ 5; F3 only CLASS_B 3 (CLASS_C counts 0) = 3
    row("CASES", "202601", "F1", 3, "CLASS_B"), row("CASES", "202601", "F1", 4, "CLASS_C"), row("CASES_REG", "202601", "F1", 7),
    row("CASES", "202601", "F2", 2, "CLASS_B"), row("CASES", "202601", "F2", 2, "CLASS_C"), row("CASES_REG", "202601", "F2", 5),
    row("CASES", "202601", "F3", 3, "CLASS_B"), row("CASES_REG", "202601", "F3", 3),
    # decimals: 0.1 + 0.2 is 0.30000000000000004 in floats, equal after rounding to 6 decimals
    row("DOSE", "202601", "F1", 0.1), row("DOSE", "202602", "F1", 0.2), row("DOSE_ALL", "202601", "F1", 0.3),
    row("DOSE", "202601", "F2", 2.5), row("DOSE_ALL", "202601", "F2", 2.25),
]


@pytest.fixture
def county(store):
    store.replace_orgunits(UNITS)
    assert not store.write_values(ROWS, user="test", source="test_rules").conflicts

    def run(*rules: ValidationRule, period: str = "202601", ou: str = "C"):
        package = package_with(*rules)
        analytics = Analytics(store.values_table(), store.orgunits_table(), package)
        return sort_findings(run_rules(analytics, subtree(package, ou), Period.parse(period)))

    return run


@pytest.mark.parametrize(("operator", "violators"), [
    ("==", {"F2", "F3"}),  # 6 ≠ 5, 4 ≠ 5
    ("!=", {"F1"}),        # 5 = 5
    ("<", {"F1", "F2"}),   # 5 < 5 and 6 < 5 fail
    ("<=", {"F2"}),
    (">", {"F1", "F3"}),
    (">=", {"F3"}),
])
def test_each_operator(county, operator, violators):
    found = county(rule(operator))
    assert {f.ou for f in found} == violators
    assert all(f.kind == "rule" and f.rule == "R" and f.period == "202601" for f in found)
    sides = {f.ou: (f.left, f.right) for f in found}
    expected = {"F1": (5, 5), "F2": (6, 5), "F3": (4, 5)}
    assert sides == {ou: tuple(Decimal(x) for x in expected[ou]) for ou in violators}


def test_a_side_missing_is_skipped_not_violated(county):
    # 202602: F3 STD 4 with no MANAGED (4 <= 0 if missing counted 0); F2 MANAGED 3 with no STD
    assert county(rule("<="), period="202602") == []
    assert county(rule(">="), period="202602") == []


def test_monthly_rule_runs_for_each_month_of_the_range(county):
    found = county(rule("<="), period="2026Q1")
    assert [(f.ou, f.period) for f in found] == [("F1", "202603"), ("F2", "202601")]


def test_rule_of_longer_period_type_sums_its_months(county):
    # 2026Q1: F1 5+9 = 14 vs 5+7 = 12; F2 6 vs 5+3 = 8; F3 4+4 = 8 vs 5
    found = county(rule("<=", period_type="quarterly"), period="2026S1")
    assert [(f.ou, f.period, f.left, f.right) for f in found] == [
        ("F1", "2026Q1", 14, 12), ("F3", "2026Q1", 8, 5)]
    assert county(rule("<=", period_type="quarterly"), period="202601..202602") == []


def test_rule_with_levels_checks_the_township_totals(county):
    # T1 = F1 + F2: 11 vs 10; T2 = F3: 4 vs 5; facilities are not checked
    found = county(rule("<=", levels=[2]))
    assert [(f.ou, f.left, f.right) for f in found] == [("T1", 11, 10)]


def test_subtree_limits_the_units(county):
    assert county(rule("=="), ou="T2")[0].ou == "F3"
    assert [f.ou for f in county(rule("=="), ou="T2")] == ["F3"]
    assert county(rule("=="), ou="F1") == []


def test_option_operands(county):
    found = county(rule("==", "#{CASES.CLASS_B} + #{CASES.CLASS_C}", "#{CASES_REG}",
                        message="乙类、丙类病例数之和（{left}）不等于登记病例数（{right}）"))
    assert [(f.ou, f.left, f.right) for f in found] == [("F2", 4, 5)]
    assert found[0].message == "甲乡二院 2026年1月：乙类、丙类病例数之和（4）不等于登记病例数（5）"
    # the element total of a disaggregated element sums its options
    assert [f.ou for f in county(rule("==", "#{CASES}", "#{CASES_REG}"))] == ["F2"]


def test_both_sides_rounded_to_six_decimals_before_comparing(county):
    # F1: 0.1 + 0.2 (two months) == 0.3 holds after rounding; F2: 2.5 vs 2.25 does not
    found = county(rule("==", "#{DOSE}", "#{DOSE_ALL}", message="剂量（{left}）与总剂量（{right}）不符",
                        period_type="quarterly"), period="2026Q1")
    assert [(f.ou, f.left, f.right) for f in found] == [("F2", Decimal("2.5"), Decimal("2.25"))]
    assert found[0].message == "甲乡二院 2026年第一季度：剂量（2.5）与总剂量（2.25）不符"


def test_message_and_json(county):
    found = county(rule("<=", message="规范管理高血压患者人数（{left}）超过已管理高血压患者人数（{right}）"))
    (finding,) = found
    assert finding.message == "甲乡二院 2026年1月：规范管理高血压患者人数（6）超过已管理高血压患者人数（5）"
    assert (finding.ou_name, finding.importance, finding.element) == ("甲乡二院", "高", "STD")
    data = finding.to_dict()
    assert list(data)[:9] == ["kind", "ou", "period", "element", "rule", "value", "left", "right", "message"]
    assert (data["left"], data["right"], data["value"]) == (6, 5, None)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_findings_sorted_by_importance_then_unit(county):
    found = county(rule("==", code="LOW", importance="低"), rule("<=", code="HIGH", importance="高"))
    assert [(f.importance, f.ou, f.rule) for f in found] == [("高", "F2", "HIGH"), ("低", "F2", "LOW"), ("低", "F3", "LOW")]
