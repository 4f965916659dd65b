"""The narrative layer's judgement, without rendering a document.

First the rules one by one (``judge``), then generated figures — rising,
steady, falling, missing, hitting; small and large denominators; seasonal and
flat tasks; the bureau's own and another department's indicators — through
the real ``ReportContext``, ``Narrative`` and ``ProblemFinder``: which lead
each gets and whether it lands in 存在问题.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from weijian.analytics import Result
from weijian.model.metadata import DataElement, Indicator, MetadataPackage, OrgUnit, Target
from weijian.model.periods import Period
from weijian.reports.context import ReportContext
from weijian.reports.facts import FactBook
from weijian.reports.judgement import judge, seasonal_share
from weijian.reports.narrative import Narrative
from weijian.reports.phrases import PhraseBank
from weijian.reports.problems import ProblemFinder


# -- the rules ----------------------------------------------------------------------------


def test_direction_is_read_through_the_indicator():
    up = judge("X", value=D("80.00"), previous=D("78.00"), kind="percent", denominator=D(10000))
    assert (up.movement, up.better, up.tone) == ("up", True, "good")
    death_rate_up = judge("X", value=D("8.0"), previous=D("6.0"), kind="permille", denominator=D(20000),
                          lower_better=True)
    assert (death_rate_up.movement, death_rate_up.better, death_rate_up.tone) == ("up", False, "bad")


def test_a_small_change_is_flat():
    # under 0.5 个百分点 (percent) or 1% of last year (counts) says 基本持平
    assert judge("X", value=D("80.30"), previous=D("80.00"), kind="percent", denominator=D(10000)).movement == "flat"
    assert judge("X", value=D(1005), previous=D(1000), kind="plain").movement == "flat"
    assert judge("X", value=D(1020), previous=D(1000), kind="plain").movement == "up"


def test_a_change_of_a_few_events_is_noise():
    # one clinic of 31 going offline: 3.23 points, one event
    clinic = judge("X", value=D("96.77"), previous=D("100.00"), kind="percent", denominator=D(31))
    assert clinic.movement == "down" and not clinic.meaningful and not clinic.declined
    assert clinic.tone == "neutral"
    # the same fall over 10 000 people is 323 people: meaningful
    big = judge("X", value=D("96.77"), previous=D("100.00"), kind="percent", denominator=D(10000))
    assert big.meaningful and big.declined and big.tone == "bad"
    # an indicator may set its own minimum
    assert judge("X", value=D("96.77"), previous=D("100.00"), kind="percent", denominator=D(31),
                 min_count=1).meaningful
    # an average (次均费用) has no events to count: its changes always count
    assert judge("X", value=D(170), previous=D(160), kind="plain", counts_events=False).meaningful


def test_a_target_missed_by_less_than_one_event_is_near():
    # 4 newborn deaths in 1168 births (3.42‰) against 3.1‰ (3.6 deaths)
    near = judge("NMR", value=D("3.42"), previous=D("3.40"), kind="permille", denominator=D(1168),
                 lower_better=True, meets_target=False, target=D("3.1"))
    assert near.target == "near" and near.tone == "neutral"
    missed = judge("U5MR", value=D("8.56"), previous=D("7.00"), kind="permille", denominator=D(1168),
                   lower_better=True, meets_target=False, target=D("6.6"))
    assert missed.target == "missed" and missed.tone == "bad"


def test_a_miss_is_never_good_even_when_rising():
    rising_miss = judge("X", value=D("66.00"), previous=D("64.00"), kind="percent", denominator=D(10000),
                        meets_target=False, target=D(70))
    assert rising_miss.better is True and rising_miss.tone == "bad" and not rising_miss.praiseworthy


def test_seasonal_progress_uses_last_years_months():
    # flu vaccination: most doses in October–December
    profile = [D(50)] * 6 + [D(100), D(200), D(1500), D(4000), D(3000), D(1500)]
    expected = seasonal_share(6, profile)
    assert expected == D(300) * 100 / sum(profile)  # 2.83%: June is early in the flu season
    flu = judge("FLU", value=D(3100), completion=D("22.19"), expected=expected)
    assert flu.progress == "ahead"
    linear = judge("FLU", value=D(3100), completion=D("22.19"), expected=seasonal_share(6, None))
    assert linear.progress == "behind" and linear.expected == D(50)
    # a year's summary: the task itself
    assert judge("X", value=D(1), completion=D("95.63"), year_end=True).progress == "behind"
    assert judge("X", value=D(1), completion=D("100.00"), year_end=True).progress == "ahead"


def test_another_departments_indicator_is_context():
    insured = judge("INSURANCE_RATE", value=D("96.78"), previous=D("98.64"), kind="percent",
                    denominator=D(600000), owner="医保局", meets_target=True)
    assert not insured.owned and insured.tone == "neutral" and not insured.declined


# -- generated figures through the layer ----------------------------------------------------

PERIOD = Period.parse("2026S1")
INDICATORS = {
    # code: (kind, direction, owner, numerator, denominator, previous value)
    "RISE": ("percent", "higher_better", None, 8300, 10000, D("80.00")),
    "STAY": ("percent", "higher_better", None, 8020, 10000, D("80.00")),
    "FALL": ("percent", "higher_better", None, 7700, 10000, D("80.00")),
    "TINY_FALL": ("percent", "higher_better", None, 30, 31, D("100.00")),
    "MISS": ("percent", "higher_better", None, 6400, 10000, D("63.00")),
    "HIT": ("percent", "higher_better", None, 7200, 10000, D("71.50")),
    "DEATHS": ("permille", "lower_better", None, 10, 1168, D("7.00")),
    "INSURED": ("percent", "higher_better", "医保局", 9000, 10000, D("95.00")),
}
TARGETS = {"MISS": D(70), "HIT": D(70), "DEATHS": D("6.6")}
# annual tasks on elements: done so far, the task, last year's months
TASKS = {
    "FLU": (3100, 14000, [50] * 6 + [100, 200, 1500, 4000, 3000, 1500]),
    "DOSES": (20000, 77000, [6400] * 12),
}


class FakeFigures:
    """A FigureSource of generated results (no engine)."""

    def __init__(self, package):
        self.package = package
        self.queries = 0
        self.analytics = type("A", (), {"ranked": staticmethod(lambda results: [])})()
        self.data = {}
        for code, (kind, direction, owner, num, den, previous) in INDICATORS.items():
            factor = {"percent": 100, "permille": 1000}[kind]
            value = D(num) * factor / D(den)
            target = TARGETS.get(code)
            meets = None if target is None else (value <= target if direction == "lower_better" else value >= target)
            self.data[code] = Result(code=code, name=package.indicators[code].name, subject="indicator", ou="C",
                                     ou_name="测试县", period=PERIOD.id, period_label="", value=value, decimals=2,
                                     unit="%", numerator=D(num), denominator=D(den), previous=previous,
                                     change=value - previous, change_unit="个百分点", target=target,
                                     target_kind="threshold" if target is not None else None, meets_target=meets)
        for code, (done, task, _) in TASKS.items():
            self.data[code] = Result(code=code, name=package.elements[code].name, subject="element", ou="C",
                                     ou_name="测试县", period=PERIOD.id, period_label="", value=D(done), decimals=0,
                                     unit="剂次", target=D(task), target_kind="annual_task",
                                     completion=D(done) * 100 / D(task))

    def result(self, code, ou, period):
        if code in self.data and ou == "C":
            return self.data[code]
        return Result(code=code, name=code, subject="indicator", ou=ou, ou_name="", period=period.id,
                      period_label="", value=None, decimals=2, unit="")

    def results(self, code, units, period):
        return [self.result(code, u, period) for u in units]

    def prefetch(self, *args):
        pass

    def monthly(self, code, ou, year, last_month):
        return [D(v) for v in TASKS[code][2][:last_month]]


def package(seasonal_flu: str | None = None) -> MetadataPackage:
    indicators = {code: Indicator(code=code, name=f"{code}率", numerator=f"#{{{code}_N}}", denominator="#{POP}",
                                  kind=kind, direction=direction, owner=owner, domain="公共卫生",
                                  weight=D(3) if code == "DEATHS" else D(1))
                  for code, (kind, direction, owner, *_rest) in INDICATORS.items()}
    elements = {"FLU": DataElement("FLU", "流感疫苗接种剂次", "剂次", domain="疾病防控", seasonal=seasonal_flu),
                "DOSES": DataElement("DOSES", "免疫规划疫苗接种剂次", "剂次", domain="疾病防控")}
    targets = tuple(Target("C", 2026, value, "threshold", indicator=code) for code, value in TARGETS.items())
    targets += tuple(Target("C", 2026, D(task), "annual_task", element=code) for code, (_, task, _) in TASKS.items())
    units = {"C": OrgUnit("C", "测试县", "县", None, 1, ("C",)),
             "T1": OrgUnit("T1", "甲镇", "乡镇", "C", 2, ("C", "T1"))}
    return MetadataPackage(levels=(), orgunits=units, elements=elements, categories={}, indicators=indicators,
                           targets=targets)


def layer(seasonal_flu: str | None = None, placeholders: bool = True):
    pkg = package(seasonal_flu)
    context = ReportContext(FakeFigures(pkg), pkg, PERIOD, "C", FactBook(), today=date(2026, 7, 6))
    bank = PhraseBank.load()
    narrative = Narrative(context, bank.leads)
    finder = ProblemFinder(context, narrative, bank.causes, bank.structural, placeholders)
    return context, narrative, finder


def problem_codes(finder) -> set[str]:
    return {p.code for g in finder.problems() for p in g.items}


def test_rises_and_steady_figures_get_their_words():
    context, narrative, _ = layer()
    assert narrative.lead("话题", context.fact("RISE"), "RISE率") == "RISE率稳中有升"  # +3 points on 10 000
    assert narrative.lead("话题", context.fact("STAY"), "STAY率") in {"STAY率总体平稳", "STAY率保持稳定",
                                                                    "STAY率基本持平"}  # +0.2 points
    assert narrative.lead("话题", context.fact("HIT"), "HIT率") in {"HIT率稳中有升", "HIT率稳步提升", "HIT率持续提高",
                                                                  "HIT率进一步提升", "HIT率总体平稳", "HIT率保持稳定"}


def test_falls_misses_noise_and_context_get_no_praise():
    context, narrative, _ = layer()
    assert narrative.lead("话题", context.fact("FALL"), "FALL率") in {"FALL率有所下降", "FALL率略有下降",
                                                                    "FALL率有所回落"}
    assert narrative.lead("档案管理", context.fact("MISS"), "MISS率") == "档案管理"  # rising, but a miss
    assert narrative.lead("网络运行", context.fact("TINY_FALL"), "TINY率") == "网络运行"  # one event: noise
    assert narrative.lead("医保", context.fact("INSURED"), "参保率") == "医保"  # the 医保局's
    death = narrative.lead("儿童健康", context.fact("DEATHS"), "死亡率")
    assert death in {"死亡率有所上升", "死亡率略有上升"}


def test_a_sections_claim_needs_its_figures():
    context, narrative, _ = layer()
    assert narrative.claim("持续提升", "有序开展", context.fact("RISE"), context.fact("HIT")) == "持续提升"
    assert narrative.claim("持续提升", "有序开展", context.fact("RISE"), context.fact("MISS")) == "有序开展"
    assert narrative.claim("持续提升", "有序开展", context.fact("INSURED")) == "有序开展"


def test_leads_vary_within_a_draft():
    context, narrative, _ = layer()
    first = narrative.lead("话题", context.fact("RISE"), "A")
    second = narrative.lead("话题", context.fact("RISE"), "A")
    assert first != second


def test_which_figures_land_in_the_problems():
    _, _, finder = layer()
    codes = problem_codes(finder)
    assert {"MISS", "DEATHS", "FALL"} <= codes  # a miss, a miss over its threshold, a real fall
    assert "TINY_FALL" not in codes  # noise
    assert "INSURED" not in codes  # the 医保局's
    assert "HIT" not in codes and "RISE" not in codes and "STAY" not in codes
    # flu vaccination at 22% in June is where last year stood (seasonal): not late
    assert "FLU" not in codes
    # 26% of an even-spread task at mid-year is late
    assert "DOSES" in codes


def test_a_flat_profile_judges_against_linear_time():
    _, _, finder = layer(seasonal_flu="flat")
    assert "FLU" in problem_codes(finder)


def test_problems_are_ranked_by_weight_and_grouped_by_cause():
    _, _, finder = layer()
    groups = [g for g in finder.problems() if not g.placeholder]
    assert groups == sorted(groups, key=lambda g: -g.score)
    # DEATHS carries 考核 weight 3: its group (公共卫生) comes before 疾病防控's late task
    assert groups[0].key == "公共卫生" and groups[0].items[0].code == "DEATHS"
    assert [g.key for g in groups] == ["公共卫生", "疾病防控"]
    assert all(len(g.items) <= 3 for g in groups)


def test_placeholders_for_what_data_cannot_know_can_be_turned_off():
    _, _, finder = layer()
    slots = [g for g in finder.problems() if g.placeholder]
    assert slots and all(g.text.startswith("【待补充：") for g in slots)
    _, _, quiet = layer(placeholders=False)
    assert not [g for g in quiet.problems() if g.placeholder]


def test_plans_answer_the_problems_without_repeating_a_sentence():
    context, _, finder = layer()
    bank = PhraseBank.load()
    plans = bank.plans(finder.problems(), context.words["next"])
    text = "".join(p.text for p in plans)
    assert "MISS率" in text and "DEATHS率" in text
    sentences = [s for s in text.split("。") if s]
    assert len(sentences) == len(set(sentences))


def test_a_small_slip_is_only_ever_level():
    # 80.00% → 79.70%: within 持平, but the wrong way — 基本持平, never 保持稳定
    pkg = package()
    context = ReportContext(FakeFigures(pkg), pkg, PERIOD, "C", FactBook(), today=date(2026, 7, 6))
    narrative = Narrative(context, PhraseBank.load().leads)
    slip = judge("STAY", value=D("79.70"), previous=D("80.00"), kind="percent", denominator=D(10000))
    assert slip.movement == "flat" and slip.sign == -1
    assert {narrative.word(slip) for _ in range(4)} == {"基本持平"}


def test_a_lead_over_several_figures_needs_them_to_agree():
    context, narrative, _ = layer()
    assert narrative.lead("费用", [context.fact("FALL"), context.fact("RISE")]) == "费用"
    assert narrative.lead("两项", [context.fact("RISE"), context.fact("RISE")]) in {
        "两项稳中有升", "两项稳步提升", "两项持续提高", "两项进一步提升"}
    assert narrative.lead("缺数", [context.fact("RISE"), context.fact("NO_SUCH")]) == "缺数"
