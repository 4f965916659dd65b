"""Complete data set registrations (上报, DHIS2's completeDataSetRegistrations),
shared by the SQL backends.

A registration says: this org unit's report of this data set for this period
has been handed in, by whom and when. Completeness (实报), timeliness (及时:
registered by the data set's due day) and the approval page all read it. It is
written by the entry form's 上报 button, the API, and imports (one registration
per report a file brings values for, stamped with the import's recorded time).

- Registering again keeps the earliest registration (its time decides
  timeliness): a corrected file re-imported later does not make a timely
  report late, and a back-filled archive recorded earlier than a registration
  already there moves it back to its own time. Both are logged.
- A registration on a period an approval locks (the unit or an ancestor,
  covering the period) is refused like any other write, and so is a withdrawal
  (撤销上报). An import skips the locked reports instead (its value rows that
  would change locked data already refused it; unchanged ones are harmless).
- Every registration and withdrawal goes into the append-only
  ``registration_log`` (the trail of who handed in what when).

``SqlRegistrations`` is mixed into ``sql_store.SqlStore`` and uses its ``_db``,
``_transaction``, ``_now`` and ``is_locked``. The store knows no data sets:
callers (workspace, web, importer) check the data set code and that the unit
owes that data set.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from weijian.errors import StoreError
from weijian.model.periods import Period
from weijian.storage.approvals import ANCESTOR_PAIRS, zh_date
from weijian.storage.base import Registration, RegistrationLogEntry
from weijian.storage.sql_common import scope_where

if TYPE_CHECKING:
    from weijian.storage.sql_common import Columns, Db

REPORT_COLUMNS: Columns = (("dataset", "text"), ("period", "text"), ("orgunit", "text"),
                           ("start_month", "int"), ("end_month", "int"))

CREATE_WANTED = "CREATE TEMP TABLE wj_reg ({})".format(
    ", ".join(f"{c} {t}" for c, t in (("dataset", "TEXT"), ("period", "TEXT"), ("orgunit", "TEXT"),
                                       ("start_month", "INTEGER"), ("end_month", "INTEGER"))))
DROP_WANTED = ("DROP TABLE IF EXISTS wj_reg_new", "DROP TABLE IF EXISTS wj_reg")

# The wanted reports not yet registered or registered later than now asked, each with the
# approval that locks it (if any).
CREATE_NEW = f"""
CREATE TEMP TABLE wj_reg_new AS
WITH below AS ({ANCESTOR_PAIRS}),
wanted AS (SELECT DISTINCT dataset, period, orgunit, start_month, end_month FROM wj_reg),
hit AS (
    SELECT w.dataset, w.period, w.orgunit, a.orgunit AS approved_unit, a.period AS approved_period,
           a.approved_by, a.approved_at,
           row_number() OVER (PARTITION BY w.dataset, w.period, w.orgunit ORDER BY a.approved_at) AS pick
    FROM wanted w
    JOIN below b ON b.unit = w.orgunit
    JOIN approval a ON a.orgunit = b.ancestor
                   AND a.start_month <= w.start_month AND w.end_month <= a.end_month
)
SELECT w.*, h.approved_unit, h.approved_period, h.approved_by, h.approved_at,
       r.completed_at AS registered_at
FROM wanted w
LEFT JOIN hit h ON h.dataset = w.dataset AND h.period = w.period AND h.orgunit = w.orgunit AND h.pick = 1
LEFT JOIN registration r ON r.dataset = w.dataset AND r.period = w.period AND r.orgunit = w.orgunit
WHERE r.dataset IS NULL OR r.completed_at > %(at)s
"""

FIRST_LOCKED = """
SELECT dataset, period, orgunit, approved_unit, approved_period, approved_by, approved_at
FROM wj_reg_new WHERE approved_unit IS NOT NULL
ORDER BY orgunit, period, dataset LIMIT 1
"""
COUNT_LOCKED = "SELECT count(*) FROM wj_reg_new WHERE approved_unit IS NOT NULL"
UNKNOWN_UNIT = """
SELECT DISTINCT w.orgunit FROM wj_reg w
WHERE NOT EXISTS (SELECT 1 FROM orgunit u WHERE u.code = w.orgunit)
ORDER BY w.orgunit LIMIT 1
"""

INSERT_NEW = """
INSERT INTO registration (dataset, period, orgunit, start_month, end_month, completed_by, completed_at, source)
SELECT dataset, period, orgunit, start_month, end_month, %(user)s, %(at)s, %(source)s
FROM wj_reg_new WHERE approved_unit IS NULL AND registered_at IS NULL
ON CONFLICT (dataset, period, orgunit) DO NOTHING
"""
MOVE_EARLIER = """
UPDATE registration SET completed_by = %(user)s, completed_at = %(at)s, source = %(source)s
FROM wj_reg_new n
WHERE registration.dataset = n.dataset AND registration.period = n.period AND registration.orgunit = n.orgunit
  AND n.approved_unit IS NULL AND n.registered_at IS NOT NULL
