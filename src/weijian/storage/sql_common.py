"""SQL and store logic shared by the DuckDB and PostgreSQL backends.

The merge (staging → audit → update → insert), deletes, reads and migrations
are written once here against ``Db``, a tiny adapter each backend implements
(parameter style, transactions, bulk load, streaming). Statements use psycopg's
``%(name)s`` placeholders; the DuckDB adapter rewrites them to ``$name``.
Statements are module globals looked up at call time, so a test can swap one
to make a write fail midway. Approval and locking live in ``approvals``; the
merge and deletes call its lock check before writing. The work ledger's
tables live in ``ledger_sql``.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from typing import Any

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.storage import approvals, ledger_sql, users_sql
from weijian.storage.base import (
    KEY_COLUMNS,
    MAX_LEVELS,
    AuditEntry,
    Conflict,
    ImportSession,
    LockedRow,
    Store,
    StoredValue,
    ValueRow,
    WriteSummary,
)

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


# --- import session ----------------------------------------------------------
class SqlImportSession(ImportSession):
    """A transaction holding the TEMP staging table until apply or rollback."""

    def __init__(self, db: Db, user: str, source: str, release: Callable[[Db], None], dialect: str = ""):
        self._db = db
        self._user = user
        self._source = source
        self._release = release
        self._dialect = dialect
        self._seq = 0
        self._planned = False  # wj_plan exists and matches what is staged
        try:
            db.begin()
        except BaseException:
            release(db)  # a refused begin leaves any other open transaction alone
            raise
        self._open = True
        self._guard(lambda: db.execute(CREATE_STAGE), "创建导入暂存表")

    def _guard(self, action: Callable[[], Any], what: str) -> Any:
        self._check_open()
        try:
            return action()
        except BaseException as exc:
            self._finish(commit=False)
            if isinstance(exc, self._db.errors):
                raise _wrap(exc, what) from exc
            raise

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("导入会话已结束（已提交或已回滚），请重新开始导入")

    def _finish(self, commit: bool) -> None:
        if not self._open:
            return
        self._open = False
        try:
            if commit:
                try:
                    self._db.commit()
                except BaseException:
                    self._db.rollback()
                    raise
            else:
                self._db.rollback()
        finally:
            self._release(self._db)

    def stage(self, rows: Sequence[ValueRow]) -> None:
        start = self._seq
        data = [
            (r.dataelement, r.period, r.orgunit, r.categoryoptioncombo, r.attributeoptioncombo,
             float(r.value), r.start_month, r.end_month, r.comment, bool(r.followup),
             r.source_row, start + i + 1, r.stored_by)
            for i, r in enumerate(rows)
        ]
        if data:
            self._guard(lambda: self._stage(data), "暂存导入数据")
            self._seq += len(data)

    def _stage(self, data: list[tuple]) -> None:
        if self._planned:  # staged more after locked(): the plan is stale
            self._db.execute(DROP_PLAN)
            self._planned = False
        self._db.load("wj_stage", STAGE_COLUMNS, data)

    def conflicts(self, limit: int = 100) -> list[Conflict]:
        found = self._guard(lambda: self._db.query(CONFLICTS, {"limit": limit}), "检查冲突")
        return [Conflict(key=tuple(r[:5]), rows=tuple(int(x) for x in r[5]),
                         values=tuple(r[6])) for r in found]

    def locked(self, limit: int = 100) -> list[LockedRow]:
        def rows() -> list[LockedRow]:
            self._plan()
            return approvals.locked_rows(self._db, approvals.PLAN_LOCKED, limit)
        return self._guard(rows, "检查审核锁定")

    def locked_count(self) -> int:
        def count() -> int:
            self._plan()
            return int(self._db.query(approvals.PLAN_LOCKED_COUNT)[0][0])
        return self._guard(count, "检查审核锁定")

    def apply(self, dry_run: bool = False, recorded_at: datetime | None = None) -> WriteSummary:
        if self.conflicts(limit=1):
            self._finish(commit=False)
            raise StoreError("导入数据中同一数据值出现了不同的数值（冲突），已回滚；请先处理冲突再导入")
        summary = self._guard(lambda: self._apply(dry_run, stamp(recorded_at)), "导入数据")
        self._finish(commit=not dry_run)
        return summary

    def _plan(self) -> None:
        if not self._planned:
            self._db.execute(CREATE_PLAN)
            self._planned = True

    def _apply(self, dry_run: bool, at: datetime) -> WriteSummary:
        if self._dialect in WRITE_LOCK and not dry_run:
            self._db.execute(WRITE_LOCK[self._dialect])
            if self._planned:  # made before the lock: others may have committed since
                self._db.execute(DROP_PLAN)
                self._planned = False
        self._plan()
        # Inside the store, so no caller can forget; a dry run answers the same.
        approvals.refuse_if_locked(self._db, self._dialect, approvals.PLAN_LOCKED,
                                   approvals.PLAN_LOCKED_COUNT, "导入")
        counts = dict(self._db.query(COUNT_PLAN))
        summary = WriteSummary(created=int(counts.get("create", 0)),
                               updated=int(counts.get("update", 0)),
                               unchanged=int(counts.get("unchanged", 0)))
        if not dry_run:
            self._merge(at)
        return summary

    def _merge(self, at: datetime) -> None:
        params = {"user": self._user, "source": self._source, "now": at}
        # Audit first: it reads old values from the plan, written before any change.
        self._db.execute(AUDIT_PLAN, params)
        self._db.execute(UPDATE_CHANGED, {"user": self._user, "now": at})
        self._db.execute(INSERT_NEW, {"user": self._user, "now": at})
        self._db.execute(MARK_DIRTY_PLAN)
        for statement in DROP_MERGE:
            self._db.execute(statement)

    def rollback(self) -> None:
        self._finish(commit=False)


# --- store -------------------------------------------------------------------
class SqlStore(approvals.SqlApprovals, ledger_sql.SqlLedger, users_sql.SqlUsers, Store):
    """Store methods shared by the SQL backends; subclasses add the connection and Ibis.
    The approval methods come from ``approvals.SqlApprovals``, the work ledger's
    from ``ledger_sql.SqlLedger``."""

    dialect: str  # folder under migrations/
    _db: Db

    # hooks -------------------------------------------------------------------
    def _before_migrate(self, db: Db) -> None:
        """Run inside the migration transaction before anything else."""

    def _session_db(self) -> Db:
        return self._db

    def _release_session_db(self, db: Db) -> None:
        """Give back a connection obtained from ``_session_db``."""

    @staticmethod
    def _now(recorded_at: datetime | None = None) -> datetime:
        return stamp(recorded_at)

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Db]:
        db = self._db
        db.begin()
        try:
            yield db
        except BaseException as exc:
            db.rollback()
            if isinstance(exc, db.errors):
                raise _wrap(exc, what) from exc
            raise
        else:
            try:
                db.commit()
            except BaseException as exc:
                db.rollback()
                if isinstance(exc, db.errors):
                    raise _wrap(exc, what) from exc
                raise

    # schema ------------------------------------------------------------------
    def migrate(self, up_to: int | None = None) -> int:
        migrations = load_migrations(self.dialect)
        latest = migrations[-1][0] if migrations else 0
        with self._transaction("数据库结构升级") as db:
            self._before_migrate(db)
            db.execute(CREATE_SCHEMA_VERSION)
            current = db.query(SELECT_VERSION)[0][0] or 0
            if current > latest:
                raise StoreError(f"数据库结构版本为 {current}，高于本程序支持的 {latest}，请升级 weijian")
            for version, script in migrations:
                if current < version and (up_to is None or version <= up_to):
                    db.execute(script)
                    db.execute(INSERT_VERSION, {"version": version, "now": now()})
                    current = version
        return current

    def schema_version(self) -> int:
        return int(self._db.query(SELECT_VERSION)[0][0] or 0)

    # org units ---------------------------------------------------------------
    def replace_orgunits(self, orgunits: Iterable[OrgUnit]) -> None:
        rows = orgunit_rows(list(orgunits))
        with self._transaction("更新机构结构") as db:
            db.execute("DELETE FROM orgunit")
            if rows:
                db.load("orgunit", ORGUNIT_COLUMNS, rows)
            db.execute(MARK_DIRTY_TREE)

    # values ------------------------------------------------------------------
    def import_session(self, user: str, source: str) -> SqlImportSession:
        return SqlImportSession(self._session_db(), user, source, self._release_session_db, self.dialect)

    def delete_values(self, keys: Iterable[tuple[str, str, str, str, str]], *,
                      user: str, source: str) -> int:
        rows = [tuple(k) for k in keys]
        if not rows:
            return 0
        with self._transaction("删除数据") as db:
            if self.dialect in WRITE_LOCK:
                db.execute(WRITE_LOCK[self.dialect])
            db.execute(CREATE_DELETE_KEYS)
            db.load("wj_keys", KEY_ONLY_COLUMNS, rows)
            db.execute(CREATE_GONE)
            approvals.refuse_if_locked(db, self.dialect, approvals.GONE_LOCKED,
                                       approvals.GONE_LOCKED_COUNT, "删除")
            db.execute(AUDIT_GONE, {"user": user, "source": source, "now": now()})
            db.execute(DELETE_GONE)
            db.execute(MARK_DIRTY_GONE)
            count = int(db.query(COUNT_GONE)[0][0])
            for statement in DROP_DELETE:
                db.execute(statement)
        return count

    def read_values(self, orgunits: Sequence[str] | None = None, start_month: int | None = None,
                    end_month: int | None = None, dataelements: Sequence[str] | None = None,
                    ) -> Iterator[StoredValue]:
        where, params = ["1 = 1"], {}
        if orgunits is not None:
            where.append("orgunit IN (SELECT unnest(CAST(%(orgunits)s AS TEXT[])))")
            params["orgunits"] = list(orgunits)
        if dataelements is not None:
            where.append("dataelement IN (SELECT unnest(CAST(%(elements)s AS TEXT[])))")
            params["elements"] = list(dataelements)
        if start_month is not None:
            where.append("start_month >= %(start)s")
            params["start"] = start_month
        if end_month is not None:
            where.append("end_month <= %(end)s")
            params["end"] = end_month
        sql = SELECT_VALUES.format(where=" AND ".join(where))
        return (StoredValue(*row[:9], followup=bool(row[9]))
                for row in self._db.stream(sql, params, batch_size=10_000))

    def count_values(self) -> int:
        return int(self._db.query(COUNT_VALUES)[0][0])

    def audit_history(self, dataelement: str | None = None, orgunit: str | None = None,
                      period: str | None = None) -> list[AuditEntry]:
        where, params = ["1 = 1"], {}
        for column, value in (("dataelement", dataelement), ("orgunit", orgunit), ("period", period)):
            if value is not None:
                where.append(f"{column} = %({column})s")
                params[column] = value
        rows = self._db.query(SELECT_AUDIT.format(where=" AND ".join(where)), params)
        return [AuditEntry(*r) for r in rows]

    # ibis ----------------------------------------------------------------------
    _ibis_database: str | None = None

    def values_table(self):
        return self.ibis().table("datavalue", database=self._ibis_database)

    def orgunits_table(self):
        return self.ibis().table("orgunit", database=self._ibis_database)

    def analytics_tables(self):
        """The pre-aggregated analytics tables (``storage.analytics_tables``)."""
        from weijian.storage.analytics_tables import AnalyticsTableStore

        return AnalyticsTableStore(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
