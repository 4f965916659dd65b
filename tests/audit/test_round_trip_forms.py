"""Round trip over the drafter's own sentence forms: a sentence written by the report layer's
formatting functions (``weijian.reports.numbers``) from random facts is read back by the audit to
the same facts — each figure's value (within the rounding the writer applied), its role (a value,
a 同比 change with its direction, a 完成率), and the relations the sentence sets up come out 一致
(or 部分核对 where the sentence states only a bound), never 不一致.

The demo drafts themselves (every template) are audited in ``test_round_trip.py``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weijian.audit import audit_text
from weijian.reports.numbers import (
    completion_rate, describe_change, format_completion, format_count, format_percent, format_per_100k,
    format_ratio, format_wan_yi, rank_phrase,
)

HEAD = "某县卫生健康局2025年上半年工作总结\n"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["总诊疗", "门急诊", "出院", "接种国家免疫规划疫苗", "开展卫生监督检查", "完成“两癌”检查"]
UNITS = ["人次", "剂次", "户次", "人"]
BASES = ["同比", "较去年同期", "比上年"]


def _figure(report, text: str, shown: str):
    at = text.rindex(shown)
    return next(m for m in report.figures if m.start <= at < m.end)


@given(name=st.sampled_from(NAMES), unit=st.sampled_from(UNITS), value=st.integers(1, 5_000_000),
       change=st.decimals(-60, 300, places=4), basis=st.sampled_from(BASES), wan=st.booleans())
@SETTINGS
def test_count_and_change_read_back(name, unit, value, change, basis, wan):
    shown = format_wan_yi(value, unit) if wan else format_count(value, unit)
    described = describe_change(change, "%", 2, basis)
    text = HEAD + f"上半年，全县{name}{shown}，{described}。"
    report = audit_text(text)
    figure = _figure(report, text, shown)
    assert figure.interval.meets(type(figure.interval).point(Decimal(value)))
    assert figure.role == "value" and figure.unit == unit
    if "持平" not in described:
        g = _figure(report, text, format_percent(abs(change)))
        assert g.role == "change" and g.direction == (1 if change > 0 else -1)
        assert g.interval.meets(type(g.interval).point(abs(change).quantize(Decimal("0.01"), ROUND_HALF_UP)))
    assert not report.inconsistent


@given(done=st.integers(1, 200_000), target=st.integers(1, 200_000), unit=st.sampled_from(UNITS))
@SETTINGS
def test_completion_reads_back_and_is_possible(done, target, unit):
    text = HEAD + f"截至6月底，全县接种{format_count(done, unit)}，{format_completion(done, target)}。"
    report = audit_text(text)
    rate = completion_rate(done, target)
    figure = _figure(report, text, f"{format(rate, 'f')}%")
    assert figure.role == "completion" and figure.value == rate
    verdicts = {f.verdict for f in report.findings if f.kind == "completion"}
    assert verdicts <= {"partial", "not_checkable"} and "inconsistent" not in verdicts


@given(done=st.integers(1, 200_000), target=st.integers(1, 200_000))
@SETTINGS
def test_completion_with_its_target_is_consistent(done, target):
    text = HEAD + (f"全年目标任务{format_count(target, '人')}，截至6月底完成{format_count(done, '人')}，"
                   f"{format_completion(done, target)}。")
    report = audit_text(text)
    assert [f.verdict for f in report.findings if f.kind == "completion"] == ["consistent"]


@given(b=st.lists(st.integers(1, 3000), min_size=1, max_size=12),
       c=st.lists(st.integers(1, 3000), min_size=1, max_size=12), population=st.integers(200_000, 2_000_000))
@SETTINGS
def test_infectious_disease_sentence(b, c, population):
    cases_b, cases_c = sum(b), sum(c)
    cases = cases_b + cases_c
    incidence = format_per_100k(Decimal(cases) * 100000 / population)
    text = HEAD + (f"上半年，全县共报告法定传染病{len(b) + len(c)}种{cases}例，报告发病率{incidence}；无甲类传染病报告，"
                   f"乙类传染病{len(b)}种{cases_b}例，丙类传染病{len(c)}种{cases_c}例。")
    report = audit_text(text)
    assert not report.inconsistent, [f.message for f in report.inconsistent]
    sums = {(f.kind, report.figures[f.focus].text, f.verdict) for f in report.findings}
    assert ("sum", f"{cases}例", "consistent") in sums
    assert ("category_count", f"{len(b) + len(c)}种", "consistent") in sums


@given(values=st.lists(st.integers(1, 5000), min_size=5, max_size=5, unique=True))
@SETTINGS
def test_top_five_ranking(values):
    ordered = sorted(values, reverse=True)
    listed = "、".join(f"{n}{v}例" for n, v in zip(["流感", "肺结核", "乙肝", "梅毒", "手足口病"], ordered))
    text = HEAD + f"报告病例数居前五位的病种依次为{listed}。"
    report = audit_text(text)
    assert not report.inconsistent
    assert any(f.kind == "ranking" and f.verdict == "consistent" for f in report.findings)


@given(boys=st.integers(100, 5000), girls=st.integers(100, 5000))
@SETTINGS
def test_sex_ratio(boys, girls):
    ratio = format_ratio(Decimal(boys) * 100 / girls)
    text = HEAD + f"全县活产{boys + girls}人，其中男婴{boys}人、女婴{girls}人，出生人口性别比{ratio}。"
    report = audit_text(text)
    assert not report.inconsistent
    kinds = {(f.kind, f.verdict) for f in report.findings}
    assert ("sex_ratio", "consistent") in kinds and ("sum", "consistent") in kinds


@given(num=st.integers(0, 100_000), extra=st.integers(1, 100_000), rank=st.integers(1, 20))
@SETTINGS
def test_rate_with_its_denominator_and_a_rank(num, extra, rank):
    den = num + extra
    rate = format_percent(Decimal(num) * 100 / den)
    text = HEAD + f"老年人应接种{den}人，累计接种{num}人，接种覆盖率{rate}，{rank_phrase(rank, 20, '全市')}。"
    report = audit_text(text)
    assert [f.verdict for f in report.findings if f.kind == "rate"] == ["consistent"]
    assert not report.inconsistent


@given(town=st.decimals(0, 100, places=4), county=st.decimals(0, 100, places=4),
       name=st.sampled_from(["高血压患者规范管理率", "儿童健康管理率", "孕产妇系统管理率"]))
@SETTINGS
def test_gap_to_the_county_average(town, county, name):
    """problems.py: "东岭镇高血压患者规范管理率为58.82%，低于全县平均水平（83.92%）25.10个百分点"."""
    shown_town, shown_county = format_percent(town), format_percent(county)
    gap = (Decimal(shown_county[:-1]) - Decimal(shown_town[:-1]))
    if gap <= 0:
        return
    text = HEAD + f"东岭镇{name}为{shown_town}，低于全县平均水平（{shown_county}）{gap:.2f}个百分点，位居全县第9。"
    report = audit_text(text)
    assert not report.inconsistent, [f.message for f in report.inconsistent]
    assert [f.verdict for f in report.findings if f.kind == "yoy"] == ["consistent"]
