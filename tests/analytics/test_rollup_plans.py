"""Issue #20: the units-first plan of ``rollup_operands`` (sum/max/min combined
over org units before the requested periods) gives exactly the rows of the
facility-first plan (every element over time per facility, then over units),
for every aggregation, option, stored period length and requested period."""
from __future__ import annotations

import dataclasses

import ibis
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny_county import row, tiny_package, tiny_rows

from weijian.analytics.aggregates import all_operands
from weijian.analytics.rollups import ancestor_map, facility_operands, rollup_operands, rollup_over_orgunits
from weijian.analytics.selection import OrgUnitSelection
from weijian.model import DataElement
from weijian.model.periods import Period

KEYS = ["orgunit", "period", "operand"]
PERIODS = [Period.parse(p) for p in (
    "202401", "202406", "2024Q1", "2024Q2", "2024S1", "2024", "2023S1", "2023", "202402..202405",
    "202311..202402", "202301..202412", "2024S2", "2024Q3", "202407", "202408", "202406..202410", "202405..202407",
    "202301..202406", "202402..202407", "202307..202412", "202401..202506")]
SELECTIONS = {
    "levels": lambda package: OrgUnitSelection.of_levels([1, 2, 3]),
    "codes": lambda package: OrgUnitSelection.of_codes(package, ["C", "T2", "F1", "F3"]),
}
# one element of every aggregation not in the tiny county, one with options, one quarterly
EXTRA = [
    DataElement("BEDS_MAX", "最多开放床位", "张", "max", category="SEX"),
    DataElement("WAIT_MIN", "最短候诊时间", "分钟", "min"),
    DataElement("Q_VISITS", "季报门诊人次", "人次", "sum", period_type="quarterly"),
    DataElement("Q_STOCK", "季末在册人数", "人", "last", period_type="quarterly"),
]
UNITS = ["C", "T1", "T2", "F1", "F2", "F3"]


def package_with_extras():
    package = tiny_package()
    return dataclasses.replace(package, elements={**package.elements, **{e.code: e for e in EXTRA}})


def facility_first(values, orgunits, package, operands, periods, selection):
    """The plan before issue #20, kept here as the reference."""
    per_facility = facility_operands(values, package, operands, periods)
    ancestors = ancestor_map(orgunits, selection)
    return ibis.union(*[rollup_over_orgunits(rows, ancestors, how) for how, rows in per_facility.items()])


def assert_same_rows(store, package, values=None):
    values = store.values_table() if values is None else values
    orgunits = store.orgunits_table()
    operands = all_operands(package)
    for name, make in SELECTIONS.items():
        selection = make(package)
        new = rollup_operands(values, orgunits, package, operands, PERIODS, selection).execute()
        old = facility_first(values, orgunits, package, operands, PERIODS, selection).execute()
        new, old = (f.sort_values(KEYS).reset_index(drop=True) for f in (new, old))
        assert len(new) == len(old) > 0, name
        assert list(new[KEYS].itertuples(index=False)) == list(old[KEYS].itertuples(index=False)), name
        assert np.allclose(new["value"].to_numpy(float), old["value"].to_numpy(float), rtol=1e-12, atol=0,
                           equal_nan=True), name


def with_extra_rows(cells: dict) -> list:
    """The tiny county's rows and the cells', one row per stored key (a cell wins)."""
    rows = {(r.dataelement, r.period, r.orgunit, r.categoryoptioncombo): r for r in tiny_rows()}
    for (element, unit, month, option), value in cells.items():
        if element.startswith("Q_"):
            period = f"{2023 + month // 12}Q{month % 12 // 3 + 1}"
        else:
            period = f"{2023 + month // 12}{month % 12 + 1:02d}"
        option = option if element == "BEDS_MAX" else ""
        rows[(element, period, unit, option)] = row(element, period, unit, value, option)
    return list(rows.values())


def test_tiny_county_same_rows_either_plan(store):
    package = package_with_extras()
    store.replace_orgunits(package.orgunits.values())
    assert not store.write_values(tiny_rows(), user="test", source="tiny").conflicts
    assert_same_rows(store, package)


def test_stock_series_with_a_long_or_empty_value_same_rows_either_plan(store):
    # a monthly stock stored once over a quarter, a yearly one for a month, and an empty month:
    # the facility-first plan handles those series
    package = package_with_extras()
    store.replace_orgunits(package.orgunits.values())
    odd = [row("HTN_STD", "2024Q3", "F2", 45), row("HTN_MANAGED", "202410", "F2", 60),
           row("HTN_MANAGED", "202408", "F1", 90), row("POP", "202406", "F3", 51000), row("POP", "2025", "F1", 1),
           row("POP", "202407..202506", "F2", 20100)]
    assert not store.write_values(tiny_rows() + odd, user="test", source="odd").conflicts
    assert_same_rows(store, package)
    # the store keeps no empty value, a parquet export read by Spark might
    values = store.values_table()
    empty = values.filter((values.dataelement == "HTN_MANAGED") & (values.orgunit == "F1")
                          & (values.period == "202408")).mutate(period=ibis.literal("202409"),
                                                                start_month=values.start_month + 1,
                                                                end_month=values.end_month + 1,
                                                                value=ibis.null("float64"))
    empty = empty.select(*values.columns).cast(values.schema())
    assert_same_rows(store, package, ibis.union(values, empty))


cells = st.dictionaries(
    st.tuples(st.sampled_from([e.code for e in EXTRA] + ["VACC", "HTN_MANAGED", "STAFF", "CASES"]),
              st.sampled_from(UNITS), st.integers(min_value=0, max_value=23),
              st.sampled_from(["", "MALE", "FEMALE"])),
    # quarters of a unit: fractions whose sums are exact in binary
    st.integers(min_value=-400, max_value=40_000).map(lambda n: n / 4), min_size=1, max_size=40)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=cells)
def test_random_values_same_rows_either_plan(store, cells):
    package = package_with_extras()
    store.replace_orgunits(package.orgunits.values())
    keys = [(r.dataelement, r.period, r.orgunit, r.categoryoptioncombo, r.attributeoptioncombo)
            for r in store.read_values()]
    if keys:
        store.delete_values(keys, user="test", source="reset")
    assert not store.write_values(with_extra_rows(cells), user="test", source="hypothesis").conflicts
    assert_same_rows(store, package)
