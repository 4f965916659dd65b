"""Extraction of figures: values, units, qualifiers, and what is not a figure."""
from __future__ import annotations

from decimal import Decimal

import pytest

from weijian.audit import audit_text


def figures(text: str):
    return audit_text(text).figures


def only(text: str):
    [figure] = figures(text)
    return figure


@pytest.mark.parametrize("text, value, unit, qualifier", [
    ("全区基层医疗卫生机构出院1.9万余人次。", Decimal("19000"), "人次", "余"),
    ("全年应筹集参合资金3.6亿余元。", Decimal("360000000"), "元", "余"),
    ("全区有近54万人次享受补偿。", Decimal("540000"), "人次", "近"),
    ("发放资金640.608万元。", Decimal("6406080"), "元", None),
    ("累计排查车辆２９２３２２辆。", Decimal("292322"), "辆", None),
    ("累计排查人员1,234,567人。", Decimal("1234567"), "人", None),
    ("接种覆盖率96.58 %。", Decimal("96.58"), "%", None),
    ("报告发病率431.53/10万。", Decimal("431.53"), "/10万", None),
    ("5岁以下儿童死亡率3.1‰。", Decimal("3.1"), "‰", None),
    ("区内住院率较去年同期增加3.56个百分点。", Decimal("3.56"), "个百分点", None),
    ("均达到98%以上。", Decimal("98"), "%", "以上"),
    ("配送率一直稳定在97%左右。", Decimal("97"), "%", "左右"),
    ("抽调医务人员500余人。", Decimal("500"), "人", "余"),
])
def test_values_units_qualifiers(text, value, unit, qualifier):
    figure = only(text)
    assert (figure.value, figure.unit, figure.qualifier) == (value, unit, qualifier)
    assert text[figure.start:figure.end] == figure.text


def test_spans_cover_qualifier_and_unit():
    text = "全区有近54万人次享受补偿，1.9万余人次出院。"
    first, second = figures(text)
    assert (first.start, first.end, first.text) == (3, 9, "近54万人次")
    assert second.text == "1.9万余人次"


@pytest.mark.parametrize("text", [
    "2022年1月，全县召开会议。", "10月10日在城区开展演练。", "1-5月份工作进展顺利。", "65岁及以上老年人。",
    "县乡两级实行领导24小时带班。", "1.坚决抓实外防输入。", "见图1和表2。", "金政〔2024〕66号文件。",
    "实施“158”工程。", "防控H7N9禽流感。", "利用5.29计生协会纪念日开展宣传。", "全县共有*家乡镇卫生院，建档率*%。",
    "第17个会员日。", "党的xx大精神。", "0—36个月儿童。", "2024-05-06 10:23 发布",
])
def test_not_figures(text):
    assert figures(text) == ()


def test_typo_unit_accepted_only_inside_a_list_of_cases():
    text = "流行性感冒919例，其他感染性腹泻355倒，梅毒281例。"
    assert [f.unit for f in figures(text)] == ["例", "例", "例"]
    assert "按“例”理解" in figures(text)[1].notes[0]
    assert figures("他摔倒3倒了。") == ()


def test_lost_percent_unit_is_restored_with_a_note():
    figure = only("对人口计生工作满意率达92。")
    assert figure.unit == "%" and figure.notes == ("缺少单位，按百分比理解",)


def test_unit_before_the_number():
    first, second = figures("区妇幼保健院门、急诊人次122871，出院人次9709。")
    assert (first.unit, second.unit) == ("人次", "人次")


def test_roles():
    text = ("全年目标任务2400人，完成2362人，完成目标任务98.42%。总诊疗163.97万人次，同比增长1.62%。"
            "建档率88.69%，同比下降0.38个百分点；去年同期为89.07%。位居全县第21位。")
    roles = [(f.text, f.role, f.direction) for f in figures(text)]
    assert roles == [("2400人", "target", 0), ("2362人", "value", 0), ("98.42%", "completion", 0),
                     ("163.97万人次", "value", 0), ("1.62%", "change", 1), ("88.69%", "value", 0),
                     ("0.38个百分点", "change", -1), ("89.07%", "previous", 0), ("21位", "rank", 0)]


def test_period_and_scope_in_force():
    text = ("沅陵县卫生健康局2022年度工作总结\n截至11月10日，全县累计接种400366剂。1-5月份免费婚检3448对。"
            "今年以来孕产妇系统管理率95.4%。")
    first, second, third = figures(text)
    assert first.period.id == "202201..202211" and first.period_partial and first.scope == "root"
    assert second.period.id == "202201..202205" and not second.period_partial
    assert third.period.id == "2022"
