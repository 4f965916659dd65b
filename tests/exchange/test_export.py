"""export_values: DHIS2 layouts that import back unchanged, on every backend."""
from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from weijian.exchange import export_values, import_files
from weijian.metadata import SMALL_PACKAGE, load_package
from weijian.model.periods import Period

SOURCE = """dataelement,period,orgunit,categoryoptioncombo,value,comment,followup
VACC_DOSES,202405,YL_ELX_WSY,,120,=HYPERLINK("http://x"),false
LIVE_BIRTHS,202405,YL_ELX_WSY,MALE,3,,true
LIVE_BIRTHS,202405,YL_ELX_WSY,FEMALE,2,正常,false
INPATIENT_COST,202405,YL_XRMYY,,1234.56,@备注,false
HTN_MANAGED,202405,YL_ELX_WSY,,0,-,false
VACC_DOSES,202406,YL_ELX_WSY,,130,,false
VACC_DOSES,202405,YL_GX_WSY,,99,,false
"""
UNITS = ["YL_ELX_WSY", "YL_XRMYY"]


@pytest.fixture(scope="module")
def package():
    return load_package(SMALL_PACKAGE)


@pytest.fixture
def filled(store, package, tmp_path):
    path = tmp_path / "source.csv"
    path.write_text(SOURCE, encoding="utf-8")
    assert import_files(store, package, [path], user="张三").ok
    return store


def snapshot(store) -> list[tuple]:
    return [(v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo,
             v.value, v.comment, v.followup) for v in store.read_values(UNITS, *_bounds("202405"))]


def _bounds(period: str) -> tuple[int, int]:
    p = Period.parse(period)
    return p.start, p.end


EXPECTED = [
    ("HTN_MANAGED", "202405", "YL_ELX_WSY", "", "", 0.0, "-", False),
    ("INPATIENT_COST", "202405", "YL_XRMYY", "", "", 1234.56, "@备注", False),
    ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "FEMALE", "", 2.0, "正常", False),
    ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "MALE", "", 3.0, None, True),
    ("VACC_DOSES", "202405", "YL_ELX_WSY", "", "", 120.0, '=HYPERLINK("http://x")', False),
]


@pytest.mark.parametrize("suffix", ["csv", "json", "xlsx"])
def test_export_imports_back_unchanged(filled, package, tmp_path, suffix):
    assert snapshot(filled) == EXPECTED
    path = tmp_path / f"导出.{suffix}"
    assert export_values(filled, package, UNITS, Period.parse("202405"), path) == 5

    again = import_files(filled, package, [path])
    assert again.problems == []
    assert (again.summary.created, again.summary.updated, again.summary.unchanged) == (0, 0, 5)

    filled.delete_values([row[:5] for row in EXPECTED], user="test", source="test")
    assert snapshot(filled) == []
    fresh = import_files(filled, package, [path])
    assert (fresh.summary.created, fresh.summary.updated) == (5, 0)
    assert snapshot(filled) == EXPECTED


def test_csv_layout(filled, package, tmp_path):
    path = tmp_path / "导出.csv"
    export_values(filled, package, UNITS, "202405", path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,"
                          b"value,storedby,lastupdated,comment,followup\r\n")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert [r[:6] + r[8:] for r in rows[1:]] == [
        ["HTN_MANAGED", "202405", "YL_ELX_WSY", "", "", "0", "'-", "false"],
        ["INPATIENT_COST", "202405", "YL_XRMYY", "", "", "1234.56", "'@备注", "false"],
        ["LIVE_BIRTHS", "202405", "YL_ELX_WSY", "FEMALE", "", "2", "正常", "false"],
        ["LIVE_BIRTHS", "202405", "YL_ELX_WSY", "MALE", "", "3", "", "true"],
        ["VACC_DOSES", "202405", "YL_ELX_WSY", "", "", "120", "'=HYPERLINK(\"http://x\")", "false"],
    ]
    assert {r[6] for r in rows[1:]} == {"张三"}


def test_json_layout(filled, package, tmp_path):
    path = tmp_path / "导出.json"
    export_values(filled, package, ["YL_ELX_WSY"], Period.parse("202406"), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    [item] = data["dataValues"]
    assert {k: item[k] for k in ("dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "storedBy",
                                 "comment", "followup")} == {
        "dataElement": "VACC_DOSES", "period": "202406", "orgUnit": "YL_ELX_WSY", "categoryOptionCombo": "",
        "value": "130", "storedBy": "张三", "comment": None, "followup": False}
    assert "lastUpdated" in item


def test_xlsx_layout_and_formula_guard(filled, package, tmp_path):
    path = tmp_path / "导出.xlsx"
    export_values(filled, package, UNITS, Period.parse("2024Q2"), path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
                       "storedby", "lastupdated", "comment", "followup", "数据项名称", "机构名称")
    assert [(r[0], r[1], r[5], r[10], r[11]) for r in rows[1:]] == [
        ("HTN_MANAGED", "202405", 0, "已管理高血压患者人数", "二酉乡卫生院"),
        ("INPATIENT_COST", "202405", 1234.56, "住院总费用", "沅陵县人民医院"),
        ("LIVE_BIRTHS", "202405", 2, "活产数", "二酉乡卫生院"),
        ("LIVE_BIRTHS", "202405", 3, "活产数", "二酉乡卫生院"),
        ("VACC_DOSES", "202405", 120, "免疫规划疫苗接种剂次", "二酉乡卫生院"),
        ("VACC_DOSES", "202406", 130, "免疫规划疫苗接种剂次", "二酉乡卫生院"),
    ]
    comment = sheet.cell(6, 9)
    assert (comment.value, comment.data_type) == ("'=HYPERLINK(\"http://x\")", "s")


def test_export_everything_and_unknown_format(filled, package, tmp_path):
    assert export_values(filled, package, None, Period.parse("2024"), tmp_path / "全部.csv") == 7
    with pytest.raises(ValueError, match="不支持的导出格式"):
        export_values(filled, package, None, Period.parse("2024"), tmp_path / "全部.pdf")
