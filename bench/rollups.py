"""Roll-up benchmark: every indicator × org unit (levels 1–4) × month/quarter/half/year.

Four implementations of DESIGN §3 run side by side on the same synthetic
DuckDB file (see synthetic.py) and must agree row for row:

- ``engine``: weijian's ``Analytics.bulk`` (Ibis on DuckDB), materialised as ``result_engine``;
- ``sql``: one hand-written DuckDB script (period map join, arg_max for stocks,
  GROUPING SETS over the ancestor columns, an indicator map join) → ``result_sql``;
- ``pandas``: the dataframe way (categoricals, a groupby per period length, ancestors by code,
  an indicator map merge) → ``result_pandas``;
- ``polars``: the same in Polars' lazy API (one query plan, collected once with the
  streaming engine) → ``result_polars``.

The SQL, pandas and Polars versions share nothing with ``weijian.analytics`` but the
expression parser, so they check the engine rather than repeat it. Each
implementation runs in its own process so peak memory is its own.

Example: python bench/rollups.py --values 2000000 --orgunits 6000
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402
from synthetic import SyntheticSpec  # noqa: E402

from weijian.expressions import BinOp, Neg, Number, Operand, operands, parse  # noqa: E402
from weijian.model import MetadataPackage  # noqa: E402
from weijian.model.periods import MONTHS_IN, Period  # noqa: E402
from weijian.storage.duckdb_store import MEMORY_LIMIT_ENV  # noqa: E402

IMPLEMENTATIONS = ("engine", "sql", "pandas", "polars")
DATAFRAMES = ("pandas", "polars")  # timed from reading the values, as an analyst's script is
LEVELS = (1, 2, 3, 4)
TOLERANCE = 1e-9
GOALS = {"engine_vs_sql": 2.0, "engine_vs_pandas": 5.0, "engine_vs_polars": 2.0}  # issue #20


# -- metadata as rows: what the SQL and pandas versions join against ------------------------------


def operand_label(operand: Operand) -> str:
    return operand.element if operand.option is None else f"{operand.element}.{operand.option}"


def linear_form(expr) -> tuple[dict[Operand, float], float] | None:
    """(coefficient per operand, constant) when ``expr`` is linear, else None."""
    match expr:
        case Number(value):
            return {}, float(value)
        case Operand():
            return {expr: 1.0}, 0.0
        case Neg(inner):
            form = linear_form(inner)
            return None if form is None else ({op: -c for op, c in form[0].items()}, -form[1])
        case BinOp(op, left, right):
            a, b = linear_form(left), linear_form(right)
            if a is None or b is None:
                return None
            if op in "+-":
                sign = 1.0 if op == "+" else -1.0
                terms = dict(a[0])
                for operand, coef in b[0].items():
                    terms[operand] = terms.get(operand, 0.0) + sign * coef
                return terms, a[1] + sign * b[1]
            if op == "*" and not a[0]:
                return _scaled(b, a[1])
            if op == "*" and not b[0]:
                return _scaled(a, b[1])
            if op == "/" and not b[0] and b[1] != 0:
                return _scaled(a, 1 / b[1])
    return None


def _scaled(form: tuple[dict[Operand, float], float], factor: float) -> tuple[dict[Operand, float], float]:
    return {op: c * factor for op, c in form[0].items()}, form[1] * factor


@dataclass(frozen=True)
class Workload:
    """The benchmark's question, as plain rows both hand-written versions use."""

    package: MetadataPackage
    periods: list[Period]

    @cached_property
    def indicators(self) -> list[tuple]:
        """(code, numerator, denominator, factor) with both sides parsed."""
        return [(code, parse(i.numerator), parse(i.denominator), float(i.factor))
                for code, i in self.package.indicators.items()]

    def used_operands(self) -> set[Operand]:
        return {op for _, num, den, _ in self.indicators for op in operands(num) | operands(den)}

    def element_rows(self) -> list[tuple[str, str, int]]:
        used = {op.element for op in self.used_operands()}
        return [(code, e.aggregation, MONTHS_IN[e.period_type]) for code, e in self.package.elements.items()
                if code in used]

    def period_map_rows(self) -> list[tuple[int, str, int, int]]:
        """(element_months, period, key_month, period_end): a stored value whose
        start month is key_month counts for period; an element reported less often
        than the period is long uses its own period holding the period's last month."""
        rows = []
        for element_months in sorted({m for _, _, m in self.element_rows()}):
            for p in self.periods:
                if element_months < p.n_months:
                    rows += [(element_months, p.id, m, p.end) for m in range(p.start, p.end + 1)
                             if m % element_months == 0]
                else:
                    key = p.end - p.end % element_months
                    rows.append((element_months, p.id, key, key + element_months - 1))
        return rows

    def operand_rows(self) -> list[tuple[str, str, str]]:
        """(dataelement, option, operand): the element total takes every option (and '')."""
        rows = []
        for op in sorted(self.used_operands(), key=operand_label):
            options = (op.option,) if op.option else ("", *self.package.options_of(op.element))
            rows += [(op.element, option, operand_label(op)) for option in options]
        return rows

    def linear_indicators(self) -> tuple[list[tuple], list[tuple]]:
        """Rows (indicator, side, operand, coef) and (indicator, factor, num_const,
        num_has_terms, den_const, den_has_terms) for indicators whose sides are linear."""
        terms, consts = [], []
        for code, num, den, factor in self.indicators:
            forms = linear_form(num), linear_form(den)
            if None in forms:
                continue
            for side, (coefs, _) in zip(("num", "den"), forms):
                terms += [(code, side, operand_label(op), coef) for op, coef in coefs.items()]
            consts.append((code, factor, forms[0][1], bool(forms[0][0]), forms[1][1], bool(forms[1][0])))
        return terms, consts

    def nonlinear_indicators(self) -> list[tuple]:
        return [item for item in self.indicators if linear_form(item[1]) is None or linear_form(item[2]) is None]


