"""A tiny county whose every figure below is worked out by hand in the tests.

Tree: C 县 → T1, T2 乡镇 → F1, F2 (under T1), F3 (under T2) 卫生院.
"""
from __future__ import annotations

from decimal import Decimal

from weijian.model import (
    Category, CategoryOption, DataElement, Indicator, Level, MetadataPackage, OrgUnit, Target,
)
from weijian.model.periods import Period
from weijian.storage import ValueRow


def _ou(code, name, parent_path, type_):
    path = (*parent_path, code)
    return OrgUnit(code, name, type_, parent_path[-1] if parent_path else None, len(path), path)


def tiny_package() -> MetadataPackage:
    units = [
        _ou("C", "演示县", (), "县"),
        _ou("T1", "甲乡", ("C",), "乡镇"),
        _ou("T2", "乙镇", ("C",), "乡镇"),
        _ou("F1", "甲乡卫生院", ("C", "T1"), "乡镇卫生院"),
        _ou("F2", "甲乡二院", ("C", "T1"), "乡镇卫生院"),
        _ou("F3", "乙镇卫生院", ("C", "T2"), "乡镇卫生院"),
    ]
    elements = [
        DataElement("HTN_MANAGED", "已管理高血压患者人数", "人", "last"),
        DataElement("HTN_STD", "规范管理高血压患者人数", "人", "last"),
        DataElement("VACC", "接种剂次", "剂次", "sum"),
        DataElement("POP", "常住人口", "人", "last", period_type="yearly"),
        DataElement("CASES", "传染病病例数", "例", "sum", category="DISEASE_CLASS"),
        DataElement("BIRTHS", "活产数", "人", "sum", category="SEX"),
        DataElement("STAFF", "在岗人数", "人", "average"),
    ]
    categories = [
        Category("DISEASE_CLASS", "传染病类别", (CategoryOption("CLASS_B", "乙类"), CategoryOption("CLASS_C", "丙类"))),
        Category("SEX", "性别", (CategoryOption("MALE", "男"), CategoryOption("FEMALE", "女"))),
    ]
    indicators = [
        Indicator("HTN_RATE", "高血压患者规范管理率", "#{HTN_STD}", "#{HTN_MANAGED}", "percent", 2),
        Indicator("INCIDENCE", "传染病发病率", "#{CASES}", "#{POP}", "per_100k", 2, "lower_better"),
        Indicator("B_INCIDENCE", "乙类传染病发病率", "#{CASES.CLASS_B}", "#{POP}", "per_100k", 2, "lower_better"),
        Indicator("SEX_RATIO", "出生人口性别比", "#{BIRTHS.MALE}", "#{BIRTHS.FEMALE}", "ratio", 2, "lower_better"),
        Indicator("VACC_PER_STAFF", "人均接种剂次", "#{VACC}", "#{STAFF}", "plain", 1),
    ]
    return MetadataPackage(
        levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "机构")),
        orgunits={u.code: u for u in units},
        elements={e.code: e for e in elements},
        categories={c.code: c for c in categories},
        indicators={i.code: i for i in indicators},
        targets=(
            Target("C", 2024, Decimal(100), "annual_task", element="VACC"),
            Target("C", 2024, Decimal(70), "threshold", indicator="HTN_RATE"),
        ),
    )


def row(element: str, period: str, orgunit: str, value: float, option: str = "") -> ValueRow:
    p = Period.parse(period)
    return ValueRow(element, p.id, orgunit, float(value), p.start, p.end, categoryoptioncombo=option)


def tiny_rows() -> list[ValueRow]:
    rows = []
    for month in range(1, 7):
        # F1 reports every month of 2024S1; F2 stops after May; F3 reports stocks only in 2023
        rows += [row("HTN_MANAGED", f"2024{month:02d}", "F1", 100 + month),
                 row("HTN_STD", f"2024{month:02d}", "F1", 70 + month)]
        if month <= 5:
            rows += [row("HTN_MANAGED", f"2024{month:02d}", "F2", 50), row("HTN_STD", f"2024{month:02d}", "F2", 40)]
        rows += [row("HTN_MANAGED", f"2023{month:02d}", "F3", 200), row("HTN_STD", f"2023{month:02d}", "F3", 100)]
        rows += [row("HTN_MANAGED", f"2023{month:02d}", "F1", 100), row("HTN_STD", f"2023{month:02d}", "F1", 60)]
        rows += [row("VACC", f"2024{month:02d}", "F1", 10), row("VACC", f"2024{month:02d}", "F3", 12),
                 row("VACC", f"2023{month:02d}", "F1", 8)]
        rows += [row("STAFF", f"2024{month:02d}", "F1", 10 + month), row("STAFF", f"2024{month:02d}", "F3", 30)]
    rows += [row("VACC", "202407", "F1", 40), row("VACC", "202408", "F3", 30)]
    rows += [row("POP", "2024", "F1", 30000), row("POP", "2024", "F2", 20000), row("POP", "2024", "F3", 50000),
             row("POP", "2023", "F1", 30500), row("POP", "2023", "F2", 20500), row("POP", "2023", "F3", 49000)]
    rows += [row("CASES", "202401", "F1", 5, "CLASS_B"), row("CASES", "202401", "F1", 20, "CLASS_C"),
             row("CASES", "202403", "F3", 3, "CLASS_B"), row("CASES", "202406", "F2", 7, "CLASS_C"),
             row("CASES", "202301", "F1", 9, "CLASS_B")]
    rows += [row("BIRTHS", "202402", "F1", 12, "MALE"), row("BIRTHS", "202402", "F1", 10, "FEMALE"),
             row("BIRTHS", "202405", "F3", 11, "MALE"), row("BIRTHS", "202405", "F3", 11, "FEMALE"),
             row("BIRTHS", "202405", "F2", 9, "MALE"), row("BIRTHS", "202405", "F2", 9, "FEMALE")]
    return rows
