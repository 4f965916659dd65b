"""The store methods shared by the SQL backends (``SqlStore``) and the import
session that stages a file's rows (``SqlImportSession``), written once against
``sql_common.Db``. Approval and locking live in ``approvals``; the merge and
deletes call its lock check before writing. The work ledger's tables live in
``ledger_sql``, the web users' in ``users_sql``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.storage import approvals, ledger_sql, registrations, sql_common, users_sql
from weijian.storage.base import (
    AuditEntry,
    Conflict,
    ImportSession,
    LockedRow,
    Store,
    StoredValue,
    ValueRow,
    WriteSummary,
)
from weijian.storage.sql_common import Db, _wrap, orgunit_rows, stamp

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
        self._reports: list[tuple] = []  # registrations to make on apply
        self.registered = 0  # how many new registrations the apply made
        self._planned = False  # wj_plan exists and matches what is staged
        try:
            db.begin()
        except BaseException:
            release(db)  # a refused begin leaves any other open transaction alone
            raise
        self._open = True
        self._guard(lambda: db.execute(sql_common.CREATE_STAGE), "创建导入暂存表")

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

    def register(self, reports) -> None:
        self._check_open()
        self._reports.extend(registrations.report_rows(reports))

    def _stage(self, data: list[tuple]) -> None:
        if self._planned:  # staged more after locked(): the plan is stale
            self._db.execute(sql_common.DROP_PLAN)
            self._planned = False
        self._db.load("wj_stage", sql_common.STAGE_COLUMNS, data)

    def conflicts(self, limit: int = 100) -> list[Conflict]:
        found = self._guard(lambda: self._db.query(sql_common.CONFLICTS, {"limit": limit}), "检查冲突")
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
            self._db.execute(sql_common.CREATE_PLAN)
            self._planned = True

    def _apply(self, dry_run: bool, at: datetime) -> WriteSummary:
        if self._dialect in sql_common.WRITE_LOCK and not dry_run:
            self._db.execute(sql_common.WRITE_LOCK[self._dialect])
            if self._planned:  # made before the lock: others may have committed since
                self._db.execute(sql_common.DROP_PLAN)
                self._planned = False
        self._plan()
        # Inside the store, so no caller can forget; a dry run answers the same.
        approvals.refuse_if_locked(self._db, self._dialect, approvals.PLAN_LOCKED,
                                   approvals.PLAN_LOCKED_COUNT, "导入")
        counts = dict(self._db.query(sql_common.COUNT_PLAN))
        summary = WriteSummary(created=int(counts.get("create", 0)),
                               updated=int(counts.get("update", 0)),
                               unchanged=int(counts.get("unchanged", 0)))
        if not dry_run:
            self._merge(at)
        return summary

    def _merge(self, at: datetime) -> None:
        params = {"user": self._user, "source": self._source, "now": at}
        # Audit first: it reads old values from the plan, written before any change.
        self._db.execute(sql_common.AUDIT_PLAN, params)
        self._db.execute(sql_common.UPDATE_CHANGED, {"user": self._user, "now": at})
        self._db.execute(sql_common.INSERT_NEW, {"user": self._user, "now": at})
        self._db.execute(sql_common.MARK_DIRTY_PLAN)
        for statement in sql_common.DROP_MERGE:
            self._db.execute(statement)
        self.registered = registrations.register_in(self._db, self._dialect, self._reports, user=self._user,
                                                    source=self._source, at=at, skip_locked=True)

    def rollback(self) -> None:
        self._finish(commit=False)


# --- store -------------------------------------------------------------------
class SqlStore(approvals.SqlApprovals, registrations.SqlRegistrations, ledger_sql.SqlLedger, users_sql.SqlUsers,
               Store):
    """Store methods shared by the SQL backends; subclasses add the connection and Ibis.
    The approval methods come from ``approvals.SqlApprovals``, the complete registrations'
    from ``registrations.SqlRegistrations``, the work ledger's from ``ledger_sql.SqlLedger``."""

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
        migrations = sql_common.load_migrations(self.dialect)
        latest = migrations[-1][0] if migrations else 0
        with self._transaction("数据库结构升级") as db:
            self._before_migrate(db)
            db.execute(sql_common.CREATE_SCHEMA_VERSION)
            current = db.query(sql_common.SELECT_VERSION)[0][0] or 0
            if current > latest:
                raise StoreError(f"数据库结构版本为 {current}，高于本程序支持的 {latest}，请升级 weijian")
            for version, script in migrations:
                if current < version and (up_to is None or version <= up_to):
                    db.execute(script)
                    db.execute(sql_common.INSERT_VERSION, {"version": version, "now": sql_common.now()})
                    current = version
        return current

    def schema_version(self) -> int:
        return int(self._db.query(sql_common.SELECT_VERSION)[0][0] or 0)

    # org units ---------------------------------------------------------------
    def replace_orgunits(self, orgunits: Iterable[OrgUnit]) -> None:
        rows = orgunit_rows(list(orgunits))
        with self._transaction("更新机构结构") as db:
            db.execute("DELETE FROM orgunit")
            if rows:
                db.load("orgunit", sql_common.ORGUNIT_COLUMNS, rows)
            db.execute(sql_common.MARK_DIRTY_TREE)

    # values ------------------------------------------------------------------
    def import_session(self, user: str, source: str) -> SqlImportSession:
        return SqlImportSession(self._session_db(), user, source, self._release_session_db, self.dialect)

    def delete_values(self, keys: Iterable[tuple[str, str, str, str, str]], *,
                      user: str, source: str) -> int:
        rows = [tuple(k) for k in keys]
        if not rows:
            return 0
        with self._transaction("删除数据") as db:
            if self.dialect in sql_common.WRITE_LOCK:
                db.execute(sql_common.WRITE_LOCK[self.dialect])
            db.execute(sql_common.CREATE_DELETE_KEYS)
            db.load("wj_keys", sql_common.KEY_ONLY_COLUMNS, rows)
            db.execute(sql_common.CREATE_GONE)
            approvals.refuse_if_locked(db, self.dialect, approvals.GONE_LOCKED,
                                       approvals.GONE_LOCKED_COUNT, "删除")
            db.execute(sql_common.AUDIT_GONE, {"user": user, "source": source, "now": sql_common.now()})
            db.execute(sql_common.DELETE_GONE)
            db.execute(sql_common.MARK_DIRTY_GONE)
            count = int(db.query(sql_common.COUNT_GONE)[0][0])
            for statement in sql_common.DROP_DELETE:
                db.execute(statement)
        return count

    def read_values(self, orgunits: Sequence[str] | None = None, start_month: int | None = None,
                    end_month: int | None = None, dataelements: Sequence[str] | None = None,
                    ) -> Iterator[StoredValue]:
        where, params = sql_common.scope_where(orgunits, start_month, end_month, "dataelement", dataelements)
        sql = sql_common.SELECT_VALUES.format(where=where)
        return (StoredValue(*row[:9], followup=bool(row[9]))
                for row in self._db.stream(sql, params, batch_size=10_000))

    def count_values(self) -> int:
        return int(self._db.query(sql_common.COUNT_VALUES)[0][0])

    def count_straddling(self, orgunits: Sequence[str] | None, start_month: int, end_month: int) -> dict[str, int]:
        where, params = ["start_month <= %(end)s", "end_month >= %(start)s",
                         "NOT (start_month >= %(start)s AND end_month <= %(end)s)"], {"start": start_month,
                                                                                       "end": end_month}
        if orgunits is not None:
            where.append("orgunit IN (SELECT unnest(CAST(%(orgunits)s AS TEXT[])))")
            params["orgunits"] = list(orgunits)
        sql = f"SELECT period, count(*) FROM datavalue WHERE {' AND '.join(where)} GROUP BY period ORDER BY period"
        return {str(period): int(n) for period, n in self._db.query(sql, params)}

    def audit_history(self, dataelement: str | None = None, orgunit: str | None = None,
                      period: str | None = None) -> list[AuditEntry]:
        where, params = ["1 = 1"], {}
        for column, value in (("dataelement", dataelement), ("orgunit", orgunit), ("period", period)):
            if value is not None:
                where.append(f"{column} = %({column})s")
                params[column] = value
        rows = self._db.query(sql_common.SELECT_AUDIT.format(where=" AND ".join(where)), params)
        return [AuditEntry(*r) for r in rows]

    # ibis ----------------------------------------------------------------------
    _ibis_database: str | None = None

    def values_table(self):
        return self.ibis().table("datavalue", database=self._ibis_database)

    def orgunits_table(self):
        return self.ibis().table("orgunit", database=self._ibis_database)

    def registrations_table(self):
        """Ibis table of the complete registrations (``registrations``)."""
        return self.ibis().table("registration", database=self._ibis_database)

    def analytics_tables(self):
        """The pre-aggregated analytics tables (``storage.analytics_tables``)."""
        from weijian.storage.analytics_tables import AnalyticsTableStore

        return AnalyticsTableStore(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


