"""Reading the analytics tables (``AggregateSource``): ``Analytics`` asks for
operand values of a selection × periods; months, quarters, halves and years
come from the tables built by ``aggregates.AggregateTables``, any other span
(1—5月) is rolled up from raw values as before. ``QueryTemplates`` compiles a
request's SQL once per shape and reuses it.
"""
from __future__ import annotations

from collections import defaultdict

import ibis

from weijian.analytics.aggregates import BASE, AggregateTables, bounds, period_type, union
from weijian.analytics.prepared import template_request
from weijian.analytics.rollups import operand_label, rollup_operands
from weijian.analytics.selection import OrgUnitSelection
from weijian.expressions import Operand
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.storage.analytics_tables import fill, has_sentinel, sentinel

class AggregateSource:
    """What ``Analytics`` reads through: tables where they cover, raw values elsewhere."""

    _COLUMNS = ["code", "orgunit", "period", "numerator", "denominator", "value"]

    def __init__(self, tables: AggregateTables, prepared=None):
        """``prepared``: a ``prepared.PreparedQueries`` to keep compiled templates in."""
        self.tables = tables
        self.prepared = prepared
        self.max_level = tables.max_level
        self._handles: dict[str, object] = {}
        self._built: dict[tuple[int, str], str] | None = None
        self._templates: QueryTemplates | None = None

    def covers(self, level: int, kind: str) -> bool:
        return (BASE if level == self.max_level else level, kind) in (self._built or {})

    def backend(self):
        return self.tables.store.ibis()

    def frame(self, codes, selection, periods):
        """The result of ``Analytics.table(...).execute()`` through a compiled
        template, or None when the request is not of that kind."""
        if self._templates is None:
            self._templates = QueryTemplates(self, self.tables.package, self.prepared)
        return self._templates.frame(codes, selection, periods)

    def run(self, sql: str):
        """Run a SELECT of the result columns on the store's backend → DataFrame."""
        import pandas as pd

        backend = self.backend()
        if backend.name == "duckdb":
            frame = backend.con.execute(sql).df()
        else:
            with backend.raw_sql(sql) as cursor:
                frame = pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])
        for column in ("numerator", "denominator", "value"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame[self._COLUMNS]

    def built_state(self) -> tuple:
        """The tables built, as of the last ``ensure_fresh``: what compiled SQL depends on."""
        return tuple(sorted((self._built or {}).items()))

    def ensure_fresh(self) -> None:
        """Refresh what writes since the last refresh touched (cheap when nothing was)."""
        if self.tables.refresh() is not None:
            self._built = None
        if self._built is None:
            self._built = self.tables.built()

    def operand_values(self, values, orgunits, package: MetadataPackage, operands, periods: list[Period],
                       selection: OrgUnitSelection):
        self.ensure_fresh()
        levels = selection.levels()
        covered, rest = [], []
        for period in periods:
            kind = period_type(period)
            ok = kind is not None and all(self.covers(lv, kind) for lv in levels)
            (covered if ok else rest).append(period)
        labels = sorted(operand_label(op) for op in operands)
        pieces = []
        if rest:
            raw = rollup_operands(values, orgunits, package, operands, rest, selection)
            if raw is not None:
                pieces.append(raw.select("orgunit", "period", "operand", "value"))
        by_kind: dict[str, list[str]] = defaultdict(list)
        for period in covered:
            by_kind[period_type(period)].append(period.id)
        if labels:
            for kind, ids in by_kind.items():
                for level in levels:
                    pieces.append(self.read(level, kind, ids, labels, selection))
        return union(pieces) if pieces else None

    def read(self, level, kind, ids, labels, selection):
        """Operand values (orgunit, period, operand, value) of one table."""
        max_level = self.max_level
        name = self._built[(BASE if level == max_level else level, kind)]
        if name not in self._handles:
            self._handles[name] = self.tables.writer.table(name)
        t = self._handles[name]
        t = t.filter(t.period.isin(ids), t.operand.isin(labels))
        # ranges as well: the tables are sorted by period (operand) and unit, and
        # DuckDB's zone maps use a range where they ignore a long IN list
        t = t.filter(t.period.between(*bounds(ids)), t.operand.between(*bounds(labels)))
        codes = selection.codes_at(level)
        if codes is not None:
            t = t.filter(t.orgunit.isin(list(codes)), t.orgunit.between(*bounds(list(codes))))
        elif level == max_level:  # base holds every reporting unit: keep this level's
            orgunits = self.tables.store.orgunits_table()
            units = orgunits.filter(orgunits.level == level)
            t = t.filter(t.orgunit.isin(units.code))
        return t.select("orgunit", "period", "operand", "value")


class QueryTemplates:
    """Interactive queries on the analytics tables without compiling each one.

    Compiling an Ibis expression costs ~100–300 ms of Python, more than the
    query itself on the tables. A request of linear indicators and elements
    (the usual) for months, quarters, halves and years is compiled once per
    shape (which levels, whole levels or listed units, which period types) with
    sentinel lists in place of the org units, periods, operands and codes, and
    run afterwards with the lists written in: the same expression as
    ``Analytics.table`` builds (every linear indicator mapped, the asked ones
    kept), so the same result."""

    def __init__(self, source: AggregateSource, package: MetadataPackage, prepared=None):
        from weijian.analytics.indicators import compile_indicator
        from weijian.analytics.linear import linearize

        self.source = source
        self.package = package
        self.prepared = prepared
        self.linear = []
        for indicator in package.indicators.values():
            item = compile_indicator(indicator)
            if linearize(item.numerator) is not None and linearize(item.denominator) is not None:
                self.linear.append(item)
        self._linear_operands = {item.indicator.code: item.operands for item in self.linear}
        self._cache: dict[tuple, tuple[object, str]] = {}

    def frame(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]):
        """DataFrame (code, orgunit, period, numerator, denominator, value), or
        None when the request is not of the templated kind."""
        source = self.source
        source.ensure_fresh()
        request = template_request(self.package, self._linear_operands, codes, selection, periods, source.covers)
        if request is None:
            return None
        shape, lists = request
        if shape not in self._cache:
            self._cache[shape] = expr, sql = self._compile(shape)
            if self.prepared is not None:
                self.prepared.keep(shape, inline_memory_tables(expr, sql))
        _, sql = self._cache[shape]
        return source.run(fill(sql, lists))

    def _compile(self, shape):
        from weijian.analytics.indicators import indicator_table

        level_shape, kinds = shape
        selection = OrgUnitSelection(
            codes_by_level={level: tuple(sentinel(f"OU{level}")) for level, whole in level_shape if not whole},
            whole_levels=tuple(level for level, whole in level_shape if whole))
        pieces = [self.source.read(level, kind, sentinel(f"P_{kind}"), sentinel("OPS"), selection)
                  for kind in kinds for level, _ in level_shape]
        operand_values = union(pieces)
        parts = []
        if self.linear:
            t = indicator_table(operand_values, self.linear)
            t = t.filter(t.indicator.isin(sentinel("CODES")))
            parts.append(t.select(code=t.indicator, orgunit=t.orgunit, period=t.period, numerator=t.numerator,
                                  denominator=t.denominator, value=t.value))
        e = operand_values.filter(operand_values.operand.isin(sentinel("ELEMS")))
        parts.append(e.select(code=e.operand, orgunit=e.orgunit, period=e.period, numerator=e.value,
                              denominator=ibis.null("float64"), value=e.value))
        expr = union(parts)
        backend = self.source.backend()
        backend._register_in_memory_tables(expr)  # the indicator maps, kept while expr lives
        sql = backend.compile(expr)
        for name in ["CODES", "ELEMS", "OPS", *(f"P_{k}" for k in kinds),
                     *(f"OU{level}" for level, whole in level_shape if not whole)]:
            if not has_sentinel(sql, name):
                raise AssertionError(f"template lost sentinel {name}")
        return expr, sql


