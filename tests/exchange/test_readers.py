"""Readers: every format becomes the same RawRecords with user-visible row numbers."""
from __future__ import annotations

import json
import types
import zipfile

import openpyxl
import pytest

from weijian.errors import Problem
from weijian.exchange.encoding import detect_encoding, judge_sample
from weijian.exchange.readers import RawRecord, read_records


def records(path, **options):
    items = list(read_records(path, **options))
    return ([i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Problem)])


def simple(rec: RawRecord) -> tuple:
    return rec.file, rec.row, rec.values


CHINESE_CSV = "数据项,期间,机构,分类选项,数值,备注\nVACC_DOSES,202405,YL_ELX_HCH,,12,二酉乡\n"


@pytest.mark.parametrize(("encoding", "expected"), [
    ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
])
def test_encoding_of_chinese_csv_is_detected(tmp_path, encoding, expected):
    path = tmp_path / "月报.csv"
    path.write_bytes(CHINESE_CSV.encode(encoding))
    assert detect_encoding(path) == expected
    recs, problems = records(path)
    assert problems == []
    assert [simple(r) for r in recs] == [("月报.csv", 2, {
        "dataelement": "VACC_DOSES", "period": "202405", "orgunit": "YL_ELX_HCH",
        "categoryoptioncombo": "", "value": "12", "comment": "二酉乡"})]
    assert recs[0].headers["value"] == "数值"


def test_gbk_text_far_down_an_ascii_file_is_found(tmp_path):
    path = tmp_path / "big.csv"
    ascii_rows = "dataelement,period,orgunit,value,comment\n" + "VACC_DOSES,202405,YL,1,ok\n" * 60_000
    path.write_bytes(ascii_rows.encode() + "VACC_DOSES,202405,YL,1,备注\n".encode("gbk"))
    assert path.stat().st_size > 1 << 20
    assert detect_encoding(path) == "gb18030"


def test_sample_cut_inside_a_character_still_counts_as_utf8():
    assert judge_sample("二酉乡".encode()[:-1]) == "utf-8"
    assert judge_sample("二酉乡".encode("gbk")) == "gb18030"


def test_undecodable_bytes_become_a_problem_on_their_row(tmp_path):
    path = tmp_path / "坏字节.csv"
    good = "dataelement,period,orgunit,value,comment\nVACC_DOSES,202405,YL,1,二酉乡\n".encode()
    path.write_bytes(good + b"VACC_DOSES,202405,YL,2,\xff\xfe\n" + "VACC_DOSES,202406,YL,3,好\n".encode())
    recs, problems = records(path)
    assert [r.row for r in recs] == [2, 4]
    assert [(p.file, p.row, p.code) for p in problems] == [("坏字节.csv", 3, "bad-encoding")]
    assert "无法识别的字符" in problems[0].message


@pytest.mark.parametrize("header", [
    "dataElement,period,orgUnit,categoryOptionCombo,attributeOptionCombo,value,storedBy,lastUpdated,comment,followup",
    "DATAELEMENT,Period,ORGUNIT,CategoryOptionCombo,AttributeOptionCombo,Value,StoredBy,LastUpdated,Comment,Followup",
    "数据项,期间,机构,分类选项,属性选项,数值,录入人,更新时间,备注,跟进",
])
def test_header_spellings(tmp_path, header):
    path = tmp_path / "a.csv"
    path.write_text(header + "\nCASES,202405,YL,CLASS_B,,3,张三,2024-06-01,备注,false\n", encoding="utf-8")
    recs, problems = records(path)
    assert problems == []
    assert recs[0].values == {
        "dataelement": "CASES", "period": "202405", "orgunit": "YL", "categoryoptioncombo": "CLASS_B",
        "attributeoptioncombo": "", "value": "3", "storedby": "张三", "lastupdated": "2024-06-01",
        "comment": "备注", "followup": "false"}
    assert recs[0].headers["orgunit"] == header.split(",")[2]


def test_missing_required_columns_is_one_problem_naming_them(tmp_path):
    path = tmp_path / "缺列.csv"
    path.write_text("dataelement,orgunit,备注\nVACC_DOSES,YL,x\nVACC_DOSES,YL,y\n", encoding="utf-8")
    recs, problems = records(path)
    assert recs == []
    assert [(p.file, p.row, p.code) for p in problems] == [("缺列.csv", 1, "missing-columns")]
    assert problems[0].message == "缺少必需的列：期间（period）、数值（value）"


def test_two_headers_for_one_column(tmp_path):
    path = tmp_path / "重列.csv"
    path.write_text("dataelement,period,orgunit,value,数值\n", encoding="utf-8")
    _, problems = records(path)
    assert [(p.row, p.column, p.code) for p in problems] == [(1, "数值", "duplicate-column")]


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\ndataelement,period,orgunit,value\n\nVACC_DOSES,202405,YL,1\n,,,\n"
                    "VACC_DOSES,202406,YL,\"2\n\"\nVACC_DOSES,202407,YL,3\n", encoding="utf-8")
    recs, problems = records(path)
    assert problems == []
    assert [(r.row, r.values["period"]) for r in recs] == [(4, "202405"), (6, "202406"), (7, "202407")]


