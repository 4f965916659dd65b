"""The shipped default package and its demo county: loads clean, definitions follow the
domain notes it was written from, and the demo profile fits the rules."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from weijian.expressions import operands, parse
from weijian.metadata import check_package, load_package

FOLDER = Path(__file__).parents[2] / "src" / "weijian" / "metadata" / "default"
PACKAGE = load_package(FOLDER)
PROFILE = yaml.safe_load((FOLDER / "demo_profile.yaml").read_text(encoding="utf-8"))
COVERAGE = Path(__file__).parents[2] / "docs" / "coverage.md"


def test_loads_with_zero_problems():
    package, problems = check_package(FOLDER)
    assert problems == []
    assert package == PACKAGE


def test_at_least_80_indicators_each_with_synonyms_and_domain():
    assert len(PACKAGE.indicators) >= 80
    for code, indicator in PACKAGE.indicators.items():
        assert indicator.synonyms, f"{code} 没有别名"
        assert indicator.domain, f"{code} 没有业务领域"


def test_every_element_has_a_domain_and_a_dataset():
    in_datasets = {code for dataset in PACKAGE.datasets.values() for code in dataset.elements}
    for code, element in PACKAGE.elements.items():
        assert element.domain, code
        # elements in no dataset would be expected from every leaf unit, village clinics included
        assert code in in_datasets, f"{code} 不在任何报表中"


def names(expression: str) -> set[str]:
    """Element names (and option names) an expression refers to."""
    found = set()
    for operand in operands(parse(expression)):
        element = PACKAGE.elements[operand.element]
        if operand.option is None:
            found.add(element.name)
        else:
            category = PACKAGE.categories[element.category]
            found.add(element.name + "." + next(o.name for o in category.options if o.code == operand.option))
    return found


# (numerator element names, denominator element names, factor) as the domain notes define them (row numbers).
DEFINITIONS = {
    "HEALTH_RECORD_RATE": ({"居民健康档案建档人数"}, {"常住人口"}, 100),  # 1
    "EHR_RATE": ({"电子健康档案建档人数"}, {"常住人口"}, 100),  # 2
    "NEWBORN_VISIT_RATE": ({"新生儿访视人数"}, {"活产数"}, 100),  # 9
    "CHILD_HEALTH_MGMT_RATE": ({"接受健康管理的0-6岁儿童数"}, {"0-6岁儿童数"}, 100),  # 10
    "EARLY_PREG_RATE": ({"孕13周前建册的产妇人数"}, {"活产数"}, 100),  # 12
    "POSTPARTUM_VISIT_RATE": ({"产后访视产妇人数"}, {"活产数"}, 100),  # 13
    "ELDERLY_MGMT_RATE": ({"接受健康管理的65岁及以上老年人数"}, {"65岁及以上常住人口"}, 100),  # 15
    "HTN_STD_RATE": ({"规范管理高血压患者人数"}, {"已管理高血压患者人数"}, 100),  # 17
    "HTN_CONTROL_RATE": ({"血压控制达标的高血压患者人数"}, {"已管理高血压患者人数"}, 100),  # 18
    "DM_STD_RATE": ({"规范管理2型糖尿病患者人数"}, {"已管理2型糖尿病患者人数"}, 100),  # 20
    "SMI_STD_RATE": ({"规范管理严重精神障碍患者人数"}, {"登记在册严重精神障碍患者人数"}, 100),  # 22
    "TB_REGULAR_MED_RATE": ({"规则服药的肺结核患者人数"}, {"已完成治疗的肺结核患者人数"}, 100),  # 25
    "ELDERLY_TCM_RATE": ({"接受中医药健康管理的65岁及以上老年人数"}, {"65岁及以上常住人口"}, 100),  # 26
    "CD_TIMELY_RATE": ({"及时报告传染病病例数"}, {"法定传染病报告病例数"}, 100),  # 29
    "MATERNAL_SYS_MGMT_RATE": ({"系统管理的产妇人数"}, {"活产数"}, 100),  # 36
    "HOSPITAL_BIRTH_RATE": ({"住院分娩活产数"}, {"活产数"}, 100),  # 38
    "MMR": ({"孕产妇死亡数"}, {"活产数"}, 100000),  # 41
    "IMR": ({"婴儿死亡数"}, {"活产数"}, 1000),  # 42
    "U5MR": ({"5岁以下儿童死亡数"}, {"活产数"}, 1000),  # 43
    "NMR": ({"新生儿死亡数"}, {"活产数"}, 1000),  # 44
    "PMR": ({"孕28周以上死胎死产数", "早期新生儿死亡数"}, {"孕28周以上死胎死产数", "活产数"}, 1000),  # 45
    "SEX_RATIO_AT_BIRTH": ({"活产数.男"}, {"活产数.女"}, 100),  # 53
    "INCIDENCE": ({"法定传染病报告病例数"}, {"常住人口"}, 100000),  # 56
    "CD_MORTALITY": ({"法定传染病死亡病例数"}, {"常住人口"}, 100000),  # 57
    "AVG_INPATIENT_COST": ({"住院总费用"}, {"出院人次"}, 1),  # 68
    "IN_COUNTY_RATE": ({"参保人员县域内住院人次"}, {"参保人员住院总人次"}, 100),  # 69
}


@pytest.mark.parametrize("code", DEFINITIONS)
def test_definition_follows_the_domain_notes(code):
    indicator = PACKAGE.indicators[code]
    numerator, denominator, factor = DEFINITIONS[code]
    assert names(indicator.numerator) == numerator
    assert names(indicator.denominator) == denominator
    assert indicator.factor == Decimal(factor)


def test_class_subtotals_partition_the_diseases():
    """甲/乙/丙类 subtotals use each disease exactly once (option code prefix = class)."""
    options = PACKAGE.categories["DISEASE"].option_codes()
    used = Counter()
    for code, prefix in (("CASES_CLASS_A", "A_"), ("CASES_CLASS_B", "B_"), ("CASES_CLASS_C", "C_")):
        refs = operands(parse(PACKAGE.indicators[code].numerator))
        assert {r.option[:2] for r in refs} == {prefix}
        used.update(r.option for r in refs)
    assert set(used) == set(options) and set(used.values()) == {1}
    assert PACKAGE.indicators["CLASS_B_INCIDENCE"].numerator == PACKAGE.indicators["CASES_CLASS_B"].numerator


def test_sex_vaccine_and_disease_categories():
    assert PACKAGE.options_of("LIVE_BIRTHS") == ("MALE", "FEMALE")
    assert PACKAGE.elements["VACC_DONE"].category == PACKAGE.elements["VACC_DUE"].category == "VACCINE"
    assert PACKAGE.elements["CASES"].category == "DISEASE"
    names_ = {o.name for o in PACKAGE.categories["DISEASE"].options}
    assert {"手足口病", "肺结核", "乙肝", "梅毒", "其他感染性腹泻病", "流行性感冒"} <= names_


STOCKS = ["POP_RESIDENT", "POP_65PLUS", "POP_0_6", "HEALTH_RECORDS", "EHR_RECORDS", "HTN_MANAGED",
          "HTN_STD_MANAGED", "DM_MANAGED", "DM_STD_MANAGED", "SMI_REGISTERED", "SMI_MANAGED", "ELDERLY_MANAGED",
          "ELDERLY_EXAMINED", "CHILD_0_6_MANAGED", "FD_SIGNED", "BEDS", "HIV_LIVING", "INSURED_PERSONS",
          "FP_SUBSIDY_PERSONS", "POOR_CHRONIC_PATIENTS", "COVID_DOSES", "SUP_UNITS_TOTAL"]
FLOWS = ["VACC_DOSES", "NONNIP_DOSES", "OUTPATIENT_VISITS", "INPATIENT_DISCHARGES", "OUTPATIENT_COST",
         "INPATIENT_COST", "CASES", "CASE_DEATHS", "LIVE_BIRTHS", "HOSPITAL_BIRTHS", "EARLY_PREG_REG",
         "POSTPARTUM_VISITED", "NEWBORN_VISITED", "MATERNAL_DEATHS", "INFANT_DEATHS", "PREMARITAL_CHECKED",
         "TB_MANAGED", "HTN_FOLLOWUPS", "CLAIM_FUNDS", "CLAIM_PERSONTIMES", "FP_SUBSIDY_FUNDS", "SUP_CASES_FILED",
         "SUP_FINES", "REFERRAL_UP", "VILLAGE_VISITS"]
# cumulative-since-start or standard values, not flows, though their unit looks like one
NOT_FLOW_DESPITE_UNIT = {"COVID_DOSES", "COVID_BOOSTER_DONE", "PREMIUM_PER_CAPITA"}


@pytest.mark.parametrize("code", STOCKS)
def test_stocks_take_the_latest_period(code):
    assert PACKAGE.elements[code].aggregation == "last"


@pytest.mark.parametrize("code", FLOWS)
def test_flows_are_summed(code):
    assert PACKAGE.elements[code].aggregation == "sum"


def test_visit_dose_and_money_units_are_flows():
    for code, element in PACKAGE.elements.items():
        if element.unit in ("人次", "剂次", "元", "万元") and code not in NOT_FLOW_DESPITE_UNIT:
            assert element.aggregation == "sum", code


def test_money_is_a_number():
    for code, element in PACKAGE.elements.items():
        if element.unit in ("元", "万元"):
            assert element.value_type == "number", code


def test_demo_county_tree():
    root = PACKAGE.root()
    assert (root.code, root.name, root.level) == ("YL", "沅陵县", 1)
    second = PACKAGE.children("YL")
    townships = [ou for ou in second if ou.type == "乡镇"]
    assert 18 <= len(townships) <= 22
    assert {ou.code for ou in second} - {ou.code for ou in townships} == {"YL_XZ"}
    assert {"沅陵镇", "官庄镇", "凉水井镇", "七甲坪镇", "筲箕湾镇", "五强溪镇", "明溪口镇", "麻溪铺镇",
            "二酉苗族乡", "借母溪乡"} <= {ou.name for ou in townships}
    villages = 0
    for township in townships:
        types = Counter(ou.type for ou in PACKAGE.children(township.code))
        assert types["乡镇卫生院"] == 1
        assert 10 <= types["村卫生室"] <= 25
        villages += types["村卫生室"]
    assert 330 <= villages <= 380
    county = Counter(ou.type for ou in PACKAGE.children("YL_XZ"))
    assert county["县级医院"] >= 2 and county["妇幼保健院"] == 1 and county["疾控中心"] == 1
    assert 2 <= county["民营医院"] <= 3
    names_ = {ou.name for ou in PACKAGE.children("YL_XZ")}
    assert {"沅陵县人民医院", "沅陵县中医医院", "沅陵县妇幼保健院", "沅陵县疾病预防控制中心"} <= names_
    leaves = [ou for ou in PACKAGE.orgunits.values() if not PACKAGE.children(ou.code)]
    assert {ou.level for ou in leaves} == {3} and PACKAGE.max_level == 3


def test_datasets_named_in_the_issue():
    expected = {
        "BPHS_MONTHLY": ("monthly", {"乡镇卫生院", "村卫生室"}),
        "MCH_MONTHLY": ("monthly", {"乡镇卫生院", "妇幼保健院"}),
        "DISEASE_MONTHLY": ("monthly", {"县级医院", "妇幼保健院", "民营医院", "乡镇卫生院"}),
        "HOSPITAL_MONTHLY": ("monthly", {"县级医院", "妇幼保健院", "民营医院", "乡镇卫生院"}),
        "POP_YEARLY": ("yearly", {"乡镇卫生院"}),
    }
    for code, (period_type, types) in expected.items():
        dataset = PACKAGE.datasets[code]
        assert dataset.period_type == period_type and set(dataset.orgunit_types) == types
        assert 1 <= dataset.due_day <= 28
    assert {"POP_RESIDENT", "POP_65PLUS", "POP_0_6", "POP_WOMEN_15_49"} <= set(PACKAGE.datasets["POP_YEARLY"].elements)


def test_targets():
    tasks = {(t.element, t.year) for t in PACKAGE.targets if t.kind == "annual_task"}
    for element in ("VACC_DOSES", "PRENATAL_SCREENED", "OUTPATIENT_VISITS"):
        assert {(element, year) for year in (2024, 2025, 2026)} <= tasks
    thresholds = [t for t in PACKAGE.targets if t.kind == "threshold"]
    assert len({t.indicator for t in thresholds}) >= 20
    for target in PACKAGE.targets:
        assert target.orgunit == "YL" and target.year in (2024, 2025, 2026)
        if target.kind == "threshold":
            assert target.indicator and target.source, target
    by_code = {t.indicator: t.value for t in thresholds if t.year == 2025}
    assert by_code["HTN_STD_RATE"] == 70 and by_code["IMR"] == Decimal("5.2") and by_code["U5MR"] == Decimal("6.6")


# ── the demo profile ──

SPECS = PROFILE["elements"]
SHARES = {code: spec["share_of"] for code, spec in SPECS.items() if "share_of" in spec}
LE_RULES = {(r.left, r.right) for r in PACKAGE.rules.values() if r.operator == "<="}


def test_profile_covers_exactly_the_elements():
    assert set(SPECS) == set(PACKAGE.elements)


@pytest.mark.parametrize("code", sorted(SHARES))
def test_every_share_is_a_band_with_a_rule(code):
    parent, low, high = SHARES[code]
    assert parent in PACKAGE.elements
    assert 0 <= low <= high <= 1
    assert (f"#{{{code}}}", f"#{{{parent}}}") in LE_RULES, f"缺少规则 {code} ≤ {parent}"
    child, mother = PACKAGE.elements[code], PACKAGE.elements[parent]
    # share within each option needs the same options; a yearly parent is looked up for its year
    assert child.category in (None, mother.category)
    assert mother.period_type in (child.period_type, "yearly")


def test_profile_types_options_and_plants():
    types = {ou.type for ou in PACKAGE.orgunits.values()}
    for code, spec in SPECS.items():
        assert set(spec.get("by_type", {})) <= types, code
        if "options" in spec:
            category = PACKAGE.categories[PACKAGE.elements[code].category]
            assert set(spec["options"]) == set(category.option_codes()), code
            assert abs(sum(spec["options"].values()) - 1) < 1e-9, code
        for option in spec.get("option_season", {}):
            assert option in PACKAGE.categories[PACKAGE.elements[code].category].option_codes()
    lagging = PROFILE["lagging"]
    assert 2 <= len(lagging) <= 3 and all(PACKAGE.orgunits[c].level == 2 for c in lagging)
    planted = PROFILE["planted"]
    assert planted["outlier"]["element"] in PACKAGE.elements
    numerator = planted["numerator_above_denominator"]["element"]
    assert numerator in SHARES


def test_demo_county_magnitudes():
    """~650 000 residents and ~2 400 live births a year, as in 沅陵县."""
    health_centres = sum(1 for ou in PACKAGE.orgunits.values() if ou.type == "乡镇卫生院")
    assert 600_000 <= SPECS["POP_RESIDENT"]["base"] * health_centres <= 700_000
    assert 2_200 <= SPECS["LIVE_BIRTHS"]["base"] * health_centres * 12 <= 2_700
    low, high = SHARES["HTN_STD_MANAGED"][1:]
    assert 0.6 <= low < high <= 0.8


# ── docs/coverage.md ──

def test_coverage_table_names_only_existing_codes():
    text = COVERAGE.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) >= 250
    codes = set(re.findall(r"`([A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)?)`", "\n".join(rows)))
    assert codes
    for code in codes:
        element, _, option = code.partition(".")
        assert element in PACKAGE.elements or element in PACKAGE.indicators, code
        if option:
            assert option in PACKAGE.options_of(element), code
    mapped = sum(1 for row in rows if "**未收录**" not in row)
    assert f"{mapped} / {len(rows)}" in text
