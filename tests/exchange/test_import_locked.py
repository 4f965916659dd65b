"""Importing into approved (locked) data: problems, not writes, on every backend."""
from __future__ import annotations

from datetime import datetime

import pytest

from weijian.exchange import import_files
from weijian.metadata import SMALL_PACKAGE, load_package
from weijian.model.periods import Period

HEADER = "dataelement,period,orgunit,categoryoptioncombo,value,comment"
MAY = [
    "VACC_DOSES,202405,YL_GX_WSY,,120,",
    "LIVE_BIRTHS,202405,YL_GX_WSY,MALE,3,",
    "VACC_DOSES,202405,YL_ELX_WSY,,80,",
]
APPROVED_AT = datetime(2024, 6, 12, 9, 30)


@pytest.fixture(scope="module")
def package():
    return load_package(SMALL_PACKAGE)


@pytest.fixture
def county(store, package, tmp_path):
    """May imported for two townships; 官庄镇 approved for the first half year by 张三."""
    store.replace_orgunits(package.orgunits.values())
    assert import_files(store, package, [write_csv(tmp_path / "五月.csv", MAY)]).ok
    store.approve("YL_GX", Period.parse("2024S1"), "张三", recorded_at=APPROVED_AT)
    return store


def write_csv(path, lines, header=HEADER):
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def snapshot(store):
    return sorted((v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.value)
                  for v in store.read_values()), store.audit_history()


@pytest.mark.parametrize("dry_run", [False, True])
def test_locked_rows_are_problems_and_nothing_is_stored(county, package, tmp_path, dry_run):
    before = snapshot(county)
    fine = write_csv(tmp_path / "二酉乡.csv", ["VACC_DOSES,202406,YL_ELX_WSY,,90,"])
    late = write_csv(tmp_path / "官庄镇补报.csv", [
        "VACC_DOSES,202406,YL_ELX_WSY,,90,",          # identical to the first file: fine
        "VACC_DOSES,202405,YL_GX_WSY,,120,",          # unchanged approved value: fine
        "LIVE_BIRTHS,202405,YL_GX_WSY,MALE,4,",       # changes approved data
        "HTN_MANAGED,202403,YL_GX_JTYC,,15,",         # new value, village under the township
        "VACC_DOSES,202407,YL_GX_WSY,,130,",          # second half year: not locked
    ])

    report = import_files(county, package, [fine, late], user="李四", dry_run=dry_run)

    assert not report.ok and report.summary is None
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [
        ("官庄镇补报.csv", 4, "period", "locked"), ("官庄镇补报.csv", 5, "period", "locked")]
    assert report.problems[0].message == (
        "官庄镇卫生院 2024年5月 的数据已由 张三 于 2024年6月12日 审核锁定（审核范围：官庄镇 2024年上半年），"
        "需先取消审核才能修改“活产数（男）”")
    assert report.problems[1].message.startswith(
        "官庄镇界亭驿村卫生室 2024年3月 的数据已由 张三 于 2024年6月12日 审核锁定")
    assert "导入失败，未写入任何数据：共 2 个问题" in report.describe_zh()
    assert snapshot(county) == before


def test_message_without_scope_when_the_row_itself_is_approved(county, package, tmp_path):
    county.approve("YL_ELX_WSY", Period.parse("202405"), "王五", recorded_at=datetime(2024, 6, 15))
    report = import_files(county, package, [write_csv(tmp_path / "a.csv", ["VACC_DOSES,202405,YL_ELX_WSY,,81,"])])
    assert [(p.row, p.column, p.code, p.message) for p in report.problems] == [
        (2, "period", "locked",
         "二酉乡卫生院 2024年5月 的数据已由 王五 于 2024年6月15日 审核锁定，需先取消审核才能修改“免疫规划疫苗接种剂次”")]


def test_column_is_named_as_in_the_file(county, package, tmp_path):
    path = write_csv(tmp_path / "中文表头.csv", ["VACC_DOSES,202405,YL_GX_WSY,,121,"],
                     header="数据项,期间,机构,分类选项,数值,备注")
    report = import_files(county, package, [path])
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [("中文表头.csv", 2, "期间", "locked")]


def test_identical_reimport_of_approved_data_is_fine(county, package, tmp_path):
    before = snapshot(county)
    report = import_files(county, package, [write_csv(tmp_path / "五月.csv", MAY)])
    assert report.ok and (report.summary.created, report.summary.updated, report.summary.unchanged) == (0, 0, 3)
    assert snapshot(county) == before


def test_locked_problems_are_all_counted_beyond_the_list(county, package, tmp_path):
    # 18 rows under the approval (17 new, 1 changed) and one row that is not a number.
    lines = [f"VACC_DOSES,2024{m:02d},{ou},,{m},"
             for m in range(1, 7) for ou in ("YL_GX_WSY", "YL_GX_JTYC", "YL_GX_HSDC")]
    path = write_csv(tmp_path / "a.csv", [*lines, "VACC_DOSES,202401,YL_GX_WSY,,x,"])
    report = import_files(county, package, [path], max_problems=5)
    assert (report.problem_count, len(report.problems)) == (19, 5)
    assert [p.code for p in report.problems] == ["not-a-number", "locked", "locked", "locked", "locked"]
    assert report.problems[0].row == 20 and [p.row for p in report.problems[1:]] == [2, 3, 4, 5]
    assert report.describe_zh().endswith("……另有 14 个问题未列出")


def test_after_unapprove_the_import_goes_through_with_recorded_at(county, package, tmp_path):
    county.unapprove("YL_GX", Period.parse("2024S1"), "张三", "卫生院补报活产数")
    at = datetime(2024, 6, 20, 17, 0)
    report = import_files(county, package, [write_csv(tmp_path / "补报.csv", ["LIVE_BIRTHS,202405,YL_GX_WSY,MALE,4,"])],
                          recorded_at=at)
    assert report.ok and report.summary.updated == 1
    last = county.audit_history()[-1]
    assert (last.action, last.old_value, last.new_value, last.changed_at) == ("update", 3.0, 4.0, at)
    assert {v.lastupdated for v in county.read_values() if v.dataelement == "LIVE_BIRTHS"} == {at}
