"""Row validation: every bad input gives a located, Chinese problem; good ones a ValueRow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from weijian.exchange.readers import RawRecord, read_records
from weijian.exchange.validate import Validator, cell_text, escape_formula, format_number, parse_number
from weijian.model import Category, CategoryOption, DataElement, Level, MetadataPackage, OrgUnit
from weijian.storage.base import ValueRow

HEADER = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup"


@pytest.fixture
def package() -> MetadataPackage:
    orgunits = [
        OrgUnit("YL", "沅陵县", "县", None, 1, ("YL",)),
        OrgUnit("YL_ELX", "二酉乡", "乡镇", "YL", 2, ("YL", "YL_ELX")),
        OrgUnit("YL_ELX_HCH", "二酉乡卫生院", "乡镇卫生院", "YL_ELX", 3, ("YL", "YL_ELX", "YL_ELX_HCH")),
        OrgUnit("YL_MXP", "麻溪铺镇", "乡镇", "YL", 2, ("YL", "YL_MXP")),
    ]
    elements = [
        DataElement("VACC_DOSES", "免疫规划疫苗接种剂次", "剂次"),
        DataElement("LECTURES", "健康知识讲座次数", "次", max_value=Decimal(100)),
        DataElement("HTN_MANAGED", "已管理高血压患者人数", "人", aggregation="last"),
        DataElement("POP_RESIDENT", "常住人口", "人", aggregation="last", period_type="yearly"),
        DataElement("LIVE_BIRTHS", "活产数", "人", category="SEX"),
        DataElement("CASES", "法定传染病报告病例数", "例", category="DISEASE_CLASS"),
        DataElement("INPATIENT_COST", "住院总费用", "元", value_type="number"),
    ]
    categories = [
        Category("SEX", "性别", (CategoryOption("MALE", "男"), CategoryOption("FEMALE", "女"))),
        Category("DISEASE_CLASS", "传染病类别", (CategoryOption("CLASS_A", "甲类"), CategoryOption("CLASS_B", "乙类"),
                                             CategoryOption("CLASS_C", "丙类"))),
    ]
    return MetadataPackage(
        levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "村")),
        orgunits={ou.code: ou for ou in orgunits},
        elements={e.code: e for e in elements},
        categories={c.code: c for c in categories},
    )


def check(tmp_path, package, lines: list[str], header: str = HEADER, scope=None, name: str = "月报.csv"):
    """Read a CSV written from ``lines`` and validate it: (rows, problems)."""
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    validator = Validator(package, scope)
    rows, problems = [], []
    for item in read_records(path):
        if isinstance(item, RawRecord):
            result = validator.validate(item)
            (rows.append if isinstance(result, ValueRow) else problems.extend)(
                result if isinstance(result, ValueRow) else result)
        else:
            problems.append(item)
    return rows, problems


BAD_ROWS = [
    # (data line, column as in the file, code, Chinese substring)
    ("NOPE,202405,YL_ELX_HCH,,,12,,,,", "dataelement", "unknown-element", "未知的数据项编码“NOPE”"),
    ("免疫规划疫苗接种剂次,202405,YL_ELX_HCH,,,12,,,,", "dataelement", "unknown-element", "编码应为 VACC_DOSES"),
    ("VACC_DOSES,202405,YL_XX,,,12,,,,", "orgunit", "unknown-orgunit", "未知的机构编码“YL_XX”"),
    ("VACC_DOSES,202405,,,,12,,,,", "orgunit", "unknown-orgunit", "机构编码为空"),
    ("CASES,202405,YL_ELX_HCH,CLASS_X,,3,,,,", "categoryoptioncombo", "unknown-option",
     "“CLASS_X”不是“传染病类别”的选项"),
    ("VACC_DOSES,202405,YL_ELX_HCH,MALE,,3,,,,", "categoryoptioncombo", "unknown-option",
     "数据项“免疫规划疫苗接种剂次”不分类，不应填写分类选项“MALE”"),
    ("LIVE_BIRTHS,202405,YL_ELX_HCH,CLASS_A,,3,,,,", "categoryoptioncombo", "unknown-option",
     "“CLASS_A”不是“性别”的选项（应为 MALE、FEMALE）"),
    ("LIVE_BIRTHS,202405,YL_ELX_HCH,,,3,,,,", "categoryoptioncombo", "unknown-option", "必须填写分类选项"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,ATTR1,3,,,,", "attributeoptioncombo", "unknown-option", "不支持属性选项“ATTR1”"),
    ("VACC_DOSES,2024-13,YL_ELX_HCH,,,12,,,,", "period", "bad-period", "期间“2024-13”无效"),
    ("VACC_DOSES,五月,YL_ELX_HCH,,,12,,,,", "period", "bad-period", "无法识别的期间“五月”"),
    ("POP_RESIDENT,202405,YL,,,412000,,,,", "period", "wrong-period-type",
     "数据项“常住人口”按年报告，期间“202405”是月"),
    ("VACC_DOSES,2024Q2,YL_ELX_HCH,,,12,,,,", "period", "wrong-period-type",
     "数据项“免疫规划疫苗接种剂次”按月报告，期间“2024Q2”是季度"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,,,,,", "value", "blank-value", "数值为空"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,十二,,,,", "value", "not-a-number", "“十二”不是数字"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,12%,,,,", "value", "not-a-number", "“12%”不是数字"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,-3,,,,", "value", "negative", "数值“-3”是负数"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,12.5,,,,", "value", "not-an-integer",
     "数据项“免疫规划疫苗接种剂次”应填整数，“12.5”不是整数"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,12,,,,maybe", "followup", "bad-followup", "“maybe”不是是/否"),
    ("LECTURES,202405,YL_ELX_HCH,,,101,,,,", "value", "above-limit",
     "数值“101”超出“健康知识讲座次数”的上限（每个机构每期不超过 100次）"),
    ("VACC_DOSES,202405,YL_ELX_HCH,,,99999999999,,,,", "value", "above-limit",
     "数值“99999999999”超出“免疫规划疫苗接种剂次”的上限（每个机构每期不超过 10000000000剂次）"),
]


@pytest.mark.parametrize(("line", "column", "code", "text"), BAD_ROWS, ids=[r[2] + ":" + r[0][:22] for r in BAD_ROWS])
def test_bad_row_is_located_and_explained(tmp_path, package, line, column, code, text):
    rows, problems = check(tmp_path, package, ["VACC_DOSES,202404,YL_ELX_HCH,,,7,,,,", line])
    assert rows and rows[0].value == 7.0  # the good row before it is still fine
    assert [(p.file, p.row, p.column, p.code) for p in problems] == [("月报.csv", 3, column, code)]
    assert text in problems[0].message


def test_out_of_scope_orgunit(tmp_path, package):
    rows, problems = check(tmp_path, package, ["VACC_DOSES,202405,YL_MXP,,,5,,,,",
                                               "VACC_DOSES,202405,YL_ELX_HCH,,,6,,,,"],
                           scope={"YL_ELX", "YL_ELX_HCH"})
    assert [(p.file, p.row, p.column, p.code) for p in problems] == [("月报.csv", 2, "orgunit", "out-of-scope")]
    assert "机构“麻溪铺镇”（YL_MXP）不在您可以填报的范围内" in problems[0].message
    assert [r.orgunit for r in rows] == ["YL_ELX_HCH"]


def test_problem_names_the_header_as_written_in_chinese(tmp_path, package):
    _, problems = check(tmp_path, package, ["VACC_DOSES,202405,YL_ELX_HCH,十二"], header="数据项,期间,机构,数值")
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "数值", "not-a-number")]
    assert problems[0].describe() == "月报.csv，第 2 行，“数值”列：“十二”不是数字"


def test_several_problems_in_one_row_are_all_reported(tmp_path, package):
    _, problems = check(tmp_path, package, ["NOPE,2024-13,YL_XX,,,abc,,,,"])
    assert [p.code for p in problems] == ["unknown-element", "unknown-orgunit", "bad-period", "not-a-number"]
    assert {p.row for p in problems} == {2}


def test_good_rows_become_value_rows(tmp_path, package):
    rows, problems = check(tmp_path, package, [
        "VACC_DOSES,2024-05,YL_ELX_HCH,,,\"1,234\",张三,2024-06-01,=1+1,true",
        "vacc_doses,２０２４０５,YL_ELX,default,default,１２.0,,,,",
        "POP_RESIDENT,2024,YL,,,412000,,,,",
        "LIVE_BIRTHS,202405,YL_ELX_HCH,男,,3,,,,",
        "CASES,2024年5月,YL_ELX_HCH,class_b,,2,,,,否",
        "INPATIENT_COST,202405,YL_ELX_HCH,,,1234.56,,,,",
        "HTN_MANAGED,202405,YL_ELX_HCH,,,0,,,'=SUM(A1),",
        "",
        ",,,,,,,,,",
    ])
    assert problems == []
    assert rows[0] == ValueRow("VACC_DOSES", "202405", "YL_ELX_HCH", 1234.0, 2024 * 12 + 4, 2024 * 12 + 4,
                               comment="=1+1", followup=True, source_row=2)
    assert [(r.dataelement, r.period, r.orgunit, r.categoryoptioncombo, r.value, r.source_row) for r in rows[1:]] == [
        ("VACC_DOSES", "202405", "YL_ELX", "", 12.0, 3),
        ("POP_RESIDENT", "2024", "YL", "", 412000.0, 4),
        ("LIVE_BIRTHS", "202405", "YL_ELX_HCH", "MALE", 3.0, 5),
        ("CASES", "202405", "YL_ELX_HCH", "CLASS_B", 2.0, 6),
        ("INPATIENT_COST", "202405", "YL_ELX_HCH", "", 1234.56, 7),
        ("HTN_MANAGED", "202405", "YL_ELX_HCH", "", 0.0, 8),
    ]
    assert rows[2].start_month == 2024 * 12 and rows[2].end_month == 2024 * 12 + 11
    assert rows[6].comment == "=SUM(A1)"  # the ' our exports add is taken off again


def test_excel_cells_numbers_and_dates(package):
    validator = Validator(package)
    headers = {"value": "数值", "period": "期间"}
    record = RawRecord("表.xlsx", 4, {"dataelement": "VACC_DOSES", "period": datetime(2024, 5, 1),
                                     "orgunit": "YL_ELX_HCH", "value": 12.0}, headers)
    row = validator.validate(record)
    assert (row.period, row.value, row.source_row) == ("202405", 12.0, 4)
    record.values.update(period=202405.0, value=True)
    problems = validator.validate(record)
    assert [(p.file, p.row, p.column, p.code, p.message) for p in problems] == [
        ("表.xlsx", 4, "数值", "not-a-number", "“TRUE”不是数字")]


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", Decimal("12")), ("1,234", Decimal("1234")), ("１，２３４", Decimal("1234")), (" 3.5 ", Decimal("3.5")),
    (12, Decimal("12")), (2.5, Decimal("2.5")), ("1,234,567.5", Decimal("1234567.5")), ("１２", Decimal("12")),
    ("1,23", None), ("12a", None), ("", None), ("nan", None), ("inf", None), (float("nan"), None), (True, None),
    ("1e999", None),
])
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected


def test_format_and_escape_helpers():
    assert [format_number(x) for x in (12.0, 0.0, 1234567.0, 3.25)] == ["12", "0", "1234567", "3.25"]
    assert [cell_text(x) for x in (None, 202405.0, " a ", 7)] == ["", "202405", "a", "7"]
    assert [escape_formula(x) for x in ("=1+1", "+86", "-", "@a", "正常")] == ["'=1+1", "'+86", "'-", "'@a", "正常"]


def test_a_value_at_its_limit_is_kept(tmp_path, package):
    rows, problems = check(tmp_path, package, ["LECTURES,202405,YL_ELX_HCH,,,100,,,,",
                                               "VACC_DOSES,202405,YL_ELX_HCH,,,9999999999,,,,"])
    assert not problems and [r.value for r in rows] == [100.0, 9999999999.0]