def load_workload(con: duckdb.DuckDBPyConnection) -> tuple[SyntheticSpec, Workload]:
    stored = json.loads(con.execute("SELECT spec FROM bench_params").fetchone()[0])
    spec = SyntheticSpec(**{k: v for k, v in stored.items() if k != "generator"})
    return spec, Workload(synthetic.build_package(con, spec), synthetic.build_periods(spec))


# -- a. the engine ------------------------------------------------------------------------------------


def duckdb_settings() -> list[str]:
    """Settings for the engine's and the SQL's connection: the store's memory cap
    when WEIJIAN_DUCKDB_MEMORY_LIMIT is set (else DuckDB's default, 80 % of RAM)."""
    limit = os.environ.get(MEMORY_LIMIT_ENV)
    return ["SET enable_progress_bar = false"] + ([f"SET memory_limit = '{limit}'"] if limit else [])


def run_engine(path: Path, workload: Workload) -> int:
    import ibis

    from weijian.analytics import Analytics

    con = ibis.duckdb.connect(str(path))
    try:
        for setting in duckdb_settings():
            con.raw_sql(setting)
        analytics = Analytics(con.table("datavalue"), con.table("orgunit"), workload.package)
        con.create_table("result_engine", analytics.bulk(list(LEVELS), workload.periods), overwrite=True)
        return con.con.execute("SELECT count(*) FROM result_engine").fetchone()[0]
    finally:
        con.disconnect()


# -- b. hand-written SQL ---------------------------------------------------------------------------------

SQL_ROLLUP = """
-- over time, per facility: flows add their months, stocks take the latest month
CREATE OR REPLACE TEMP TABLE facility AS
SELECT v.orgunit, m.period, v.dataelement, v.categoryoptioncombo AS option, sum(v.value) AS value
FROM datavalue v
JOIN b_element e ON e.dataelement = v.dataelement AND e.aggregation = 'sum'
JOIN b_period_map m ON m.element_months = e.element_months AND m.key_month = v.start_month
WHERE v.end_month <= m.period_end
GROUP BY ALL
UNION ALL
SELECT v.orgunit, m.period, v.dataelement, v.categoryoptioncombo, arg_max(v.value, v.start_month)
FROM datavalue v
JOIN b_element e ON e.dataelement = v.dataelement AND e.aggregation = 'last'
JOIN b_period_map m ON m.element_months = e.element_months AND m.key_month = v.start_month
WHERE v.end_month <= m.period_end
GROUP BY ALL;

-- over org units: every unit of a level sums what its subtree holds
CREATE OR REPLACE TEMP TABLE operand_value AS
SELECT coalesce({ancestors_desc}) AS orgunit, period, operand, sum(value) AS value
FROM facility f
JOIN b_operand o USING (dataelement, option)
JOIN orgunit ou ON ou.code = f.orgunit
GROUP BY GROUPING SETS ({grouping_sets})
HAVING coalesce({ancestors_desc}) IS NOT NULL;

-- indicators: Σ coef × operand per side (a side with operands is missing when all are)
CREATE OR REPLACE TABLE result_sql AS
WITH linear AS (
    SELECT t.indicator, v.orgunit, v.period,
           sum(t.coef * v.value) FILTER (WHERE t.side = 'num') AS num_terms,
           sum(t.coef * v.value) FILTER (WHERE t.side = 'den') AS den_terms
    FROM operand_value v JOIN b_term t USING (operand)
    GROUP BY ALL
), sides AS (
    SELECT l.indicator, l.orgunit, l.period, i.factor,
           CASE WHEN i.num_has_terms THEN l.num_terms + i.num_const ELSE i.num_const END AS numerator,
           CASE WHEN i.den_has_terms THEN l.den_terms + i.den_const ELSE i.den_const END AS denominator
    FROM linear l JOIN b_indicator i USING (indicator)
    {nonlinear}
)
SELECT indicator AS code, orgunit, period, numerator, denominator,
       factor * numerator / NULLIF(denominator, 0) AS value
FROM sides
WHERE numerator IS NOT NULL OR denominator IS NOT NULL;
"""

SQL_NONLINEAR = """
    UNION ALL
    SELECT '{code}', orgunit, period, {factor}, {numerator}, {denominator}
    FROM (SELECT orgunit, period, {pivot} FROM operand_value WHERE operand IN ({labels}) GROUP BY ALL)"""


