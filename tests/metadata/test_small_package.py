"""The shipped small package: loads clean, has the county we promise, and round-trips."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from weijian.metadata import DEFAULT_PACKAGE, SMALL_PACKAGE, check_package, dump_package, load_package
from weijian.model import INDICATOR_KINDS

PACKAGE = load_package(SMALL_PACKAGE)


def test_loads_with_zero_problems():
    package, problems = check_package(SMALL_PACKAGE)
    assert problems == []
    assert package == PACKAGE
    assert DEFAULT_PACKAGE.name == "default"


def test_tree():
    assert [(level.level, level.name) for level in PACKAGE.levels] == [(1, "县"), (2, "乡镇"), (3, "机构")]
    root = PACKAGE.root()
    assert (root.code, root.name, root.type, root.level, root.path) == ("YL", "沅陵县", "县", 1, ("YL",))
    second = {ou.code: ou.type for ou in PACKAGE.children("YL")}
    assert second == {"YL_XJ": "县直", "YL_ELX": "乡镇", "YL_GX": "乡镇", "YL_MX": "乡镇"}
    for township in ("YL_ELX", "YL_GX", "YL_MX"):
        types = sorted(ou.type for ou in PACKAGE.children(township))
        assert types == ["乡镇卫生院", "村卫生室", "村卫生室"]
    county = {ou.name: ou.type for ou in PACKAGE.children("YL_XJ")}
    assert county == {
        "沅陵县人民医院": "县级医院", "沅陵县妇幼保健院": "妇幼保健院", "沅陵县疾病预防控制中心": "疾控中心",
    }
    assert PACKAGE.orgunits["YL_XRMYY"].path == ("YL", "YL_XJ", "YL_XRMYY")
    # Strictly three levels: every leaf is a facility at level 3.
    leaves = [ou for ou in PACKAGE.orgunits.values() if not PACKAGE.children(ou.code)]
    assert {ou.level for ou in leaves} == {3} and len(leaves) == 12
    assert PACKAGE.max_level == 3


ELEMENTS = {
    "POP_RESIDENT": ("常住人口", "人", "last", "yearly", None),
    "HEALTH_RECORDS": ("居民健康档案建档人数", "人", "last", "monthly", None),
    "HTN_MANAGED": ("已管理高血压患者人数", "人", "last", "monthly", None),
    "HTN_STD_MANAGED": ("规范管理高血压患者人数", "人", "last", "monthly", None),
    "VACC_DOSES": ("免疫规划疫苗接种剂次", "剂次", "sum", "monthly", None),
    "OUTPATIENT_VISITS": ("门急诊人次", "人次", "sum", "monthly", None),
    "INPATIENT_DISCHARGES": ("出院人次", "人次", "sum", "monthly", None),
    "INPATIENT_COST": ("住院总费用", "元", "sum", "monthly", None),
    "LIVE_BIRTHS": ("活产数", "人", "sum", "monthly", "SEX"),
    "HOSPITAL_BIRTHS": ("住院分娩活产数", "人", "sum", "monthly", None),
    "CASES": ("法定传染病报告病例数", "例", "sum", "monthly", "DISEASE_CLASS"),
    "BEDS": ("实有床位数", "张", "last", "monthly", None),
    "BED_DAYS_OCCUPIED": ("实际占用总床日数", "日", "sum", "monthly", None),
    "BED_DAYS_OPEN": ("实际开放总床日数", "日", "sum", "monthly", None),
    "AVG_STAFF_ON_DUTY": ("在岗职工平均人数", "人", "average", "monthly", None),
}


@pytest.mark.parametrize("code", ELEMENTS)
def test_element(code):
    element = PACKAGE.elements[code]
    actual = (element.name, element.unit, element.aggregation, element.period_type, element.category)
    assert actual == ELEMENTS[code]


def test_element_list_and_value_types():
    assert set(PACKAGE.elements) == set(ELEMENTS)
    assert PACKAGE.elements["INPATIENT_COST"].value_type == "number"
    assert PACKAGE.options_of("LIVE_BIRTHS") == ("MALE", "FEMALE")
    assert PACKAGE.options_of("CASES") == ("CLASS_A", "CLASS_B", "CLASS_C")
    assert [o.name for o in PACKAGE.categories["DISEASE_CLASS"].options] == ["甲类", "乙类", "丙类"]


INDICATORS = {
    "HEALTH_RECORD_RATE": ("居民健康档案建档率", "percent", "#{HEALTH_RECORDS}", "#{POP_RESIDENT}", "higher_better"),
    "HTN_STD_RATE": ("高血压患者规范管理率", "percent", "#{HTN_STD_MANAGED}", "#{HTN_MANAGED}", "higher_better"),
    "HOSPITAL_BIRTH_RATE": ("住院分娩率", "percent", "#{HOSPITAL_BIRTHS}", "#{LIVE_BIRTHS}", "higher_better"),
    "SEX_RATIO_AT_BIRTH": ("出生人口性别比", "ratio", "#{LIVE_BIRTHS.MALE}", "#{LIVE_BIRTHS.FEMALE}", "lower_better"),
    "INCIDENCE": ("法定传染病报告发病率", "per_100k", "#{CASES}", "#{POP_RESIDENT}", "lower_better"),
    "CLASS_BC_INCIDENCE": (
        "乙丙类传染病发病率", "per_100k", "#{CASES.CLASS_B} + #{CASES.CLASS_C}", "#{POP_RESIDENT}", "lower_better"
    ),
    "AVG_INPATIENT_COST": ("次均住院费用", "plain", "#{INPATIENT_COST}", "#{INPATIENT_DISCHARGES}", "lower_better"),
    "BED_OCCUPANCY_RATE": ("病床使用率", "percent", "#{BED_DAYS_OCCUPIED}", "#{BED_DAYS_OPEN}", "higher_better"),
    "VACC_DOSES_TOTAL": ("免疫规划疫苗接种剂次", "plain", "#{VACC_DOSES}", "1", "higher_better"),
    "OUTPATIENT_TOTAL": ("门急诊人次", "plain", "#{OUTPATIENT_VISITS}", "1", "higher_better"),
}


@pytest.mark.parametrize("code", INDICATORS)
def test_indicator(code):
    i = PACKAGE.indicators[code]
    assert (i.name, i.kind, i.numerator, i.denominator, i.direction) == INDICATORS[code]
    assert i.factor == INDICATOR_KINDS[i.kind]


def test_indicator_details():
    assert len(PACKAGE.indicators) >= 10
    assert PACKAGE.indicators["HTN_STD_RATE"].synonyms == ("规范管理率", "高血压规范管理率")
    assert PACKAGE.indicators["SEX_RATIO_AT_BIRTH"].decimals == 2
    assert PACKAGE.indicators["INCIDENCE"].decimals == 2
    cost = PACKAGE.indicators["AVG_INPATIENT_COST"]
    assert (cost.unit, cost.decimals) == ("元", 2)
    assert PACKAGE.indicators["VACC_DOSES_TOTAL"].unit == "剂次"


def test_targets():
    for year in (2024, 2025, 2026):
        for subject in ("VACC_DOSES", "OUTPATIENT_VISITS"):
            assert PACKAGE.target_for(subject, "YL", year).kind == "annual_task"
        htn = PACKAGE.target_for("HTN_STD_RATE", "YL", year)
        assert (htn.kind, htn.value, htn.indicator) == ("threshold", Decimal(70), "HTN_STD_RATE")
        assert htn.source == "国家基本公共卫生服务规范（第三版）考核要求"
        assert PACKAGE.target_for("HOSPITAL_BIRTH_RATE", "YL", year).value == Decimal(98)
    assert PACKAGE.target_for("VACC_DOSES", "YL", 2024).value == Decimal(164318)
    assert PACKAGE.target_for("VACC_DOSES", "YL", 2027) is None


def test_datasets_reach_real_units():
    bphs = PACKAGE.datasets["BPHS_MONTHLY"]
    assert (bphs.name, bphs.due_day) == ("基本公共卫生服务月报", 10)
    assert bphs.orgunit_types == ("乡镇卫生院", "村卫生室")
    assert PACKAGE.datasets["POP_YEARLY"].period_type == "yearly"
    assert {"县级医院", "乡镇卫生院"} <= set(PACKAGE.datasets["HOSPITAL_MONTHLY"].orgunit_types)
    types = {ou.type for ou in PACKAGE.orgunits.values()}
    for dataset in PACKAGE.datasets.values():
        assert set(dataset.orgunit_types) <= types
    # Every element is collected by some data set.
    assert {code for d in PACKAGE.datasets.values() for code in d.elements} == set(PACKAGE.elements)


def test_rules():
    assert set(PACKAGE.rules) >= {"HTN_STD_LE_MANAGED", "HOSPITAL_BIRTHS_LE_LIVE_BIRTHS"}
    rule = PACKAGE.rules["HTN_STD_LE_MANAGED"]
    assert (rule.left, rule.operator, rule.right) == ("#{HTN_STD_MANAGED}", "<=", "#{HTN_MANAGED}")
    assert rule.importance == "高"
    assert rule.message.format(left=10, right=9) == "规范管理人数（10）超过已管理人数（9）"


def test_round_trip(tmp_path):
    folder = dump_package(PACKAGE, tmp_path / "out")
    assert load_package(folder) == PACKAGE
    # Writing what was read gives the same files again.
    again = dump_package(load_package(folder), tmp_path / "again")
    for name in ("orgunits.yaml", "elements.yaml", "indicators.yaml", "targets.yaml", "datasets.yaml",
                 "rules.yaml"):
        assert (again / name).read_text(encoding="utf-8") == (folder / name).read_text(encoding="utf-8")


# Text a YAML writer must quote to survive: yes/no, numbers, '#', ': ', quotes, unicode.
tricky_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20
).filter(lambda s: s == s.strip() and s != "")
tricky_text |= st.sampled_from(["yes", "no", "on", "null", "~", "1.0", "0x1F", "2024-01-01", "#注释", "a: b", "'", '"'])


# Indicator names and synonyms must stay unique, so other indicators' ones are off limits.
TAKEN_NAMES = {n for code, i in PACKAGE.indicators.items() if code != "HTN_STD_RATE" for n in (i.name, *i.synonyms)}


@settings(max_examples=60, deadline=None)
@given(
    name=tricky_text,
    unit_type=tricky_text,
    value=st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=6)
    | st.decimals(allow_nan=False, allow_infinity=False),
    synonyms=st.lists(tricky_text.filter(lambda s: s not in TAKEN_NAMES), max_size=3, unique=True),
)
def test_round_trip_of_awkward_values(tmp_path_factory, name, unit_type, value, synonyms):
    root = PACKAGE.orgunits["YL"]
    orgunits = {**PACKAGE.orgunits, "YL": dataclasses.replace(root, name=name, type=unit_type)}
    indicator = dataclasses.replace(PACKAGE.indicators["HTN_STD_RATE"], synonyms=tuple(synonyms), description=name)
    indicators = {**PACKAGE.indicators, "HTN_STD_RATE": indicator}
    targets = (dataclasses.replace(PACKAGE.targets[0], value=value, source=name),) + PACKAGE.targets[1:]
    package = dataclasses.replace(PACKAGE, orgunits=orgunits, indicators=indicators, targets=targets)
    folder = dump_package(package, tmp_path_factory.mktemp("awkward"))
    assert load_package(folder) == package