"""
LOG_NEW = """
INSERT INTO registration_log (dataset, period, orgunit, action, by_user, "at", source)
SELECT dataset, period, orgunit, 'complete', %(user)s, %(at)s, %(source)s
FROM wj_reg_new WHERE approved_unit IS NULL
ORDER BY orgunit, start_month, dataset
"""
COUNT_NEW = "SELECT count(*) FROM wj_reg_new WHERE approved_unit IS NULL AND registered_at IS NULL"
COUNT_CHANGED = "SELECT count(*) FROM wj_reg_new WHERE approved_unit IS NULL"

DELETE_ONE = """
DELETE FROM registration WHERE dataset = %(dataset)s AND period = %(period)s AND orgunit = %(orgunit)s
RETURNING dataset
"""
LOG_ONE = """
INSERT INTO registration_log (dataset, period, orgunit, action, by_user, "at", source)
VALUES (%(dataset)s, %(period)s, %(orgunit)s, %(action)s, %(user)s, %(at)s, %(source)s)
"""

SELECT_REGISTRATIONS = """
SELECT dataset, period, orgunit, completed_by, completed_at, source, start_month, end_month
FROM registration
WHERE {where}
ORDER BY orgunit, start_month, end_month, dataset
"""
SELECT_LOG = """
SELECT dataset, period, orgunit, action, by_user, "at", source FROM registration_log
WHERE {where}
ORDER BY id
"""

# -- backfill: reports of values stored before registrations existed (migration 006) -------------
BACKFILL_PENDING = "SELECT count(*) FROM registration_backfill WHERE pending"
MAP_COLUMNS: Columns = (("dataelement", "text"), ("dataset", "text"), ("n_months", "int"))
OWE_COLUMNS: Columns = (("dataset", "text"), ("orgunit", "text"))
CREATE_MAP = "CREATE TEMP TABLE wj_reg_map (dataelement TEXT, dataset TEXT, n_months INTEGER)"
CREATE_OWE = "CREATE TEMP TABLE wj_reg_owe (dataset TEXT, orgunit TEXT)"
CREATE_FOUND = """
CREATE TEMP TABLE wj_reg_found AS
SELECT m.dataset, d.period, d.orgunit, min(d.start_month) AS start_month, min(d.end_month) AS end_month,
       coalesce(min(d.storedby), 'weijian') AS completed_by,
       coalesce(min(d.created), min(d.lastupdated)) AS completed_at
FROM datavalue d
JOIN wj_reg_map m ON m.dataelement = d.dataelement
                 AND d.end_month - d.start_month + 1 = m.n_months AND d.start_month % m.n_months = 0
JOIN wj_reg_owe o ON o.dataset = m.dataset AND o.orgunit = d.orgunit
WHERE NOT EXISTS (SELECT 1 FROM registration r
                  WHERE r.dataset = m.dataset AND r.period = d.period AND r.orgunit = d.orgunit)
