"""Outliers on hand-made series; scores re-computed here with numpy, on every backend.

History: 2024-01 .. 2026-06 (30 months). Tree: C 县 → T1 甲乡 → F1 卫生院, V1 V2 村卫生室.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pytest

from weijian.analytics import Analytics
from weijian.model import Category, CategoryOption, DataElement, Level, MetadataPackage, OrgUnit
from weijian.model.periods import Period
from weijian.quality import find_outliers, outlier_scores, subtree
from weijian.quality.outliers import MODIFIED_Z_LIMIT, poisson_upper_tail
from weijian.storage import ValueRow

UNITS = [
    OrgUnit("C", "演示县", "县", None, 1, ("C",)),
    OrgUnit("T1", "甲乡", "乡镇", "C", 2, ("C", "T1")),
    OrgUnit("F1", "甲乡卫生院", "乡镇卫生院", "T1", 3, ("C", "T1", "F1")),
    OrgUnit("V1", "甲乡一村卫生室", "村卫生室", "T1", 3, ("C", "T1", "V1")),
    OrgUnit("V2", "甲乡二村卫生室", "村卫生室", "T1", 3, ("C", "T1", "V2")),
]
PACKAGE = MetadataPackage(
    levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "机构")),
    orgunits={u.code: u for u in UNITS},
    elements={e.code: e for e in [
        DataElement("VISITS", "门急诊人次", "人次", "sum"),
        DataElement("FLU", "流感样病例数", "例", "sum"),
        DataElement("CASES", "传染病报告病例数", "例", "sum", category="SEX"),
        DataElement("BEDS", "实有床位数", "张", "last"),
        DataElement("POP", "常住人口", "人", "last", period_type="yearly"),
    ]},
    categories={"SEX": Category("SEX", "性别", (CategoryOption("MALE", "男"), CategoryOption("FEMALE", "女")))},
)
MONTHS = [(y, m) for y in (2024, 2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 6)]
S1 = Period.parse("2026S1")


def pid(y: int, m: int) -> str:
    return f"{y}{m:02d}"


def make_series() -> dict[tuple[str, str, str], dict[str, float]]:
    """(unit, element, option) → {period id: value}."""
    rng = random.Random(7)
    series: dict[tuple[str, str, str], dict[str, float]] = {}

    def put(ou, element, option, values):
        series[(ou, element, option)] = values

    # a noisy series around 100 with a 10× spike in May 2026 and a slip of the finger (10) in February
    visits = {pid(y, m): round(100 * rng.uniform(0.7, 1.3)) for y, m in MONTHS}
    visits["202605"] = 10 * visits["202605"]
    visits["202602"] = 10
    put("F1", "VISITS", "", visits)
    # honest noise only: scored, never flagged
    put("V1", "VISITS", "", {pid(y, m): round(100 * rng.uniform(0.7, 1.3)) for y, m in MONTHS})
    # flu: winter peaks every year, ten times the summer level
    put("F1", "FLU", "", {pid(y, m): round((300 if m in (12, 1, 2) else 30) * rng.uniform(0.95, 1.05))
                          for y, m in MONTHS})
    # a village clinic's sparse counts, per option: 0/1/0 months, the odd 2
    pattern = [0, 1, 0, 0, 2, 0, 1, 0, 0, 1]
    put("V2", "CASES", "MALE", {pid(y, m): pattern[i % len(pattern)] for i, (y, m) in enumerate(MONTHS)})
    sparse = {pid(y, m): pattern[(i + 3) % len(pattern)] for i, (y, m) in enumerate(MONTHS)}
    sparse["202604"] = 12  # an outbreak, or a typo: P(X ≥ 12) is tiny for a mean below 1
    put("V1", "CASES", "FEMALE", sparse)
    # a flat stock: a 10 % step is not an outlier, doubling is
    beds = {pid(y, m): 50 for y, m in MONTHS}
    beds["202603"], beds["202606"] = 55, 100
    put("F1", "BEDS", "", beds)
    # too short to learn from: eight months
    put("V2", "VISITS", "", {pid(2025, m): 100 for m in range(11, 13)}
        | {pid(2026, m): (1000 if m == 6 else 100) for m in range(1, 7)})
    return series


SERIES = make_series()


@pytest.fixture
def analytics(store):
    store.replace_orgunits(UNITS)
    rows = []
    for (ou, element, option), values in SERIES.items():
        for period, value in values.items():
            p = Period.parse(period)
            rows.append(ValueRow(element, p.id, ou, float(value), p.start, p.end, categoryoptioncombo=option))
    rows.append(ValueRow("POP", "2026", "F1", 30000.0, *(lambda p: (p.start, p.end))(Period.parse("2026"))))
    assert not store.write_values(rows, user="test", source="test_outliers").conflicts
    return Analytics(store.values_table(), store.orgunits_table(), PACKAGE)


def scores_of(analytics, period=S1):
    return {(s.ou, s.element, s.option or "", s.period): s
            for s in outlier_scores(analytics, subtree(PACKAGE, "C"), period)}


def flagged(analytics, period=S1):
    return sorted((f.ou, f.element, f.option or "", f.period) for f in find_outliers(analytics, subtree(PACKAGE, "C"), period))


def by_hand(key, period_id, end="202606"):
    """Statistics of one series the textbook way (numpy), its history being
    every month up to ``end``, the checked period's last month."""
    values = {p: v for p, v in SERIES[key].items() if p <= end}
    history = np.array([values[p] for p in sorted(values)], dtype=float)
    x = values[period_id]
    median = np.median(history)
    mad = np.median(np.abs(history - median))
    month = int(period_id[4:])
    earlier = [values[p] for p in values if int(p[4:]) == month and p < period_id]
    return {
        "median": median, "mad": mad, "modified_z": 0.6745 * abs(x - median) / mad,
        "z": abs(x - history.mean()) / history.std(ddof=1),
        "seasonal_median": float(np.median(earlier)) if earlier else None,
    }


