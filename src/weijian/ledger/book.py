"""``Ledger``: the work ledger of one workspace, kept in its store.

    ledger = Ledger(ws.store, ws.package)
    ledger.add_entry(LedgerEntry("YL", "公共卫生", "培训", "全县基本公共卫生服务项目培训",
                                 date(2026, 3, 10), date(2026, 3, 12), counts={"批次": 2, "人次": 180}),
                     user="张三")
    summary = ledger.summarize(date(2026, 1, 1), date(2026, 6, 30), ws.subtree("YL"), domain="公共卫生")
    summary.totals["人次"]   # Decimal('180')

Every write is validated first (LedgerError with Chinese messages, nothing
stored) and then goes to the store in one transaction, logged with the item
before and after.

Counting rule: an entry counts in the period that contains its END date —
the day its work was finished. An entry straddling two periods therefore
counts exactly once, in the period where it ends; in the earlier period it is
listed as ``ongoing`` (under way at the period's end) and not counted.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from weijian.errors import LedgerError, NotFoundError
from weijian.ledger.checks import check_item, zh_date
from weijian.ledger.model import (
    COUNT_UNITS,
    ITEM_KINDS,
    KIND_LABELS,
    Honour,
    IssuedDocument,
    LedgerEntry,
    LedgerItem,
    LedgerSummary,
    Project,
    ProjectState,
    ProgressRecord,
    kind_of,
)
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.storage.base import LedgerAuditEntry, LedgerChange, LedgerRef, Store

__all__ = ["ItemChange", "Ledger", "period_bounds"]

# Chinese names accepted wherever a kind is asked for (CLI: ledger delete 发文 12)
KIND_ALIASES = {**{k: k for k in ITEM_KINDS}, **{v: k for k, v in KIND_LABELS.items()},
                "台账": "entry", "条目": "entry", "项目": "project", "进度": "progress"}


def period_bounds(period: Period) -> tuple[date, date]:
    """First and last day of ``period`` (2026S1 → 2026-01-01, 2026-06-30)."""
    first = date(period.start_year, period.start_month, 1)
    following = period.end + 1
    return first, date(following // 12, following % 12 + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class ItemChange:
    """One change of a batch (``Ledger.write``): add ``item``; update item ``id``
    to ``item``; delete item ``id`` of ``kind``. A progress record may name a
    project added earlier in the same batch."""

    action: str  # add | update | delete
    item: LedgerItem | None = None
    id: int | None = None
    kind: str | None = None  # for a delete; otherwise the item's kind


class Ledger:
    """The work ledger (工作台账) in ``store``, checked against ``package``'s org units."""

    def __init__(self, store: Store, package: MetadataPackage):
        self.store = store
        self.package = package

    # -- writes ---------------------------------------------------------------------
    def add_entry(self, entry: LedgerEntry, user: str) -> LedgerEntry:
        return self._add(entry, user)

    def add_document(self, document: IssuedDocument, user: str) -> IssuedDocument:
        return self._add(document, user)

    def add_project(self, project: Project, user: str) -> Project:
        return self._add(project, user)

    def add_progress(self, record: ProgressRecord, user: str) -> ProgressRecord:
        """``record.project_id`` or, if None, ``record.project`` (the name) says which project."""
        return self._add(record, user)

    def add_honour(self, honour: Honour, user: str) -> Honour:
        return self._add(honour, user)

    def add(self, item: LedgerItem, user: str) -> LedgerItem:
        """Any kind of item; returns it as stored, with its id."""
        return self._add(item, user)

    def delete(self, kind: str, id: int, user: str) -> LedgerItem:
        """Delete item ``id`` of ``kind`` (entry/document/project/progress/honour or
        their Chinese names); returns what was deleted. A project takes its
        progress records with it. NotFoundError if there is no such item."""
        kind = self._kind(kind)
        if not self.store.read_ledger(kind, ids=[id]):
            raise NotFoundError(f"{KIND_LABELS[kind]} id {id} 不存在")
        return self.write([ItemChange("delete", id=id, kind=kind)], user)[0]

    def write(self, changes: Sequence[ItemChange], user: str, source: str | None = None) -> list[LedgerItem]:
        """Apply ``changes`` all or nothing (one transaction); every item is
        checked first and LedgerError lists every problem. Returns each item
        as stored (for a delete, as it was)."""
        problems: list[str] = []
        errors: list[tuple[str, str, str]] = []
        rows: list[LedgerChange] = []
        added_projects: dict[str, int] = {}  # project name → index of its add in this batch
        stored_projects: dict[str, int] = {}  # project name → id, read once if a record needs it
        for i, change in enumerate(changes):
            kind = self._kind(change.kind) if change.kind else kind_of(change.item)
            if change.action == "delete":
                rows.append(LedgerChange("delete", kind, id=change.id))
                continue
            item, missing = change.item, []
            if isinstance(item, ProgressRecord):
                item, missing = self._with_project(item, added_projects, stored_projects)
            found = check_item(item, self.package) + [("project", "unknown-project", m) for m in missing]
            errors += found
            messages = [m for _, _, m in found]
            if messages:
                where = f"第 {i + 1} 项" if len(changes) > 1 else ""
                problems.append(f"{where}{KIND_LABELS[kind]}：" + "；".join(messages))
                continue
            if isinstance(item, Project) and change.action == "add":
                added_projects[item.name] = len(rows)  # the store's index of this change
            rows.append(LedgerChange(change.action, kind, _row(item), id=change.id))
        if problems:
            raise LedgerError("无法保存台账：" + "；".join(problems), errors)
        stored = self.store.write_ledger(rows, user=user, source=source)
        return [_item(change.kind, row) for change, row in zip(rows, stored)]

    def _add(self, item: LedgerItem, user: str) -> LedgerItem:
        return self.write([ItemChange("add", item)], user)[0]

    def _with_project(self, record: ProgressRecord, added: dict[str, int],
                      stored: dict[str, int]) -> tuple[ProgressRecord, list[str]]:
        if record.project_id is not None:
            found = self.store.read_ledger("project", ids=[record.project_id])
            if not found:
                return record, [f"建设项目 id {record.project_id} 不存在"]
            return replace(record, project=found[0]["name"]), []
        if record.project in added:  # its id is known only once the batch is written
            return replace(record, project_id=LedgerRef(added[record.project])), []
        if record.project and not stored:
            stored.update({p["name"]: p["id"] for p in self.store.read_ledger("project")})
        if record.project not in stored:
            return record, [f"未找到建设项目：“{record.project}”（请先登记该项目）"] if record.project else []
        return replace(record, project_id=stored[record.project]), []

    # -- reads ----------------------------------------------------------------------
    def get(self, kind: str, id: int) -> LedgerItem:
        kind = self._kind(kind)
        found = self.store.read_ledger(kind, ids=[id])
        if not found:
            raise NotFoundError(f"{KIND_LABELS[kind]} id {id} 不存在")
        return _item(kind, found[0])

    def list_entries(self, start: date, end: date, orgunits: Iterable[str] | None = None,
                     domain: str | None = None, kind: str | None = None) -> list[LedgerEntry]:
        """Entries whose span [start, end] overlaps the range, by start date."""
        _range(start, end)
        where = {k: v for k, v in (("domain", domain), ("kind", kind)) if v is not None}
        rows = self.store.read_ledger("entry", orgunits=_set(orgunits), since=start, until=end, where=where)
        return [_item("entry", row) for row in rows]

    def documents(self, start: date | None = None, end: date | None = None, orgunits: Iterable[str] | None = None,
                  domain: str | None = None) -> list[IssuedDocument]:
        """Documents issued within the range (None: unbounded), by date."""
        _range(start, end)
        rows = self.store.read_ledger("document", orgunits=_set(orgunits), since=start, until=end,
                                      where={"domain": domain} if domain else None)
        return [_item("document", row) for row in rows]

    def projects(self, orgunits: Iterable[str] | None = None, domain: str | None = None) -> list[Project]:
        """Projects as registered, in the order they were."""
        rows = self.store.read_ledger("project", orgunits=_set(orgunits), where={"domain": domain} if domain else None)
        return [_item("project", row) for row in rows]

    def progress(self, project_id: int | None = None, orgunits: Iterable[str] | None = None,
                 until: date | None = None) -> list[ProgressRecord]:
        """Progress records (of one project, of projects in ``orgunits``, up to ``until``), by project and date."""
        rows = self.store.read_ledger("progress", orgunits=_set(orgunits), until=until,
                                      where={"project_id": project_id} if project_id is not None else None)
        return [_item("progress", row) for row in rows]

    def honours(self, start: date | None = None, end: date | None = None, orgunits: Iterable[str] | None = None,
                domain: str | None = None, level: str | None = None) -> list[Honour]:
        """Honours awarded within the range (None: unbounded), by date."""
        _range(start, end)
        where = {k: v for k, v in (("domain", domain), ("level", level)) if v is not None}
        rows = self.store.read_ledger("honour", orgunits=_set(orgunits), since=start, until=end, where=where)
        return [_item("honour", row) for row in rows]

    def project_status(self, project_id: int, as_of: date) -> ProgressRecord | None:
        """The latest progress record of the project on or before ``as_of`` (None: none yet)."""
        self.get("project", project_id)
        records = self.progress(project_id, until=as_of)
        return records[-1] if records else None

    def projects_as_of(self, as_of: date, orgunits: Iterable[str] | None = None,
                       domain: str | None = None) -> list[ProjectState]:
        """Every project (in ``orgunits``, of ``domain``) as it stood on ``as_of``:
        latest progress record on or before it, and the status by then."""
        latest: dict[int, ProgressRecord] = {}
        status: dict[int, str] = {}
        for record in self.progress(orgunits=orgunits, until=as_of):  # by date: the last one wins
            latest[record.project_id] = record
            if record.status:
                status[record.project_id] = record.status
        return [ProjectState(p, as_of, status.get(p.id, p.status), latest.get(p.id))
                for p in self.projects(orgunits, domain)]

    def history(self, kind: str | None = None, id: int | None = None) -> list[LedgerAuditEntry]:
        """Every add, update and delete (who, when, before/after), oldest first."""
        return self.store.ledger_history(self._kind(kind) if kind else None, id)

    # -- the report's aggregation ---------------------------------------------------
    def summarize(self, start: date, end: date, orgunits: Iterable[str] | None = None,
                  domain: str | None = None, kind: str | None = None) -> LedgerSummary:
        """Counts of the work finished in [start, end].

        Counting rule: an entry is counted in the period that contains its end
        date (the date its work was finished), so an entry straddling two
        periods counts exactly once, in the period where it ends. Entries
        under way at ``end`` (begun on or before it, ending after it) are
        ``ongoing``: listed, not counted. ``orgunits`` filters by the entry's
        org unit (pass a subtree: ``Workspace.subtree("YL")``); None is all.
        """
        counted, ongoing = [], []
        for entry in self.list_entries(start, end, orgunits, domain, kind):
            if entry.end > end:
                ongoing.append(entry)
            elif entry.end >= start:
                counted.append(entry)
        totals: dict[str, Decimal] = {}
        sources: dict[str, list[int]] = {}
        for unit in COUNT_UNITS:
            having = [e for e in counted if e.count(unit) is not None]
            if having:
                totals[unit] = sum((e.count(unit) for e in having), Decimal(0))
                sources[unit] = [e.id for e in having]
        return LedgerSummary(start=start, end=end, totals=totals, entries=counted, ongoing=ongoing,
                             sources=sources)

    def summarize_period(self, period: Period, orgunits: Iterable[str] | None = None,
                         domain: str | None = None, kind: str | None = None) -> LedgerSummary:
        """``summarize`` over a period's days (2026S1: 1 January to 30 June)."""
        return self.summarize(*period_bounds(period), orgunits, domain, kind)

    def _kind(self, kind: str) -> str:
        try:
            return KIND_ALIASES[kind]
        except KeyError:
            names = "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items())
            raise LedgerError(f"未知的台账类别：“{kind}”（应为 {names}）") from None


