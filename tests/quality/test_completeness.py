"""上报率 and 及时率 on a tiny county, every count worked out by hand, on every backend.

A report counts once it is registered complete (上报): each write below registers the
reports its values belong to, as an import does (``exchange.importer.ReportsOf``), at the
time it was recorded; values stored without a registration (typed, not yet 上报) do not count.

Tree: C 县 → T1 甲乡 (F1 卫生院, V1 村卫生室), T2 乙镇 (F2 卫生院, V2 村卫生室).
Data sets over 2026Q1:
- MONTHLY (卫生院 + 村卫生室, due the 10th): 4 units × 3 months = 12 expected
- VILLAGE (村卫生室, due the 5th): 2 × 3 = 6 expected
- QUARTERLY (卫生院, due the 15th): 2 × 1 = 2 expected
"""
from __future__ import annotations

from datetime import datetime

import pytest

from weijian.analytics import Analytics
from weijian.exchange.importer import ReportsOf
from weijian.model import DataElement, DataSet, Level, MetadataPackage, OrgUnit
from weijian.model.periods import Period
from weijian.quality import completeness, late_reports, missing_reports, subtree
from weijian.quality.completeness import due_moment
from weijian.storage import ValueRow

UNITS = [
    OrgUnit("C", "演示县", "县", None, 1, ("C",)),
    OrgUnit("T1", "甲乡", "乡镇", "C", 2, ("C", "T1")),
    OrgUnit("T2", "乙镇", "乡镇", "C", 2, ("C", "T2")),
    OrgUnit("F1", "甲乡卫生院", "乡镇卫生院", "T1", 3, ("C", "T1", "F1")),
    OrgUnit("V1", "甲乡一村卫生室", "村卫生室", "T1", 3, ("C", "T1", "V1")),
    OrgUnit("F2", "乙镇卫生院", "乡镇卫生院", "T2", 3, ("C", "T2", "F2")),
    OrgUnit("V2", "乙镇一村卫生室", "村卫生室", "T2", 3, ("C", "T2", "V2")),
]
PACKAGE = MetadataPackage(
    levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "机构")),
    orgunits={u.code: u for u in UNITS},
    elements={e.code: e for e in [
        DataElement("A", "甲项", "人", "sum"), DataElement("B", "乙项", "人", "sum"),
        DataElement("C_VISITS", "村卫生室诊疗人次", "人次", "sum"),
        DataElement("Q", "季报项", "人", "sum", period_type="quarterly"),
    ]},
    categories={},
    datasets={d.code: d for d in [
        DataSet("MONTHLY", "基本公共卫生服务月报", "monthly", 10, ("A", "B"), ("乡镇卫生院", "村卫生室")),
        DataSet("VILLAGE", "村卫生室诊疗情况月报", "monthly", 5, ("C_VISITS",), ("村卫生室",)),
        DataSet("QUARTERLY", "季报", "quarterly", 15, ("Q",), ("乡镇卫生院",)),
    ]},
)
Q1 = Period.parse("2026Q1")


def row(element: str, period: str, orgunit: str, value: float = 1) -> ValueRow:
    p = Period.parse(period)
    return ValueRow(element, p.id, orgunit, float(value), p.start, p.end)


# (rows, when they were recorded): on time means created ≤ the due day's end
WRITES = [
    ([row("A", "202601", "F1")], datetime(2026, 2, 10, 23, 0)),                 # on time, late in the day
    ([row("A", "202602", "F1")], datetime(2026, 3, 11, 0, 0)),                  # late ...
    ([row("B", "202602", "F1")], datetime(2026, 3, 9, 12, 0)),                  # ... but B came first: on time
    ([row("A", "202601", "V1"), row("A", "202602", "V1")], datetime(2026, 3, 1)),  # 202601 late, 202602 on time
    ([row("A", "202603", "V1")], datetime(2026, 4, 12)),                        # late
    ([row("C_VISITS", "202601", "V1")], datetime(2026, 2, 6)),                  # late (due the 5th)
    ([row("A", "202601", "F2")], datetime(2026, 2, 1)),                         # on time
    ([row("Q", "2026Q1", "F1")], datetime(2026, 4, 15, 18, 0)),                 # on time
    # outside the checked range or not in any expected report: never counted
    ([row("A", "202512", "F2"), row("A", "202604", "F2"), row("A", "202601", "T1")], datetime(2026, 1, 1)),
]


