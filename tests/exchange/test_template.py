"""The wide Excel template: layout, and filled-in templates importing back."""
from __future__ import annotations

import openpyxl
import pytest

from weijian.errors import NotFoundError
from weijian.exchange import import_files, make_template
from weijian.exchange.readers import RawRecord, read_records
from weijian.exchange.validate import Validator
from weijian.metadata import SMALL_PACKAGE, load_package

LEVEL3 = ["YL_XRMYY", "YL_XFYBJY", "YL_XJKZX", "YL_ELX_WSY", "YL_ELX_TBC", "YL_ELX_YXC",
          "YL_GX_WSY", "YL_GX_JTYC", "YL_GX_HSDC", "YL_MX_WSY", "YL_MX_SJPC", "YL_MX_LJPC"]


@pytest.fixture(scope="module")
def package():
    return load_package(SMALL_PACKAGE)


def header_columns(sheet) -> dict[str, int]:
    """Row-2 code → column number."""
    return {cell.value: cell.column for cell in sheet[2] if cell.value}


def test_layout(package, tmp_path):
    path = make_template(package, 3, ["202405", "2024"], path=tmp_path / "模板.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["202405", "2024", "_weijian"]
    assert workbook["_weijian"].sheet_state == "hidden"
    assert workbook["_weijian"]["B1"].value == "weijian-wide"

    month = workbook["202405"]
    headers = [c.value for c in month[1]]
    codes = [c.value for c in month[2]]
    assert headers[:3] == ["机构编码", "机构名称", "居民健康档案建档人数"]
    assert codes[:3] == ["orgunit", "orgunit_name", "HEALTH_RECORDS"]
    assert headers[codes.index("VACC_DOSES")] == "免疫规划疫苗接种剂次"
    assert headers[codes.index("LIVE_BIRTHS.MALE")] == "活产数（男）"
    assert headers[codes.index("CASES.CLASS_B")] == "法定传染病报告病例数（乙类）"
    assert "POP_RESIDENT" not in codes  # yearly: only on the yearly sheet
    assert [month.cell(r, 1).value for r in range(3, month.max_row + 1)] == LEVEL3
    assert month.cell(6, 2).value == "二酉乡卫生院"
    assert month.freeze_panes == "C3"
    assert month["A1"].font.bold
    assert month.column_dimensions["C"].width >= 10
    rules = {(dv.type, dv.operator, dv.formula1) for dv in month.data_validations.dataValidation}
    assert rules == {("whole", "greaterThanOrEqual", "0"), ("decimal", "greaterThanOrEqual", "0")}
    cost = month.cell(3, codes.index("INPATIENT_COST") + 1).coordinate
    decimal_rule = next(dv for dv in month.data_validations.dataValidation if dv.type == "decimal")
    assert cost in decimal_rule.sqref

    year = workbook["2024"]
    assert [c.value for c in year[2]] == ["orgunit", "orgunit_name", "POP_RESIDENT"]


def test_chosen_units_and_elements(package, tmp_path):
    path = make_template(package, ["YL_ELX_WSY", "YL_GX_WSY"], ["202405"], ["VACC_DOSES", "LIVE_BIRTHS"],
                         path=tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["202405"]
    assert [c.value for c in sheet[2]] == ["orgunit", "orgunit_name", "VACC_DOSES", "LIVE_BIRTHS.MALE",
                                           "LIVE_BIRTHS.FEMALE"]
    assert [c.value for c in sheet["A"]][2:] == ["YL_ELX_WSY", "YL_GX_WSY"]


def test_bad_requests_raise(package, tmp_path):
    with pytest.raises(ValueError, match="常住人口（按年）"):
        make_template(package, 3, ["202405"], ["POP_RESIDENT"], path=tmp_path / "t.xlsx")
    with pytest.raises(NotFoundError, match="YL_NOPE"):
        make_template(package, ["YL_NOPE"], ["202405"], path=tmp_path / "t.xlsx")
    with pytest.raises(NotFoundError, match="第 9 级"):
        make_template(package, 9, ["202405"], path=tmp_path / "t.xlsx")


def fill(path, sheet_name: str, cells: dict[tuple[str, str], object], rename: str | None = None):
    """Type values into a template: (org unit code, column code) → value."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name]
    columns = header_columns(sheet)
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    for (unit, code), value in cells.items():
        sheet.cell(rows[unit], columns[code]).value = value
    if rename:
        sheet.title = rename
    workbook.save(path)


def test_filled_template_imports(store, package, tmp_path):
    path = make_template(package, 3, ["202405", "2024"], path=tmp_path / "5月报表.xlsx")
    fill(path, "202405", {
        ("YL_ELX_WSY", "VACC_DOSES"): 120, ("YL_ELX_WSY", "LIVE_BIRTHS.MALE"): 3,
        ("YL_ELX_WSY", "LIVE_BIRTHS.FEMALE"): 0, ("YL_GX_WSY", "VACC_DOSES"): "1,300",
        ("YL_XRMYY", "INPATIENT_COST"): 1234.5, ("YL_GX_WSY", "CASES.CLASS_B"): "  ",
    })
    fill(path, "2024", {("YL_ELX_WSY", "POP_RESIDENT"): 3200})
    report = import_files(store, package, [path], user="录入员")
    assert report.problems == []
    assert (report.rows_read, report.summary.created) == (6, 6)
    assert {(v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.value) for v in store.read_values()} == {
        ("VACC_DOSES", "202405", "YL_ELX_WSY", "", 120.0), ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "MALE", 3.0),
        ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "FEMALE", 0.0), ("VACC_DOSES", "202405", "YL_GX_WSY", "", 1300.0),
        ("INPATIENT_COST", "202405", "YL_XRMYY", "", 1234.5), ("POP_RESIDENT", "2024", "YL_ELX_WSY", "", 3200.0),
    }
    assert import_files(store, package, [path]).summary.unchanged == 6


def test_bad_cell_is_located_by_sheet_row_and_header(store, package, tmp_path):
    path = make_template(package, ["YL_ELX_WSY", "YL_GX_WSY"], ["202405"], path=tmp_path / "模板.xlsx")
    fill(path, "202405", {("YL_ELX_WSY", "VACC_DOSES"): 120, ("YL_GX_WSY", "VACC_DOSES"): "十二",
                          ("YL_GX_WSY", "LIVE_BIRTHS.MALE"): -1})
    workbook = openpyxl.load_workbook(path)
    workbook["202405"].append(["YL_XX", "新增的卫生室", 7])  # a row typed in below the template's units
    workbook.save(path)
    report = import_files(store, package, [path])
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [
        ("模板.xlsx（工作表 202405）", 4, "免疫规划疫苗接种剂次", "not-a-number"),
        ("模板.xlsx（工作表 202405）", 4, "活产数（男）", "negative"),
        ("模板.xlsx（工作表 202405）", 5, "机构编码", "unknown-orgunit"),
    ]
    assert "“十二”不是数字" in report.problems[0].message
    assert store.count_values() == 0


def test_renamed_sheet_is_its_period(package, tmp_path):
    path = make_template(package, ["YL_ELX_WSY"], ["202405"], ["VACC_DOSES"], path=tmp_path / "t.xlsx")
    fill(path, "202405", {("YL_ELX_WSY", "VACC_DOSES"): 5}, rename="2024年6月")
    [record] = list(read_records(path))
    assert (record.file, record.row, record.values["period"]) == ("t.xlsx（工作表 2024年6月）", 3, "2024年6月")

    fill(path, "2024年6月", {}, rename="六月")
    [problem] = Validator(package).validate(next(read_records(path)))
    assert (problem.column, problem.code) == ("工作表名称", "bad-period")
    assert "无法识别的期间“六月”" in problem.message


def test_untouched_template_is_an_empty_file(store, package, tmp_path):
    path = make_template(package, 3, ["202405"], path=tmp_path / "空模板.xlsx")
    report = import_files(store, package, [path])
    assert [(p.file, p.code) for p in report.problems] == [("空模板.xlsx", "empty-file")]


def test_template_without_code_row(package, tmp_path):
    path = make_template(package, ["YL_ELX_WSY"], ["202405"], ["VACC_DOSES"], path=tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["202405"].delete_rows(2)
    workbook.save(path)
    items = list(read_records(path))
    assert not any(isinstance(i, RawRecord) for i in items)
    assert [(p.file, p.row, p.code) for p in items] == [("t.xlsx（工作表 202405）", 2, "bad-template")]