def _range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise LedgerError(f"结束日期（{zh_date(end)}）早于开始日期（{zh_date(start)}）")


def _set(orgunits: Iterable[str] | None) -> set[str] | None:
    return None if orgunits is None else set(orgunits)


# -- item ⇄ stored row ------------------------------------------------------------------

def _row(item: LedgerItem) -> dict:
    if isinstance(item, LedgerEntry):
        return {"orgunit": item.orgunit, "department": item.department, "start_date": item.start,
                "end_date": item.end, "domain": item.domain, "kind": item.kind, "title": item.title,
                "body": item.text, "counts": dict(item.counts)}
    if isinstance(item, IssuedDocument):
        return {"orgunit": item.orgunit, "department": item.department, "number": item.number,
                "title": item.title, "issued_on": item.date, "domain": item.domain}
    if isinstance(item, Project):
        return {"orgunit": item.orgunit, "department": item.department, "name": item.name,
                "domain": item.domain, "investment": item.investment, "funding": item.funding,
                "status": item.status}
    if isinstance(item, ProgressRecord):
        return {"project_id": item.project_id, "recorded_on": item.date, "percent_done": item.percent,
                "milestone": item.milestone, "status": item.status}
    if isinstance(item, Honour):
        return {"orgunit": item.orgunit, "department": item.department, "what": item.what,
                "awarded_by": item.awarded_by, "level": item.level, "awarded_on": item.date,
                "domain": item.domain}
    raise TypeError(f"不是台账条目：{item!r}")


