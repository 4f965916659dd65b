"""Pre-aggregated analytics tables (issue #8): on every store backend, figures read
from the tables are the figures rolled up from raw values — after a full build,
after each incremental refresh (new values, corrections, a yearly value,
deletions, a changed org-unit tree), and through the compiled query templates."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from tiny_county import row, tiny_package, tiny_rows  # noqa: E402

from weijian.analytics import Analytics, OrgUnitSelection  # noqa: E402
from weijian.analytics.aggregate_reads import AggregateSource  # noqa: E402
from weijian.analytics.aggregates import AggregateTables, periods_overlapping  # noqa: E402
from weijian.model.periods import Period  # noqa: E402

KEYS = ["code", "orgunit", "period"]
STANDARD = ["202401", "202402", "202406", "202407", "2024Q1", "2024Q2", "2024Q3", "2024S1", "2024S2", "2024",
            "2023", "2023S1", "202301"]
RANGES = ["202401..202405", "202302..202307"]


@pytest.fixture
def county(store):
    package = tiny_package()
    store.replace_orgunits(package.orgunits.values())
    assert not store.write_values(tiny_rows(), user="test", source="tiny").conflicts
    tables = AggregateTables(store, package)
    tables.build()
    raw = Analytics(store.values_table(), store.orgunits_table(), package)
    fast = Analytics(store.values_table(), store.orgunits_table(), package, aggregates=AggregateSource(tables))
    return store, package, tables, raw, fast


def all_codes(package) -> list[str]:
    return [*package.indicators, *package.elements, "CASES.CLASS_B", "CASES.CLASS_C", "BIRTHS.MALE", "BIRTHS.FEMALE"]


def frame(analytics, codes, selection, periods):
    table = analytics.table(codes, selection, [Period.parse(p) for p in periods])
    return table.execute().sort_values(KEYS).reset_index(drop=True)


def assert_same(a, b):
    assert list(a[KEYS].itertuples(index=False)) == list(b[KEYS].itertuples(index=False))
    for column in ("numerator", "denominator", "value"):
        assert np.allclose(a[column].to_numpy(float), b[column].to_numpy(float), rtol=1e-12, atol=0,
                           equal_nan=True), column


def assert_tables_match_raw(county, periods=STANDARD + RANGES):
    _, package, _, raw, fast = county
    selection = OrgUnitSelection.of_levels([1, 2, 3])
    assert_same(frame(raw, all_codes(package), selection, periods), frame(fast, all_codes(package), selection, periods))


def test_build_gives_the_raw_figures_for_every_code_level_and_period(county):
    store, _, tables, _, _ = county
    built = tables.built()
    assert {kind for _, kind in built} >= {"monthly", "quarterly", "half_yearly", "yearly"}
    assert {level for level, _ in built} == {-1, 0, 1, 2}  # values copy, base, and levels above the deepest
    assert store.analytics_tables().dirty() == []
    assert_tables_match_raw(county)


def test_figures_with_yoy_and_targets_are_unchanged(county):
    _, _, _, raw, fast = county
    for code in ("HTN_RATE", "INCIDENCE", "VACC"):
        for period in ("2024S1", "202403"):
            units = ["C", "T1", "T2", "F1"]
            assert raw.query(code, units, Period.parse(period)) == fast.query(code, units, Period.parse(period))


def test_incremental_refresh_touches_only_the_written_periods_and_ancestors(county):
    store, _, tables, _, _ = county
    store.write_values([row("VACC", "202402", "F2", 99), row("HTN_STD", "202402", "F2", 45)],
                       user="test", source="fix")
    assert {d[1] for d in store.analytics_tables().dirty()} == {"F2"}
    summary = tables.refresh()
    assert not summary.full
    assert summary.periods == {"monthly": ["202402"], "quarterly": ["2024Q1"], "half_yearly": ["2024S1"],
                               "yearly": ["2024"]}
    assert store.analytics_tables().dirty() == []
    assert tables.refresh() is None  # nothing left to do
    assert_tables_match_raw(county)


def test_yearly_value_refreshes_every_period_of_its_year(county):
    store, _, tables, _, _ = county
    store.write_values([row("POP", "2024", "F3", 51000)], user="test", source="census")
    summary = tables.refresh()
    assert len(summary.periods["monthly"]) == 12 and summary.periods["yearly"] == ["2024"]
    assert_tables_match_raw(county)


def test_new_month_beyond_the_built_range_and_deletions(county):
    store, _, tables, _, _ = county
    store.write_values([row("VACC", "202409", "F1", 5), row("HTN_MANAGED", "202409", "F3", 210),
                        row("HTN_STD", "202409", "F3", 150), row("CASES", "202409", "F2", 4, "CLASS_B")],
                       user="test", source="september")
    store.delete_values([("VACC", "202401", "F1", "", ""), ("HTN_STD", "202406", "F1", "", "")],
                        user="test", source="fix")
    tables.refresh()
    assert_tables_match_raw(county, STANDARD + ["202409"])


def test_a_changed_orgunit_tree_rebuilds_everything(county):
    store, package, tables, _, _ = county
    store.replace_orgunits(package.orgunits.values())
    assert any(d[1] == "*" for d in store.analytics_tables().dirty())
    assert tables.refresh().full
    assert_tables_match_raw(county)


def test_reads_refresh_first_so_figures_are_fresh_the_moment_an_import_commits(county):
    store, _, _, raw, fast = county
    store.write_values([row("VACC", "202403", "F3", 1000)], user="test", source="late")
    period = Period.parse("2024Q1")
    assert fast.query("VACC", ["C"], period) == raw.query("VACC", ["C"], period)
    assert store.analytics_tables().dirty() == []


def test_random_writes_and_deletes_keep_tables_equal_to_raw(county):
    store, package, tables, _, _ = county
    rng = random.Random(8)
    facilities = ["F1", "F2", "F3"]
    for _ in range(4):
        rows = []
        for _ in range(6):
            month = f"2024{rng.randint(1, 9):02d}"
            element = rng.choice(["VACC", "HTN_MANAGED", "HTN_STD", "STAFF"])
            rows.append(row(element, month, rng.choice(facilities), rng.randint(0, 300)))
        rows.append(row("BIRTHS", f"2024{rng.randint(1, 9):02d}", rng.choice(facilities), rng.randint(1, 9),
                        rng.choice(["MALE", "FEMALE"])))
        unique = {r.key: r for r in rows}
        store.write_values(unique.values(), user="test", source="random")
        if rng.random() < 0.5:
            victim = rng.choice(list(unique))
            store.delete_values([victim], user="test", source="random")
        tables.refresh()
    assert_tables_match_raw(county, STANDARD + ["202408", "202409"])


@pytest.mark.parametrize("codes, units, periods", [
    (["HTN_RATE"], ["C", "T1", "T2"], ["202401", "202402", "2024Q1"]),
    (["HTN_RATE", "INCIDENCE", "B_INCIDENCE", "SEX_RATIO", "VACC", "CASES.CLASS_B", "VACC_PER_STAFF"],
     ["C", "F1", "T2"], ["2024S1", "2024", "202403", "2023"]),
    (["BIRTHS.MALE", "POP"], ["F3", "F2"], ["2024Q2", "2024S1"]),
])
def test_compiled_templates_give_the_expression_result(county, codes, units, periods):
    _, package, _, raw, fast = county
    selection = OrgUnitSelection.of_codes(package, units)
    expected = frame(raw, codes, selection, periods)
    for _ in range(2):  # compiled once, then filled in
        got = fast.frame(codes, selection, [Period.parse(p) for p in periods])
        assert got is not None
        assert_same(expected, got.sort_values(KEYS).reset_index(drop=True))


def test_templates_decline_what_they_do_not_cover(county):
    _, package, _, _, fast = county
    selection = OrgUnitSelection.of_codes(package, ["C"])
    source = fast.aggregates
    assert source.frame(["HTN_RATE"], selection, [Period.parse("202401..202405")]) is None  # a range
    assert fast.frame(["HTN_RATE"], selection, [Period.parse("202401..202405")]) is not None  # falls back


def test_drop_returns_to_raw_values(county):
    store, _, tables, _, _ = county
    tables.drop()
    assert tables.built() == {} and not tables.enabled
    store.write_values([row("VACC", "202403", "F3", 7)], user="test", source="after")
    assert store.analytics_tables().dirty() == []  # nothing recorded without tables


def test_periods_overlapping():
    ids = [p.id for p in periods_overlapping("quarterly", Period.parse("202402").start, Period.parse("202407").end)]
    assert ids == ["2024Q1", "2024Q2", "2024Q3"]


def prepared_analytics(store, package, tables, folder):
    """A fresh process's view: templates read from (and written to) ``folder``."""
    from weijian.analytics.prepared import PreparedQueries

    prepared = PreparedQueries(store.analytics_tables(), package, folder)
    return Analytics(store.values_table(), store.orgunits_table(), package,
                     aggregates=AggregateSource(tables, prepared=prepared), prepared=prepared), prepared


