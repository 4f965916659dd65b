"""Pre-aggregated analytics tables: the writes (DESIGN §5: all write SQL lives in storage).

What goes into the tables is decided by the analytics layer
(``weijian.analytics.aggregates``): it builds the rows with the engine's own
roll-up code, compiles them to a SELECT for this store's dialect and hands
``TableStep``s over. Here they are run, all of one refresh in one
transaction, together with the bookkeeping of migration 005:

- ``analytics_table`` lists what is built: (name, level, period_type), level 0
  being the per-reporting-unit table, with the SELECT that refreshes it;
- ``analytics_dirty`` is filled by every value write while tables exist (see
  ``sql_common.MARK_DIRTY_*``); a refresh reads it and deletes what it handled
  in the same transaction, so a write that commits meanwhile is kept for the
  next refresh.

Every analytics table has the columns (orgunit, period, operand, value).

The SELECT that refreshes a table is compiled once, at build time, and kept
in ``analytics_table``: a refresh compiles nothing. It is parametrised by a
small temporary table (``PARAM_PERIODS``: the period map of the periods to
recompute) and by literal lists written in place of sentinels (``sentinel``,
``fill``): the periods, the org units to recompute and the units they are made
of, and the month range to read, so that DuckDB's zone maps and PostgreSQL's
indexes skip everything else.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from weijian.storage.sql_common import now

if TYPE_CHECKING:
    from weijian.storage.sql_store import SqlStore

AGGREGATE_COLUMNS = ("orgunit", "period", "operand", "value")
# the stored values again, clustered by month and org unit (level VALUES_LEVEL): a
# refresh reads a few units' months from it without scanning the whole store
VALUES_TABLE = "analytics_values"
VALUES_LEVEL = -1
VALUES_COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
                  "start_month", "end_month")

SELECT_BUILT = "SELECT name, level, period_type FROM analytics_table ORDER BY level, period_type"
SELECT_REFRESH = ("SELECT name, level, period_type, refresh_sql, package_digest FROM analytics_table "
                  "ORDER BY level < 0 DESC, period_type, level = 0 DESC, level DESC")
SELECT_DIRTY = "SELECT id, orgunit, start_month, end_month FROM analytics_dirty ORDER BY id"
CLEAR_DIRTY = "DELETE FROM analytics_dirty WHERE id <= %(upto)s"
CLEAR_ALL_DIRTY = "DELETE FROM analytics_dirty"
UPSERT_BUILT = """
INSERT INTO analytics_table (name, level, period_type, built_at, refresh_sql, package_digest)
VALUES (%(name)s, %(level)s, %(period_type)s, %(now)s, %(refresh_sql)s, %(digest)s)
ON CONFLICT (name) DO UPDATE SET built_at = excluded.built_at, level = excluded.level,
                                 period_type = excluded.period_type, refresh_sql = excluded.refresh_sql,
                                 package_digest = excluded.package_digest
