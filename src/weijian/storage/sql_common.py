"""What the SQL backends share below the store: ``Db``, the tiny adapter each
backend implements (parameter style, transactions, bulk load, streaming), the
statements of the merge (staging → audit → update → insert), deletes and reads,
and the migrations. Statements use psycopg's ``%(name)s`` placeholders; the
DuckDB adapter rewrites them to ``$name``. Statements are module globals looked
up at call time, so a test can swap one to make a write fail midway. The store
that runs them is ``sql_store.SqlStore``.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from importlib import resources
from typing import Any

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.storage.base import KEY_COLUMNS, MAX_LEVELS

# Logical column types; each adapter maps them for its bulk loader.
Columns = Sequence[tuple[str, str]]

STAGE_COLUMNS: Columns = (
    ("dataelement", "text"), ("period", "text"), ("orgunit", "text"),
    ("categoryoptioncombo", "text"), ("attributeoptioncombo", "text"),
    ("value", "double"), ("start_month", "int"), ("end_month", "int"),
    ("comment", "text"), ("followup", "bool"), ("source_row", "bigint"), ("seq", "bigint"), ("stored_by", "text"),
)
KEY_ONLY_COLUMNS: Columns = tuple((c, "text") for c in KEY_COLUMNS)
ORGUNIT_COLUMNS: Columns = (
    ("code", "text"), ("name", "text"), ("type", "text"), ("parent", "text"),
    ("level", "int"), ("path", "text"),
    *((f"l{i}", "text") for i in range(1, MAX_LEVELS + 1)),
)
SQL_TYPES = {"text": "TEXT", "double": "DOUBLE PRECISION", "int": "INTEGER",
             "bigint": "BIGINT", "bool": "BOOLEAN", "timestamp": "TIMESTAMP",
             "date": "DATE", "decimal": "DECIMAL(20, 4)"}

KEYS = ", ".join(KEY_COLUMNS)


def _on(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in KEY_COLUMNS)


def _temp_table(name: str, columns: Columns) -> str:
    cols = ", ".join(f"{c} {SQL_TYPES[t]}" for c, t in columns)
    return f"CREATE TEMP TABLE {name} ({cols})"


# --- import merge -----------------------------------------------------------
CREATE_STAGE = _temp_table("wj_stage", STAGE_COLUMNS)

# Keys first with plain aggregates (they spill to disk on a huge import), then
# the row lists for the few conflicting keys only.
CONFLICTS = f"""
WITH bad AS (
    SELECT {KEYS}, min(seq) AS first_seq
    FROM wj_stage
    GROUP BY {KEYS}
    HAVING min(value) <> max(value)
    ORDER BY first_seq
    LIMIT %(limit)s
)
SELECT {", ".join(f"s.{c}" for c in KEY_COLUMNS)},
       array_agg(coalesce(s.source_row, s.seq) ORDER BY s.seq), array_agg(s.value ORDER BY s.seq)
FROM wj_stage s JOIN bad b ON {_on("s", "b")}
GROUP BY {", ".join(f"s.{c}" for c in KEY_COLUMNS)}, b.first_seq
ORDER BY b.first_seq
"""

# One row per key (identical duplicates collapse to the first staged row),
# classified against what is stored.
CREATE_PLAN = f"""
CREATE TEMP TABLE wj_plan AS
SELECT s.dataelement, s.period, s.orgunit, s.categoryoptioncombo, s.attributeoptioncombo,
       s.value, s.start_month, s.end_month, s.comment, s.followup, s.source_row, s.seq, s.stored_by,
       d.value AS old_value,
       CASE WHEN d.dataelement IS NULL THEN 'create'
            WHEN d.value IS DISTINCT FROM s.value
              OR d.comment IS DISTINCT FROM s.comment
              OR d.followup IS DISTINCT FROM s.followup THEN 'update'
            ELSE 'unchanged' END AS action
FROM (SELECT *, row_number() OVER (PARTITION BY {KEYS} ORDER BY seq) AS rn FROM wj_stage) s
LEFT JOIN datavalue d ON {_on("d", "s")}
WHERE s.rn = 1
"""

COUNT_PLAN = "SELECT action, count(*) FROM wj_plan GROUP BY action"

AUDIT_PLAN = f"""
INSERT INTO audit ({KEYS}, old_value, new_value, action, changed_by, changed_at, source, source_row)
SELECT {KEYS}, old_value, value, action, coalesce(stored_by, %(user)s), %(now)s, %(source)s, source_row
FROM wj_plan WHERE action <> 'unchanged'
ORDER BY seq
"""

UPDATE_CHANGED = f"""
UPDATE datavalue
SET value = p.value, start_month = p.start_month, end_month = p.end_month,
    comment = p.comment, followup = p.followup, storedby = coalesce(p.stored_by, %(user)s), lastupdated = %(now)s