def rows_frame(rows):
    import pandas as pd

    frame = pd.DataFrame(rows, columns=KEYS + ["numerator", "denominator", "value"])
    return frame.sort_values(KEYS).reset_index(drop=True)


@pytest.mark.parametrize("codes, units, periods", [
    (["HTN_RATE", "INCIDENCE", "B_INCIDENCE", "SEX_RATIO", "VACC", "CASES.CLASS_B", "VACC_PER_STAFF"],
     ["C", "F1", "T2"], ["2024S1", "2024", "202403", "2023"]),
    (["BIRTHS.MALE", "POP", "HTN_RATE"], ["F3", "F2"], ["2024Q2", "2024S1"]),
])
def test_kept_templates_answer_a_new_process_with_the_same_rows(county, tmp_path, codes, units, periods):
    store, package, tables, raw, _ = county
    selection = OrgUnitSelection.of_codes(package, units)
    asked = [Period.parse(p) for p in periods]
    from weijian.analytics.prepared import linear_operands

    templated = linear_operands(package)
    linear = [c for c in codes if c in templated or c not in package.indicators]
    expected = frame(raw, linear, selection, periods)
    first, kept = prepared_analytics(store, package, tables, tmp_path)
    assert kept.rows(linear, selection, asked) is None  # nothing compiled yet
    assert_same(expected, rows_frame(first.rows(linear, selection, asked)))  # compiles and keeps
    assert list(tmp_path.glob("*.json"))
    later, kept_later = prepared_analytics(store, package, tables, tmp_path)
    found = kept_later.rows(linear, selection, asked)
    assert found is not None
    assert_same(expected, rows_frame(found))
    # another request of the same shape (other units, periods, codes) is served as well
    same_shape = OrgUnitSelection.of_codes(package, list(reversed(units)))
    assert kept_later.rows(["VACC"], same_shape, list(reversed(asked))) is not None