def test_scores_match_an_independent_computation(analytics):
    scores = scores_of(analytics)
    for key in [("V1", "VISITS", ""), ("F1", "VISITS", "")]:
        for period in ("202601", "202602", "202605"):
            mine, hand = scores[(*key, period)], by_hand(key, period)
            assert mine.sigma == pytest.approx(hand["mad"] / 0.6745)  # the MAD, not a floor, sets the scale
            assert mine.median == pytest.approx(hand["median"])
            assert mine.mad == pytest.approx(hand["mad"])
            assert mine.modified_z == pytest.approx(hand["modified_z"])
            assert mine.z == pytest.approx(hand["z"])
            assert mine.seasonal_median == pytest.approx(hand["seasonal_median"])
            assert mine.method == "modified_z" and mine.n == 30


def test_honest_noise_is_not_flagged(analytics):
    scores = scores_of(analytics)
    assert not any(s.flagged for k, s in scores.items() if k[:2] == ("V1", "VISITS"))


def test_tenfold_spike_and_tenfold_drop_are_flagged(analytics):
    assert [k for k in flagged(analytics) if k[:2] == ("F1", "VISITS")] == [
        ("F1", "VISITS", "", "202602"), ("F1", "VISITS", "", "202605")]
    (spike,) = [f for f in find_outliers(analytics, ["F1"], Period.parse("202605")) if f.element == "VISITS"]
    hand = by_hand(("F1", "VISITS", ""), "202605", end="202605")
    assert (spike.kind, spike.method, spike.importance) == ("outlier", "modified_z", "中")
    assert float(spike.score) == pytest.approx(hand["modified_z"], rel=1e-3)
    assert float(spike.threshold) == MODIFIED_Z_LIMIT
    assert float(spike.median) == pytest.approx(hand["median"])
    assert float(spike.value) == SERIES[("F1", "VISITS", "")]["202605"]
    assert float(spike.lower) < hand["median"] < float(spike.upper) < float(spike.value)
    assert spike.message.startswith(f"甲乡卫生院 2026年5月：门急诊人次为 {SERIES[('F1', 'VISITS', '')]['202605']}人次，明显高于")
    assert "稳健 z 值" in spike.message and "阈值 3.5" in spike.message


