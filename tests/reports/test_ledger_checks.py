"""Ledger counts that contradict the statistics are found before the draft is written."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from weijian.ledger import LedgerEntry
from weijian.model.metadata import Indicator
from weijian.reports.ledger_checks import find_contradictions, same_subject

INDICATORS = {
    "FP_SPECIAL_PERSONS": Indicator("FP_SPECIAL_PERSONS", "特别扶助对象人数", "#{P}", kind="plain", unit="人",
                                    domain="计生", decimals=0),
    "FP_SPECIAL_FUNDS": Indicator("FP_SPECIAL_FUNDS", "特别扶助资金", "#{F}", kind="plain", unit="万元", domain="计生"),
    "FP_REWARD_PERSONS": Indicator("FP_REWARD_PERSONS", "奖励扶助对象人数", "#{R}", kind="plain", unit="人",
                                   domain="计生", decimals=0),
}
STATISTICS = {"FP_SPECIAL_PERSONS": D(979), "FP_SPECIAL_FUNDS": D("424.94"), "FP_REWARD_PERSONS": D(8114)}


def entry(title, counts, n=1, domain="计生"):
    return LedgerEntry("YL", domain, "其他", title, date(2026, 3, n), counts=counts, id=n)


def test_same_subject_needs_the_benefit_itself():
    assert same_subject("计划生育家庭特别扶助金发放", "特别扶助对象人数")
    assert same_subject("计划生育家庭特别扶助金发放", "特别扶助资金")
    # checking who qualifies for 奖励扶助 is other work than the 奖励扶助 paid
    assert not same_subject("计划生育奖励扶助资格确认复核", "奖励扶助对象人数")


def test_a_contradicting_count_is_found_and_an_agreeing_one_is_not():
    found = find_contradictions([entry("计划生育家庭特别扶助金发放", {"人": 1191, "万元": D("110.64")})],
                                INDICATORS, STATISTICS.get)
    assert {(c.code, c.ledger_value, c.statistic) for c in found} == {
        ("FP_SPECIAL_PERSONS", D(1191), D(979)), ("FP_SPECIAL_FUNDS", D("110.64"), D("424.94"))}
    assert "1191人" in found[0].message and "979人" in found[0].message
    agreeing = find_contradictions([entry("计划生育家庭特别扶助金发放", {"人": 979})], INDICATORS, STATISTICS.get)
    assert agreeing == []


def test_entries_on_one_subject_are_summed_first():
    halves = [entry("特别扶助金第一批发放", {"人": 500}, 1), entry("特别扶助金第二批发放", {"人": 479}, 2)]
    assert find_contradictions(halves, INDICATORS, STATISTICS.get) == []
    other_domain = [entry("特别扶助金发放", {"人": 5}, 3, domain="综合")]
    assert find_contradictions(other_domain, INDICATORS, STATISTICS.get) == []