FROM wj_plan p
WHERE {_on("datavalue", "p")} AND p.action = 'update'
"""

INSERT_NEW = f"""
INSERT INTO datavalue ({KEYS}, value, start_month, end_month, storedby, created, lastupdated,
                       comment, followup)
SELECT {KEYS}, value, start_month, end_month, coalesce(stored_by, %(user)s), %(now)s, %(now)s, comment, followup
FROM wj_plan WHERE action = 'create'
"""

DROP_PLAN = "DROP TABLE IF EXISTS wj_plan"

# PostgreSQL lets several imports run side by side (each its own connection).
# Their merges must not interleave: two plans made before either commits would
# both "create" one key (a duplicate-key failure) or write audit rows in one
# order and values in the other (the latest audit row no longer matching the
# value). So a merge or delete first takes this lock: writers queue for it,
# readers never wait. The plan is made after it is held. (DuckDB: one writer.)
WRITE_LOCK = {"postgres": "LOCK TABLE datavalue IN SHARE ROW EXCLUSIVE MODE"}

# While analytics tables exist (migration 005), a write records the org units
# and month spans it changed, in its own transaction, for the incremental refresh.
_MARK_DIRTY = """
INSERT INTO analytics_dirty (orgunit, start_month, end_month)
SELECT DISTINCT orgunit, start_month, end_month FROM {source}
WHERE {where} EXISTS (SELECT 1 FROM analytics_table)
"""
MARK_DIRTY_PLAN = _MARK_DIRTY.format(source="wj_plan", where="action <> 'unchanged' AND")
MARK_DIRTY_GONE = _MARK_DIRTY.format(source="wj_gone", where="")
MARK_DIRTY_TREE = ("INSERT INTO analytics_dirty (orgunit, start_month, end_month) "
                   "SELECT '*', 0, 0 WHERE EXISTS (SELECT 1 FROM analytics_table)")
DROP_MERGE = (DROP_PLAN, "DROP TABLE IF EXISTS wj_stage")

# --- delete ----------------------------------------------------------------
CREATE_DELETE_KEYS = _temp_table("wj_keys", KEY_ONLY_COLUMNS)

CREATE_GONE = f"""
CREATE TEMP TABLE wj_gone AS
SELECT {", ".join(f"d.{c}" for c in KEY_COLUMNS)}, d.value, d.start_month, d.end_month
FROM datavalue d
WHERE EXISTS (SELECT 1 FROM wj_keys k WHERE {_on("k", "d")})
"""

AUDIT_GONE = f"""
INSERT INTO audit ({KEYS}, old_value, new_value, action, changed_by, changed_at, source, source_row)
SELECT {KEYS}, value, NULL, 'delete', %(user)s, %(now)s, %(source)s, NULL
FROM wj_gone ORDER BY {KEYS}
"""

DELETE_GONE = f"DELETE FROM datavalue USING wj_gone g WHERE {_on('datavalue', 'g')}"
COUNT_GONE = "SELECT count(*) FROM wj_gone"
DROP_DELETE = ("DROP TABLE IF EXISTS wj_gone", "DROP TABLE IF EXISTS wj_keys")

# --- reads -----------------------------------------------------------------
SELECT_VALUES = f"""
SELECT {KEYS}, value, storedby, lastupdated, comment, followup
FROM datavalue
WHERE {{where}}
ORDER BY {KEYS}
"""

SELECT_AUDIT = f"""
SELECT {KEYS}, old_value, new_value, action, changed_by, changed_at, source, source_row
FROM audit
WHERE {{where}}
ORDER BY id
"""

COUNT_VALUES = "SELECT count(*) FROM datavalue"

# --- migrations --------------------------------------------------------------
CREATE_SCHEMA_VERSION = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
)
"""
SELECT_VERSION = "SELECT max(version) FROM schema_version"
INSERT_VERSION = "INSERT INTO schema_version (version, applied_at) VALUES (%(version)s, %(now)s)"

_MIGRATION_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")


