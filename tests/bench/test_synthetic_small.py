"""The roll-up benchmark at a tiny size: its three implementations (engine,
hand-written SQL, pandas) must agree on every row, and the synthetic data must
exercise every path the benchmark claims to measure."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import rollups  # noqa: E402
import synthetic  # noqa: E402

TINY = synthetic.SyntheticSpec(values=20_000, orgunits=200, elements=30, months=24, indicators=24)


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "rollups.duckdb"
    assert synthetic.ensure_database(path, TINY)
    return path


@pytest.fixture(scope="module")
def workload(tiny_db):
    with synthetic.connect(tiny_db, read_only=True) as con:
        return rollups.load_workload(con)[1]


def test_generated_data_has_the_promised_shape(tiny_db):
    with synthetic.connect(tiny_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM datavalue").fetchone()[0] == TINY.values
        levels = dict(con.execute("SELECT level, count(*) FROM orgunit GROUP BY level").fetchall())
        assert levels[1] == 1 and sum(levels.values()) == TINY.orgunits
        # only facilities report; yearly values sit on the year, options on SEX elements
        assert con.execute("SELECT count(*) FROM datavalue v JOIN orgunit o ON o.code = v.orgunit "
                           "WHERE o.level <> 4").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM datavalue WHERE length(period) = 4 "
                           "AND end_month = start_month + 11").fetchone()[0] > 0
        assert {r[0] for r in con.execute("SELECT DISTINCT categoryoptioncombo FROM datavalue").fetchall()} \
            == {"", "MALE", "FEMALE"}
    assert not synthetic.ensure_database(tiny_db, TINY)  # same spec: reused, not regenerated


def test_workload_exercises_every_engine_path(workload):
    kinds = {i.kind for i in workload.package.indicators.values()}
    assert {"percent", "per_100k", "ratio", "permille", "plain"} <= kinds
    assert len(workload.nonlinear_indicators()) >= 2
    operands = workload.used_operands()
    assert any(op.option for op in operands)
    assert {workload.package.elements[op.element].period_type for op in operands} == {"monthly", "yearly"}
    assert {workload.package.elements[op.element].aggregation for op in operands} == {"sum", "last"}
    assert [p.n_months for p in workload.periods].count(12) == 2


def test_three_implementations_agree(tiny_db, workload):
    rows = {impl: rollups.timed_run(impl, tiny_db, workload)["rows"] for impl in rollups.IMPLEMENTATIONS}
    assert rows["engine"] > 0
    for comparison in rollups.verify(tiny_db, rollups.IMPLEMENTATIONS):
        assert comparison["agree"], comparison
    with synthetic.connect(tiny_db, read_only=True) as con:
        # some figures have no value: a missing denominator gives NULL, not 0
        nulls = con.execute("SELECT count(*) FILTER (WHERE value IS NULL), count(*) FROM result_engine").fetchone()
        with_rows = {code for (code,) in con.execute("SELECT DISTINCT code FROM result_engine").fetchall()}
    assert 0 < nulls[0] < nulls[1] == rows["engine"]
    assert with_rows == set(workload.package.indicators)  # every indicator, so every path, has figures


def test_comparison_catches_a_wrong_figure(tiny_db):
    with synthetic.connect(tiny_db) as con:
        con.execute("CREATE OR REPLACE TABLE result_broken AS SELECT * FROM result_sql")
        con.execute("UPDATE result_broken SET numerator = numerator * (1 + 1e-6) "
                    "WHERE rowid = (SELECT min(rowid) FROM result_broken WHERE numerator <> 0)")
        con.execute("DELETE FROM result_broken WHERE rowid = (SELECT max(rowid) FROM result_broken)")
        result = rollups.compare(con, "result_engine", "result_broken")
    assert not result["agree"]
    assert (result["only_left"], result["only_right"], result["differing"]) == (1, 0, 1)


def _by_hand(con, package, code: str, orgunit: str, period) -> tuple:
    """(numerator, denominator) of one figure straight from the stored rows, DESIGN §3 read literally."""
    from decimal import Decimal

    from weijian.expressions import evaluate, parse

    unit = package.orgunits[orgunit]
    rows = con.execute("SELECT v.dataelement, v.categoryoptioncombo, v.orgunit, v.start_month, v.end_month, v.value "
                       "FROM datavalue v JOIN orgunit o ON o.code = v.orgunit WHERE o.path LIKE ?",
                       [f"/{'/'.join(unit.path)}%"]).fetchall()

    def lookup(operand):
        element = package.elements[operand.element]
        if element.period_type == "yearly":  # the value of the year holding the period's last month
            year = period.end - period.end % 12
            mine = [r for r in rows if r[0] == operand.element and r[3] == year]
        else:
            mine = [r for r in rows if r[0] == operand.element and period.start <= r[3] and r[4] <= period.end]
        mine = [r for r in mine if operand.option in (None, r[1])]
        if not mine:
            return None
        if element.aggregation == "last" and element.period_type == "monthly":
            latest = {}
            for r in sorted(mine, key=lambda r: r[3]):
                latest[(r[2], r[1])] = r  # per facility (and option): the latest month in range
            mine = list(latest.values())
        return sum(Decimal(repr(r[5])) for r in mine)

    indicator = package.indicators[code]
    return evaluate(parse(indicator.numerator), lookup), evaluate(parse(indicator.denominator), lookup)


def test_engine_matches_figures_worked_out_from_the_rows(tiny_db, workload):
    from decimal import Decimal

    package = workload.package
    stock_ratio = next(c for c, i in package.indicators.items() if i.kind == "ratio" and "STOCK" in i.numerator)
    per_100k = next(c for c, i in package.indicators.items() if i.kind == "per_100k")
    nonlinear = workload.nonlinear_indicators()[0][0]
    cases = [(code, ou, p) for code in (stock_ratio, per_100k, nonlinear)
             for ou in ("CN", "T0001", "V000003", "F0000005")
             for p in (workload.periods[13], workload.periods[-5], workload.periods[-1])]
    with synthetic.connect(tiny_db, read_only=True) as con:
        checked = 0
        for code, ou, period in cases:
            found = con.execute("SELECT numerator, denominator FROM result_engine "
                                "WHERE code = ? AND orgunit = ? AND period = ?", [code, ou, period.id]).fetchall()
            num, den = _by_hand(con, package, code, ou, period)
            if num is None and den is None:
                assert found == []
                continue
            checked += 1
            for got, want in zip(found[0], (num, den)):
                assert (got is None and want is None) or abs(Decimal(repr(got)) - want) <= abs(want) * Decimal("1e-9")
    assert checked >= len(cases) * 2 // 3
