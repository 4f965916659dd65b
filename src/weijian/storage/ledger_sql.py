"""The work ledger's tables (工作台账), shared by the SQL backends.

``SqlLedger`` is mixed into ``sql_store.SqlStore`` and uses its ``_db``,
``_transaction`` and ``_now``, like ``approvals.SqlApprovals``. It stores
generic rows (column → value); ``weijian.ledger`` turns them into its frozen
dataclasses and validates values. Natural keys are checked here, inside the
write transaction, so two items can never share one whatever the caller.
Every change is logged in ``ledger_audit`` with the item before and after.

Adds come in runs (an imported workbook is hundreds of them): each run of
adds of one kind takes its ids from the sequence at once and is bulk-loaded
with its counts and audit rows, a few statements instead of several per item.
Updates and deletes go one at a time.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from weijian.errors import StoreError
from weijian.storage.base import LEDGER_ACTIONS, LEDGER_KINDS, LedgerAuditEntry, LedgerChange, LedgerRef

if TYPE_CHECKING:
    from weijian.storage.sql_common import Db


@dataclass(frozen=True)
class LedgerTable:
    kind: str
    table: str
    label: str  # Chinese, for messages
    columns: tuple[str, ...]  # writable columns, without id
    key: tuple[str, ...]  # natural key
    order: str
    since: str | None = None  # column compared with ``since`` (>=)
    until: str | None = None  # column compared with ``until`` (<=)


TABLES = {t.kind: t for t in (
    LedgerTable("entry", "ledger_entry", "台账条目",
                ("orgunit", "department", "start_date", "end_date", "domain", "kind", "title", "body"),
                ("orgunit", "kind", "title", "start_date", "end_date"), "t.start_date, t.end_date, t.id",
                since="end_date", until="start_date"),
    LedgerTable("document", "ledger_document", "发文",
                ("orgunit", "department", "number", "title", "issued_on", "domain"),
                ("number",), "t.issued_on, t.id", since="issued_on", until="issued_on"),
    LedgerTable("project", "ledger_project", "建设项目",
                ("orgunit", "department", "name", "domain", "investment", "funding", "status"),
                ("name",), "t.id"),
    LedgerTable("progress", "ledger_progress", "项目进度",
                ("project_id", "recorded_on", "percent_done", "milestone", "status"),
                ("project_id", "recorded_on"), "t.project_id, t.recorded_on, t.id",
                since="recorded_on", until="recorded_on"),
    LedgerTable("honour", "ledger_honour", "荣誉",
                ("orgunit", "department", "what", "awarded_by", "level", "awarded_on", "domain"),
                ("orgunit", "what", "awarded_on"), "t.awarded_on, t.id", since="awarded_on", until="awarded_on"),
)}
assert tuple(TABLES) == LEDGER_KINDS

# Optional columns; any other missing column of an added row is an error.
DEFAULTS = {"department": "", "body": "", "funding": "", "milestone": "", "awarded_by": "",
            "investment": None, "status": None}
DECIMAL_COLUMNS = frozenset({"investment", "percent_done"})
# What the audit JSON leaves out: bookkeeping, not the item.
_NOT_IN_AUDIT = ("created_by", "created_at")

# Logical types for bulk loads (see sql_common.Columns)
COLUMN_TYPES = {"id": "bigint", "project_id": "bigint", "start_date": "date", "end_date": "date",
                "issued_on": "date", "recorded_on": "date", "awarded_on": "date", "investment": "decimal",
                "percent_done": "decimal", "created_at": "timestamp"}
COUNT_COLUMNS = (("entry_id", "bigint"), ("unit", "text"), ("value", "decimal"))
AUDIT_COLUMNS = (("kind", "text"), ("item_id", "bigint"), ("action", "text"), ("changed_by", "text"),
                 ("changed_at", "timestamp"), ("source", "text"), ("before_json", "text"), ("after_json", "text"))

NEXT_IDS = "SELECT nextval('ledger_id_seq') FROM generate_series(1, %(n)s)"
PROJECT_NAMES = ("SELECT id, name, orgunit FROM ledger_project "
                 "WHERE id IN (SELECT unnest(CAST(%(ids)s AS BIGINT[])))")
INSERT_COUNT = "INSERT INTO ledger_count (entry_id, unit, value) VALUES (%(id)s, %(unit)s, %(value)s)"
DELETE_COUNTS = "DELETE FROM ledger_count WHERE entry_id = %(id)s"
SELECT_PROGRESS_IDS = "SELECT id FROM ledger_progress WHERE project_id = %(id)s ORDER BY recorded_on, id"
PROJECT_EXISTS = "SELECT 1 FROM ledger_project WHERE id = %(id)s"

INSERT_AUDIT = """
INSERT INTO ledger_audit (kind, item_id, action, changed_by, changed_at, source, before_json, after_json)
VALUES (%(kind)s, %(item_id)s, %(action)s, %(user)s, %(at)s, %(source)s, %(before)s, %(after)s)
"""

SELECT_AUDIT = """
SELECT kind, item_id, action, changed_by, changed_at, source, before_json, after_json
FROM ledger_audit
WHERE {where}
ORDER BY id
"""


def select_sql(table: LedgerTable, where: str) -> str:
    columns = ", ".join(f"t.{c}" for c in ("id", *table.columns, "created_by", "created_at"))
    if table.kind == "progress":  # a record is scoped and named by its project
        return (f"SELECT {columns}, p.name AS project, p.orgunit FROM {table.table} t "
                f"JOIN ledger_project p ON p.id = t.project_id WHERE {where} ORDER BY {table.order}")
    return f"SELECT {columns} FROM {table.table} t WHERE {where} ORDER BY {table.order}"


def counts_sql(where: str) -> str:
    return (f"SELECT c.entry_id, c.unit, c.value FROM ledger_count c JOIN ledger_entry t ON t.id = c.entry_id "
            f"WHERE {where} ORDER BY c.entry_id, c.unit")


def plain_decimal(value: Decimal) -> Decimal:
    """120.0000 → 120, 12.5000 → 12.5 (never 1.2E+2)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def to_json(row: Mapping[str, object] | None) -> str | None:
    if row is None:
        return None
    data = {k: v for k, v in row.items() if k not in _NOT_IN_AUDIT}
    return json.dumps(data, ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(plain_decimal(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"无法写入修改记录的值：{value!r}")


def _table(kind: str) -> LedgerTable:
    try:
        return TABLES[kind]
    except KeyError:
        raise StoreError(f"未知的台账类别“{kind}”：应为 {'、'.join(LEDGER_KINDS)}") from None


class SqlLedger:
    """The ledger methods of ``SqlStore``."""

    def write_ledger(self, changes: Sequence[LedgerChange], *, user: str, source: str | None = None,
                     recorded_at: datetime | None = None) -> list[dict]:
        at = self._now(recorded_at)
        results: list[dict] = []
        with self._transaction("保存台账") as db:
            i = 0
            while i < len(changes):
                change = changes[i]
                if change.action != "add":
                    results.append(_change_one(db, change, results, user, source, at))
                    i += 1
                    continue
                j = i + 1
                while j < len(changes) and changes[j].action == "add" and changes[j].kind == change.kind:
                    j += 1
                results += _add_run(db, changes[i:j], results, user, source, at)
                i = j
        return results

    def read_ledger(self, kind: str, *, ids: Sequence[int] | None = None,
                    orgunits: Iterable[str] | None = None, since: date | None = None,
                    until: date | None = None, where: Mapping[str, object] | None = None) -> list[dict]:
        table = _table(kind)
        clauses, params = ["1 = 1"], {}
        if ids is not None:
            clauses.append("t.id IN (SELECT unnest(CAST(%(ids)s AS BIGINT[])))")
            params["ids"] = [int(i) for i in ids]
        if orgunits is not None:
            owner = "p.orgunit" if kind == "progress" else "t.orgunit"
            clauses.append(f"{owner} IN (SELECT unnest(CAST(%(orgunits)s AS TEXT[])))")
            params["orgunits"] = sorted(orgunits)
        if (since is not None or until is not None) and table.since is None:
            raise StoreError(f"{table.label}没有日期，不能按日期筛选")
        if since is not None:
            clauses.append(f"t.{table.since} >= %(since)s")
            params["since"] = since
        if until is not None:
            clauses.append(f"t.{table.until} <= %(until)s")
            params["until"] = until
        for i, (column, value) in enumerate((where or {}).items()):
            if column not in table.columns:
                raise StoreError(f"{table.label}没有“{column}”这一列")
            clauses.append(f"t.{column} = %(w{i})s")
            params[f"w{i}"] = value
        return _read(self._db, table, " AND ".join(clauses), params)

    def ledger_history(self, kind: str | None = None, item_id: int | None = None) -> list[LedgerAuditEntry]:
        clauses, params = ["1 = 1"], {}
        if kind is not None:
            _table(kind)
            clauses.append("kind = %(kind)s")
            params["kind"] = kind
        if item_id is not None:
            clauses.append("item_id = %(item_id)s")
            params["item_id"] = int(item_id)
        rows = self._db.query(SELECT_AUDIT.format(where=" AND ".join(clauses)), params)
        return [LedgerAuditEntry(kind=r[0], item_id=int(r[1]), action=r[2], changed_by=r[3], changed_at=r[4],
                                 source=r[5], before=json.loads(r[6]) if r[6] else None,
                                 after=json.loads(r[7]) if r[7] else None)
                for r in rows]


def _read(db: Db, table: LedgerTable, where: str, params: dict) -> list[dict]:
    names = ("id", *table.columns, "created_by", "created_at")
    if table.kind == "progress":
        names = (*names, "project", "orgunit")
    rows = []
    for values in db.query(select_sql(table, where), params):
        row = dict(zip(names, values))
        row["id"] = int(row["id"])
        for column in DECIMAL_COLUMNS & row.keys():
            if row[column] is not None:
                row[column] = plain_decimal(Decimal(row[column]))
        if table.kind == "progress":
            row["project_id"] = int(row["project_id"])
        rows.append(row)
    if table.kind == "entry":
        counts: dict[int, dict[str, Decimal]] = {}
        if rows:
            for entry_id, unit, value in db.query(counts_sql(where), params):
                counts.setdefault(int(entry_id), {})[unit] = plain_decimal(Decimal(value))
        for row in rows:
            row["counts"] = counts.get(row["id"], {})
    return rows


def _by_id(db: Db, table: LedgerTable, item_id: int) -> dict | None:
    found = _read(db, table, "t.id = %(id)s", {"id": item_id})
    return found[0] if found else None


def _columns(table: LedgerTable, change: LedgerChange, done: list[dict]) -> tuple[dict, dict | None]:
    """The change's row with refs resolved, and its counts (None: not given)."""
    row = {k: _resolve(v, done) for k, v in (change.row or {}).items()}
    unknown = sorted(set(row) - set(table.columns) - ({"counts"} if table.kind == "entry" else set()))
    if unknown:
        raise StoreError(f"{table.label}没有这些列：{'、'.join(unknown)}")
    counts = row.pop("counts", None)
    return row, counts


def _add_run(db: Db, changes: Sequence[LedgerChange], done: list[dict], user: str, source: str | None,
             at: datetime) -> list[dict]:
    """Adds of one kind, bulk-loaded: ids, rows, counts and audit in a few statements."""
    kind = changes[0].kind
    table = _table(kind)
    if changes[0].action not in LEDGER_ACTIONS:
        raise StoreError(f"未知的台账操作“{changes[0].action}”：应为 {'、'.join(LEDGER_ACTIONS)}")
    items = []
    for change in changes:
        row, counts = _columns(table, change, done)
        missing = [c for c in table.columns if c not in row and c not in DEFAULTS]
        if missing:
            raise StoreError(f"新增{table.label}缺少：{'、'.join(missing)}")
        values = {c: row.get(c, DEFAULTS.get(c)) for c in table.columns}
        for column in DECIMAL_COLUMNS & values.keys():
            if values[column] is not None:
                values[column] = plain_decimal(Decimal(values[column]))
        items.append((values, {u: plain_decimal(Decimal(v)) for u, v in (counts or {}).items()}))
    owners = {}
    if kind == "progress":  # each record's project: it must exist, and names the record
        wanted = sorted({int(values["project_id"]) for values, _ in items})
        owners = {int(r[0]): (r[1], r[2]) for r in db.query(PROJECT_NAMES, {"ids": wanted})}
        unknown = [i for i in wanted if i not in owners]
        if unknown:
            raise StoreError(f"建设项目 id {unknown[0]} 不存在")
    _refuse_duplicates(db, table, [values for values, _ in items])
    ids = sorted(int(r[0]) for r in db.query(NEXT_IDS, {"n": len(items)}))
    columns = ("id", *table.columns, "created_by", "created_at")
    db.load(table.table, [(c, COLUMN_TYPES.get(c, "text")) for c in columns],
            [(item_id, *(values[c] for c in table.columns), user, at) for item_id, (values, _) in zip(ids, items)])
    counts = [(item_id, unit, value) for item_id, (_, amounts) in zip(ids, items) for unit, value in amounts.items()]
    if counts:
        db.load("ledger_count", COUNT_COLUMNS, counts)
    stored = []
    for item_id, (values, amounts) in zip(ids, items):
        row = {"id": item_id, **values, "created_by": user, "created_at": at}
        if kind == "entry":
            row["counts"] = amounts
        if kind == "progress":
            row["project_id"] = int(row["project_id"])
            row["project"], row["orgunit"] = owners[row["project_id"]]
        stored.append(row)
    db.load("ledger_audit", AUDIT_COLUMNS,
            [(kind, row["id"], "add", user, at, source, None, to_json(row)) for row in stored])
    return stored


def _change_one(db: Db, change: LedgerChange, done: list[dict], user: str, source: str | None,
                at: datetime) -> dict:
    """An update or a delete."""
    table = _table(change.kind)
    if change.action not in LEDGER_ACTIONS:
        raise StoreError(f"未知的台账操作“{change.action}”：应为 {'、'.join(LEDGER_ACTIONS)}")
    row, counts = _columns(table, change, done)
    if change.id is None:
        raise StoreError(f"修改或删除{table.label}时必须给出 id")
    before = _by_id(db, table, int(change.id))
    if before is None:
        raise StoreError(f"{table.label} id {change.id} 不存在")
    if change.action == "delete":
        if table.kind == "project":  # its progress records go with it, each logged
            for (progress_id,) in db.query(SELECT_PROGRESS_IDS, {"id": before["id"]}):
                _delete(db, TABLES["progress"], int(progress_id), user, source, at)
        _delete(db, table, before["id"], user, source, at)
        return before
    values = {c: row.get(c, before[c]) for c in table.columns}
    if table.kind == "progress" and not db.query(PROJECT_EXISTS, {"id": values["project_id"]}):
        raise StoreError(f"建设项目 id {values['project_id']} 不存在")
    _refuse_duplicates(db, table, [values], before["id"])
    item_id = before["id"]
    sets = ", ".join(f"{c} = %({c})s" for c in table.columns)
    db.execute(f"UPDATE {table.table} SET {sets} WHERE id = %(id)s", {**values, "id": item_id})
    if table.kind == "entry" and counts is not None:
        db.execute(DELETE_COUNTS, {"id": item_id})
        for unit, value in counts.items():
            db.execute(INSERT_COUNT, {"id": item_id, "unit": unit, "value": Decimal(value)})
    after = _by_id(db, table, item_id)
    _audit(db, table, item_id, change.action, user, source, at, before, after)
    return after


def _delete(db: Db, table: LedgerTable, item_id: int, user: str, source: str | None, at: datetime) -> None:
    before = _by_id(db, table, item_id)
    if table.kind == "entry":
        db.execute(DELETE_COUNTS, {"id": item_id})
    db.execute(f"DELETE FROM {table.table} WHERE id = %(id)s", {"id": item_id})
    _audit(db, table, item_id, "delete", user, source, at, before, None)


def _refuse_duplicates(db: Db, table: LedgerTable, rows: list[dict], own_id: int | None = None) -> None:
    """No two items of a kind share a natural key: among ``rows``, nor with a stored item
    (other than ``own_id``, the item being updated)."""
    keys = [tuple(row[c] for c in table.key) for row in rows]
    seen: set[tuple] = set()
    for key in keys:
        if key in seen:
            raise StoreError(f"同一批中有两条相同的{table.label}（{_shown(key)}）")
        seen.add(key)
    if len(keys) == 1:  # one item: ask for it alone
        clauses = " AND ".join(f"t.{c} = %(k{i})s" for i, c in enumerate(table.key))
        params = {f"k{i}": v for i, v in enumerate(keys[0])}
        found = db.query(f"SELECT t.id FROM {table.table} t WHERE {clauses} AND t.id <> %(own)s",
                         {**params, "own": -1 if own_id is None else own_id})
        stored = {keys[0]: int(found[0][0])} if found else {}
    else:  # a run of adds: one look at every stored key (a ledger holds thousands, not millions)
        stored = {tuple(r[1:]): int(r[0])
                  for r in db.query(f"SELECT id, {', '.join(table.key)} FROM {table.table}")}
    for key in keys:
        if key in stored and stored[key] != own_id:
            raise StoreError(f"已有相同的{table.label}（{_shown(key)}），id 为 {stored[key]}")


def _shown(key: tuple) -> str:
    return "、".join(str(v) for v in key)


def _audit(db: Db, table: LedgerTable, item_id: int, action: str, user: str, source: str | None,
           at: datetime, before: dict | None, after: dict | None) -> None:
    db.execute(INSERT_AUDIT, {"kind": table.kind, "item_id": item_id, "action": action, "user": user,
                              "at": at, "source": source, "before": to_json(before), "after": to_json(after)})


def _resolve(value: object, done: list[dict]) -> object:
    if isinstance(value, LedgerRef):
        if not 0 <= value.index < len(done):
            raise StoreError(f"引用了尚未保存的第 {value.index + 1} 项")
        return done[value.index]["id"]
    return value
