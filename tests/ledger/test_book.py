"""The work ledger on every backend: storing, reading, the counting rule, checks, audit."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from weijian.errors import LedgerError, NotFoundError, StoreError
from weijian.ledger import (
    Honour,
    IssuedDocument,
    ItemChange,
    LedgerEntry,
    Project,
    ProgressRecord,
    period_bounds,
)
from weijian.model.periods import Period

H1 = period_bounds(Period.parse("2026S1"))
H2 = period_bounds(Period.parse("2026S2"))


def entry(title: str, start: date, end: date | None = None, *, ou: str = "YL", domain: str = "公共卫生",
          kind: str = "培训", **counts) -> LedgerEntry:
    return LedgerEntry(ou, domain, kind, title, start, end, counts=counts)


@pytest.fixture
def county(ledger):
    """Entries in several units, domains and kinds; one straddles 2026S1/2026S2."""
    items = [
        entry("全县基本公共卫生服务项目培训", date(2026, 3, 10), date(2026, 3, 12), 批次=2, 人次=180),
        entry("官庄镇家庭医生签约培训", date(2026, 4, 2), ou="YL_GX_WSY", 人次=45),
        entry("二酉乡健康教育宣传", date(2026, 5, 20), ou="YL_ELX", kind="宣传", 份=3000, 人次=200),
        entry("医疗机构依法执业检查", date(2026, 4, 1), date(2026, 4, 30), domain="监督", kind="督导检查",
              人次=90, 家=56, 份=25),
        # straddles the half-years: counts in 2026S2 where it ends, ongoing at the end of 2026S1
        entry("夏季爱国卫生运动", date(2026, 6, 1), date(2026, 8, 31), domain="爱国卫生", kind="专项行动",
              人次=1200, 户=3500),
        entry("2025年度考核", date(2025, 12, 20), date(2026, 1, 10), domain="综合", kind="考核评审", 家=21),
        entry("去年的培训", date(2025, 11, 3), 人次=77),
        entry("下半年培训", date(2026, 9, 8), 人次=60),
    ]
    return [ledger.add_entry(item, "张三") for item in items]


def test_add_returns_the_stored_item_with_an_id(ledger):
    item = entry("全县预防接种培训", date(2026, 3, 1), date(2026, 3, 2), 人次=120, 批次=2)
    stored = ledger.add_entry(item, "张三")
    assert stored.id is not None
    assert replace(stored, id=None) == item
    assert stored.counts == (("批次", Decimal(2)), ("人次", Decimal(120)))  # COUNT_UNITS order
    assert ledger.get("entry", stored.id) == stored
    assert ledger.get("台账", stored.id) == stored


def test_every_kind_round_trips(ledger):
    doc = ledger.add_document(IssuedDocument("YL", "沅卫发[2026]12号", "《关于印发沅陵县2026年基本公共卫生服务项目实施方案的通知》",
                                             date(2026, 3, 5), "公共卫生", department="基层卫生股"), "张三")
    assert doc.number == "沅卫发〔2026〕12号"  # brackets as GB/T 9704 writes them
    assert doc.title == "关于印发沅陵县2026年基本公共卫生服务项目实施方案的通知"  # stored without 《》
    project = ledger.add_project(Project("YL_XRMYY", "县人民医院门急诊综合楼", "在建", Decimal("18500.5"),
                                         "中央预算内投资、地方专项债", "医疗服务"), "张三")
    record = ledger.add_progress(ProgressRecord("县人民医院门急诊综合楼", date(2026, 5, 31), Decimal(70),
                                                "完成土建总工程量的70%"), "张三")
    honour = ledger.add_honour(Honour("YL", "全省卫生健康系统先进集体", "省级", date(2026, 4, 20), "综合",
                                      awarded_by="湖南省卫生健康委员会"), "张三")
    assert record.project_id == project.id and record.project == project.name
    assert ledger.documents() == [doc]
    assert ledger.projects() == [project] and project.investment == Decimal("18500.5")
    assert ledger.progress(project.id) == [record]
    assert ledger.honours(date(2026, 1, 1), date(2026, 12, 31)) == [honour]
    assert len({doc.id, project.id, record.id, honour.id}) == 4  # one id space for every kind


def test_summarize_counts_entries_ending_in_the_range(ledger, county):
    summary = ledger.summarize(*H1, None)
    assert [e.title for e in summary.entries] == [  # by start date; the assessment ended in January
        "2025年度考核", "全县基本公共卫生服务项目培训", "医疗机构依法执业检查", "官庄镇家庭医生签约培训",
        "二酉乡健康教育宣传"]
    assert summary.totals == {"批次": Decimal(2), "人次": Decimal(180 + 45 + 200 + 90), "份": Decimal(3025),
                              "家": Decimal(56 + 21)}
    assert list(summary.totals) == ["批次", "人次", "份", "家"]  # COUNT_UNITS order
    by_title = {e.title: e.id for e in county}
    assert summary.sources["家"] == [by_title["2025年度考核"], by_title["医疗机构依法执业检查"]]  # date order
    assert set(summary.sources["人次"]) == {by_title[t] for t in ("全县基本公共卫生服务项目培训", "官庄镇家庭医生签约培训",
                                                                  "二酉乡健康教育宣传", "医疗机构依法执业检查")}
    assert [e.title for e in summary.ongoing] == ["夏季爱国卫生运动"]
    assert summary.total("户") == 0 and "户" not in summary.totals


def test_an_entry_straddling_two_periods_counts_once_where_it_ends(ledger, county):
    first, second = ledger.summarize(*H1), ledger.summarize(*H2)
    year = ledger.summarize(date(2026, 1, 1), date(2026, 12, 31))
    campaign = next(e for e in county if e.title == "夏季爱国卫生运动")
    assert campaign in first.ongoing and campaign not in first.entries
    assert campaign in second.entries and campaign not in second.ongoing
    assert second.totals == {"人次": Decimal(1260), "户": Decimal(3500)}
    for unit in year.totals:  # the halves add up to the year: nothing counted twice or lost
        assert first.total(unit) + second.total(unit) == year.total(unit)
    # the 2025 assessment ended in January 2026: counted there, not in 2025
    assert "家" not in ledger.summarize(date(2025, 7, 1), date(2025, 12, 31)).totals
    assert [e.title for e in ledger.summarize(date(2025, 7, 1), date(2025, 12, 31)).ongoing] == ["2025年度考核"]


def test_summarize_scope_and_filters(ledger, county, subtree):
    town = ledger.summarize(*H1, subtree("YL_GX"))
    assert [e.title for e in town.entries] == ["官庄镇家庭医生签约培训"] and town.totals == {"人次": Decimal(45)}
    assert ledger.summarize(*H1, set()).entries == []
    supervision = ledger.summarize(*H1, domain="监督")
    assert supervision.totals == {"人次": Decimal(90), "份": Decimal(25), "家": Decimal(56)}
    trainings = ledger.summarize(*H1, kind="培训")
    assert trainings.totals == {"批次": Decimal(2), "人次": Decimal(225)}
    assert ledger.summarize(*H1, domain="公共卫生", kind="宣传").totals == {"人次": Decimal(200), "份": Decimal(3000)}
    assert ledger.summarize_period(Period.parse("2026S1")).totals == ledger.summarize(*H1).totals


def test_list_entries_overlapping_the_range(ledger, county):
    listed = [e.title for e in ledger.list_entries(date(2026, 8, 1), date(2026, 8, 31))]
    assert listed == ["夏季爱国卫生运动"]
    with pytest.raises(LedgerError, match="结束日期（2026年1月1日）早于开始日期（2026年6月30日）"):
        ledger.list_entries(date(2026, 6, 30), date(2026, 1, 1))


def test_counts_are_exact_decimals(ledger):
    ledger.add_entry(entry("资金拨付一", date(2026, 2, 1), domain="健康扶贫", kind="其他", 万元=Decimal("0.1")), "u")
    ledger.add_entry(entry("资金拨付二", date(2026, 2, 2), domain="健康扶贫", kind="其他", 万元=Decimal("0.2")), "u")
    assert ledger.summarize(*H1).totals == {"万元": Decimal("0.3")}


@pytest.mark.parametrize("item, field, message", [
    (entry("培训", date(2026, 3, 1), ou="NOWHERE"), "orgunit", "未知的机构编码：“NOWHERE”"),
    (entry("培训", date(2026, 3, 1), ou="沅陵县人民医院"), "orgunit", "这是机构名称，编码应为 YL_XRMYY"),
    (entry("培训", date(2026, 3, 1), domain="卫生"), "domain", "未知的领域：“卫生”（应为 医改、医疗服务、公共卫生"),
    (entry("培训", date(2026, 3, 1), kind="讲座"), "kind", "未知的类型：“讲座”"),
    (LedgerEntry("YL", "公共卫生", "培训", "培训", date(2026, 3, 1), counts={"桌": 3}), "桌", "未知的计数单位：“桌”"),
    (entry("培训", date(2026, 3, 1), 人次=-5), "人次", "不能为负数：“-5”"),
    (entry("培训", date(2026, 3, 1), 人次=Decimal("12.5")), "人次", "“人次”应为整数：“12.5”"),
    (LedgerEntry("YL", "公共卫生", "培训", "培训", date(2026, 3, 1), counts={"人次": "十二"}), "人次", "不是数字：“十二”"),
    (entry("培训", date(2026, 3, 5), date(2026, 3, 1)), "end", "结束日期（2026年3月1日）早于开始日期（2026年3月5日）"),
    (entry("  ", date(2026, 3, 1)), "title", "标题为空"),
    (IssuedDocument("YL", "沅卫发2026-12", "通知", date(2026, 3, 1), "综合"), "number",
     "文号格式不对：“沅卫发2026-12”（应如 沅卫发〔2024〕12号）"),
    (IssuedDocument("YL", "沅卫发〔26〕12号", "通知", date(2026, 3, 1), "综合"), "number", "文号格式不对"),
    (IssuedDocument("YL", "沅卫发〔2026〕12号", "《》", date(2026, 3, 1), "综合"), "title", "标题为空"),
    (Project("YL", "县疾控中心P2实验室", "开工"), "status", "未知的项目状态：“开工”（应为 前期、在建、竣工、投入使用）"),
    (Project("YL", "县疾控中心P2实验室", "在建", Decimal(-1)), "investment", "不能为负数"),
    (Project("YL", "", "在建"), "name", "项目名称为空"),
    (Honour("YL", "先进集体", "乡级", date(2026, 3, 1), "综合"), "level", "未知的荣誉级别：“乡级”"),
    (Honour("YL", "", "省级", date(2026, 3, 1), "综合"), "what", "荣誉名称为空"),
])
def test_checks_name_every_problem_in_chinese(ledger, item, field, message):
    from weijian.ledger import check_item

    errors = check_item(item, ledger.package)
    assert any(f == field and message in m for f, _, m in errors), errors
    with pytest.raises(LedgerError, match="无法保存台账") as raised:
        ledger.add(item, "张三")
    assert message in str(raised.value)
    assert any(f == field and message in m for f, _, m in raised.value.errors)
    assert ledger.history() == []  # nothing stored, nothing logged


@pytest.mark.parametrize("percent, ok", [(Decimal(0), True), (Decimal(100), True), (Decimal("100.5"), False),
                                         (Decimal(-1), False)])
def test_progress_percent_lies_within_0_and_100(ledger, percent, ok):
    ledger.add_project(Project("YL", "医共体信息平台", "在建"), "u")
    record = ProgressRecord("医共体信息平台", date(2026, 3, 1), percent)
    if ok:
        assert ledger.add_progress(record, "u").percent == percent
    else:
        with pytest.raises(LedgerError, match="完成进度应在 0—100 之间|不能为负数"):
            ledger.add_progress(record, "u")


def test_progress_of_an_unknown_project_is_refused(ledger):
    with pytest.raises(LedgerError, match="未找到建设项目：“不存在的项目”"):
        ledger.add_progress(ProgressRecord("不存在的项目", date(2026, 3, 1), Decimal(10)), "u")


def test_project_status_is_the_latest_record_on_or_before_a_day(ledger):
    project = ledger.add_project(Project("YL_XFYBJY", "县妇幼保健院业务用房", "在建", Decimal(9800)), "u")
    for day, percent, milestone, status in [(date(2026, 1, 31), 40, "主体施工", None),
                                            (date(2026, 3, 31), 65, "主体封顶", None),
                                            (date(2026, 4, 30), 60, "核减工程量后重新测算", None),  # going down is data
                                            (date(2026, 6, 30), 100, "竣工验收", "竣工")]:
        ledger.add_progress(ProgressRecord(project.name, day, Decimal(percent), milestone, status), "u")
    assert ledger.project_status(project.id, date(2026, 1, 1)) is None
    assert ledger.project_status(project.id, date(2026, 3, 31)).milestone == "主体封顶"
    assert ledger.project_status(project.id, date(2026, 5, 15)).percent == 60
    latest = ledger.project_status(project.id, date(2026, 12, 31))
    assert (latest.percent, latest.status) == (100, "竣工")
    [state] = ledger.projects_as_of(date(2026, 4, 1))
    assert state.project == project and state.progress.milestone == "主体封顶"
    assert state.status == "在建" and state.percent == 65  # no record changed the registered status yet
    [later] = ledger.projects_as_of(date(2026, 7, 1))
    assert (later.status, later.percent) == ("竣工", 100)
    with pytest.raises(NotFoundError, match="建设项目 id 999999 不存在"):
        ledger.project_status(999999, date(2026, 1, 1))


def test_natural_keys_are_unique(ledger):
    item = entry("全县预防接种培训", date(2026, 3, 1), 人次=10)
    ledger.add_entry(item, "u")
    with pytest.raises(StoreError, match="已有相同的台账条目"):
        ledger.add_entry(replace(item, counts={"人次": 11}), "u")
    ledger.add_document(IssuedDocument("YL", "沅卫发〔2026〕1号", "通知一", date(2026, 1, 5), "综合"), "u")
    with pytest.raises(StoreError, match="已有相同的发文（沅卫发〔2026〕1号）"):
        ledger.add_document(IssuedDocument("YL", "沅卫发[2026]1号", "通知二", date(2026, 1, 6), "综合"), "u")


def test_add_and_delete_are_audited(ledger):
    stored = ledger.add_entry(entry("健康素养宣传", date(2026, 3, 1), kind="宣传", 份=500), "张三")
    gone = ledger.delete("entry", stored.id, "李四")
    assert gone == stored
    assert ledger.list_entries(*H1) == []
    added, deleted = ledger.history("entry", stored.id)
    assert (added.action, added.changed_by, added.before) == ("add", "张三", None)
    assert added.after["title"] == "健康素养宣传" and added.after["counts"] == {"份": "500"}
    assert added.after["start_date"] == "2026-03-01"
    assert (deleted.action, deleted.changed_by, deleted.after) == ("delete", "李四", None)
    assert deleted.before == added.after
    with pytest.raises(NotFoundError, match="台账 id"):
        ledger.delete("entry", stored.id, "李四")
    with pytest.raises(LedgerError, match="未知的台账类别：“会议纪要”"):
        ledger.delete("会议纪要", stored.id, "李四")


def test_deleting_a_project_deletes_its_progress(ledger):
    project = ledger.add_project(Project("YL", "乡镇卫生院标准化建设", "在建"), "u")
    ledger.add_progress(ProgressRecord(project.name, date(2026, 2, 1), Decimal(30)), "u")
    ledger.delete("项目", project.id, "u")
    assert ledger.projects() == [] and ledger.progress() == []
    assert [(h.kind, h.action) for h in ledger.history()] == [
        ("project", "add"), ("progress", "add"), ("progress", "delete"), ("project", "delete")]


def test_a_batch_is_all_or_nothing(ledger):
    good = entry("全县预防接种培训", date(2026, 3, 1), 人次=10)
    bad = entry("另一个培训", date(2026, 3, 1), domain="卫生")
    with pytest.raises(LedgerError, match="第 2 项工作台账：未知的领域"):
        ledger.write([ItemChange("add", good), ItemChange("add", bad)], "u")
    assert ledger.list_entries(*H1) == []
    # a project and its progress in one batch: the record finds the project's new id
    project, record = ledger.write([ItemChange("add", Project("YL", "县疾控中心P2实验室", "前期")),
                                    ItemChange("add", ProgressRecord("县疾控中心P2实验室", date(2026, 2, 1),
                                                                     Decimal(5), "完成可研批复"))], "u")
    assert record.project_id == project.id


def test_the_audit_log_is_append_only_on_postgres(ledger):
    if ledger.store.dialect != "postgres":
        pytest.skip("DuckDB 没有触发器：修改记录只按约定追加")
    ledger.add_entry(entry("培训", date(2026, 3, 1)), "u")
    with pytest.raises(Exception, match="台账修改记录只允许追加"):
        ledger.store._db.execute("DELETE FROM ledger_audit")