def write_all(store, stamped: bool) -> None:
    """Each write's values, and the registration of the reports they belong to (as an import)."""
    store.replace_orgunits(UNITS)
    for rows, when in WRITES:
        at = when if stamped else None
        store.write_values(rows, user="test", source="test_completeness", recorded_at=at)
        found = ReportsOf(PACKAGE)
        for r in rows:
            found.add(r)
        store.register_complete(found.found(), user="test", source="test_completeness", recorded_at=at)


def analytics_of(store) -> Analytics:
    return Analytics(store.values_table(), store.orgunits_table(), PACKAGE)


@pytest.fixture
def unstamped(store):
    write_all(store, stamped=False)
    return completeness(analytics_of(store), subtree(PACKAGE, "C"), Q1)


@pytest.fixture
def stamped(store):
    write_all(store, stamped=True)
    return analytics_of(store)


def counts(rates) -> tuple:
    return rates.expected, rates.reported


def test_expected_and_reported_by_dataset(unstamped):
    assert counts(unstamped.total("MONTHLY")) == (12, 6)    # F1 ×2, V1 ×3, F2 ×1
    assert counts(unstamped.total("VILLAGE")) == (6, 1)     # V1 202601
    assert counts(unstamped.total("QUARTERLY")) == (2, 1)   # F1 2026Q1
    assert counts(unstamped.total()) == (20, 8)
    assert unstamped.total().reporting_rate == 40


def test_only_the_types_a_dataset_names_are_expected(unstamped):
    units = {r.ou for r in unstamped.reports}
    assert units == {"F1", "V1", "F2", "V2"}  # T1's stray value neither expects nor counts
    assert {r.ou for r in unstamped.reports if r.dataset == "VILLAGE"} == {"V1", "V2"}


def test_rollup_by_township_and_by_period(unstamped):
    towns = {r.key: counts(r) for r in unstamped.by_orgunit(level=2)}
    assert towns == {"T1": (10, 7), "T2": (10, 1)}
    assert [r.name for r in unstamped.by_orgunit(level=2)] == ["甲乡", "乙镇"]
    units = {r.key: counts(r) for r in unstamped.by_orgunit(dataset="MONTHLY")}
    assert units == {"F1": (3, 2), "V1": (3, 3), "F2": (3, 1), "V2": (3, 0)}
    periods = [(r.key, r.name, *counts(r)) for r in unstamped.by_period()]
    assert periods == [("202601", "2026年1月", 6, 4), ("202602", "2026年2月", 6, 2), ("202603", "2026年3月", 6, 1),
                       ("2026Q1", "2026年第一季度", 2, 1)]


def test_periods_of_a_type_must_lie_inside_the_range(store):
    write_all(store, stamped=False)
    found = completeness(analytics_of(store), subtree(PACKAGE, "C"), Period.parse("202601..202602"))
    assert {r.dataset for r in found.reports} == {"MONTHLY", "VILLAGE"}  # no whole quarter inside
    assert counts(found.total()) == (12, 6)


def test_due_moment_is_the_end_of_the_due_day_after_the_period():
    monthly = PACKAGE.datasets["MONTHLY"]
    assert due_moment(monthly, Period.parse("202601")) == datetime(2026, 2, 10, 23, 59, 59, 999999)
    assert due_moment(monthly, Period.parse("202612")) == datetime(2027, 1, 10, 23, 59, 59, 999999)
    late_day = DataSet("X", "X", "monthly", 31, ("A",), ())
    assert due_moment(late_day, Period.parse("202601")).date() == datetime(2026, 2, 28).date()


def test_timely_counts_and_rates(stamped):
    found = completeness(stamped, subtree(PACKAGE, "C"), Q1)
    monthly = found.total("MONTHLY")
    # on time: F1 202601 (23:00 on the 10th), F1 202602 (B first), V1 202602, F2 202601
    assert (monthly.expected, monthly.reported, monthly.timely) == (12, 6, 4)
    assert (found.total("VILLAGE").timely, found.total("QUARTERLY").timely) == (0, 1)
    total = found.total()
    assert (total.expected, total.reported, total.timely) == (20, 8, 5)
    assert (total.reporting_rate, total.timely_rate) == (40, 25)
    towns = {r.key: (r.expected, r.reported, r.timely) for r in found.by_orgunit(level=2)}
    assert towns == {"T1": (10, 7, 4), "T2": (10, 1, 1)}
    assert found.by_orgunit(level=2)[0].to_dict() == {
        "key": "T1", "name": "甲乡", "expected": 10, "reported": 7, "timely": 4, "reporting_rate": 70, "timely_rate": 40}
    f1 = {r.period: r for r in found.reports if r.ou == "F1" and r.dataset == "MONTHLY"}
    assert f1["202602"].first_created == datetime(2026, 3, 9, 12, 0)