def test_seasonal_winter_peaks_are_not_flagged(analytics):
    scores = scores_of(analytics, Period.parse("2026年1-2月"))
    for period in ("202601", "202602"):
        peak = scores[("F1", "FLU", "", period)]
        hand = by_hand(("F1", "FLU", ""), period, end="202602")
        # a plain robust z-score (and DHIS2's z > 3) would call every winter an outlier ...
        assert peak.modified_z > MODIFIED_Z_LIMIT and peak.modified_z == pytest.approx(hand["modified_z"])
        # ... but it is an ordinary January: the same month of earlier years says so
        assert peak.seasonal_median == pytest.approx(hand["seasonal_median"])
        assert peak.seasonal_score < MODIFIED_Z_LIMIT
        assert not peak.flagged
    assert not [k for k in flagged(analytics) if k[1] == "FLU"]


def test_zero_heavy_village_series_is_not_flagged(analytics):
    scores = scores_of(analytics)
    village = [s for k, s in scores.items() if k[:3] == ("V2", "CASES", "MALE")]
    assert len(village) == 6 and all(s.method == "poisson" and not s.flagged for s in village)
    assert min(s.poisson_p for s in village) > 0.05


def test_sparse_count_spike_is_flagged_by_the_poisson_tail(analytics):
    assert [k for k in flagged(analytics) if k[1] == "CASES"] == [("V1", "CASES", "FEMALE", "202604")]
    score = scores_of(analytics)[("V1", "CASES", "FEMALE", "202604")]
    values = SERIES[("V1", "CASES", "FEMALE")]
    others = [v for p, v in values.items() if p != "202604"]
    same_month = [v for p, v in values.items() if p[4:] == "04" and p < "202604"]
    lam = max(sum(others) / len(others), float(np.median(same_month)), 0.5)
    tail = 1 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(12))
    assert score.method == "poisson"
    assert score.poisson_mean == pytest.approx(lam)
    assert score.poisson_p == pytest.approx(tail, rel=1e-6)
    (finding,) = [f for f in find_outliers(analytics, ["V1"], S1) if f.element == "CASES"]
    assert (finding.option, finding.method, float(finding.threshold)) == ("FEMALE", "poisson", 0.001)
    assert finding.message.startswith("甲乡一村卫生室 2026年4月：传染病报告病例数（女）为 12例")


def test_flat_series_small_step_is_not_flagged_but_doubling_is(analytics):
    assert [k for k in flagged(analytics) if k[1] == "BEDS"] == [("F1", "BEDS", "", "202606")]
    step = scores_of(analytics)[("F1", "BEDS", "", "202603")]
    assert step.mad == 0 and step.sigma == pytest.approx(2.5)  # the 5 % floor, not a zero MAD, scales it


def test_short_series_and_yearly_elements_are_not_scored(analytics):
    keys = scores_of(analytics)
    assert not any(k[0] == "V2" and k[1] == "VISITS" for k in keys)
    assert not any(k[1] == "POP" for k in keys)


def test_history_stops_at_the_checked_period(analytics):
    # checking 2025: the 2026 spikes are not part of any series yet
    early = scores_of(analytics, Period.parse("2025"))
    assert early[("F1", "VISITS", "", "202501")].n == 24
    assert early[("F1", "VISITS", "", "202501")].median == pytest.approx(by_hand(("F1", "VISITS", ""), "202501", "202512")["median"])
    assert flagged(analytics, Period.parse("2025")) == []


def test_poisson_tail_against_direct_sums():
    for lam in (0.3, 1.0, 4.5):
        for x in range(0, 25):
            direct = sum(math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(x, 150))
            assert poisson_upper_tail(x, lam) == pytest.approx(direct, rel=1e-9, abs=1e-300)
