"""Pre-aggregated analytics tables: built and refreshed with the engine's own roll-up.

One table per level and period type (monthly, quarterly, half_yearly, yearly),
rows (orgunit, period, operand, value) for every element total ``E`` and option
``E.O``, plus one per period type keyed by reporting unit (level 0, "base").
What goes in them is the engine's code, compiled to SQL by Ibis, so the
semantics cannot drift from raw roll-ups:

- base = ``rollups.facility_operands`` (over time per reporting unit: sum adds
  months, last takes the unit's latest month, average/max/min) combined per
  unit with ``rollups.rollup_over_orgunits``;
- level L = level L+1 (or, below the deepest level, base) rows of its children
  plus its own base rows, combined again with the element's way over org units
  (sum, max, min compose; ``average`` elements are rolled up from raw values by
  ``rollups.rollup_operands`` because a mean of means is not the mean).

Incremental refresh: every value write records (orgunit, months) in
``analytics_dirty`` (storage). A refresh recomputes, for each period type,
only the periods overlapping those months, for the written units (base) and
their ancestors (levels), in one transaction. An import of one month for one
乡镇 thus touches ~20 base units and one unit per level above.

Reading them is ``aggregate_reads.AggregateSource``.
"""
from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

import ibis
import ibis.expr.operations as ops

from weijian.analytics.rollups import (
    facility_operands, how_units_combine, operand_label, rollup_operands, rollup_over_orgunits,
)
from weijian.analytics.prepared import period_type  # noqa: F401 (read from here by aggregate_reads)
from weijian.analytics.selection import OrgUnitSelection, element_months, period_map_rows
from weijian.expressions import Operand
from weijian.model import MetadataPackage
from weijian.model.periods import MONTHS_IN, Period
from weijian.storage.analytics_tables import (
    MONTH_SENTINELS, PARAM_PERIODS, VALUES_LEVEL, VALUES_TABLE, TableStep, bound, has_sentinel, sentinel,
    table_name,
)

PERIOD_TYPES = ("monthly", "quarterly", "half_yearly", "yearly")
BASE = 0  # level of the per-reporting-unit tables
_FORMAT = 3  # bump when the tables or their refresh SQL change: a refresh then rebuilds

VALUE_SCHEMA = ibis.schema({
    "dataelement": "string", "period": "string", "orgunit": "string", "categoryoptioncombo": "string",
    "attributeoptioncombo": "string", "value": "float64", "start_month": "int32", "end_month": "int32",
})
ORGUNIT_SCHEMA = ibis.schema({
    "code": "string", "name": "string", "type": "string", "parent": "string", "level": "int32", "path": "string",
    **{f"l{i}": "string" for i in range(1, 7)},
})
PERIODS_SCHEMA = ibis.schema({"kind": "string", "dataelement": "string", "period": "string", "key_month": "int32",
                              "period_end": "int32"})
AGGREGATE_SCHEMA = ibis.schema({"orgunit": "string", "period": "string", "operand": "string", "value": "float64"})



def periods_overlapping(kind: str, first: int, last: int) -> list[Period]:
    """Every period of type ``kind`` overlapping months [first, last]."""
    size = MONTHS_IN[kind]
    start, found = first - first % size, []
    while start <= last:
        found.append(Period(start, start + size - 1))
        start += size
    return found


def all_operands(package: MetadataPackage) -> set[Operand]:
    """Every element total and every option of a disaggregated element."""
    found = set()
    for code in package.elements:
        found.add(Operand(code, None))
        found.update(Operand(code, option) for option in package.options_of(code))
    return found


@dataclass
class RefreshSummary:
    """What a build or refresh did: tables, periods and units, seconds."""

    full: bool
    tables: int = 0
    periods: dict[str, list[str]] = field(default_factory=dict)
    units: int = 0
    seconds: float = 0.0


def package_digest(package: MetadataPackage) -> str:
    """What the compiled SQL depends on: elements (aggregation, period type,
    options) and the depth of the tree."""
    parts = [(code, e.aggregation, e.period_type, package.options_of(code))
             for code, e in sorted(package.elements.items())]
    return hashlib.sha256(repr((_FORMAT, parts, package.max_level)).encode()).hexdigest()[:16]