def _item(kind: str, row: dict) -> LedgerItem:
    if kind == "entry":
        return LedgerEntry(orgunit=row["orgunit"], domain=row["domain"], kind=row["kind"], title=row["title"],
                           start=row["start_date"], end=row["end_date"], text=row["body"],
                           counts=row["counts"], department=row["department"], id=row["id"])
    if kind == "document":
        return IssuedDocument(orgunit=row["orgunit"], number=row["number"], title=row["title"],
                              date=row["issued_on"], domain=row["domain"], department=row["department"],
                              id=row["id"])
    if kind == "project":
        return Project(orgunit=row["orgunit"], name=row["name"], status=row["status"],
                       investment=row["investment"], funding=row["funding"], domain=row["domain"],
                       department=row["department"], id=row["id"])
    if kind == "progress":
        return ProgressRecord(project=row["project"], date=row["recorded_on"], percent=row["percent_done"],
                              milestone=row["milestone"], status=row["status"], project_id=row["project_id"],
                              id=row["id"])
    if kind == "honour":
        return Honour(orgunit=row["orgunit"], what=row["what"], level=row["level"], date=row["awarded_on"],
                      domain=row["domain"], awarded_by=row["awarded_by"], department=row["department"],
                      id=row["id"])
    raise TypeError(kind)
