"""import_files: all or nothing across files, on every backend (the ``store`` fixture)."""
from __future__ import annotations

import json
import time
import tracemalloc

import openpyxl
import pytest

from weijian.exchange import import_files
from weijian.metadata import SMALL_PACKAGE, load_package

HEADER = "dataelement,period,orgunit,categoryoptioncombo,value,comment"
GOOD = [
    "VACC_DOSES,202405,YL_ELX_WSY,,120,",
    "LIVE_BIRTHS,202405,YL_ELX_WSY,MALE,3,",
    "LIVE_BIRTHS,202405,YL_ELX_WSY,FEMALE,2,",
    "INPATIENT_COST,202405,YL_XRMYY,,1234.5,含药费",
]


@pytest.fixture(scope="module")
def package():
    return load_package(SMALL_PACKAGE)


def write_csv(path, lines, header=HEADER, encoding="utf-8"):
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


def stored(store) -> dict:
    return {(v.dataelement, v.period, v.orgunit, v.categoryoptioncombo): (v.value, v.comment)
            for v in store.read_values()}


EXPECTED_GOOD = {
    ("VACC_DOSES", "202405", "YL_ELX_WSY", ""): (120.0, None),
    ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "MALE"): (3.0, None),
    ("LIVE_BIRTHS", "202405", "YL_ELX_WSY", "FEMALE"): (2.0, None),
    ("INPATIENT_COST", "202405", "YL_XRMYY", ""): (1234.5, "含药费"),
}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_each_encoding_imports(store, package, tmp_path, encoding):
    path = write_csv(tmp_path / "乡镇月报.csv", GOOD, header="数据项,期间,机构,分类选项,数值,备注", encoding=encoding)
    report = import_files(store, package, [path], user="张三")
    assert report.problems == []
    assert report.ok and (report.rows_read, report.summary.created, report.summary.updated) == (4, 4, 0)
    assert stored(store) == EXPECTED_GOOD
    assert {v.storedby for v in store.read_values()} == {"张三"}


def test_one_bad_row_stores_nothing(store, package, tmp_path):
    path = write_csv(tmp_path / "混合.csv", [*GOOD, "VACC_DOSES,202405,YL_GX_WSY,,十二,"])
    assert store.count_values() == 0
    report = import_files(store, package, [path])
    assert not report.ok and report.summary is None
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [("混合.csv", 6, "value", "not-a-number")]
    assert "“十二”不是数字" in report.problems[0].message
    assert store.count_values() == 0
    assert store.audit_history() == []


def test_a_problem_in_the_second_file_keeps_the_first_out(store, package, tmp_path):
    first = write_csv(tmp_path / "一月.csv", GOOD)
    second = write_csv(tmp_path / "二月.csv", ["POP_RESIDENT,202405,YL,,412000,"])
    report = import_files(store, package, [first, second])
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [
        ("二月.csv", 2, "period", "wrong-period-type")]
    assert "数据项“常住人口”按年报告，期间“202405”是月" in report.problems[0].message
    assert report.files == ["一月.csv", "二月.csv"] and report.rows_read == 5
    assert store.count_values() == 0
    assert store.audit_history() == []


def test_re_import_changes_nothing(store, package, tmp_path):
    path = write_csv(tmp_path / "a.csv", GOOD)
    first = import_files(store, package, [path])
    assert (first.summary.created, first.summary.updated, first.summary.unchanged) == (4, 0, 0)
    audit_rows = len(store.audit_history())
    again = import_files(store, package, [path])
    assert (again.summary.created, again.summary.updated, again.summary.unchanged) == (0, 0, 4)
    assert len(store.audit_history()) == audit_rows == 4


def test_changed_value_is_an_update(store, package, tmp_path):
    import_files(store, package, [write_csv(tmp_path / "a.csv", GOOD)])
    report = import_files(store, package, [write_csv(tmp_path / "b.csv", ["VACC_DOSES,2024-05,YL_ELX_WSY,,121,"])])
    assert (report.summary.created, report.summary.updated) == (0, 1)
    history = store.audit_history("VACC_DOSES", "YL_ELX_WSY", "202405")
    assert [(h.old_value, h.new_value, h.action, h.source, h.source_row) for h in history] == [
        (None, 120.0, "create", "a.csv", 2), (120.0, 121.0, "update", "b.csv", 2)]