def inline_memory_tables(expr, sql: str) -> str:
    """``sql`` with each in-memory table it reads (the indicator maps) written
    in as a VALUES list, so that it runs on a connection that never saw them."""
    import ibis.expr.operations as ops

    for op in expr.op().find(ops.InMemoryTable):
        names = list(op.schema.names)
        types = [_SQL_TYPES[str(dtype).rstrip("!")] for dtype in op.schema.types]
        rows = op.data.to_frame().itertuples(index=False, name=None)
        values = ", ".join("(" + ", ".join(_literal(v, t) for v, t in zip(row, types)) + ")" for row in rows)
        columns = ", ".join(f'"{n}"' for n in names)
        if values:
            inline = f"(SELECT * FROM (VALUES {values}) AS wj_inline({columns}))"
        else:
            nulls = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in zip(names, types))
            inline = f"(SELECT {nulls} WHERE 1 = 0)"
        quoted = f'"{op.name}"'
        if quoted not in sql:
            raise AssertionError(f"template does not name its in-memory table {op.name}")
        sql = sql.replace(quoted, inline)
    return sql


_SQL_TYPES = {"string": "TEXT", "float64": "DOUBLE PRECISION", "boolean": "BOOLEAN", "int64": "BIGINT"}


def _literal(value, sql_type: str) -> str:
    if value is None or value != value:  # None, or NaN from pandas
        return f"CAST(NULL AS {sql_type})"
    if sql_type == "TEXT":
        return "'" + str(value).replace("'", "''") + "'"
    if sql_type == "BOOLEAN":
        return "TRUE" if value else "FALSE"
    if sql_type == "BIGINT":
        return str(int(value))
    return f"CAST({float(value)!r} AS DOUBLE PRECISION)"