def test_tab_separated_text_is_read(tmp_path):
    path = tmp_path / "tab.csv"
    path.write_text("数据项\t期间\t机构\t数值\nVACC_DOSES\t202405\tYL\t1,234\n", encoding="utf-8")
    recs, _ = records(path)
    assert recs[0].values["value"] == "1,234"


def test_csv_is_streamed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("dataelement,period,orgunit,value\n" + "VACC_DOSES,202405,YL,1\n" * 10, encoding="utf-8")
    stream = read_records(path)
    assert isinstance(stream, types.GeneratorType)
    assert next(stream).row == 2


def test_empty_csv_has_no_records_and_no_problem(tmp_path):
    path = tmp_path / "空.csv"
    path.write_text("", encoding="utf-8")
    assert records(path) == ([], [])


def test_json_data_value_set(tmp_path):
    path = tmp_path / "值.json"
    path.write_text(json.dumps({"period": "202405", "dataValues": [
        {"dataElement": "VACC_DOSES", "orgUnit": "YL", "value": 12, "followup": True},
        "oops",
        {"dataElement": "CASES", "period": "202406", "orgUnit": "YL", "categoryOptionCombo": "CLASS_B",
         "value": "3", "comment": "备注"},
    ]}, ensure_ascii=False), encoding="utf-8")
    recs, problems = records(path)
    assert [simple(r) for r in recs] == [
        ("值.json", 1, {"period": "202405", "dataelement": "VACC_DOSES", "orgunit": "YL", "value": 12,
                       "followup": True}),
        ("值.json", 3, {"period": "202406", "dataelement": "CASES", "orgunit": "YL",
                       "categoryoptioncombo": "CLASS_B", "value": "3", "comment": "备注"}),
    ]
    assert recs[0].headers["dataelement"] == "dataElement"
    assert [(p.file, p.row, p.code) for p in problems] == [("值.json", 2, "bad-json")]


def test_json_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "大.json"
    path.write_text(json.dumps({"dataValues": [{"dataElement": "X"}] * 100}), encoding="utf-8")
    recs, problems = records(path, json_limit=1000)
    assert recs == []
    assert [(p.file, p.code) for p in problems] == [("大.json", "file-too-large")]
    assert "超过上限" in problems[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ('{"dataValues": [', "不是有效的 JSON：第 1 行"),
    ('{"values": []}', "缺少 dataValues 列表"),
])
def test_broken_json(tmp_path, text, expected):
    path = tmp_path / "坏.json"
    path.write_text(text, encoding="utf-8")
    recs, problems = records(path)
    assert recs == [] and [p.code for p in problems] == ["bad-json"]
    assert expected in problems[0].message


def test_excel_long_rows_are_numbered_as_in_excel(tmp_path):
    path = tmp_path / "长表.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["数据项", "期间", "机构", "数值", "说明"])
    sheet.append(["VACC_DOSES", 202405, "YL", 12])
    sheet.append([])
    sheet.append(["CASES", "2024-06", "YL", "3", None])
    workbook.create_sheet("第二页").append(["ignored"])
    workbook.save(path)
    recs, problems = records(path)
    assert problems == []
    assert [(r.file, r.row, r.values["dataelement"], r.values["period"], r.values["value"]) for r in recs] == [
        ("长表.xlsx", 2, "VACC_DOSES", 202405, 12), ("长表.xlsx", 4, "CASES", "2024-06", "3")]


@pytest.mark.parametrize("content", [b"dataelement,period\nVACC_DOSES,202405\n", b""])
def test_a_renamed_text_file_is_not_a_workbook(tmp_path, content):
    path = tmp_path / "伪装.xlsx"
    path.write_bytes(content)
    recs, problems = records(path)
    assert recs == []
    assert [(p.file, p.code) for p in problems] == [("伪装.xlsx", "not-excel")]
    assert "不是有效的 Excel 文件" in problems[0].message


def test_a_truncated_workbook_is_not_a_workbook(tmp_path):
    good = tmp_path / "good.xlsx"
    openpyxl.Workbook().save(good)
    path = tmp_path / "损坏.xls"
    path.write_bytes(good.read_bytes()[:300])
    _, problems = records(path)
    assert [(p.file, p.code) for p in problems] == [("损坏.xls", "not-excel")]


def test_a_workbook_with_a_corrupt_sheet(tmp_path):
    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["dataelement", "period", "orgunit", "value"])
    workbook.save(good)
    path = tmp_path / "坏表.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<worksheet><sheetData><row" if item.filename.endswith("sheet1.xml") else data)
    recs, problems = records(path)
    assert recs == []
    assert [(p.file, p.code) for p in problems] == [("坏表.xlsx", "not-excel")]


def test_unsupported_and_missing_files(tmp_path):
    path = tmp_path / "说明.txt"
    path.write_text("hello", encoding="utf-8")
    _, problems = records(path)
    assert [(p.file, p.code) for p in problems] == [("说明.txt", "unsupported-format")]
    assert "不支持的文件类型“.txt”" in problems[0].message
    _, problems = records(tmp_path / "没有.csv")
    assert [(p.file, p.code) for p in problems] == [("没有.csv", "file-not-found")]