def test_dry_run_counts_but_stores_nothing(store, package, tmp_path):
    report = import_files(store, package, [write_csv(tmp_path / "a.csv", GOOD)], dry_run=True)
    assert report.ok and report.dry_run
    assert (report.summary.created, report.summary.updated, report.summary.unchanged) == (4, 0, 0)
    assert store.count_values() == 0
    assert store.audit_history() == []
    assert report.describe_zh() == "读取 1 个文件，共 4 行数据\n试导入（未写入）：将新增 4 条，更新 0 条，未变 0 条"


def test_period_spellings_are_one_key(store, package, tmp_path):
    path = write_csv(tmp_path / "a.csv", ["VACC_DOSES,2024-05,YL_ELX_WSY,,7,", "VACC_DOSES,202405,YL_ELX_WSY,,7,",
                                          "VACC_DOSES,2024年5月,YL_ELX_WSY,,7,"])
    report = import_files(store, package, [path])
    assert report.ok and report.summary.created == 1
    assert [v.period for v in store.read_values()] == ["202405"]


def test_identical_duplicates_are_fine(store, package, tmp_path):
    report = import_files(store, package, [write_csv(tmp_path / "a.csv", [GOOD[0], GOOD[0]])])
    assert report.ok and (report.rows_read, report.summary.created) == (2, 1)


def test_conflicting_duplicates_name_both_rows(store, package, tmp_path):
    path = write_csv(tmp_path / "重复.csv", [GOOD[0], GOOD[1], "VACC_DOSES,202405,YL_ELX_WSY,,125,"])
    report = import_files(store, package, [path])
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [("重复.csv", 2, "value", "duplicate-conflict")]
    assert report.problems[0].message == (
        "数据项“免疫规划疫苗接种剂次”、机构 YL_ELX_WSY、期间 202405 出现多次且数值不同：第 2 行为 120，第 4 行为 125")
    assert store.count_values() == 0


def test_conflict_across_files_names_each_file(store, package, tmp_path):
    first = write_csv(tmp_path / "甲.csv", GOOD)
    second = write_csv(tmp_path / "乙.csv", ["LIVE_BIRTHS,202405,YL_ELX_WSY,MALE,4,"])
    report = import_files(store, package, [first, second])
    assert [(p.file, p.row, p.code) for p in report.problems] == [("甲.csv", 3, "duplicate-conflict")]
    assert "第 3 行（甲.csv）为 3，第 2 行（乙.csv）为 4" in report.problems[0].message
    assert "数据项“活产数”（MALE）" in report.problems[0].message


@pytest.mark.parametrize(("name", "content", "code", "text"), [
    ("空.csv", b"", "empty-file", "文件中没有数据行"),
    ("只有表头.csv", HEADER.encode() + b"\n\n", "empty-file", "文件中没有数据行"),
    ("空.json", b'{"dataValues": []}', "empty-file", "文件中没有数据行"),
    ("坏.xlsx", b"PK\x03\x04 not really a zip", "not-excel", "不是有效的 Excel 文件"),
    ("说明.docx", b"hello", "unsupported-format", "不支持的文件类型“.docx”"),
])
def test_unreadable_files(store, package, tmp_path, name, content, code, text):
    path = tmp_path / name
    path.write_bytes(content)
    good = write_csv(tmp_path / "好.csv", GOOD)
    report = import_files(store, package, [good, path])
    assert [(p.file, p.code) for p in report.problems] == [(name, code)]
    assert text in report.problems[0].message
    assert store.count_values() == 0