def test_kept_templates_step_aside_for_pending_writes_and_ranges(county, tmp_path):
    store, package, tables, raw, _ = county
    selection = OrgUnitSelection.of_codes(package, ["C"])
    periods = [Period.parse("2024S1")]
    first, _ = prepared_analytics(store, package, tables, tmp_path)
    first.rows(["HTN_RATE"], selection, periods)
    _, kept = prepared_analytics(store, package, tables, tmp_path)
    assert kept.rows(["HTN_RATE"], selection, periods) is not None
    assert kept.rows(["HTN_RATE"], selection, [Period.parse("202401..202405")]) is None  # a range
    store.write_values([row("VACC", "202403", "F3", 7)], user="test", source="after")
    assert kept.rows(["VACC"], selection, periods) is None  # a refresh comes first
    later, _ = prepared_analytics(store, package, tables, tmp_path)
    got = rows_frame(later.rows(["VACC"], selection, periods))
    assert_same(frame(raw, ["VACC"], selection, ["2024S1"]), got)


def test_kept_templates_follow_the_metadata(county, tmp_path):
    store, package, tables, _, _ = county
    from weijian.analytics.prepared import PreparedQueries

    selection = OrgUnitSelection.of_codes(package, ["C"])
    periods = [Period.parse("2024S1")]
    first, _ = prepared_analytics(store, package, tables, tmp_path)
    first.rows(["HTN_RATE"], selection, periods)
    import dataclasses

    indicator = package.indicators["HTN_RATE"]
    changed = dataclasses.replace(package, indicators={
        **package.indicators, "HTN_RATE": dataclasses.replace(indicator, kind="permille" if indicator.kind != "permille" else "percent")})
    assert PreparedQueries(store.analytics_tables(), changed, tmp_path).rows(["HTN_RATE"], selection, periods) is None