def sql_expression(expr, column: dict[Operand, str]) -> str:
    """SQL for ``expr`` over pivoted operand columns (missing → 0, x/0 → NULL)."""
    match expr:
        case Number(value):
            return f"CAST({float(value)!r} AS DOUBLE)"
        case Operand():
            return f"coalesce({column[expr]}, 0)"
        case Neg(inner):
            return f"(-{sql_expression(inner, column)})"
        case BinOp("/", left, right):
            return f"({sql_expression(left, column)} / NULLIF({sql_expression(right, column)}, 0))"
        case BinOp(op, left, right):
            return f"({sql_expression(left, column)} {op} {sql_expression(right, column)})"
    raise TypeError(expr)


def _sql_side(expr, column: dict[Operand, str]) -> str:
    ops = operands(expr)
    if not ops:
        return sql_expression(expr, column)
    all_missing = " AND ".join(f"{column[op]} IS NULL" for op in sorted(ops, key=str))
    return f"CASE WHEN {all_missing} THEN NULL ELSE {sql_expression(expr, column)} END"


def sql_script(workload: Workload) -> str:
    nonlinear = []
    for code, num, den, factor in workload.nonlinear_indicators():
        ops = sorted(operands(num) | operands(den), key=operand_label)
        column = {op: f"o{i}" for i, op in enumerate(ops)}
        nonlinear.append(SQL_NONLINEAR.format(
            code=code, factor=repr(factor), numerator=_sql_side(num, column), denominator=_sql_side(den, column),
            pivot=", ".join(f"max(value) FILTER (WHERE operand = '{operand_label(op)}') AS {column[op]}" for op in ops),
            labels=", ".join(f"'{operand_label(op)}'" for op in ops),
        ))
    return SQL_ROLLUP.format(
        ancestors_desc=", ".join(f"l{k}" for k in reversed(LEVELS)),
        grouping_sets=", ".join(f"(l{k}, period, operand)" for k in LEVELS),
        nonlinear="".join(nonlinear),
    )


def create_sql_maps(con: duckdb.DuckDBPyConnection, workload: Workload) -> None:
    terms, consts = workload.linear_indicators()
    tables = {
        "b_element (dataelement VARCHAR, aggregation VARCHAR, element_months INTEGER)": workload.element_rows(),
        "b_period_map (element_months INTEGER, period VARCHAR, key_month INTEGER, period_end INTEGER)":
            workload.period_map_rows(),
        "b_operand (dataelement VARCHAR, option VARCHAR, operand VARCHAR)": workload.operand_rows(),
        "b_term (indicator VARCHAR, side VARCHAR, operand VARCHAR, coef DOUBLE)": terms,
        "b_indicator (indicator VARCHAR, factor DOUBLE, num_const DOUBLE, num_has_terms BOOLEAN, "
        "den_const DOUBLE, den_has_terms BOOLEAN)": consts,
    }
    for definition, rows in tables.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {definition}")
        if rows:
            con.executemany(f"INSERT INTO {definition.split()[0]} VALUES ({', '.join('?' * len(rows[0]))})", rows)


def run_sql(path: Path, workload: Workload) -> int:
    with synthetic.connect(path) as con:
        for setting in duckdb_settings():
            con.execute(setting)
        create_sql_maps(con, workload)
        con.execute(sql_script(workload))
        return con.execute("SELECT count(*) FROM result_sql").fetchone()[0]


# -- c. pandas ------------------------------------------------------------------------------------------------


def load_values_pandas(con: duckdb.DuckDBPyConnection, workload: Workload):
    """The stored values of the elements in use, with categoricals for the codes."""
    codes = [code for code, _, _ in workload.element_rows()]
    frame = con.execute(
        "SELECT dataelement, orgunit, categoryoptioncombo AS option, value, start_month, end_month "
        "FROM datavalue WHERE list_contains(?, dataelement)", [codes]).df()
    for column in ("dataelement", "orgunit", "option"):
        frame[column] = frame[column].astype("category")
    return frame


def run_pandas(frame, con: duckdb.DuckDBPyConnection, workload: Workload) -> pd.DataFrame:
    """DataFrame (code, orgunit, period, numerator, denominator, value), one period length at a time."""
    ancestors = con.execute(f"SELECT code, {', '.join(f'l{k}' for k in LEVELS)} FROM orgunit").df()
    rollup = PandasRollup(workload, ancestors)
    by_length: dict[int, list[Period]] = {}
    for p in workload.periods:
        by_length.setdefault(p.n_months, []).append(p)
    pieces = [rollup.indicators(rollup.operand_values(frame, periods), periods) for periods in by_length.values()]
    return pd.concat(pieces, ignore_index=True)