def test_json_and_excel_long_files(store, package, tmp_path):
    json_path = tmp_path / "值.json"
    json_path.write_text(json.dumps({"dataValues": [
        {"dataElement": "VACC_DOSES", "period": "202405", "orgUnit": "YL_ELX_WSY", "value": "120"},
        {"dataElement": "CASES", "period": "202405", "orgUnit": "YL_XJKZX", "categoryOptionCombo": "CLASS_B",
         "value": 3, "followup": True},
    ]}, ensure_ascii=False), encoding="utf-8")
    xlsx_path = tmp_path / "长表.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["数据项", "期间", "机构", "分类选项", "数值", "机构名称"])
    workbook.active.append(["LIVE_BIRTHS", 202405, "YL_ELX_WSY", "女", 2, "二酉乡卫生院"])
    workbook.active.append(["VACC_DOSES", "202406", "YL_ELX_WSY", None, "1,300", "二酉乡卫生院"])
    workbook.save(xlsx_path)
    report = import_files(store, package, [json_path, xlsx_path])
    assert report.problems == [] and report.summary.created == 4
    assert {(v.dataelement, v.period, v.categoryoptioncombo, v.value, v.followup) for v in store.read_values()} == {
        ("VACC_DOSES", "202405", "", 120.0, False), ("CASES", "202405", "CLASS_B", 3.0, True),
        ("LIVE_BIRTHS", "202405", "FEMALE", 2.0, False), ("VACC_DOSES", "202406", "", 1300.0, False)}


def test_scope_limits_the_org_units(store, package, tmp_path):
    path = write_csv(tmp_path / "a.csv", GOOD)
    report = import_files(store, package, [path], scope={"YL_ELX", "YL_ELX_WSY"})
    assert [(p.row, p.column, p.code) for p in report.problems] == [(5, "orgunit", "out-of-scope")]
    assert "沅陵县人民医院" in report.problems[0].message
    assert store.count_values() == 0


def test_problem_list_is_capped_but_counted(store, package, tmp_path):
    path = write_csv(tmp_path / "坏.csv", [f"VACC_DOSES,202405,YL_ELX_WSY,,x{i}," for i in range(1500)])
    report = import_files(store, package, [path])
    assert (report.problem_count, len(report.problems)) == (1500, 1000)
    assert report.problems[-1].row == 1001
    text = report.describe_zh()
    assert text.startswith("读取 1 个文件，共 1500 行数据\n导入失败，未写入任何数据：共 1500 个问题\n")
    assert "坏.csv，第 2 行，“value”列：“x0”不是数字" in text
    assert text.endswith("……另有 500 个问题未列出")
    data = report.to_dict()
    assert (data["ok"], data["problem_count"], len(data["problems"]), data["summary"]) == (False, 1500, 1000, None)
    assert data["problems"][0] == {"file": "坏.csv", "code": "not-a-number", "message": "“x0”不是数字", "row": 2,
                                   "column": "value", "item": None}


def test_success_report(store, package, tmp_path):
    report = import_files(store, package, write_csv(tmp_path / "a.csv", GOOD))
    assert report.describe_zh() == "读取 1 个文件，共 4 行数据\n导入成功：新增 4 条，更新 0 条，未变 0 条"
    assert report.to_dict()["summary"] == {"created": 4, "updated": 0, "unchanged": 0, "deleted": 0}


def _big_csv(path, package, rows: int) -> None:
    """``rows`` distinct keys: every monthly element × option × org unit, month after month."""
    columns = [(e.code, option) for e in package.elements.values() if e.period_type == "monthly"
               for option in (package.options_of(e.code) or ("",))]
    units = [code for code in package.orgunits if code != "YL"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("dataelement,period,orgunit,categoryoptioncombo,value\n")
        n, month = 0, 1950 * 12
        while n < rows:
            period = f"{month // 12}{month % 12 + 1:02d}"
            for element, option in columns:
                for unit in units:
                    if n < rows:
                        f.write(f"{element},{period},{unit},{option},{n % 977}\n")
                        n += 1
            month += 1


@pytest.mark.slow  # ~10 s alone, 40 s or more under tracemalloc
def test_large_csv_imports_with_bounded_memory(store, package, tmp_path):
    path = tmp_path / "大文件.csv"
    _big_csv(path, package, 300_000)
    seen = []
    tracemalloc.start()
    began = time.perf_counter()
    try:
        report = import_files(store, package, [path], progress=seen.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - began
    assert report.problems == []
    assert report.rows_read == 300_000 and report.summary.created == 300_000
    assert store.count_values() == 300_000
    assert seen == [50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 300_000]
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MB"
    print(f"300k rows in {elapsed:.1f}s, peak {peak / 2**20:.0f} MB")
