"""DESIGN §3 pinned: every expected figure below is worked out by hand from
tests/analytics/conftest.py, never by calling the engine."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weijian.model.periods import Period
from tiny_county import row

S1 = Period.parse("2024S1")


def one(analytics, code, ou, period=S1):
    return analytics.query(code, [ou], Period.parse(period) if isinstance(period, str) else period)[0]


def test_stock_takes_each_units_latest_month_in_range(tiny_county):
    # F1 latest is June (76/106); F2 stopped reporting after May (40/50); F3 has no 2024 data
    county = one(tiny_county, "HTN_RATE", "C")
    assert (county.numerator, county.denominator) == (Decimal(116), Decimal(156))
    assert county.rounded == Decimal("74.36")
    assert one(tiny_county, "HTN_RATE", "F2").rounded == Decimal("80.00")


def test_unit_missing_whole_range_contributes_nothing(tiny_county):
    township = one(tiny_county, "HTN_RATE", "T2")
    assert township.value is None
    assert township.reason == "无数据"


def test_stock_element_is_not_summed_over_months(tiny_county):
    assert one(tiny_county, "HTN_MANAGED", "T1").value == Decimal(156)


def test_flow_element_sums_months_and_units(tiny_county):
    assert one(tiny_county, "VACC", "C").value == Decimal(132)
    assert one(tiny_county, "VACC", "C", "202401..202408").value == Decimal(202)


def test_yearly_population_under_half_year_rate_is_not_annualised(tiny_county):
    # 35 cases in 1—6月 over the 2024 population of 100 000
    county = one(tiny_county, "INCIDENCE", "C")
    assert (county.numerator, county.denominator) == (Decimal(35), Decimal(100000))
    assert county.rounded == Decimal("35.00")
    assert one(tiny_county, "INCIDENCE", "T1").rounded == Decimal("64.00")
    assert one(tiny_county, "INCIDENCE", "C", "202401").rounded == Decimal("25.00")


def test_disaggregated_total_versus_one_option(tiny_county):
    assert one(tiny_county, "CASES", "C").value == Decimal(35)
    assert one(tiny_county, "CASES.CLASS_B", "C").value == Decimal(8)
    assert one(tiny_county, "B_INCIDENCE", "C").rounded == Decimal("8.00")
    assert one(tiny_county, "SEX_RATIO", "C").rounded == Decimal("106.67")


def test_average_element_averages_months_then_units(tiny_county):
    # F1 averages 11..16 = 13.5, F3 30; the county averages the units: 21.75
    assert one(tiny_county, "STAFF", "C").value == Decimal("21.75")
    assert one(tiny_county, "VACC_PER_STAFF", "C").rounded == Decimal("6.1")


def test_year_on_year_of_a_rate_in_percentage_points(tiny_county):
    county = one(tiny_county, "HTN_RATE", "C")
    # 2023S1: (60 + 100) / (100 + 200) = 53.333…%; change 74.359 − 53.333 = 21.03 个百分点
    assert county.previous.quantize(Decimal("0.0001")) == Decimal("53.3333")
    assert county.to_dict()["change"] == 21.03
    assert county.change_unit == "个百分点"


def test_year_on_year_of_a_count_in_percent(tiny_county):
    county = one(tiny_county, "VACC", "C")
    assert (county.previous, county.to_dict()["change"], county.change_unit) == (Decimal(48), 175, "%")
    incidence = one(tiny_county, "INCIDENCE", "C")
    assert (incidence.to_dict()["change"], incidence.change_unit) == (288.89, "%")


def test_completion_over_100_percent_uses_year_to_date(tiny_county):
    county = one(tiny_county, "VACC", "C", "2024Q2")
    assert county.value == Decimal(66)  # April–June: F1 3×10, F3 3×12
    assert county.completion == Decimal(132)  # Jan–Jun 132 of an annual task of 100: 超额完成
    assert one(tiny_county, "VACC", "C", "202408").completion == Decimal(202)


def test_threshold_target_says_whether_met(tiny_county):
    county = one(tiny_county, "HTN_RATE", "C")
    assert (county.target, county.target_kind, county.meets_target) == (Decimal(70), "threshold", True)
    assert county.completion is None


def test_ranking_ties_share_a_rank(tiny_county):
    ranked = tiny_county.query("SEX_RATIO", ["F1", "F2", "F3"], S1, rank=True)
    assert [(r.ou, r.rank, r.rank_of) for r in ranked] == [("F2", 1, 3), ("F3", 1, 3), ("F1", 3, 3)]


def test_ranking_follows_direction(tiny_county):
    ranked = tiny_county.query("INCIDENCE", ["T1", "T2"], S1, rank=True)
    assert [(r.ou, r.rank) for r in ranked] == [("T2", 1), ("T1", 2)]
    ranked = tiny_county.query("HTN_RATE", ["F1", "F2", "F3"], S1, rank=True)
    assert [(r.ou, r.rank) for r in ranked] == [("F2", 1), ("F1", 2), ("F3", None)]


def test_zero_denominator_gives_no_value_and_a_reason(store, tiny_county):
    store.write_values([row("HTN_MANAGED", "202407", "F3", 0), row("HTN_STD", "202407", "F3", 0)],
                       user="test", source="zero")
    result = one(tiny_county, "HTN_RATE", "F3", "202407")
    assert (result.value, result.reason) == (None, "分母为0")


def test_bulk_matches_single_queries(tiny_county):
    frame = tiny_county.bulk([1, 2, 3], [S1, Period.parse("202401")]).execute()
    got = {(r.code, r.orgunit, r.period): r.value for r in frame.itertuples()}
    assert round(got[("HTN_RATE", "C", "2024S1")], 6) == round(116 / 156 * 100, 6)
    assert round(got[("INCIDENCE", "T1", "202401")], 6) == 50.0  # 25 cases / 50 000
    assert ("HTN_RATE", "T2", "2024S1") not in got


months = st.integers(min_value=1, max_value=12)
cells = st.dictionaries(st.tuples(st.sampled_from(["F1", "F2", "F3"]), months),
                        st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=cells, first=months, split=months, last=months)
def test_properties_of_sums_and_stocks(store, tiny_county, cells, first, split, last):
    first, split, last = sorted((first, split, last))
    keys = [(r.dataelement, r.period, r.orgunit, r.categoryoptioncombo, r.attributeoptioncombo)
            for r in store.read_values(dataelements=["VACC", "HTN_MANAGED"]) if r.period.startswith("2025")]
    store.delete_values(keys, user="test", source="reset")
    rows = [row(e, f"2025{m:02d}", ou, v) for (ou, m), v in cells.items() for e in ("VACC", "HTN_MANAGED")]
    store.write_values(rows, user="test", source="hypothesis")

    def value(code, ou, a, b):
        return one(tiny_county, code, ou, f"2025{a:02d}..2025{b:02d}").value or Decimal(0)

    # a parent equals the sum of its children
    for parent, children in (("C", ["T1", "T2"]), ("T1", ["F1", "F2"]), ("T2", ["F3"])):
        assert value("VACC", parent, first, last) == sum(value("VACC", c, first, last) for c in children)
    # splitting a range in two never changes a sum
    if split < last:
        assert value("VACC", "C", first, last) == value("VACC", "C", first, split) + value("VACC", "C", split + 1, last)
    # a stock never exceeds the sum of each unit's largest month (units may
    # stop reporting at different months, so "the largest county month" is no bound)
    bound = sum(max((v for (ou, m), v in cells.items() if ou == unit and first <= m <= last), default=0)
                for unit in ("F1", "F2", "F3"))
    stock = value("HTN_MANAGED", "C", first, last)
    assert stock <= bound
    # …and when every unit reported the last month, it is that month's total
    if all((unit, last) in cells for unit in {ou for ou, _ in cells}):
        assert stock == value("HTN_MANAGED", "C", last, last)