class PandasRollup:
    """DESIGN §3 with groupby: over time per facility, then over org units, then indicators."""

    def __init__(self, workload: Workload, ancestors: pd.DataFrame):
        self.workload = workload
        self.aggregation = {code: agg for code, agg, _ in workload.element_rows()}
        self.element_months = {code: months for code, _, months in workload.element_rows()}
        used = workload.used_operands()
        self.totals = sorted({op.element for op in used if op.option is None})
        self.operand_type = pd.CategoricalDtype(sorted(operand_label(op) for op in used))
        self.orgunit_type = pd.CategoricalDtype(sorted(ancestors["code"]))
        # ancestor at level k as a code of orgunit_type (-1: none), so rolling up needs no string work
        position = {code: i for i, code in enumerate(self.orgunit_type.categories)}
        self.ancestor_code = {k: {code: position.get(a, -1) for code, a in zip(ancestors["code"], ancestors[f"l{k}"])}
                              for k in LEVELS}

    def facility_values(self, frame: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
        """(orgunit, dataelement, option, start, value) per facility for periods of one length."""
        size, starts = periods[0].n_months, [p.start for p in periods]
        keys = ["orgunit", "dataelement", "option", "start"]
        element_months = frame["dataelement"].map(self.element_months).astype("int64")
        # reported more often than the period is long: flows add up, stocks take the latest month
        shorter = frame[element_months < size]
        shorter = shorter.assign(start=shorter["start_month"] - shorter["start_month"] % size)
        shorter = shorter[shorter["start"].isin(starts) & (shorter["end_month"] < shorter["start"] + size)]
        is_sum = shorter["dataelement"].map(self.aggregation) == "sum"
        flows = shorter[is_sum].groupby(keys, observed=True, sort=False)["value"].sum().reset_index()
        stocks = shorter[~is_sum].sort_values("start_month").drop_duplicates(keys, keep="last")[keys + ["value"]]
        # as long or longer (人口 under a quarter): its own period counts for each period inside it
        longer = frame[element_months >= size]
        copies = (longer["dataelement"].map(self.element_months).astype("int64") // size).to_numpy()
        repeated = longer.iloc[np.repeat(np.arange(len(longer)), copies)]
        offset = (np.arange(len(repeated)) - np.repeat(np.cumsum(copies) - copies, copies)) * size
        repeated = repeated.assign(start=repeated["start_month"].to_numpy() + offset)
        repeated = repeated[repeated["start"].isin(starts)][keys + ["value"]]
        return pd.concat([flows, stocks, repeated], ignore_index=True)

    def operand_values(self, frame: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
        """(orgunit, start, operand, value) for every unit of every level."""
        facility = self.facility_values(frame, periods)
        totals = facility[facility["dataelement"].isin(self.totals)]
        totals = totals.assign(operand=totals["dataelement"].astype(str).astype(self.operand_type))
        split = facility[facility["option"] != ""]
        split = split.assign(operand=(split["dataelement"].astype(str) + "." + split["option"].astype(str))
                             .astype(self.operand_type))
        by_facility = pd.concat([totals, split[split["operand"].notna()]], ignore_index=True)
        levels = []
        for k in LEVELS:
            codes = by_facility["orgunit"].map(self.ancestor_code[k]).astype("int64")
            ancestor = pd.Categorical.from_codes(codes, dtype=self.orgunit_type)
            levels.append(by_facility.assign(orgunit=ancestor)
                          .groupby(["orgunit", "start", "operand"], observed=True, sort=False)["value"].sum()
                          .reset_index())
        return pd.concat(levels, ignore_index=True)

    def indicators(self, values: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
        terms, consts = self.workload.linear_indicators()
        terms = pd.DataFrame(terms, columns=["indicator", "side", "operand", "coef"])
        terms["operand"] = terms["operand"].astype(self.operand_type)
        joined = values.merge(terms, on="operand")
        product = joined["coef"] * joined["value"]
        joined = joined.assign(num=product.where(joined["side"] == "num"), den=product.where(joined["side"] == "den"))
        sides = (joined.groupby(["indicator", "orgunit", "start"], observed=True, sort=False)[["num", "den"]]
                 .sum(min_count=1).reset_index())
        consts = pd.DataFrame(consts, columns=["indicator", "factor", "num_const", "num_has", "den_const", "den_has"])
        sides = sides.merge(consts, on="indicator")
        sides["numerator"] = np.where(sides["num_has"], sides["num"] + sides["num_const"], sides["num_const"])
        sides["denominator"] = np.where(sides["den_has"], sides["den"] + sides["den_const"], sides["den_const"])
        pieces = [sides[["indicator", "orgunit", "start", "factor", "numerator", "denominator"]]]
        pieces += [self._nonlinear(values, *item) for item in self.workload.nonlinear_indicators()]
        result = pd.concat(pieces, ignore_index=True)
        result = result[result["numerator"].notna() | result["denominator"].notna()]
        ids = {p.start: p.id for p in periods}
        return pd.DataFrame({
            "code": result["indicator"].astype(str), "orgunit": result["orgunit"].astype(str),
            "period": result["start"].map(ids), "numerator": result["numerator"],
            "denominator": result["denominator"],
            "value": result["factor"] * result["numerator"] / _nonzero(result["denominator"]),
        })

    @staticmethod
    def _nonlinear(values: pd.DataFrame, code: str, num, den, factor: float) -> pd.DataFrame:
        ops = sorted(operands(num) | operands(den), key=operand_label)
        labels = [operand_label(op) for op in ops]
        wide = (values[values["operand"].isin(labels)].astype({"operand": str})
                .pivot(index=["orgunit", "start"], columns="operand", values="value")
                .reindex(columns=labels).reset_index())
        column = {op: wide[operand_label(op)] for op in ops}
        return pd.DataFrame({"indicator": code, "orgunit": wide["orgunit"], "start": wide["start"], "factor": factor,
                             "numerator": _pandas_side(num, column), "denominator": _pandas_side(den, column)})


def _nonzero(x):
    if isinstance(x, float):
        return x if x != 0 else float("nan")
    return x.where(x != 0)


def _pandas_expression(expr, column: dict[Operand, pd.Series]):
    match expr:
        case Number(value):
            return float(value)
        case Operand():
            return column[expr].fillna(0.0)
        case Neg(inner):
            return -_pandas_expression(inner, column)
        case BinOp("/", left, right):
            return _pandas_expression(left, column) / _nonzero(_pandas_expression(right, column))
        case BinOp(op, left, right):
            a, b = _pandas_expression(left, column), _pandas_expression(right, column)
            return a + b if op == "+" else a - b if op == "-" else a * b
    raise TypeError(expr)


def _pandas_side(expr, column: dict[Operand, pd.Series]):
    ops = operands(expr)
    value = _pandas_expression(expr, column)
    if not ops:
        return value
    all_missing = np.logical_and.reduce([column[op].isna().to_numpy() for op in ops])
    return value.where(~all_missing)


# -- d. Polars (lazy) ----------------------------------------------------------------------------------------


def load_values_polars(con: duckdb.DuckDBPyConnection, workload: Workload):
    """The stored values of the elements in use, as a Polars LazyFrame (read through Arrow)."""
    import polars as pl

    codes = [code for code, _, _ in workload.element_rows()]
    return pl.from_arrow(con.sql(
        "SELECT dataelement, orgunit, categoryoptioncombo AS option, value, start_month, end_month "
        "FROM datavalue WHERE list_contains(?, dataelement)", params=[codes]).to_arrow_table()).lazy()


def run_polars(values, con: duckdb.DuckDBPyConnection, workload: Workload):
    """DataFrame (code, orgunit, period, numerator, denominator, value): one lazy query, collected once."""
    import polars as pl

    ancestors = pl.from_arrow(con.sql(
        f"SELECT code, {', '.join(f'l{k}' for k in LEVELS)} FROM orgunit").to_arrow_table()).lazy()
    rollup = PolarsRollup(workload)
    return rollup.indicators(rollup.operand_values(values, ancestors)).collect(engine="streaming")


def _frame(rows: list[tuple], schema: dict):
    import polars as pl

    return pl.LazyFrame(rows, schema=schema, orient="row")


class PolarsRollup:
    """DESIGN §3 as an analyst writes it in Polars: the period map join, a group-by per
    facility (flows sum, stocks take the latest month), ancestors as a long map, indicators
    as a term map join plus one pivot per non-linear indicator."""

    def __init__(self, workload: Workload):
        import polars as pl

        self.workload = workload
        self.elements = _frame(workload.element_rows(),
                               {"dataelement": pl.String, "aggregation": pl.String, "element_months": pl.Int64})
        self.period_map = _frame(workload.period_map_rows(), {"element_months": pl.Int64, "period": pl.String,
                                                              "key_month": pl.Int64, "period_end": pl.Int64})
        self.operands = _frame(workload.operand_rows(),
                               {"dataelement": pl.String, "option": pl.String, "operand": pl.String})

    def facility_values(self, values):
        """(orgunit, period, dataelement, option, value) per facility and requested period."""
        import polars as pl

        keys = ["orgunit", "period", "dataelement", "option"]
        mapped = (values.with_columns(pl.col("start_month", "end_month").cast(pl.Int64))
                  .join(self.elements, on="dataelement")
                  .join(self.period_map, left_on=["element_months", "start_month"],
                        right_on=["element_months", "key_month"])
                  .filter(pl.col("end_month") <= pl.col("period_end")))
        flows = mapped.filter(pl.col("aggregation") == "sum").group_by(keys).agg(pl.col("value").sum())
        stocks = (mapped.filter(pl.col("aggregation") == "last").group_by(keys)
                  .agg(pl.col("value").sort_by("start_month").last()))
        return pl.concat([flows, stocks])

    def operand_values(self, values, ancestors):
        """(orgunit, period, operand, value) for every unit of every level."""
        import polars as pl

        by_facility = self.facility_values(values).join(self.operands, on=["dataelement", "option"])
        # one (unit, ancestor) row per level the unit lies under
        long = (ancestors.unpivot(index="code", on=[f"l{k}" for k in LEVELS], value_name="ancestor")
                .drop_nulls("ancestor").select("code", "ancestor"))
        return (by_facility.join(long, left_on="orgunit", right_on="code")
                .group_by("ancestor", "period", "operand").agg(pl.col("value").sum())
                .rename({"ancestor": "orgunit"}))

    def indicators(self, values):
        import polars as pl

        terms, consts = self.workload.linear_indicators()
        terms = _frame(terms, {"indicator": pl.String, "side": pl.String, "operand": pl.String, "coef": pl.Float64})
        consts = _frame(consts, {"indicator": pl.String, "factor": pl.Float64, "num_const": pl.Float64,
                                 "num_has": pl.Boolean, "den_const": pl.Float64, "den_has": pl.Boolean})
        product = pl.col("coef") * pl.col("value")
        # a side with operands is missing when none of them is present
        sides = (values.join(terms, on="operand").group_by("indicator", "orgunit", "period")
                 .agg(*[pl.when((pl.col("side") == side).any()).then(product.filter(pl.col("side") == side).sum())
                        .alias(side) for side in ("num", "den")])
                 .join(consts, on="indicator")
                 .select("indicator", "orgunit", "period", "factor",
                         pl.when("num_has").then(pl.col("num") + pl.col("num_const")).otherwise("num_const")
                         .alias("numerator"),
                         pl.when("den_has").then(pl.col("den") + pl.col("den_const")).otherwise("den_const")
                         .alias("denominator")))
        pieces = [sides, *[self._nonlinear(values, *item) for item in self.workload.nonlinear_indicators()]]
        result = pl.concat(pieces).filter(pl.col("numerator").is_not_null() | pl.col("denominator").is_not_null())
        return result.select(
            code="indicator", orgunit="orgunit", period="period", numerator="numerator", denominator="denominator",
            value=pl.col("factor") * pl.col("numerator") / _polars_nonzero(pl.col("denominator")))

    @staticmethod
    def _nonlinear(values, code: str, num, den, factor: float):
        import polars as pl

        ops = sorted(operands(num) | operands(den), key=operand_label)
        column = {op: pl.col(f"o{i}") for i, op in enumerate(ops)}
        wide = (values.filter(pl.col("operand").is_in([operand_label(op) for op in ops]))
                .group_by("orgunit", "period")
                .agg(*[pl.col("value").filter(pl.col("operand") == operand_label(op)).first().alias(f"o{i}")
                       for i, op in enumerate(ops)]))
        return wide.select(indicator=pl.lit(code), orgunit="orgunit", period="period", factor=pl.lit(factor),
                           numerator=_polars_side(num, column), denominator=_polars_side(den, column))


def _polars_nonzero(x):
    import polars as pl

    return pl.when(x != 0).then(x)


def _polars_expression(expr, column: dict):
    import polars as pl

    match expr:
        case Number(value):
            return pl.lit(float(value))
        case Operand():
            return column[expr].fill_null(0.0)
        case Neg(inner):
            return -_polars_expression(inner, column)
        case BinOp("/", left, right):
            return _polars_expression(left, column) / _polars_nonzero(_polars_expression(right, column))
        case BinOp(op, left, right):
            a, b = _polars_expression(left, column), _polars_expression(right, column)
            return a + b if op == "+" else a - b if op == "-" else a * b
    raise TypeError(expr)


def _polars_side(expr, column: dict):
    import polars as pl

    ops = operands(expr)
    value = _polars_expression(expr, column).cast(pl.Float64)
    if not ops:
        return value
    return pl.when(pl.all_horizontal(*[column[op].is_null() for op in ops])).then(None).otherwise(value)


# -- running, checking, reporting ------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_run(impl: str, path: Path, workload: Workload) -> dict:
    """Run one implementation once; its result is left in table ``result_<impl>``.

    Also measures the CPU other processes took meanwhile: this machine may be
    shared, and a busy neighbour makes a timing meaningless."""
    import resource

    busy, own = busy_cpu_seconds(), resource.getrusage(resource.RUSAGE_SELF)
    result = _run_once(impl, path, workload)
    end = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = (end.ru_utime + end.ru_stime) - (own.ru_utime + own.ru_stime)
    if busy is not None:
        others = busy_cpu_seconds() - busy - result["cpu_seconds"]
        result["other_load"] = max(0.0, others / result["wall_seconds"] / (os.cpu_count() or 1))
    return result


def _run_once(impl: str, path: Path, workload: Workload) -> dict:
    if impl in DATAFRAMES:
        return _run_dataframe(impl, path, workload)
    start = time.perf_counter()
    if impl == "engine":
        rows = run_engine(path, workload)
    else:
        rows = run_sql(path, workload)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": peak_rss_mb(), "wall_seconds": seconds}


def _run_dataframe(impl: str, path: Path, workload: Workload) -> dict:
    """pandas or Polars: read the values, compute, then store the result as ``result_<impl>`` (not timed)."""
    load, run = (load_values_pandas, run_pandas) if impl == "pandas" else (load_values_polars, run_polars)
    start = time.perf_counter()
    with synthetic.connect(path) as con:
        frame = load(con, workload)
        loaded = time.perf_counter()
        result = run(frame, con, workload)
        seconds, peak = time.perf_counter() - start, peak_rss_mb()
        del frame
        con.register(f"{impl}_result", result if impl == "pandas" else result.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE result_{impl} AS SELECT * FROM {impl}_result")
        return {"seconds": seconds, "rows": len(result), "peak_rss_mb": peak, "load_seconds": loaded - start,
                "compute_seconds": start + seconds - loaded, "wall_seconds": time.perf_counter() - start}


def worker(impl: str, path: Path, repeat: int) -> dict:
    """Best of ``repeat`` runs of one implementation (runs in its own process)."""
    with synthetic.connect(path, read_only=True) as con:
        _, workload = load_workload(con)
    baseline = peak_rss_mb()
    runs = [timed_run(impl, path, workload) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "all_seconds": [r["seconds"] for r in runs], "all_other_load": [r.get("other_load") for r in runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "baseline_rss_mb": baseline}


def busy_cpu_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (/proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(limit: float, sample: float = 5.0, threshold: float = 0.1) -> float:
    """Wait (up to ``limit`` seconds) until other processes use under ``threshold``
    of the cores; return the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        before = busy_cpu_seconds()
        if before is None:
            break
        time.sleep(sample)
        if (busy_cpu_seconds() - before) / sample / (os.cpu_count() or 1) < threshold:
            break
    return time.perf_counter() - start


def run_worker(impl: str, path: Path, repeat: int) -> dict:
    """``worker`` in a fresh process, so that its peak memory is its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", impl, "--db", str(path),
               "--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{impl} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


COMPARE_SQL = """
CREATE OR REPLACE TEMP MACRO close_to(x, y) AS
    CASE WHEN x IS NULL OR y IS NULL THEN x IS NULL AND y IS NULL
         ELSE abs(x - y) <= {tolerance} * greatest(abs(x), abs(y)) END;
CREATE OR REPLACE TEMP TABLE comparison AS
SELECT code, orgunit, period, a.present AS in_left, b.present AS in_right,
       a.numerator AS left_numerator, b.numerator AS right_numerator,
       a.denominator AS left_denominator, b.denominator AS right_denominator,
       a.value AS left_value, b.value AS right_value,
       coalesce(close_to(a.numerator, b.numerator) AND close_to(a.denominator, b.denominator)
                AND close_to(a.value, b.value), false) AS same
FROM (SELECT *, true AS present FROM {left}) a
FULL OUTER JOIN (SELECT *, true AS present FROM {right}) b USING (code, orgunit, period)
"""


def compare(con: duckdb.DuckDBPyConnection, left: str, right: str, examples: int = 10) -> dict:
    """Same key set and numerator, denominator and value within TOLERANCE (relative)."""
    con.execute(COMPARE_SQL.format(tolerance=TOLERANCE, left=left, right=right))
    rows = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in (left, right)}
    matched, only_left, only_right, differing = con.execute("""
        SELECT count(*) FILTER (WHERE in_left AND in_right), count(*) FILTER (WHERE in_right IS NULL),
               count(*) FILTER (WHERE in_left IS NULL), count(*) FILTER (WHERE in_left AND in_right AND NOT same)
        FROM comparison""").fetchone()
    bad = con.execute(f"SELECT * FROM comparison WHERE NOT same ORDER BY code, orgunit, period LIMIT {examples}")
    names = [d[0] for d in bad.description]
    first = [dict(zip(names, row)) for row in bad.fetchall()]
    agree = only_left == only_right == differing == 0 and matched == rows[left] == rows[right]
    return {"left": left, "right": right, "rows": rows, "matched": matched, "only_left": only_left,
            "only_right": only_right, "differing": differing, "agree": agree, "first_mismatches": first}


def verify(path: Path, impls: tuple[str, ...]) -> list[dict]:
    with synthetic.connect(path) as con:
        return [compare(con, "result_engine", f"result_{impl}") for impl in impls if impl != "engine"]


def machine() -> dict:
    from importlib.metadata import version

    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor())
    return {
        "cores": os.cpu_count(), "ram_gib": round(total_kb / 1024**2, 1), "cpu": model,
        "platform": platform.platform(), "python": platform.python_version(),
        **{name: version(name) for name in ("duckdb", "ibis-framework", "pandas", "polars", "pyarrow", "numpy", "sqlglot")},
    }


def run_size(label: str, spec: SyntheticSpec, path: Path, impls: tuple[str, ...], repeat: int,
             wait_idle: float) -> dict:
    start = time.perf_counter()
    generated = synthetic.ensure_database(path, spec)
    generation = time.perf_counter() - start
    print(f"{label}: {spec.values:,} values in {path} ({'generated' if generated else 'reused'}, "
          f"{generation:.1f} s)", flush=True)
    results = {}
    for impl in impls:
        waited = wait_until_idle(wait_idle) if wait_idle else 0.0
        results[impl] = {**run_worker(impl, path, repeat), "waited_for_idle_seconds": round(waited, 1)}
        results[impl]["values_per_second"] = spec.values / results[impl]["seconds"]
        r = results[impl]
        print(f"{label}: {impl}: {r['seconds']:.2f} s, {r['rows']:,} rows, peak {r['peak_rss_mb']:,.0f} MiB, "
              f"other processes kept {r.get('other_load', 0):.0%} of the cores busy", flush=True)
    comparisons = verify(path, impls)
    return {"label": label, "values": spec.values, "database": str(path), "data_generated": generated,
            "generation_seconds": round(generation, 2), "implementations": results, "comparisons": comparisons,
            "agree": all(c["agree"] for c in comparisons)}


def ratios(runs: list[dict]) -> dict:
    out: dict = {}
    for run in runs:
        impl = run["implementations"]
        if "sql" in impl and "engine_vs_sql" not in out:
            out["engine_vs_sql"] = impl["sql"]["seconds"] / impl["engine"]["seconds"]
            out["engine_vs_sql_at_values"] = run["values"]
        for frame in DATAFRAMES:
            if frame in impl and f"engine_vs_{frame}" not in out:  # at the largest size it ran
                out[f"engine_vs_{frame}"] = impl[frame]["seconds"] / impl["engine"]["seconds"]
                out[f"engine_vs_{frame}_compute_only"] = impl[frame]["compute_seconds"] / impl["engine"]["seconds"]
                out[f"engine_vs_{frame}_at_values"] = run["values"]
        if "pandas" in impl and run is not runs[0]:
            out["engine_vs_sql_at_pandas_values"] = impl["sql"]["seconds"] / impl["engine"]["seconds"]
    for name, goal in GOALS.items():
        if name in out:
            out[f"{name}_goal"], out[f"{name}_met"] = goal, out[name] >= goal
    return out


def print_report(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    table = Table(title="汇总基准 roll-up benchmark: indicators × org units (levels 1–4) × M/Q/S/Y")
    for column in ("run", "实现 impl", "values", "seconds", "rows", "values/s", "peak RSS MiB", "vs engine",
                   "other load"):
        table.add_column(column, justify="left" if column in ("run", "实现 impl") else "right")
    for run in report["runs"]:
        engine = run["implementations"]["engine"]["seconds"]
        for impl, r in run["implementations"].items():
            table.add_row(run["label"], impl, f"{run['values']:,}", f"{r['seconds']:.2f}", f"{r['rows']:,}",
                          f"{r['values_per_second']:,.0f}", f"{r['peak_rss_mb']:,.0f}", f"{r['seconds'] / engine:.2f}×",
                          f"{r.get('other_load', 0):.0%}")
    console.print(table)
    if report["disturbed"]:
        console.print("[yellow]Other processes used over 10 % of the cores during a timing: the ratios are "
                      "unreliable; rerun on a quiet machine.[/]")
    for name, value in report["ratios"].items():
        if not name.endswith(("_goal", "_met", "_at_values")):
            goal = report["ratios"].get(f"{name}_goal")
            verdict = "" if goal is None else f" (goal ≥ {goal}: {'met' if value >= goal else 'NOT met'})"
            console.print(f"{name} = {value:.2f}{verdict}")
    for run in report["runs"]:
        for c in run["comparisons"]:
            status = "[green]agree[/]" if c["agree"] else "[red]DISAGREE[/]"
            console.print(f"{run['label']}: {c['left']} vs {c['right']}: {status} — {c['matched']:,} rows matched, "
                          f"{c['only_left']} only left, {c['only_right']} only right, {c['differing']} differing")
            for row in c["first_mismatches"]:
                console.print(f"    {row}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = SyntheticSpec()
    parser.add_argument("--values", type=int, default=defaults.values)
    parser.add_argument("--orgunits", type=int, default=defaults.orgunits)
    parser.add_argument("--elements", type=int, default=defaults.elements)
    parser.add_argument("--months", type=int, default=defaults.months)
    parser.add_argument("--indicators", type=int, default=defaults.indicators)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pandas-values", type=int, default=None,
                        help="run pandas (and, for the ratio, engine, SQL and Polars again) on this many "
                             "values only")
    parser.add_argument("--wait-idle", type=float, default=300.0,
                        help="before each implementation wait up to this many seconds for other processes to "
                             "quiet down (0: do not wait); the load they caused is reported either way")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "rollups.json")
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent / "data")
    parser.add_argument("--worker", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.db, args.repeat)))
        return 0
    spec = SyntheticSpec(values=args.values, orgunits=args.orgunits, elements=args.elements, months=args.months,
                         indicators=args.indicators)
    sizes = [("full", spec, args.data_dir / "rollups.duckdb", IMPLEMENTATIONS)]
    if args.pandas_values and args.pandas_values < spec.values:
        small = SyntheticSpec(**{**asdict(spec), "values": args.pandas_values})
        sizes = [("full", spec, args.data_dir / "rollups.duckdb", ("engine", "sql", "polars")),
                 ("pandas_size", small, args.data_dir / "rollups_pandas.duckdb", IMPLEMENTATIONS)]
    runs = [run_size(label, s, path, impls, args.repeat, args.wait_idle) for label, s, path, impls in sizes]
    report = {
        "benchmark": "rollups",
        "parameters": {**asdict(spec), "repeat": args.repeat, "pandas_values": args.pandas_values,
                       "duckdb_memory_limit": os.environ.get(MEMORY_LIMIT_ENV, "DuckDB default (80% of RAM)"),
                       "levels": list(LEVELS), "periods": [p.id for p in synthetic.build_periods(spec)],
                       "tolerance": TOLERANCE},
        "machine": machine(),
        "measures": "wall seconds (time.perf_counter, best of --repeat) from an open database to the full result: "
                    "engine = build the Ibis expression + create_table; sql = create the map tables + the script; "
                    "pandas = read the values into pandas (categoricals) + compute the DataFrame; polars = "
                    "read the values into Polars + collect the lazy query. Peak RSS is "
                    "VmHWM of the process running that implementation alone.",
        "runs": runs,
        "ratios": ratios(runs),
        "disturbed": any(r.get("other_load", 0) > 0.1 for run in runs for r in run["implementations"].values()),
        "agree": all(run["agree"] for run in runs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print_report(report)
    if not report["agree"]:
        print("IMPLEMENTATIONS DISAGREE — see the mismatches above and in", args.out, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
