"""Each relation kind: a consistent sentence, and the same sentence with a planted error
found at the right place with a plain Chinese explanation."""
from __future__ import annotations

from decimal import Decimal

import pytest

from weijian.audit import audit_text

HEAD = "某县卫生健康局2024年上半年工作总结\n"

CASES = [
    # kind, consistent text, planted error text, the figure in question, words in the explanation
    ("sum", "全县活产1168人，其中男婴618人、女婴550人。", "全县活产1168人，其中男婴618人、女婴560人。",
     "1168人", ["1178人", "超过总数"]),
    ("sum", "共有慢病对象12311人，其中：结核病74人，高血压9548人，糖尿病2584人，重性精神病105人。",
     "共有四种慢病对象12857人，其中：结核病74人，高血压9548人，糖尿病2584人，重性精神病105人。",
     "12857人", ["12311人", "少546人"]),
    ("sum", "实际到位资金2400万元，其中2000万用于保证金、200万用于环评、200万用于场地整治。",
     "实际到位资金2400万元，其中2024万用于保证金、200万用于环评、200万用于场地整治。",
     "2400万元", ["2424万元", "24万元"]),
    ("sum", "合计报告腹泻病例377例(菌痢15例、伤寒1例、一般腹泻361例)。",
     "合计报告腹泻病例377例(菌痢15例、伤寒1例、一般腹泻371例)。", "377例", ["387例"]),
    ("category_count", "全县共报告传染病22种2805例，乙类传染病15种1331例，丙类传染病7种1474例。",
     "全县共报告传染病22种2805例，乙类传染病15种1331例，丙类传染病9种1474例。", "22种", ["24种"]),
    ("category_count", "目前，三十铺、东桥、张店、横塘、城北5所卫生院中医馆已建成。",
     "目前，三十铺、东桥、张店、横塘、城北6所卫生院中医馆已建成。", "6所", ["5个名称"]),
    ("rate", "老年人应接种120162人，累计接种116050人，接种覆盖率96.58%。",
     "老年人应接种120162人，累计接种116050人，接种覆盖率98.58%。", "98.58%", ["96.58%", "相差2.00个百分点"]),
    ("completion", "全年目标任务2400人，截至6月底，完成2362人，完成目标任务98.42%。",
     "全年目标任务2400人，截至6月底，完成2362人，完成目标任务99.42%。", "99.42%", ["98.42%"]),
    ("completion", "开展督导检查7次，完成全年任务的35%。", "开展督导检查7次，完成全年任务的33.5%。",
     "33.5%", ["没有任何整数目标数"]),
    ("implied_population", "全县报告传染病2805例，发病率431.53/10万，乙类传染病1331例，发病率204.77/10万。",
     "全县报告传染病2805例，发病率431.53/10万，乙类传染病1331例，发病率254.77/10万。", "431.53/10万",
     ["人口应相同"]),
    ("sex_ratio", "全县活产2087人，男孩825人、女孩1262人，出生人口性别比65.37。",
     "全县活产2087人，男孩825人、女孩1262人，出生人口性别比110。", "110", ["性别比应为65.4", "文中为110"]),
    ("product", "按照人均540元筹资标准，共有667984人参加，全年应筹集参合资金3.6亿余元。",
     "共有667984人参加新农合。按照人均540元筹资标准，全年应筹集参合资金2.6亿余元。", "2.6亿余元", ["应为3.607亿元"]),
    ("product", "完成接种164318剂次(7469人×22针次)。", "全年接种任务为164318剂次，7469人×23针次。",
     "164318剂次", ["171787"]),
    ("yoy", "总诊疗1639660人次，去年同期1613598人次，同比增长1.62%。",
     "总诊疗1639660人次，去年同期1613598人次，同比增长2.62%。", "2.62%", ["增长1.6", "文中为"]),
    ("yoy", "北溶乡管理率为64.00%，低于全县平均水平（83.92%）19.92个百分点。",
     "北溶乡管理率为64.00%，低于全县平均水平（83.92%）18.92个百分点。", "18.92个百分点", ["低19.9"]),
    ("ranking", "报告传染病2805例，发病居前3位病种有流行性感冒919例，肺结核497例，乙肝368例。",
     "报告传染病2805例，发病居前3位病种有流行性感冒919例，肺结核497例，乙肝568例。", "568例", ["排序有误"]),
    ("ranking", "报告传染病1805例，发病居前3位病种有流行性感冒919例，肺结核497例，乙肝368例。",
     "报告传染病1505例，发病居前3位病种有流行性感冒919例，肺结核497例，乙肝368例。", "919例", ["超过了总数"]),
]


