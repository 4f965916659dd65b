"""Approval (审核) and locking, shared by the SQL backends.

An approval of (org unit, period) locks every value of that unit and of every
unit below it whose period lies within the approved one. The lock is enforced
here, inside the store, on every write path: ``refuse_if_locked`` runs in the
import merge and in deletes, in the same transaction as the write.

Descendants come from the orgunit table's ancestor columns l1..l6 (a unit sits
at l{level}, its ancestors above it), unpivoted into (ancestor, unit) pairs so
both joins are equi-joins: cheap even for a 300 000-row import.

``SqlApprovals`` is mixed into ``sql_store.SqlStore`` and uses its ``_db``,
``_transaction`` and ``_now``. Statements are module globals looked up at
call time, like those in ``sql_common``.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from weijian.errors import StoreError
from weijian.model.periods import Period
from weijian.storage.base import KEY_COLUMNS, MAX_LEVELS, Approval, ApprovalLogEntry, LockedRow

if TYPE_CHECKING:
    from weijian.storage.sql_common import Db

KEYS = ", ".join(KEY_COLUMNS)

# (ancestor, unit) pairs: each unit with itself and every unit above it.
# Approved units missing from the orgunit table still lock their own values.
ANCESTOR_PAIRS = "\nUNION\n".join(
    [f"SELECT l{i} AS ancestor, code AS unit FROM orgunit WHERE l{i} IS NOT NULL"
     for i in range(1, MAX_LEVELS + 1)]
    + ["SELECT orgunit, orgunit FROM approval"])


def _locked_sql(table: str, where: str, tail: str) -> str:
    """Rows of ``table`` (keys, start_month, end_month) under an approval,
    one per row (``pick = 1``: the earliest approval if several cover it)."""
    return f"""
WITH below AS ({ANCESTOR_PAIRS}),
hit AS (
    SELECT t.*, a.orgunit AS approved_unit, a.period AS approved_period,
           a.approved_by, a.approved_at,
           row_number() OVER (PARTITION BY {", ".join(f"t.{c}" for c in KEY_COLUMNS)}
                              ORDER BY a.approved_at, a.orgunit, a.period) AS pick
    FROM {table} t
    JOIN below b ON b.unit = t.orgunit
    JOIN approval a ON a.orgunit = b.ancestor
                   AND a.start_month <= t.start_month AND t.end_month <= a.end_month
    WHERE {where}
)
{tail}
"""


_LOCKED_COLUMNS = "approved_unit, approved_period, approved_by, approved_at"
_COUNT = "SELECT count(*) FROM hit WHERE pick = 1"

# Import plan: only rows that would change something; unchanged rows are harmless.
PLAN_LOCKED = _locked_sql(
    "wj_plan", "t.action <> 'unchanged'",
    f"SELECT {KEYS}, source_row, {_LOCKED_COLUMNS} FROM hit WHERE pick = 1 ORDER BY seq LIMIT %(limit)s")
PLAN_LOCKED_COUNT = _locked_sql("wj_plan", "t.action <> 'unchanged'", _COUNT)

# Delete: the stored values about to go.
GONE_LOCKED = _locked_sql(
    "wj_gone", "1 = 1",
    f"SELECT {KEYS}, CAST(NULL AS BIGINT), {_LOCKED_COLUMNS} FROM hit WHERE pick = 1 "
    f"ORDER BY {KEYS} LIMIT %(limit)s")
GONE_LOCKED_COUNT = _locked_sql("wj_gone", "1 = 1", _COUNT)

# PostgreSQL runs writers side by side: hold approvals still from the lock
# check to commit, so an approval cannot slip in between (approve/unapprove
# wait for the write). DuckDB has a single writer per store; nothing to do.
SHARE_LOCK = {"postgres": "LOCK TABLE approval IN SHARE MODE"}

UNIT_EXISTS = "SELECT 1 FROM orgunit WHERE code = %(orgunit)s"

INSERT_APPROVAL = """
INSERT INTO approval (orgunit, period, start_month, end_month, approved_by, approved_at)
VALUES (%(orgunit)s, %(period)s, %(start)s, %(end)s, %(user)s, %(at)s)
ON CONFLICT (orgunit, period) DO NOTHING
RETURNING orgunit
"""

DELETE_APPROVAL = "DELETE FROM approval WHERE orgunit = %(orgunit)s AND period = %(period)s RETURNING orgunit"

LOG_APPROVAL = """
INSERT INTO approval_log (orgunit, period, action, by_user, "at", reason)
VALUES (%(orgunit)s, %(period)s, %(action)s, %(user)s, %(at)s, %(reason)s)
"""

SELECT_APPROVALS = """
SELECT orgunit, period, approved_by, approved_at FROM approval
WHERE {where}
ORDER BY orgunit, start_month, end_month
"""

SELECT_APPROVAL_LOG = """
SELECT orgunit, period, action, by_user, "at", reason FROM approval_log
WHERE {where}
ORDER BY id
"""

SELECT_COVERING = f"""
SELECT orgunit, period, approved_by, approved_at FROM approval a
WHERE a.start_month <= %(start)s AND %(end)s <= a.end_month
  AND (a.orgunit = %(orgunit)s
       OR EXISTS (SELECT 1 FROM orgunit u WHERE u.code = %(orgunit)s
                  AND a.orgunit IN ({", ".join(f"u.l{i}" for i in range(1, MAX_LEVELS + 1))})))
