"""A synthetic county-sized (or province-sized) data set for benchmarks.

Everything is deterministic: the same ``SyntheticSpec`` always gives the same
DuckDB file, byte for byte in content. Data values are generated inside DuckDB
from ``range()`` (20 M rows take seconds); the matching ``MetadataPackage`` is
built in Python from the same spec and the org-unit table read back.

Shape (defaults):
- org units: 1 county → ~30 乡镇 → ~1 500 村 → the rest facilities (level 4);
  only facilities report;
- elements: ~70 % ``sum`` monthly (flows), ~25 % ``last`` monthly (stocks),
  ~5 % ``last`` yearly (population-like denominators); ~5 % of the elements
  are disaggregated by SEX (MALE/FEMALE);
- each facility reports a fixed run of monthly series (an element, or one
  option of a disaggregated element) picked by its type, with ~3 % of the
  months missing, plus every yearly element (~2 % missing); the total is
  exactly ``spec.values`` (the last month is cut short: it is still coming in).
"""
from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from weijian.model import (
    Category, CategoryOption, DataElement, Indicator, Level, MetadataPackage, OrgUnit,
)
from weijian.model.periods import Period

FACILITY_TYPES = ("村卫生室", "社区卫生服务站", "乡镇卫生院分院", "民营诊所", "门诊部", "村卫生室（联合）",
                  "社区卫生服务中心", "妇幼保健站")
SEX = Category("SEX", "性别", (CategoryOption("MALE", "男"), CategoryOption("FEMALE", "女")))
GENERATOR_VERSION = 1  # bump when the SQL below changes what it generates
MONTHLY_GAP = 29  # one series-month in 29 is missing
YEARLY_GAP = 50  # one yearly value in 50 is missing


