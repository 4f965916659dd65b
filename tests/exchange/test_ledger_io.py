"""The work ledger in Excel: template, all-or-nothing import, re-import, export round trip."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from weijian.exchange.ledger_io import (
    describe_problem,
    export_ledger,
    import_ledger,
    make_ledger_template,
    parse_day,
)
from weijian.ledger import (
    COUNT_UNITS,
    DOMAINS,
    KINDS,
    Honour,
    IssuedDocument,
    Ledger,
    LedgerEntry,
    Project,
    ProgressRecord,
    kind_of,
)
from weijian.metadata import SMALL_PACKAGE, load_package

SHEETS = ["工作台账", "发文", "建设项目", "项目进度", "荣誉"]
GOOD = {
    "工作台账": [
        {"机构编码": "YL", "领域": "公共卫生", "类型": "培训", "标题": "全县基本公共卫生服务项目培训",
         "开始日期": date(2026, 3, 10), "结束日期": "2026年3月12日", "批次": 2, "人次": 180, "股室": "基层卫生股"},
        {"机构名称": "官庄镇卫生院", "领域": "监督", "类型": "督导检查", "标题": "医疗机构依法执业检查",
         "开始日期": "2026/4/1", "结束日期": "2026-04-30", "人次": 90, "家": 56, "份": 25,
         "内容": "出动卫生执法人员90人次"},
    ],
    "发文": [{"机构编码": "YL", "文号": "沅卫发[2026]12号", "标题": "《关于印发沅陵县2026年卫生健康工作要点的通知》",
             "发文日期": date(2026, 2, 20), "领域": "综合"}],
    "建设项目": [{"机构编码": "YL_XRMYY", "项目名称": "县人民医院门急诊综合楼", "领域": "医疗服务",
                "总投资（万元）": 18600.5, "资金来源": "中央预算内投资、地方政府专项债券", "状态": "在建"}],
    "项目进度": [{"项目名称": "县人民医院门急诊综合楼", "日期": 20260531, "完成进度（%）": 70,
                "进展情况": "完成土建总工程量的70%"},
               {"项目名称": "县人民医院门急诊综合楼", "日期": date(2026, 6, 30), "完成进度（%）": "100",
                "进展情况": "竣工验收", "状态": "竣工"}],
    "荣誉": [{"机构编码": "YL", "荣誉名称": "全省卫生健康系统先进集体", "授予单位": "湖南省卫生健康委员会",
             "级别": "省级", "授予日期": date(2026, 4, 20), "领域": "综合"}],
}


@pytest.fixture(scope="module")
def package():
    return load_package(SMALL_PACKAGE)


@pytest.fixture
def ledger(store, package) -> Ledger:
    return Ledger(store, package)


def workbook_with(tmp_path, package, rows: dict[str, list[dict]], name: str = "台账.xlsx"):
    """The template with ``rows`` (sheet → list of header → value) filled in."""
    path = make_ledger_template(tmp_path / name, package)
    book = openpyxl.load_workbook(path)
    for sheet, items in rows.items():
        ws = book[sheet]
        headers = [c.value for c in ws[1]]
        for item in items:
            unknown = set(item) - set(headers)
            assert not unknown, unknown
            ws.append([item.get(h) for h in headers])
    book.save(path)
    return path


def everything(ledger: Ledger) -> list:
    return [*ledger.list_entries(date(1900, 1, 1), date(2999, 12, 31)), *ledger.documents(), *ledger.projects(),
            *ledger.progress(), *ledger.honours()]


def without_ids(items) -> list:
    out = []
    for item in items:
        item = replace(item, id=None)
        out.append(replace(item, project_id=None) if isinstance(item, ProgressRecord) else item)
    return out


def test_template_layout(tmp_path, package):
    path = make_ledger_template(tmp_path / "模板.xlsx", package)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", *SHEETS, "机构列表"]
    assert book.active.title == "工作台账"
    entries = book["工作台账"]
    headers = [c.value for c in entries[1]]
    assert headers[:9] == ["机构编码", "机构名称", "股室", "领域", "类型", "标题", "开始日期", "结束日期", "内容"]
    assert headers[9:] == list(COUNT_UNITS)  # one column per unit
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in entries.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["D"] == '"' + ",".join(DOMAINS) + '"' and lists["E"] == '"' + ",".join(KINDS) + '"'
    assert lists["A"].startswith("'机构列表'!$A$2")
    assert [c.value for c in book["发文"][1]] == ["机构编码", "机构名称", "股室", "文号", "标题", "发文日期", "领域"]
    assert [c.value for c in book["项目进度"][1]] == ["项目名称", "日期", "完成进度（%）", "进展情况", "状态"]
    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "按“结束日期”所在的期间统计" in notes and "沅卫发〔2026〕12号" in notes
    assert book["机构列表"]["A2"].value == "YL"


def test_import_stores_every_kind(ledger, package, tmp_path):
    report = import_ledger(ledger, workbook_with(tmp_path, package, GOOD), "张三")
    assert report.ok, report.describe_zh()
    assert report.created == {"entry": 2, "document": 1, "project": 1, "progress": 2, "honour": 1}
    assert report.rows_read == 7
    assert report.describe_zh().splitlines()[1] == \
        "导入成功：新增 工作台账 2 条、发文 1 条、建设项目 1 条、项目进度 2 条、荣誉 1 条"
    training, inspection = ledger.list_entries(date(2026, 1, 1), date(2026, 12, 31))
    assert (training.start, training.end, training.count_map) == (
        date(2026, 3, 10), date(2026, 3, 12), {"批次": 2, "人次": 180})
    assert training.department == "基层卫生股"
    assert inspection.orgunit == "YL_GX_WSY"  # found by its name
    assert inspection.text == "出动卫生执法人员90人次"
    [doc] = ledger.documents()
    assert (doc.number, doc.title) == ("沅卫发〔2026〕12号", "关于印发沅陵县2026年卫生健康工作要点的通知")
    [project] = ledger.projects()
    assert project.investment == Decimal("18600.5")
    first, second = ledger.progress(project.id)
    assert (first.date, first.percent, first.status) == (date(2026, 5, 31), 70, None)
    assert (second.percent, second.status) == (100, "竣工")
    assert {h.changed_by for h in ledger.history()} == {"张三"}
    assert {h.source for h in ledger.history()} == {"台账.xlsx"}


def test_reimporting_adds_nothing_twice(ledger, package, tmp_path):
    path = workbook_with(tmp_path, package, GOOD)
    assert import_ledger(ledger, path, "张三").ok
    before, logged = everything(ledger), len(ledger.history())
    again = import_ledger(ledger, path, "张三")
    assert again.ok and again.created == {} and again.updated == {}
    assert again.unchanged == {"entry": 2, "document": 1, "project": 1, "progress": 2, "honour": 1}
    assert everything(ledger) == before and len(ledger.history()) == logged
    assert "未变 工作台账 2 条" in again.describe_zh()


def test_a_changed_row_updates_its_item(ledger, package, tmp_path):
    assert import_ledger(ledger, workbook_with(tmp_path, package, GOOD), "张三").ok
    [training_id] = [e.id for e in ledger.list_entries(date(2026, 3, 1), date(2026, 3, 31))]
    changed = {**GOOD, "工作台账": [{**GOOD["工作台账"][0], "人次": 185}, GOOD["工作台账"][1]]}
    report = import_ledger(ledger, workbook_with(tmp_path, package, changed, "更正.xlsx"), "李四")
    assert report.ok and report.updated == {"entry": 1} and report.created == {}
    assert ledger.get("entry", training_id).count("人次") == 185  # same item, same id
    update = ledger.history("entry", training_id)[-1]
    assert (update.action, update.changed_by, update.source) == ("update", "李四", "更正.xlsx")
    assert (update.before["counts"]["人次"], update.after["counts"]["人次"]) == ("180", "185")


def test_dry_run_writes_nothing(ledger, package, tmp_path):
    report = import_ledger(ledger, workbook_with(tmp_path, package, GOOD), "张三", dry_run=True)
    assert report.ok and report.created["entry"] == 2
    assert "试导入（未写入）：将新增 工作台账 2 条" in report.describe_zh()
    assert everything(ledger) == [] and ledger.history() == []


BAD_ROWS = [
    # (sheet, row values, column, message)
    ("工作台账", {"人次": "十二"}, "人次", "不是数字：“十二”"),
    ("工作台账", {"领域": "卫生"}, "领域", "未知的领域：“卫生”"),
    ("工作台账", {"机构编码": "YL_NOWHERE"}, "机构编码", "未知的机构编码：“YL_NOWHERE”"),
    ("工作台账", {"家": -3}, "家", "不能为负数：“-3”"),
    ("工作台账", {"开始日期": "2026-05-03", "结束日期": "2026-05-01"}, "结束日期",
     "结束日期（2026年5月1日）早于开始日期（2026年5月3日）"),
    ("工作台账", {"开始日期": "2026-02-30"}, "开始日期", "不是有效的日期：“2026-02-30”"),
    ("工作台账", {"开始日期": "上周三"}, "开始日期", "不是日期：“上周三”（应如 2026-05-03 或 2026年5月3日）"),
    ("工作台账", {"类型": "讲座"}, "类型", "未知的类型：“讲座”"),
    ("工作台账", {"标题": None}, "标题", "标题为空"),
    ("工作台账", {"人次": 12.5}, "人次", "“人次”应为整数：“12.5”"),
    ("发文", {"文号": "沅卫发2026-12"}, "文号", "文号格式不对：“沅卫发2026-12”（应如 沅卫发〔2024〕12号）"),
    ("项目进度", {"完成进度（%）": 120}, "完成进度（%）", "完成进度应在 0—100 之间：“120”"),
    ("项目进度", {"项目名称": "不存在的项目"}, "项目名称", "未找到建设项目：“不存在的项目”"),
    ("建设项目", {"状态": "开工"}, "状态", "未知的项目状态：“开工”"),
    ("荣誉", {"级别": "乡级"}, "级别", "未知的荣誉级别：“乡级”"),
]


@pytest.mark.parametrize("sheet, change, column, message", BAD_ROWS,
                         ids=[f"{s}-{c}-{m[:6]}" for s, _, c, m in BAD_ROWS])
def test_one_bad_row_imports_nothing(ledger, package, tmp_path, sheet, change, column, message):
    rows = {**GOOD, sheet: [*GOOD[sheet][:-1], {**GOOD[sheet][-1], **change}]}
    report = import_ledger(ledger, workbook_with(tmp_path, package, rows), "张三")
    assert not report.ok
    [problem] = report.problems
    assert problem.file == "台账.xlsx" and problem.item == sheet
    assert problem.row == len(GOOD[sheet]) + 1 and problem.column == column
    assert message in problem.message
    assert describe_problem(problem).startswith(f"台账.xlsx，{sheet} 第 {problem.row} 行“{column}”列：")
    assert everything(ledger) == [] and ledger.history() == []


def test_every_problem_of_a_file_is_listed_in_order(ledger, package, tmp_path):
    bad = {
        "工作台账": [*GOOD["工作台账"],
                 {**GOOD["工作台账"][0], "标题": "健康教育讲座", "人次": "十二", "领域": "卫生"},
                 GOOD["工作台账"][0]],  # the first row again
        "发文": [{**GOOD["发文"][0], "文号": "沅卫发2026-12"}],
    }
    report = import_ledger(ledger, workbook_with(tmp_path, package, bad), "张三")
    assert report.describe_zh().splitlines() == [
        "读取 台账.xlsx，共 5 行",
        "导入失败，未写入任何数据：共 4 个问题",
        "台账.xlsx，工作台账 第 4 行“领域”列：未知的领域：“卫生”（应为 医改、医疗服务、公共卫生、疾病防控、卫生应急、妇幼、"
        "一老一小、中医药、监督、健康扶贫、计生、爱国卫生、人才、民生实事、党建、安全生产、综合）",
        "台账.xlsx，工作台账 第 4 行“人次”列：不是数字：“十二”",
        "台账.xlsx，工作台账 第 5 行“标题”列：与第 2 行重复（机构、类型、标题、开始日期、结束日期相同）",
        "台账.xlsx，发文 第 2 行“文号”列：文号格式不对：“沅卫发2026-12”（应如 沅卫发〔2024〕12号）",
    ]
    data = report.to_dict()
    assert data["ok"] is False and data["problem_count"] == 4
    assert data["problems"][1] == {"file": "台账.xlsx", "code": "not-a-number", "message": "不是数字：“十二”",
                                   "row": 4, "column": "人次", "item": "工作台账"}
    assert everything(ledger) == []


def test_duplicates_in_other_sheets(ledger, package, tmp_path):
    rows = {"发文": [GOOD["发文"][0], {**GOOD["发文"][0], "文号": "沅卫发〔2026〕12号", "标题": "另一份"}],
            "建设项目": GOOD["建设项目"] * 2}
    report = import_ledger(ledger, workbook_with(tmp_path, package, rows), "张三")
    assert [(p.item, p.row, p.column, p.message) for p in report.problems] == [
        ("发文", 3, "文号", "与第 2 行重复（文号相同）"),
        ("建设项目", 3, "项目名称", "与第 2 行重复（项目名称相同）"),
    ]


def test_scope_limits_the_units_a_user_may_record(ledger, package, tmp_path):
    path = workbook_with(tmp_path, package, {"工作台账": GOOD["工作台账"]})
    report = import_ledger(ledger, path, "乡镇录入员", scope={"YL_GX", "YL_GX_WSY"})
    [problem] = report.problems
    assert (problem.row, problem.column, problem.code) == (2, "机构编码", "out-of-scope")
    assert "机构“沅陵县”（YL）不在您可以填报的范围内" in problem.message


def test_headers_may_vary_and_sheets_may_be_missing(ledger, package, tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "工作台账"
    ws.append(["序号", "机构编码", "领域", "类型", "工作内容", "日期", "人次", "填报人"])
    ws.append([1, "YL", "中医药", "义诊", "中医药健康文化进乡村义诊", "2026年6月1日", 300, "王五"])  # 序号, 填报人: ignored
    path = tmp_path / "简表.xlsx"
    book.save(path)
    report = import_ledger(ledger, path, "张三")
    assert report.ok, report.describe_zh()
    [entry] = ledger.list_entries(date(2026, 6, 1), date(2026, 6, 1))
    assert (entry.title, entry.start, entry.end, entry.text) == ("中医药健康文化进乡村义诊", date(2026, 6, 1),
                                                                 date(2026, 6, 1), "")


def test_files_that_are_not_ledgers(ledger, package, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(tmp_path / "别的.xlsx")
    assert import_ledger(ledger, tmp_path / "别的.xlsx", "u").problems[0].code == "bad-template"
    missing = openpyxl.Workbook()
    missing.active.title = "工作台账"
    missing.active.append(["机构编码", "标题", "开始日期"])
    missing.active.append(["YL", "培训", "2026-01-01"])
    missing.save(tmp_path / "缺列.xlsx")
    [problem] = import_ledger(ledger, tmp_path / "缺列.xlsx", "u").problems
    assert (problem.item, problem.row, problem.message) == ("工作台账", 1, "缺少必需的列：领域、类型")
    make_ledger_template(tmp_path / "空.xlsx", package)
    assert import_ledger(ledger, tmp_path / "空.xlsx", "u").problems[0].code == "empty-file"
    (tmp_path / "a.csv").write_text("x")
    assert import_ledger(ledger, tmp_path / "a.csv", "u").problems[0].code == "unsupported-format"
    assert import_ledger(ledger, tmp_path / "nope.xlsx", "u").problems[0].code == "file-not-found"


def test_export_round_trips(ledger, package, tmp_path, store):
    project = ledger.add_project(Project("YL_XFYBJY", "县妇幼保健院业务用房", "前期", Decimal("9800.25"),
                                         "中央预算内投资", "妇幼", "规划股"), "u")
    items = [
        LedgerEntry("YL", "疾病防控", "专项行动", "秋冬季传染病防控专项行动", date(2025, 10, 15), date(2026, 1, 31),
                    "含“=”开头的文字不被当作公式", {"人次": 800, "家": 72}, "疾病预防控制股"),
        LedgerEntry("YL_MX_WSY", "计生", "其他", "计划生育家庭特别扶助金发放", date(2026, 3, 2),
                    counts={"人": 1021, "万元": Decimal("85.36")}),
        LedgerEntry("YL", "综合", "会议", "=SUM(A1)", date(2026, 2, 1)),
        IssuedDocument("YL", "沅卫办发〔2026〕3号", "关于做好春节期间医疗服务保障工作的通知", date(2026, 1, 20), "医疗服务"),
        ProgressRecord(project.name, date(2026, 1, 31), Decimal("12.5"), "完成施工招标", "在建"),
        Honour("YL_XFYBJY", "全市妇幼健康工作先进集体", "市级", date(2026, 3, 18), "妇幼", "怀化市卫生健康委员会"),
    ]
    for item in items:
        ledger.add(item, "u")
    stored = everything(ledger)
    path = tmp_path / "导出.xlsx"
    counts = export_ledger(ledger, path)
    assert counts == {"entry": 3, "document": 1, "project": 1, "progress": 1, "honour": 1}
    assert openpyxl.load_workbook(path)["工作台账"]["B2"].value == "沅陵县"  # names filled in for reading
    for item in stored:  # empty the store (a project takes its progress), then bring it all back from the file
        if not isinstance(item, ProgressRecord):
            ledger.delete(kind_of(item), item.id, "u")
    assert everything(ledger) == []
    report = import_ledger(ledger, path, "u")
    assert report.ok, report.describe_zh()
    assert without_ids(everything(ledger)) == without_ids(stored)


def test_export_filters_by_period_and_scope(ledger, package, tmp_path):
    assert import_ledger(ledger, workbook_with(tmp_path, package, GOOD), "u").ok
    counts = export_ledger(ledger, tmp_path / "x.xlsx", start=date(2026, 4, 1), end=date(2026, 4, 30),
                           orgunits={"YL_GX", "YL_GX_WSY"})
    assert counts == {"entry": 1, "document": 0, "project": 0, "progress": 0, "honour": 0}


@pytest.mark.parametrize("cell, expected", [
    (date(2026, 5, 3), date(2026, 5, 3)), (datetime(2026, 5, 3, 0, 0), date(2026, 5, 3)),
    ("2026-05-03", date(2026, 5, 3)), ("2026/5/3", date(2026, 5, 3)), ("2026.5.3", date(2026, 5, 3)),
    ("2026年5月3日", date(2026, 5, 3)), ("２０２６年５月３日", date(2026, 5, 3)), ("20260503", date(2026, 5, 3)),
    (20260503, date(2026, 5, 3)), (20260503.0, date(2026, 5, 3)), (46145, date(2026, 5, 3)),
    ("2026-05-03 00:00:00", date(2026, 5, 3)),
])
def test_dates_in_the_forms_people_type(cell, expected):
    assert parse_day(cell) == (expected, None)


@pytest.mark.parametrize("cell", ["2026-13-01", "5月3日", "12", 12, "2026年5月", True])
def test_what_is_not_a_date(cell):
    day, message = parse_day(cell)
    assert day is None and "日期" in message