def test_missing_reports_once_overdue(stamped):
    units = subtree(PACKAGE, "C")
    everything = missing_reports(stamped, units, Q1, as_of=datetime(2026, 5, 1))
    assert len(everything) == 12  # 20 expected − 8 reported
    # on 11 April the March reports are overdue but the quarter's (due the 15th) is not
    assert len(missing_reports(stamped, units, Q1, as_of=datetime(2026, 4, 11))) == 11
    (f2_march,) = [f for f in everything if (f.ou, f.period, f.dataset) == ("F2", "202603", "MONTHLY")]
    assert (f2_march.kind, f2_march.importance, f2_march.element, f2_march.due) == ("missing", "高", None, "2026-04-10")
    assert f2_march.message == "乙镇卫生院 2026年3月：基本公共卫生服务月报未上报（应于2026年4月10日前报送）"
    assert f2_march.to_dict()["dataset"] == "MONTHLY"


def test_late_reports(stamped):
    late = late_reports(stamped, subtree(PACKAGE, "C"), Q1)
    assert sorted((f.ou, f.period, f.dataset, f.late) for f in late) == [
        ("V1", "202601", "MONTHLY", 19), ("V1", "202601", "VILLAGE", 1), ("V1", "202603", "MONTHLY", 2)]
    (village,) = [f for f in late if f.dataset == "VILLAGE"]
    assert (village.kind, village.importance, village.due) == ("late", "低", "2026-02-05")
    assert village.message == "甲乡一村卫生室 2026年1月：村卫生室诊疗情况月报迟报 1 天（应于2026年2月5日前报送，2026年2月6日报送）"


def test_values_without_registration_are_not_reported(store):
    """Typed but not handed in (上报): not a report; registering it makes one."""
    store.replace_orgunits(UNITS)
    store.write_values([row("A", "202601", "F2")], user="test", source="网页录入")
    found = completeness(analytics_of(store), subtree(PACKAGE, "C"), Q1)
    assert counts(found.total("MONTHLY")) == (12, 0)
    store.register_complete([("MONTHLY", Period.parse("202601"), "F2")], user="luru",
                            recorded_at=datetime(2026, 2, 11))
    found = completeness(analytics_of(store), subtree(PACKAGE, "C"), Q1)
    (f2,) = [r for r in found.reports if r.reported]
    assert (f2.ou, f2.period, f2.timely, f2.completed_by) == ("F2", "202601", False, "luru")
    # a registration alone counts, values or not (DHIS2: completeness is the registration)
    store.register_complete([("VILLAGE", Period.parse("202601"), "V2")], user="cun")
    assert counts(completeness(analytics_of(store), subtree(PACKAGE, "C"), Q1).total("VILLAGE")) == (6, 1)


def test_import_registers_reports_of_owing_units_only():
    found = ReportsOf(PACKAGE)
    for r in (row("A", "202601", "F1"), row("C_VISITS", "202601", "F1"),  # F1 owes no VILLAGE report
              row("A", "202601", "T1"),                                    # a township owes nothing
              row("Q", "2026Q1", "F2"), row("A", "2026Q1", "F2")):          # A is monthly: no quarterly report
        found.add(r)
    assert [(d, p.id, ou) for d, p, ou in found.found()] == [
        ("MONTHLY", "202601", "F1"), ("QUARTERLY", "2026Q1", "F2")]


def test_an_upgraded_store_keeps_its_figures(store_url):
    """Values stored before registrations existed: the one-time backfill registers their reports
    at the values' first created, so the rates are what "any value" gave before the upgrade."""
    from weijian.exchange import backfill_registrations
    from weijian.storage import open_store

    with open_store(store_url.url, schema=store_url.schema, migrate_to=5) as old:
        old.replace_orgunits(UNITS)
        for rows, when in WRITES:
            old.write_values(rows, user="test", source="旧数据", recorded_at=when)
    with open_store(store_url.url, schema=store_url.schema) as upgraded:
        assert backfill_registrations(upgraded, PACKAGE) == 10  # the 8 expected ones, and 2 outside Q1
        found = completeness(analytics_of(upgraded), subtree(PACKAGE, "C"), Q1)
        total = found.total()
        assert (total.expected, total.reported, total.timely) == (20, 8, 5)
        assert backfill_registrations(upgraded, PACKAGE) == 0