class AggregateTables:
    """Build, refresh and drop the analytics tables of one store."""

    def __init__(self, store, package: MetadataPackage):
        self.store = store
        self.package = package
        self.writer = store.analytics_tables()
        self.dialect = self.writer.dialect
        self.digest = package_digest(package)
        self.max_level = package.max_level
        self._operands = all_operands(package)
        self._by_how: dict[str, set[Operand]] = defaultdict(set)
        for operand in self._operands:
            self._by_how[how_units_combine(package, operand.element)].add(operand)

    # -- state ------------------------------------------------------------------------
    def built(self) -> dict[tuple[int, str], str]:
        return self.writer.built()

    @property
    def enabled(self) -> bool:
        return bool(self.built())

    # -- full build -----------------------------------------------------------------------
    def build(self) -> RefreshSummary:
        """(Re)build every table from the stored values, compiling the SELECTs
        later refreshes run."""
        start = time.perf_counter()
        span = self._month_span()
        summary = RefreshSummary(full=True, units=len(self.package.orgunits))
        create, refresh = self._compiled(VALUES_LEVEL, "values")
        steps = [TableStep(VALUES_TABLE, VALUES_LEVEL, "values", create, "create", refresh_sql=refresh,
                           digest=self.digest)]
        period_rows = []
        for kind in PERIOD_TYPES:
            periods = periods_overlapping(kind, *span) if span else []
            summary.periods[kind] = [p.id for p in periods]
            period_rows += self._period_rows(kind, periods)
            for level in [BASE, *range(self.max_level - 1, 0, -1)]:
                create, refresh = self._compiled(level, kind)
                steps.append(TableStep(table_name(level, kind), level, kind, create, "create",
                                       refresh_sql=refresh, digest=self.digest))
        self.writer.apply(steps, periods=period_rows, forget_others=True)
        summary.tables = len(steps)
        summary.seconds = time.perf_counter() - start
        return summary

    def drop(self) -> None:
        self.writer.drop()

    def _compiled(self, level: int, kind: str) -> tuple[str, str]:
        """(create SQL, refresh SQL) of one table; compiled once per package and dialect."""
        key = (self.digest, self.dialect, level, kind)
        if key not in _COMPILED:
            if level == VALUES_LEVEL:
                values = ibis.table(VALUE_SCHEMA, name="datavalue")
                scoped = values.filter(values.orgunit.isin(sentinel("U")),
                                       values.orgunit.between(bound("U_MIN"), bound("U_MAX")),
                                       values.start_month >= MONTH_SENTINELS["FIRST_MONTH"],
                                       values.start_month <= MONTH_SENTINELS["LAST_MONTH"])
                create, refresh = self._sql(values, raw=True), self._sql(scoped, raw=True)
                wanted = ["U", "FIRST_MONTH", "LAST_MONTH"]
            else:
                create = self._sql(self._expr(level, kind, scoped=False))
                refresh = self._sql(self._expr(level, kind, scoped=True))
                wanted = ["U", "FIRST_MONTH", "LAST_MONTH"] if level == BASE else ["P", "U", "M"]
            missing = [name for name in wanted if not has_sentinel(refresh, name)]
            if missing:  # the refresh would not be scoped as its DELETE is
                raise AssertionError(f"refresh SQL of {table_name(level, kind)} lost sentinels {missing}")
            _COMPILED[key] = (create, refresh)
        return _COMPILED[key]

    # -- incremental refresh -----------------------------------------------------------------
    def refresh(self) -> RefreshSummary | None:
        """Recompute what writes since the last refresh touched; None when nothing was.

        Runs the SELECTs compiled at build time: nothing is compiled here."""
        dirty = self.writer.dirty()
        if not dirty:
            return None
        plans = self.writer.plans()
        if (not plans or any(orgunit == "*" for _, orgunit, _, _ in dirty)
                or any(plan.digest != self.digest for plan in plans)):
            return self.build()
        start = time.perf_counter()
        units = sorted({orgunit for _, orgunit, _, _ in dirty})
        spans = sorted({(s, e) for _, _, s, e in dirty})
        summary = RefreshSummary(full=False, units=len(units))
        period_rows, by_kind = [], {}
        for kind in PERIOD_TYPES:
            periods = sorted({p for s, e in spans for p in periods_overlapping(kind, s, e)})
            summary.periods[kind] = [p.id for p in periods]
            by_kind[kind] = periods
            period_rows += self._period_rows(kind, periods)
        scope = {BASE: units, **{level: self._ancestors(units, level) for level in range(1, self.max_level)}}
        steps = []
        for plan in plans:
            if plan.level == VALUES_LEVEL:  # every written unit's months, deletions included
                months = {"FIRST_MONTH": min(s for s, _ in spans), "LAST_MONTH": max(e for _, e in spans)}
                steps.append(TableStep(plan.name, plan.level, plan.period_type, plan.refresh_sql, "replace",
                                       units=units, lists={"U": units}, months=months))
                continue
            periods, targets = by_kind[plan.period_type], scope.get(plan.level, [])
            if not periods or not targets:
                continue
            ids = [p.id for p in periods]
            # a yearly value's key month lies up to 11 months before a shorter period
            months = {"FIRST_MONTH": min(p.start for p in periods) - 11, "LAST_MONTH": max(p.end for p in periods)}
            if plan.level == BASE:
                lists = {"U": targets}
            else:
                lists = {"P": ids, "U": targets, "M": self._members(targets, plan.level)}
            steps.append(TableStep(plan.name, plan.level, plan.period_type, plan.refresh_sql, "replace",
                                   periods=ids, units=targets, lists=lists, months=months))
        self.writer.apply(steps, periods=period_rows, clear_dirty_upto=max(i for i, _, _, _ in dirty))
        summary.tables = len(steps)
        summary.seconds = time.perf_counter() - start
        return summary

    def _members(self, ancestors: list[str], level: int) -> list[str]:
        """The units whose rows make up ``ancestors`` at ``level``: themselves
        (their own values) and their children."""
        wanted = set(ancestors)
        children = [code for code, unit in self.package.orgunits.items()
                    if unit.level == level + 1 and unit.path[level - 1] in wanted]
        return sorted(wanted | set(children))

    def _ancestors(self, units: list[str], level: int) -> list[str]:
        found = set()
        for code in units:
            unit = self.package.orgunits.get(code)
            if unit is not None and unit.level >= level:
                found.add(unit.path[level - 1])
        return sorted(found)

    def _month_span(self) -> tuple[int, int] | None:
        v = self.store.values_table()
        row = v.aggregate(first=v.start_month.min(), last=v.end_month.max()).execute()
        first, last = row["first"].iloc[0], row["last"].iloc[0]
        if first is None or last is None or first != first or last != last:  # no values (None or NaN)
            return None
        return int(first), int(last)

    def _period_rows(self, kind: str, periods: list[Period]) -> list[tuple]:
        by_months: dict[int, list[str]] = defaultdict(list)
        for code, element in self.package.elements.items():
            by_months[element_months(element.period_type)].append(code)
        return [(kind, r["dataelement"], r["period"], r["key_month"], r["period_end"])
                for r in period_map_rows(by_months, periods)]

    # -- the expressions (on unbound tables, compiled for the store's dialect) -------------------
    def _period_map(self, kind: str):
        periods = ibis.table(PERIODS_SCHEMA, name=PARAM_PERIODS)
        return periods.filter(periods.kind == kind).select("dataelement", "period", "key_month", "period_end")

    def _expr(self, level: int, kind: str, scoped: bool):
        """The rows of table (level, kind) for the periods in the period
        parameter table: of every unit, or (``scoped``) of the units of the
        sentinel list U, made of the units M, reading values of the months
        FIRST_MONTH..LAST_MONTH."""
        period_map = self._period_map(kind)
        units, members = sentinel("U"), sentinel("M")
        orgunits = ibis.table(ORGUNIT_SCHEMA, name="orgunit")
        # the clustered copy of the stored values (same rows: the same roll-up)
        values = ibis.table(VALUE_SCHEMA, name=VALUES_TABLE)
        if scoped:
            values = values.filter(values.start_month >= MONTH_SENTINELS["FIRST_MONTH"],
                                   values.start_month <= MONTH_SENTINELS["LAST_MONTH"])
        if level == BASE:
            if scoped:  # the copy is sorted by month and unit: the range skips the rest
                values = values.filter(values.orgunit.isin(units), values.orgunit.between(bound("U_MIN"), bound("U_MAX")))
            itself = orgunits.select(code=orgunits.code, ancestor=orgunits.code)
            per_unit = facility_operands(values, self.package, self._operands, _ANY_PERIOD, period_map)
            return union([rollup_over_orgunits(rows, itself, how) for how, rows in per_unit.items()])

        base = ibis.table(AGGREGATE_SCHEMA, name=table_name(BASE, kind))
        ids = sentinel("P") if scoped else period_map.period
        if level + 1 == self.max_level:
            # children are the deepest units: their base rows are their totals
            near = orgunits.filter(orgunits.level.isin([level, level + 1]))
            parts = [(base, near.select(code=near.code, ancestor=near[f"l{level}"]))]
        else:
            below = ibis.table(AGGREGATE_SCHEMA, name=table_name(level + 1, kind))
            children = orgunits.filter(orgunits.level == level + 1)
            own = orgunits.filter(orgunits.level == level)
            parts = [(below, children.select(code=children.code, ancestor=children[f"l{level}"])),
                     (base, own.select(code=own.code, ancestor=own.code))]
        pieces = []
        composable = [how for how in sorted(self._by_how) if how != "mean"]
        for how in composable:
            labels = sorted(operand_label(op) for op in self._by_how[how])
            rows = []
            for table, mapping in parts:
                t = table.filter(table.period.isin(ids))
                if len(self._by_how) > 1:
                    t = t.filter(t.operand.isin(labels))
                if scoped:
                    t = t.filter(t.orgunit.isin(members), t.orgunit.between(bound("M_MIN"), bound("M_MAX")))
                    mapping = mapping.filter(mapping.ancestor.isin(units))
                joined = t.join(mapping, t.orgunit == mapping.code)
                rows.append(joined.select(orgunit=joined.ancestor, period=joined.period, operand=joined.operand,
                                          value=joined.value))
            combined = union(rows)
            reducer = getattr(combined.value, how)
            pieces.append(combined.group_by(["orgunit", "period", "operand"]).aggregate(value=reducer()))
        if "mean" in self._by_how:
            # a mean of means is not the mean: from raw values, as the engine does
            mean = rollup_operands(values, orgunits, self.package, self._by_how["mean"], _ANY_PERIOD,
                                   OrgUnitSelection.of_levels([level]), period_map)
            if scoped:
                mean = mean.filter(mean.orgunit.isin(units))
            pieces.append(mean.select("orgunit", "period", "operand", "value"))
        return union(pieces)

    def _sql(self, expr, raw: bool = False) -> str:
        if raw:
            expr = expr.select(*VALUE_SCHEMA.names)
        else:
            expr = expr.select(orgunit=expr.orgunit, period=expr.period, operand=expr.operand,
                               value=expr.value.cast("float64"))
        if expr.op().find(ops.InMemoryTable):
            raise AssertionError("analytics table SQL must not depend on in-memory tables")
        return ibis.to_sql(expr, dialect=self.dialect)


# (package digest, dialect, level, kind) → (create SQL, refresh SQL)
_COMPILED: dict[tuple, tuple[str, str]] = {}

# facility_operands/rollup_operands only check that some period is asked for:
# the periods themselves come from the period map parameter table


_ANY_PERIOD = [Period.year_of(2000)]


def bounds(values: list[str]) -> tuple[str, str]:
    """(least, greatest) of ``values``, or the bound sentinels of a sentinel list."""
    if len(values) == 2 and values[0].startswith("__WJ_") and values[0].endswith("_0__"):
        name = values[0][len("__WJ_"):-len("_0__")]
        return bound(f"{name}_MIN"), bound(f"{name}_MAX")
    return min(values), max(values)


def union(pieces: list):
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]