def load_migrations(dialect: str) -> list[tuple[int, str]]:
    """Numbered migration scripts of one dialect as (version, sql), in order."""
    folder = resources.files("weijian.storage") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def scope_where(orgunits: Sequence[str] | None = None, start_month: int | None = None, end_month: int | None = None,
                column: str = "", codes: Sequence[str] | None = None) -> tuple[str, dict[str, Any]]:
    """(WHERE text, parameters) of a read's usual scope: these units, these codes of
    ``column`` (elements, data sets), months within [start_month, end_month]."""
    where, params = ["1 = 1"], {}
    if orgunits is not None:
        where.append("orgunit IN (SELECT unnest(CAST(%(orgunits)s AS TEXT[])))")
        params["orgunits"] = list(orgunits)
    if codes is not None:
        where.append(f"{column} IN (SELECT unnest(CAST(%(codes)s AS TEXT[])))")
        params["codes"] = list(codes)
    if start_month is not None:
        where.append("start_month >= %(start)s")
        params["start"] = start_month
    if end_month is not None:
        where.append("end_month <= %(end)s")
        params["end"] = end_month
    return " AND ".join(where), params


def now() -> datetime:
    """One naive local timestamp per write (the bureau's wall clock)."""
    return datetime.now()


def stamp(recorded_at: datetime | None) -> datetime:
    """The timestamp of a write: ``recorded_at`` (an aware one as local wall
    clock, like ``now``: the columns are naive) or now."""
    if recorded_at is None:
        return now()
    if recorded_at.tzinfo is not None:
        return recorded_at.astimezone().replace(tzinfo=None)
    return recorded_at


# --- adapter ---------------------------------------------------------------
class Db(ABC):
    """One database connection plus the few dialect hooks the shared SQL needs.

    ``begin`` refuses to nest: DuckDB has one connection per store, so a second
    writer while an import session is open must be told, not silently merged.
    """

    #: driver exception types that ``SqlStore`` turns into ``StoreError``
    errors: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        self.in_transaction = False

    def begin(self) -> None:
        if self.in_transaction:
            raise StoreError("另一个写入事务尚未结束（例如导入会话未提交或回滚），请稍后再试")
        self._begin()
        self.in_transaction = True

    def commit(self) -> None:
        self._commit()
        self.in_transaction = False

    def rollback(self) -> None:
        self.in_transaction = False
        self._rollback()

    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @abstractmethod
    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]: ...

    @abstractmethod
    def load(self, table: str, columns: Columns, rows: Sequence[tuple]) -> None:
        """Bulk-insert ``rows`` (tuples in ``columns`` order) into ``table``."""

    @abstractmethod
    def stream(self, sql: str, params: dict[str, Any], batch_size: int) -> Iterator[tuple]:
        """Run a read on its own cursor/connection and yield rows in batches."""

    @abstractmethod
    def close(self) -> None: ...


def _wrap(exc: BaseException, what: str) -> StoreError:
    return StoreError(f"{what}失败，已全部回滚：{exc}")


def orgunit_rows(orgunits: list[OrgUnit]) -> list[tuple]:
    """Rows for the orgunit table: path text and ancestor codes l1..l6.

    The unit sits at l{level}; its ancestors fill the levels above it. A unit
    without ``path`` gets one from the parent links among ``orgunits``.
    """
    by_code = {ou.code: ou for ou in orgunits}
    rows = []
    for ou in orgunits:
        path = ou.path or _path_from_parents(ou, by_code)
        if path[-1] != ou.code:
            raise StoreError(f"机构 {ou.code} 的路径 {'/'.join(path)} 不以其自身编码结尾")
        if not 1 <= ou.level <= MAX_LEVELS:
            raise StoreError(f"机构 {ou.code} 的层级 {ou.level} 超出范围 1—{MAX_LEVELS}")
        levels: list[str | None] = [None] * MAX_LEVELS
        for depth, code in enumerate(reversed(path)):
            level = ou.level - depth
            if level >= 1:
                levels[level - 1] = code
        rows.append((ou.code, ou.name, ou.type, ou.parent, ou.level, "/" + "/".join(path), *levels))
    return rows


def _path_from_parents(ou: OrgUnit, by_code: dict[str, OrgUnit]) -> tuple[str, ...]:
    path = [ou.code]
    parent = ou.parent
    while parent is not None and parent not in path:
        path.append(parent)
        parent = by_code[parent].parent if parent in by_code else None
    return tuple(reversed(path))