def _of_kind(report, kind):
    return [f for f in report.findings if f.kind == kind]


@pytest.mark.parametrize("kind, good, bad, figure, words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_consistent_text_is_clean(kind, good, bad, figure, words):
    report = audit_text(HEAD + good)
    assert not report.inconsistent, [f.message for f in report.inconsistent]
    # a 完成率 without its target can only be shown possible (a bound), not confirmed
    expected = "partial" if "任务的35%" in good else "consistent"
    assert any(f.verdict == expected for f in _of_kind(report, kind)), report.findings


@pytest.mark.parametrize("kind, good, bad, figure, words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_planted_error_is_found_where_it_is(kind, good, bad, figure, words):
    text = HEAD + bad
    report = audit_text(text)
    [finding] = report.inconsistent
    assert finding.kind == kind
    assert text[finding.start:finding.end] == finding.quote
    focus = report.figures[finding.focus]
    assert focus.text == figure and text[focus.start:focus.end] == figure
    assert focus.start >= finding.start and focus.end <= finding.end
    for word in words:
        assert word in finding.message, finding.message


def test_sum_explanation_and_sizes():
    text = HEAD + "共有四种慢病对象12857人，其中：结核病74人，高血压9548人，糖尿病2584人，重性精神病105人。"
    [finding] = audit_text(text).inconsistent
    assert finding.stated == Decimal(12857) and finding.computed == Decimal(12311)
    assert finding.difference == Decimal(-546)
    assert finding.quote.startswith("12857人，其中") and finding.quote.endswith("105人")


def test_nested_sub_items_are_not_summed_into_the_total():
    text = HEAD + ("全区共报告传染病15种1227例，其中：死亡病例2例(艾滋病1例，肺结核1例)，无甲类传染病报告，"
                   "乙类传染病8种585例，丙类传染病7种642例。共计立案处罚27起，其中医疗机构立案处罚23起，"
                   "移交公安部门1起，公共场所立案处罚4起。")
    report = audit_text(text)
    assert not report.inconsistent
    sums = [f for f in report.findings if f.kind == "sum"]
    assert {f.quote.split("，")[0] for f in sums} >= {"1227例", "2例(艾滋病1例", "27起"}


def test_partial_list_below_total_is_not_an_error():
    report = audit_text(HEAD + "全县共有医疗机构500家，其中县级医院5家、乡镇卫生院21家。")
    [finding] = report.findings
    assert finding.verdict == "partial" and "部分分项" in finding.message


def test_rounded_inputs_use_intervals():
    text = HEAD + ("1-5月份，共发放各类补偿资金1.3亿元。其中，住院补偿资金1.1亿元;住院分娩补偿资金116.17万元;"
                   "门诊统筹补偿资金986.1万元;慢性病门诊补偿资金994.8万元。")
    [finding] = [f for f in audit_text(text).findings if f.kind == "sum"]
    assert finding.verdict == "consistent" and "四舍五入" in finding.message


def test_truncated_rate_is_accepted_with_a_note():
    report = audit_text(HEAD + "老年人应接种120162人，累计接种116050人，接种覆盖率96.57%。")
    [finding] = report.findings
    assert finding.verdict == "consistent" and "截尾" in finding.message


def test_guessed_pairing_never_raises_a_false_alarm():
    report = audit_text(HEAD + "全区共发放问卷3200份，收回有效问卷2860份，对人口计生工作满意率达92。")
    assert not report.inconsistent