GROUP BY m.dataset, d.period, d.orgunit
"""
INSERT_FOUND = """
INSERT INTO registration (dataset, period, orgunit, start_month, end_month, completed_by, completed_at, source)
SELECT dataset, period, orgunit, start_month, end_month, completed_by, coalesce(completed_at, %(now)s), %(source)s
FROM wj_reg_found
"""
LOG_FOUND = """
INSERT INTO registration_log (dataset, period, orgunit, action, by_user, "at", source)
SELECT dataset, period, orgunit, 'complete', completed_by, coalesce(completed_at, %(now)s), %(source)s
FROM wj_reg_found ORDER BY orgunit, start_month, dataset
"""
DROP_BACKFILL = ("DROP TABLE IF EXISTS wj_reg_found", "DROP TABLE IF EXISTS wj_reg_owe",
                 "DROP TABLE IF EXISTS wj_reg_map")
BACKFILL_SOURCE = "升级时按已有数据登记"

# PostgreSQL: hold approvals still from the lock check to commit (as the value writes do).
SHARE_LOCK = {"postgres": "LOCK TABLE approval IN SHARE MODE"}

Report = tuple[str, Period, str]  # (data set, period, org unit)


def report_rows(reports: Iterable[Report]) -> list[tuple]:
    rows = {(ds, p.id, ou): (ds, p.id, ou, p.start, p.end) for ds, p, ou in reports}
    return list(rows.values())


def register_in(db: Db, dialect: str, rows: Sequence[tuple], *, user: str, source: str | None, at: datetime,
                skip_locked: bool) -> int:
    """Register ``rows`` (dataset, period, orgunit, start_month, end_month) inside the caller's
    transaction; return how many were new (an earlier time for one registered already moves it
    back, not counted). Locked ones: StoreError, or skipped with ``skip_locked``."""
    if not rows:
        return 0
    if dialect in SHARE_LOCK:
        db.execute(SHARE_LOCK[dialect])
    db.execute(CREATE_WANTED)
    try:
        db.load("wj_reg", REPORT_COLUMNS, rows)
        if not skip_locked:
            unknown = db.query(UNKNOWN_UNIT)
            if unknown:
                raise StoreError(f"未知的机构编码“{unknown[0][0]}”，无法登记上报")
        params = {"user": user, "at": at, "source": source}
        db.execute(CREATE_NEW, {"at": at})
        if not skip_locked:
            locked = db.query(FIRST_LOCKED)
            if locked:
                raise StoreError(describe_locked(locked[0], int(db.query(COUNT_LOCKED)[0][0])))
        count = int(db.query(COUNT_NEW)[0][0])
        if int(db.query(COUNT_CHANGED)[0][0]):
            db.execute(LOG_NEW, params)
            db.execute(MOVE_EARLIER, params)
            db.execute(INSERT_NEW, params)
        return count
    finally:
        for statement in DROP_WANTED:
            db.execute(statement)


def describe_locked(row: tuple, total: int) -> str:
    dataset, period, orgunit, unit, approved_period, by, at = row
    scope = "" if (unit, approved_period) == (orgunit, period) else f"（审核范围：机构 {unit}、期间 {approved_period}）"
    more = f"；共 {total} 份报表处于审核锁定中" if total > 1 else ""
    return (f"上报被拒绝：报表 {dataset}、机构 {orgunit}、期间 {period} 已由 {by} 于 {zh_date(at)} 审核锁定"
            f"{scope}，需先取消审核{more}")


class SqlRegistrations:
    """The complete-registration methods of ``SqlStore``."""

    def register_complete(self, reports: Iterable[Report], *, user: str, source: str | None = None,
                          recorded_at: datetime | None = None) -> int:
        rows = report_rows(reports)
        with self._transaction("登记上报") as db:
            return register_in(db, self.dialect, rows, user=user, source=source, at=self._now(recorded_at),
                               skip_locked=False)

    def unregister_complete(self, dataset: str, period: Period, orgunit: str, *, user: str,
                            source: str | None = None, recorded_at: datetime | None = None) -> None:
        which = {"dataset": dataset, "period": period.id, "orgunit": orgunit}
        cover = self.is_locked(orgunit, period.start, period.end)
        if cover is not None:
            raise StoreError(f"撤销上报被拒绝：机构 {orgunit} 期间 {period.id} 已由 {cover.approved_by} 于 "
                             f"{zh_date(cover.approved_at)} 审核锁定（审核范围：机构 {cover.orgunit}、"
                             f"期间 {cover.period}），需先取消审核")
        with self._transaction("撤销上报") as db:
            if self.dialect in SHARE_LOCK:
                db.execute(SHARE_LOCK[self.dialect])
            if not db.query(DELETE_ONE, which):
                raise StoreError(f"报表 {dataset}、机构 {orgunit}、期间 {period.id} 尚未上报，无需撤销")
            db.execute(LOG_ONE, {**which, "action": "uncomplete", "user": user, "at": self._now(recorded_at),
                                 "source": source})

    def registration_backfill_pending(self) -> bool:
        return bool(int(self._db.query(BACKFILL_PENDING)[0][0]))

    def backfill_registrations(self, element_datasets: Sequence[tuple[str, str, int]],
                               owing: Sequence[tuple[str, str]]) -> int:
        """Register the reports stored values belong to (once, for a store from before
        registrations): ``element_datasets`` (element, data set, months per period) and
        ``owing`` (data set, org unit) say which; each at its values' first ``created``.
        Clears the pending mark; returns how many were registered."""
        with self._transaction("按已有数据登记上报") as db:
            db.execute(CREATE_MAP)
            db.execute(CREATE_OWE)
            try:
                if element_datasets:
                    db.load("wj_reg_map", MAP_COLUMNS, list(element_datasets))
                if owing:
                    db.load("wj_reg_owe", OWE_COLUMNS, list(owing))
                db.execute(CREATE_FOUND)
                count = int(db.query("SELECT count(*) FROM wj_reg_found")[0][0])
                params = {"now": self._now(), "source": BACKFILL_SOURCE}
                if count:
                    db.execute(INSERT_FOUND, params)
                    db.execute(LOG_FOUND, params)
                db.execute("DELETE FROM registration_backfill")
            finally:
                for statement in DROP_BACKFILL:
                    db.execute(statement)
        return count

    def registrations(self, orgunits: Sequence[str] | None = None, start_month: int | None = None,
                      end_month: int | None = None, datasets: Sequence[str] | None = None) -> list[Registration]:
        where, params = scope_where(orgunits, start_month, end_month, "dataset", datasets)
        rows = self._db.query(SELECT_REGISTRATIONS.format(where=where), params or None)
        return [Registration(*r[:6]) for r in rows]

    def registration_log(self, orgunit: str | None = None) -> list[RegistrationLogEntry]:
        where, params = ("orgunit = %(orgunit)s", {"orgunit": orgunit}) if orgunit is not None else ("1 = 1", None)
        return [RegistrationLogEntry(*r) for r in self._db.query(SELECT_LOG.format(where=where), params)]