ORDER BY a.approved_at, a.orgunit, a.period
LIMIT 1
"""


def locked_rows(db: Db, statement: str, limit: int) -> list[LockedRow]:
    return [LockedRow(key=tuple(r[:5]), source_row=None if r[5] is None else int(r[5]),
                      approval=Approval(*r[6:10]))
            for r in db.query(statement, {"limit": limit})]


def refuse_if_locked(db: Db, dialect: str, first: str, count: str, what: str) -> None:
    """Raise StoreError naming the first locked row (the caller rolls back)."""
    if dialect in SHARE_LOCK:
        db.execute(SHARE_LOCK[dialect])
    found = locked_rows(db, first, 1)
    if found:
        raise StoreError(describe_locked(found[0], int(db.query(count)[0][0]), what))


def describe_locked(row: LockedRow, total: int, what: str) -> str:
    element, period, orgunit, option, _ = row.key
    a = row.approval
    scope = "" if (a.orgunit, a.period) == (orgunit, period) else f"（审核范围：机构 {a.orgunit}、期间 {a.period}）"
    more = f"；共 {total} 条数据处于审核锁定中" if total > 1 else ""
    option_text = f"（{option}）" if option else ""
    return (f"{what}被拒绝，已全部回滚：数据项 {element}{option_text}、机构 {orgunit}、期间 {period} "
            f"的数据已由 {a.approved_by} 于 {zh_date(a.approved_at)} 审核锁定{scope}，需先取消审核{more}")


def zh_date(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


class SqlApprovals:
    """The approval methods of ``SqlStore``."""

    def approve(self, orgunit: str, period: Period, user: str, *,
                recorded_at: datetime | None = None) -> None:
        which = {"orgunit": orgunit, "period": period.id}
        at = self._now(recorded_at)
        with self._transaction("审核") as db:
            # A typo would otherwise lock nothing while looking approved.
            if not db.query(UNIT_EXISTS, {"orgunit": orgunit}):
                raise StoreError(f"未知的机构编码“{orgunit}”，无法审核")
            inserted = db.query(INSERT_APPROVAL, {**which, "start": period.start, "end": period.end,
                                                  "user": user, "at": at})
            if inserted:  # nothing returned: already approved, nothing to log
                db.execute(LOG_APPROVAL, {**which, "action": "approve", "user": user, "at": at,
                                          "reason": None})

    def unapprove(self, orgunit: str, period: Period, user: str, reason: str, *,
                  recorded_at: datetime | None = None) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise StoreError("取消审核必须填写原因")
        which = {"orgunit": orgunit, "period": period.id}
        at = self._now(recorded_at)
        with self._transaction("取消审核") as db:
            if not db.query(DELETE_APPROVAL, which):
                raise StoreError(self._not_approved(orgunit, period))
            db.execute(LOG_APPROVAL, {**which, "action": "unapprove", "user": user, "at": at,
                                      "reason": reason})

    def _not_approved(self, orgunit: str, period: Period) -> str:
        message = f"机构 {orgunit} 期间 {period.id} 未审核，无需取消"
        cover = self.is_locked(orgunit, period.start, period.end)
        if cover is not None:  # locked all the same, by a wider approval: say which
            message += f"（其数据由机构 {cover.orgunit}、期间 {cover.period} 的审核锁定）"
        return message

    def approvals(self, orgunit: str | None = None) -> list[Approval]:
        where, params = ("orgunit = %(orgunit)s", {"orgunit": orgunit}) if orgunit is not None else ("1 = 1", None)
        return [Approval(*r) for r in self._db.query(SELECT_APPROVALS.format(where=where), params)]

    def approval_log(self, orgunit: str | None = None) -> list[ApprovalLogEntry]:
        where, params = ("orgunit = %(orgunit)s", {"orgunit": orgunit}) if orgunit is not None else ("1 = 1", None)
        return [ApprovalLogEntry(*r) for r in self._db.query(SELECT_APPROVAL_LOG.format(where=where), params)]

    def is_locked(self, orgunit: str, start_month: int, end_month: int) -> Approval | None:
        rows = self._db.query(SELECT_COVERING, {"orgunit": orgunit, "start": start_month, "end": end_month})
        return Approval(*rows[0]) if rows else None