@dataclass(frozen=True)
class SyntheticSpec:
    values: int = 20_000_000
    orgunits: int = 30_000
    elements: int = 200
    months: int = 24
    indicators: int = 100
    first_year: int = 2023
    seed: int = 2024
    level2: int | None = None  # units at level 2 (default ~orgunits/1000); a province: 100 counties

    def key(self) -> dict:
        """The spec as stored with the data; fields left at None are omitted, so a
        file made before a field existed still matches."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def first_month(self) -> int:
        return self.first_year * 12

    @property
    def years(self) -> int:
        return math.ceil(self.months / 12)

    def tree_sizes(self) -> tuple[int, int, int]:
        """Units at levels 2, 3, 4 (level 1 is the single root)."""
        n2 = self.level2 or max(2, round(self.orgunits / 1000))
        n3 = max(2 * n2, round(self.orgunits / 20))
        n4 = self.orgunits - 1 - n2 - n3
        if n4 < n3:
            raise ValueError(f"--orgunits {self.orgunits} is too small for a 4-level tree")
        return n2, n3, n4


@dataclass(frozen=True)
class Series:
    """One monthly series a facility can report: an element, or one of its options."""

    index: int
    element: str
    option: str  # '' when the element is not disaggregated
    low: int
    span: int


# -- elements ----------------------------------------------------------------------------


def _spread(count: int, total: int, shift: int = 0) -> set[int]:
    """``count`` indexes spread evenly over ``range(total)``."""
    return {(i * total // count + shift) % total for i in range(count)} if count else set()


def build_elements(spec: SyntheticSpec) -> list[DataElement]:
    """Monthly elements first (flows and stocks interleaved), then the yearly ones."""
    n_yearly = max(1, round(spec.elements * 0.05))
    n_monthly = spec.elements - n_yearly
    stocks = _spread(round(spec.elements * 0.25), n_monthly, shift=3)
    flows = sorted(set(range(n_monthly)) - stocks)
    # SEX on a few flows (出生数) and a third as many stocks (在管人数 by sex)
    n_sex = max(2, round(spec.elements * 0.05))
    n_sex_stocks = max(1, n_sex // 3)
    disaggregated = ({flows[i] for i in _spread(n_sex - n_sex_stocks, len(flows), shift=1)}
                     | {sorted(stocks)[i] for i in _spread(n_sex_stocks, len(stocks), shift=2)})
    elements = []
    for e in range(n_monthly):
        stock = e in stocks
        elements.append(DataElement(
            code=f"{'STOCK' if stock else 'FLOW'}_{e:03d}",
            name=f"{'在管人数' if stock else '服务人次'}{e:03d}",
            unit="人" if stock else "人次",
            aggregation="last" if stock else "sum",
            category="SEX" if e in disaggregated else None,
        ))
    for y in range(n_yearly):
        elements.append(DataElement(code=f"POP_{y:02d}", name=f"常住人口{y:02d}", unit="人",
                                    aggregation="last", period_type="yearly"))
    return elements


def build_series(elements: list[DataElement]) -> list[Series]:
    series: list[Series] = []
    for element in elements:
        if element.period_type != "monthly":
            continue
        low, span = (200, 3000) if element.aggregation == "last" else (1, 300)
        for option in (SEX.option_codes() if element.category else ("",)):
            series.append(Series(len(series), element.code, option, low, span))
    return series


# -- indicators ---------------------------------------------------------------------------


class _Picker:
    """Chooses operands that facilities tend to report together (close in series order),
    and now and then from far away, so some units miss a numerator or a denominator."""

    def __init__(self, elements: list[DataElement], series: list[Series], rng: random.Random):
        self.rng = rng
        by_code = {e.code: e for e in elements}
        self.order = list(dict.fromkeys(s.element for s in series))
        self.by_code = by_code
        self.yearly = [e.code for e in elements if e.period_type == "yearly"]
        self.disaggregated = [c for c in self.order if by_code[c].category]

    def near(self, aggregation: str, base: int, far: bool = False) -> str:
        n = len(self.order)
        start = (base + (n // 2 if far else 0) + self.rng.randrange(6)) % n
        for step in range(n):
            code = self.order[(start + step) % n]
            if self.by_code[code].aggregation == aggregation:
                return code
        raise ValueError(f"no {aggregation} element")

    def base(self) -> int:
        return self.rng.randrange(len(self.order))


def _indicator_formulas(picker: _Picker, count: int) -> list[tuple[str, str, str]]:
    """(numerator, denominator, kind) for ``count`` indicators covering every engine path."""
    rng = picker.rng
    formulas: list[tuple[str, str, str]] = []
    nonlinear = [
        lambda b: (f"#{{{picker.near('sum', b)}}} * #{{{picker.near('sum', b + 3)}}} / #{{{picker.near('last', b)}}}",
                   f"#{{{picker.near('last', b + 5)}}}", "plain"),
        lambda b: (f"#{{{picker.near('sum', b)}}} / #{{{picker.near('last', b)}}}", "1", "plain"),
        lambda b: (f"#{{{picker.near('sum', b)}}} * #{{{picker.near('sum', b + 2)}}}",
                   f"#{{{picker.near('last', b)}}} * #{{{picker.near('last', b + 4)}}}", "permille"),
    ]
    for make in nonlinear:
        formulas.append(make(picker.base()))
    for code in picker.disaggregated[::max(1, len(picker.disaggregated) // max(2, count // 25))][:max(2, count // 25)]:
        formulas.append((f"#{{{code}.MALE}}", f"#{{{code}.FEMALE}}", "ratio"))
        formulas.append((f"#{{{code}.FEMALE}}", f"#{{{code}}}", "percent"))
    formulas.append((f"#{{{picker.near('sum', picker.base())}}} * 1000 + 10", "1", "plain"))
    while len(formulas) < count:
        b, far = picker.base(), rng.random() < 0.2
        roll = rng.random()
        if roll < 0.15:
            formulas.append((f"#{{{picker.near('sum', b)}}}", f"#{{{rng.choice(picker.yearly)}}}", "per_100k"))
        elif roll < 0.27:
            formulas.append((f"#{{{picker.near('sum', b)}}} + #{{{picker.near('sum', b + 4, far)}}}",
                             f"#{{{picker.near('last', b)}}}", "percent"))
        elif roll < 0.32:
            formulas.append((f"#{{{picker.near('sum', b)}}} - #{{{picker.near('sum', b + 2)}}}",
                             f"#{{{picker.near('last', b, far)}}} + #{{{picker.near('last', b + 6)}}}", "permille"))
        elif roll < 0.55:
            formulas.append((f"#{{{picker.near('last', b)}}}", f"#{{{picker.near('last', b + 3, far)}}}", "percent"))
        else:
            formulas.append((f"#{{{picker.near('sum', b)}}}", f"#{{{picker.near('last', b, far)}}}", "percent"))
    return formulas[:count]


def build_indicators(spec: SyntheticSpec, elements: list[DataElement], series: list[Series]) -> list[Indicator]:
    picker = _Picker(elements, series, random.Random(spec.seed))
    return [
        Indicator(code=f"IND_{i:03d}", name=f"合成指标{i:03d}", numerator=num, denominator=den, kind=kind)
        for i, (num, den, kind) in enumerate(_indicator_formulas(picker, spec.indicators))
    ]


# -- periods --------------------------------------------------------------------------------


def build_periods(spec: SyntheticSpec) -> list[Period]:
    """Every month, quarter, half-year and year lying wholly inside the data."""
    first, last = spec.first_month, spec.first_month + spec.months - 1
    periods = []
    for size in (1, 3, 6, 12):
        start = first + (-first) % size
        while start + size - 1 <= last:
            periods.append(Period(start, start + size - 1))
            start += size
    return periods


# -- the DuckDB file ---------------------------------------------------------------------------


def _create_orgunits(con: duckdb.DuckDBPyConnection, spec: SyntheticSpec) -> None:
    n2, n3, n4 = spec.tree_sizes()
    types = "[" + ", ".join(f"'{t}'" for t in FACILITY_TYPES) + "]"
    # parents in contiguous blocks: unit i of a level sits under i * n_up // n_here
    con.execute(f"""
        CREATE TABLE orgunit (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, type VARCHAR, parent VARCHAR,
                              level INTEGER NOT NULL, path VARCHAR NOT NULL,
                              l1 VARCHAR, l2 VARCHAR, l3 VARCHAR, l4 VARCHAR, l5 VARCHAR, l6 VARCHAR);
        CREATE MACRO t_code(i) AS printf('T%04d', i);
        CREATE MACRO v_code(j) AS printf('V%06d', j);
        CREATE MACRO f_code(k) AS printf('F%07d', k);
        INSERT INTO orgunit VALUES ('CN', '合成县', '县', NULL, 1, '/CN', 'CN', NULL, NULL, NULL, NULL, NULL);
        INSERT INTO orgunit
        SELECT t_code(i), '第' || i || '乡镇', '乡镇', 'CN', 2, '/CN/' || t_code(i),
               'CN', t_code(i), NULL, NULL, NULL, NULL
        FROM range({n2}) r(i);
        INSERT INTO orgunit
        SELECT v_code(j), '第' || j || '村', '村', t_code(t), 3, '/CN/' || t_code(t) || '/' || v_code(j),
               'CN', t_code(t), v_code(j), NULL, NULL, NULL
        FROM (SELECT j, j * {n2} // {n3} AS t FROM range({n3}) r(j));
        INSERT INTO orgunit
        SELECT f_code(k), '机构' || k, {types}[k % {len(FACILITY_TYPES)} + 1], v_code(v), 4,
               '/CN/' || t_code(t) || '/' || v_code(v) || '/' || f_code(k),
               'CN', t_code(t), v_code(v), f_code(k), NULL, NULL
        FROM (SELECT k, v, v * {n2} // {n3} AS t FROM (SELECT k, k * {n3} // {n4} AS v FROM range({n4}) r(k)));
        DROP MACRO t_code; DROP MACRO v_code; DROP MACRO f_code;
    """)


_VALUE_HASH = "((({a} * 7919 + {b} * 104729 + {c} * 613) % 1000003) * 48271) % 2147483647"


def _create_values(con: duckdb.DuckDBPyConnection, spec: SyntheticSpec, series: list[Series],
                   yearly: list[str]) -> None:
    _, _, n4 = spec.tree_sizes()
    n_series, n_types = len(series), len(FACILITY_TYPES)
    con.execute("CREATE TEMP TABLE bench_series (s INTEGER, dataelement VARCHAR, option VARCHAR, low INTEGER, span INTEGER)")
    con.executemany("INSERT INTO bench_series VALUES (?, ?, ?, ?, ?)",
                    [(s.index, s.element, s.option, s.low, s.span) for s in series])
    con.execute("""
        CREATE TABLE datavalue (dataelement VARCHAR NOT NULL, period VARCHAR NOT NULL, orgunit VARCHAR NOT NULL,
                                categoryoptioncombo VARCHAR NOT NULL, attributeoptioncombo VARCHAR NOT NULL,
                                value DOUBLE, start_month INTEGER NOT NULL, end_month INTEGER NOT NULL)""")
    # yearly elements: every facility, every year, a few missing
    n_yearly = len(yearly)
    codes = "[" + ", ".join(f"'{c}'" for c in yearly) + "]"
    con.execute(f"""
        INSERT INTO datavalue
        SELECT {codes}[e + 1], CAST(y // 12 AS VARCHAR), printf('F%07d', k), '', '',
               2000 + {_VALUE_HASH.format(a='k', b='e', c='y')} % 8000, y, y + 11
        FROM (SELECT r % {n4} AS k, (r // {n4}) % {n_yearly} AS e,
                     {spec.first_month} + 12 * (r // ({n4} * {n_yearly})) AS y
              FROM range({n4 * n_yearly * spec.years}) t(r))
        WHERE (k * 11 + e * 3 + y) % {YEARLY_GAP} <> 0""")
    monthly = spec.values - con.execute("SELECT count(*) FROM datavalue").fetchone()[0]
    if monthly <= 0:
        raise ValueError(f"--values {spec.values} is fewer than the yearly values alone ({spec.values - monthly})")
    # month-major, like a store filled month by month; slot j of facility k is
    # series (offset of k's type + j) so facilities of a type report the same run
    candidates = f"""
        SELECT k, m, s
        FROM (SELECT k, m, ((k % {n_types}) * {n_series} // {n_types} + j) % {n_series} AS s
              FROM (SELECT (r % {{width}}) % {n4} AS k, (r % {{width}}) // {n4} AS j,
                           {spec.first_month} + r // {{width}} AS m
                    FROM range({{width}} * {spec.months}) t(r)))
        WHERE (k * 7 + s * 13 + m * 5) % {MONTHLY_GAP} <> 0"""
    width = _monthly_width(con, candidates, monthly, spec.months)
    if math.ceil(width / n4) > n_series:
        raise ValueError(f"--values {spec.values} does not fit {n4} facilities × {n_series} series × "
                         f"{spec.months} months plus the yearly values")
    con.execute(f"""
        INSERT INTO datavalue
        SELECT s.dataelement, CAST((m // 12) * 100 + m % 12 + 1 AS VARCHAR), printf('F%07d', k),
               s.option, '', s.low + {_VALUE_HASH.format(a='k', b='g.s', c='m')} % s.span, m, m
        FROM ({candidates.format(width=width)} LIMIT {monthly}) g
        JOIN bench_series s ON s.s = g.s""")
    total = con.execute("SELECT count(*) FROM datavalue").fetchone()[0]
    if total != spec.values:
        raise RuntimeError(f"generated {total} values instead of {spec.values}")


def _monthly_width(con: duckdb.DuckDBPyConnection, candidates: str, wanted: int, months: int) -> int:
    """Series slots per month such that the candidates just cover ``wanted`` rows
    (so only the last month is cut short, and only a little)."""
    width = math.ceil(wanted / months / (1 - 1 / MONTHLY_GAP))
    while True:
        have = con.execute(f"SELECT count(*) FROM ({candidates.format(width=width)})").fetchone()[0]
        if have >= wanted:
            return width
        width += math.ceil((wanted - have) / months / (1 - 1 / MONTHLY_GAP))


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    return con


def ensure_database(path: Path, spec: SyntheticSpec) -> bool:
    """Create ``path`` for ``spec`` unless it already holds exactly that; True when (re)generated."""
    elements = build_elements(spec)
    # the spec and what the code makes of it: a changed generator regenerates the file
    digest = hashlib.sha256(repr((GENERATOR_VERSION, elements, build_series(elements))).encode()).hexdigest()[:16]
    wanted = json.dumps({**spec.key(), "generator": digest}, sort_keys=True)
    if path.exists():
        try:
            with connect(path, read_only=True) as con:
                if con.execute("SELECT spec FROM bench_params").fetchone()[0] == wanted:
                    return False
        except duckdb.Error:
            pass
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path) as con:
        _create_orgunits(con, spec)
        _create_values(con, spec, build_series(elements), [e.code for e in elements if e.period_type == "yearly"])
        con.execute("CREATE TABLE bench_params (spec VARCHAR)")
        con.execute("INSERT INTO bench_params VALUES (?)", [wanted])
        con.execute("CHECKPOINT")
    return True


def build_package(con: duckdb.DuckDBPyConnection, spec: SyntheticSpec) -> MetadataPackage:
    """The metadata matching ``ensure_database(…, spec)``; org units read from its table."""
    elements = build_elements(spec)
    indicators = build_indicators(spec, elements, build_series(elements))
    rows = con.execute("SELECT code, name, type, parent, level, path FROM orgunit ORDER BY level, code").fetchall()
    orgunits = {code: OrgUnit(code, name, type_, parent, level, tuple(path.strip("/").split("/")))
                for code, name, type_, parent, level, path in rows}
    return MetadataPackage(
        levels=(Level(1, "县"), Level(2, "乡镇"), Level(3, "村"), Level(4, "机构")),
        orgunits=orgunits,
        elements={e.code: e for e in elements},
        categories={SEX.code: SEX},
        indicators={i.code: i for i in indicators},
    )