"""
TOUCH_BUILT = "UPDATE analytics_table SET built_at = %(now)s WHERE name = %(name)s"
DELETE_BUILT = "DELETE FROM analytics_table"

PARAM_PERIODS = "wj_agg_periods"
PARAM_PERIOD_COLUMNS = (("kind", "text"), ("dataelement", "text"), ("period", "text"), ("key_month", "int"),
                        ("period_end", "int"))
# integer sentinels: month ordinals no period has (year 102 880 832)
MONTH_SENTINELS = {"FIRST_MONTH": 1234569991, "LAST_MONTH": 1234569992}
_SQL_TYPES = {"text": "TEXT", "double": "DOUBLE PRECISION", "int": "INTEGER", "bigint": "BIGINT", "bool": "BOOLEAN"}


def table_name(level: int, period_type: str) -> str:
    if level == VALUES_LEVEL:
        return VALUES_TABLE
    return f"analytics_base_{period_type}" if level == 0 else f"analytics_l{level}_{period_type}"


# -- sentinels ----------------------------------------------------------------------------
def sentinel(name: str) -> list[str]:
    """Two values standing for the list ``name`` in an ``isin`` before compiling."""
    return [f"__WJ_{name}_0__", f"__WJ_{name}_1__"]


def bound(name: str) -> str:
    """A string standing for one value (the least or greatest of a list) before compiling."""
    return f"__WJ_{name}__"


def has_sentinel(sql: str, name: str) -> bool:
    if name.endswith(("_MIN", "_MAX")):
        return f"'__WJ_{name}__'" in sql
    if name in MONTH_SENTINELS:
        return re.search(rf"\b{MONTH_SENTINELS[name]}\b", sql) is not None
    return re.search(_list_pattern(name), sql) is not None


def _list_pattern(name: str) -> str:
    return rf"'__WJ_{name}_0__'\s*,\s*'__WJ_{name}_1__'"


def _quote(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def fill(sql: str, lists: Mapping[str, Sequence] | None = None, months: Mapping[str, int] | None = None) -> str:
    """``sql`` with each sentinel list replaced by the quoted values (an empty
    list by NULL: matches nothing), its bounds ``NAME_MIN``/``NAME_MAX`` by the
    least and greatest value (a range filter DuckDB's zone maps can use, where
    a long IN list is not), and each month sentinel by its month."""
    for name, values in (lists or {}).items():
        literal = ", ".join(_quote(v) for v in values) or "NULL"
        sql = re.sub(_list_pattern(name), lambda _: literal, sql)
        for suffix, pick in (("MIN", min), ("MAX", max)):
            value = _quote(pick(values)) if values else "NULL"
            sql = sql.replace(f"'__WJ_{name}_{suffix}__'", value)
    for name, month in (months or {}).items():
        sql = re.sub(rf"\b{MONTH_SENTINELS[name]}\b", str(int(month)), sql)
    return sql


@dataclass(frozen=True)
class TableStep:
    """One table of a build or refresh.

    ``create``: make ``name`` from ``sql`` and keep ``refresh_sql`` for later
    refreshes. ``replace``: delete the rows whose period is in ``periods`` (the
    values table: whose start month lies in ``months``) and whose org unit is
    in ``units``, and insert what ``sql`` (with ``lists`` and ``months`` filled
    in) selects instead."""

    name: str
    level: int
    period_type: str
    sql: str
    action: str = "create"  # create | replace
    refresh_sql: str = ""
    digest: str = ""
    periods: Sequence[str] = ()
    units: Sequence[str] = ()
    lists: Mapping[str, Sequence] = field(default_factory=dict)
    months: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RefreshPlan:
    """A stored table and the SELECT that recomputes its parametrised rows."""

    name: str
    level: int
    period_type: str
    refresh_sql: str
    digest: str


class AnalyticsTableStore:
    """The analytics tables of one SQL store (DuckDB file or PostgreSQL schema)."""

    def __init__(self, store: SqlStore):
        self._store = store

    @property
    def dialect(self) -> str:
        return self._store.dialect

    def built(self) -> dict[tuple[int, str], str]:
        """(level, period_type) → table name, for every table built."""
        return {(level, period_type): name for name, level, period_type in self._store._db.query(SELECT_BUILT)}

    def plans(self) -> list[RefreshPlan]:
        """Every built table with its refresh SELECT, in the order a refresh
        runs them: per period type, base first, then deepest level up."""
        return [RefreshPlan(*row) for row in self._store._db.query(SELECT_REFRESH)]

    def dirty(self) -> list[tuple[int, str, int, int]]:
        """(id, orgunit, start_month, end_month) written since the last refresh."""
        return [tuple(r) for r in self._store._db.query(SELECT_DIRTY)]

    def select(self, sql: str) -> list[tuple]:
        """Rows of a SELECT over the analytics tables (a kept query template)."""
        return [tuple(row) for row in self._store._db.query(sql)]

    def table(self, name: str):
        """The Ibis table ``name`` on the store's own backend."""
        return self._store.ibis().table(name, database=self._store._ibis_database)

    def apply(self, steps: Sequence[TableStep], *, periods: Sequence[tuple],
              clear_dirty_upto: int | None = None, forget_others: bool = False) -> None:
        """Run ``steps`` in one transaction with the period parameter table
        holding ``periods`` (rows of PARAM_PERIOD_COLUMNS); mark their tables
        built and delete the dirty marks up to ``clear_dirty_upto`` (a full
        build, ``forget_others``: all of them, and tables not among ``steps``
        are dropped)."""
        with self._store._transaction("刷新分析表") as db:
            self._lock(db)
            db.execute(f"DROP TABLE IF EXISTS {PARAM_PERIODS}")
            db.execute(f"CREATE TEMP TABLE {PARAM_PERIODS} ("
                       + ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in PARAM_PERIOD_COLUMNS) + ")")
            if periods:
                db.load(PARAM_PERIODS, PARAM_PERIOD_COLUMNS, list(periods))
            if self.dialect == "postgres":
                # a temp table has no statistics: PostgreSQL would guess 10 rows and join it
                # by nested loop (millions of comparisons per refresh) instead of by hash
                db.execute(f"ANALYZE {PARAM_PERIODS}")
            if forget_others:
                keep = {s.name for s in steps}
                for name in self.built().values():
                    if name not in keep:
                        db.execute(f"DROP TABLE IF EXISTS {name}")
                db.execute(DELETE_BUILT)
            for step in steps:
                self._run(db, step)
                if step.action == "create":
                    db.execute(UPSERT_BUILT, {"name": step.name, "level": step.level, "period_type": step.period_type,
                                              "now": now(), "refresh_sql": step.refresh_sql, "digest": step.digest})
                else:
                    db.execute(TOUCH_BUILT, {"name": step.name, "now": now()})
            db.execute(f"DROP TABLE IF EXISTS {PARAM_PERIODS}")
            if forget_others:
                db.execute(CLEAR_ALL_DIRTY)
            elif clear_dirty_upto is not None:
                db.execute(CLEAR_DIRTY, {"upto": clear_dirty_upto})

    def drop(self) -> None:
        """Drop every analytics table; analytics read raw values again."""
        with self._store._transaction("删除分析表") as db:
            self._lock(db)
            for name in self.built().values():
                db.execute(f"DROP TABLE IF EXISTS {name}")
            db.execute(DELETE_BUILT)
            db.execute(CLEAR_ALL_DIRTY)

    # -- inside the transaction -----------------------------------------------------
    def _lock(self, db) -> None:
        if self.dialect == "postgres":  # one refresh of a schema at a time
            schema = getattr(self._store, "schema", "")
            db.execute("SELECT pg_advisory_xact_lock(%(key)s)",
                       {"key": zlib.crc32(f"weijian-analytics:{schema}".encode())})
            db.execute("SET LOCAL work_mem = '256MB'")

    def _run(self, db, step: TableStep) -> None:
        is_values = step.level == VALUES_LEVEL
        columns = ", ".join(VALUES_COLUMNS if is_values else AGGREGATE_COLUMNS)
        if step.action == "create":
            db.execute(f"DROP TABLE IF EXISTS {step.name}")
            # sorted so DuckDB's zone maps skip most of a table: the values copy and the base
            # tables are read and rewritten for a few units' periods; the level tables are
            # read for a few operands of a few units
            order = ("start_month, orgunit" if is_values else "period, orgunit" if step.level == 0
                     else "period, operand, orgunit")
            db.execute(f"CREATE TABLE {step.name} AS SELECT {columns} FROM ({step.sql}) AS t ORDER BY {order}")
            if self.dialect == "postgres":
                key = "orgunit, start_month" if is_values else "period, orgunit, operand"
                db.execute(f"CREATE INDEX {step.name}_key ON {step.name} ({key})")
                db.execute(f"ANALYZE {step.name}")
        elif step.action == "replace":
            if not step.units or not (step.periods or is_values):
                return
            # literal lists: DuckDB skips row groups by zone map, PostgreSQL uses the index
            if is_values:
                where = (f"start_month >= {int(step.months['FIRST_MONTH'])} "
                         f"AND start_month <= {int(step.months['LAST_MONTH'])}")
            else:
                where = fill("period IN ('__WJ_P_0__', '__WJ_P_1__')", {"P": step.periods})
            db.execute(fill(f"DELETE FROM {step.name} WHERE {where} AND orgunit IN ('__WJ_U_0__', '__WJ_U_1__')",
                            {"U": step.units}))
            sql = fill(step.sql, step.lists, step.months)
            db.execute(f"INSERT INTO {step.name} ({columns}) SELECT {columns} FROM ({sql}) AS t")
        else:
            raise ValueError(f"unknown step action {step.action!r}")
