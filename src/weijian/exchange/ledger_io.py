"""The work ledger (工作台账) in Excel: template, all-or-nothing import, export.

    make_ledger_template("工作台账模板.xlsx", package)
    report = import_ledger(ledger, "台账.xlsx", user="张三")   # nothing stored unless report.ok
    print(report.describe_zh())
    export_ledger(ledger, "2026年台账.xlsx", start=date(2026, 1, 1), end=date(2026, 12, 31))

Every row of every sheet is read and checked before anything is written; a
single problem anywhere (text in a number cell, an unknown domain or org
unit, a negative count, an end before the start, a bad document number, the
same item twice in the file …) stores nothing, and the report names the
sheet, row and column of each. Items already stored (same natural key, see
``weijian.ledger.natural_key``) are left alone if unchanged and updated if
their content changed, so importing one file twice adds nothing twice.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from weijian.errors import LedgerError, Problem, StoreError
from weijian.exchange.ledger_read import SheetRow, parse_day, read_workbook
from weijian.exchange.ledger_sheets import SHEETS, write_workbook
from weijian.ledger import (
    FIELD_LABELS,
    ITEM_KINDS,
    KIND_LABELS,
    ItemChange,
    Ledger,
    LedgerItem,
    ProgressRecord,
    kind_of,
    natural_key,
)
from weijian.model import MetadataPackage

__all__ = ["LedgerImportReport", "describe_problem", "export_ledger", "import_ledger", "make_ledger_template",
           "parse_day", "write_ledger_items"]

_FAR_PAST, _FAR_FUTURE = date(1900, 1, 1), date(2999, 12, 31)


# -- report ---------------------------------------------------------------------------

@dataclass
class LedgerImportReport:
    """Outcome of one all-or-nothing ledger import. Counts are by kind
    (entry, document, project, progress, honour)."""

    file: str
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    done: bool = False  # checked through (and, unless a dry run, written)

    @property
    def ok(self) -> bool:
        return self.done and not self.problems

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "dry_run": self.dry_run, "file": self.file, "rows_read": self.rows_read,
                "problem_count": len(self.problems), "problems": [p.to_dict() for p in self.problems],
                "created": dict(self.created), "updated": dict(self.updated), "unchanged": dict(self.unchanged)}

    def describe_zh(self) -> str:
        lines = [f"读取 {self.file}，共 {self.rows_read} 行"]
        if self.ok:
            parts = [f"{label} {_counted(counts)}" for label, counts in
                     (("新增", self.created), ("更新", self.updated), ("未变", self.unchanged)) if counts]
            summary = "；".join(parts) or "没有要登记的条目"
            lines.append(f"试导入（未写入）：将{summary}" if self.dry_run else f"导入成功：{summary}")
            return "\n".join(lines)
        lines.append(f"导入失败，未写入任何数据：共 {len(self.problems)} 个问题")
        lines.extend(describe_problem(p) for p in self.problems)
        return "\n".join(lines)


def describe_problem(problem: Problem) -> str:
    """台账.xlsx，工作台账 第 5 行“人次”列：不是数字：“十二”"""
    where = problem.file
    if problem.item:
        where += f"，{problem.item}"
        if problem.row is not None:
            where += f" 第 {problem.row} 行"
    elif problem.row is not None:
        where += f"，第 {problem.row} 行"
    if problem.column:
        where += f"“{problem.column}”列"
    return f"{where}：{problem.message}"


def _counted(counts: dict[str, int]) -> str:
    return "、".join(f"{KIND_LABELS[kind]} {counts[kind]} 条" for kind in ITEM_KINDS if counts.get(kind))


# -- template and export ----------------------------------------------------------------

def make_ledger_template(path: str | Path, package: MetadataPackage | None = None) -> Path:
    """The empty ledger workbook: sheets 工作台账 / 发文 / 建设项目 / 项目进度 / 荣誉 with
    Chinese headers and drop-down lists, a 说明 sheet, and (with ``package``) a 机构列表."""
    return write_workbook(path, (), package)


def export_ledger(ledger: Ledger, path: str | Path, *, start: date | None = None, end: date | None = None,
                  orgunits: Iterable[str] | None = None) -> dict[str, int]:
    """Write the ledger (entries overlapping [start, end], documents and honours
    dated within it, every project in ``orgunits`` with all its progress) in the
    template's layout; returns how many items of each kind. Importing the file
    into another workspace recreates the same items."""
    scope = None if orgunits is None else set(orgunits)
    first, last = start or _FAR_PAST, end or _FAR_FUTURE
    items: list[LedgerItem] = [
        *ledger.list_entries(first, last, scope), *ledger.documents(start, end, scope),
        *ledger.projects(scope), *ledger.progress(orgunits=scope), *ledger.honours(start, end, scope)]
    write_workbook(path, items, ledger.package)
    counts = {kind: 0 for kind in ITEM_KINDS}
    for item in items:
        counts[kind_of(item)] += 1
    return counts


def write_ledger_items(path: str | Path, items: Iterable[LedgerItem], package: MetadataPackage | None = None) -> Path:
    """Items not (yet) stored, in the template's layout: what the demo imports."""
    return write_workbook(path, items, package)


# -- import ---------------------------------------------------------------------------

def import_ledger(ledger: Ledger, path: str | Path, user: str, dry_run: bool = False, *,
                  scope: Collection[str] | None = None) -> LedgerImportReport:
    """Check every row of the workbook at ``path``; store all of it or nothing.

    ``scope``: the org units ``user`` may record for (None: all). A dry run
    checks and counts but writes nothing.
    """
    path = Path(path)
    report = LedgerImportReport(file=path.name, dry_run=dry_run)
    rows, problems, report.rows_read = read_workbook(path, ledger.package, scope)
    report.problems.extend(problems)
    _refuse_duplicates(rows, report)
    _refuse_unknown_projects(ledger, rows, report)
    if report.problems:
        order = {sheet.title: i for i, sheet in enumerate(SHEETS.values())}
        report.problems.sort(key=lambda p: (order.get(p.item, -1), p.row or 0))  # stable: a row's own order stays
        return report
    changes = _plan(ledger, rows, report)
    if not dry_run and changes:
        try:
            ledger.write(changes, user, source=path.name)
        except (LedgerError, StoreError) as error:  # e.g. another user stored the same item meanwhile
            report.add(Problem(path.name, "store-error", str(error)))
            return report
    report.done = True
    return report


def _refuse_duplicates(rows: list[SheetRow], report: LedgerImportReport) -> None:
    """The same item twice in one file is a mistake: which of the two is meant?"""
    first: dict[tuple, SheetRow] = {}
    for row in rows:
        key = (row.sheet.kind, natural_key(row.item))
        if any(part in ("", None) for part in key[1]):
            continue  # an incomplete key is reported as such, not as a duplicate
        if key in first:
            earlier = first[key]
            column = row.headers.get(row.sheet.key_field, FIELD_LABELS.get(row.sheet.key_field))
            report.add(Problem(report.file, "duplicate-row",
                               f"与第 {earlier.row} 行重复（{_key_words(row.sheet.kind)}相同）",
                               row=row.row, column=column, item=row.sheet.title))
        else:
            first[key] = row


def _key_words(kind: str) -> str:
    return {"entry": "机构、类型、标题、开始日期、结束日期", "document": "文号", "project": "项目名称",
            "progress": "项目名称、日期", "honour": "机构、荣誉名称、授予日期"}[kind]


def _refuse_unknown_projects(ledger: Ledger, rows: list[SheetRow], report: LedgerImportReport) -> None:
    """A progress record needs its project, stored already or in this file's 建设项目."""
    names = {p.name for p in ledger.projects()} | {r.item.name for r in rows if r.sheet.kind == "project"}
    for row in rows:
        item = row.item
        if isinstance(item, ProgressRecord) and item.project and item.project not in names:
            report.add(Problem(report.file, "unknown-project",
                               f"未找到建设项目：“{item.project}”（请先在“建设项目”表中登记）",
                               row=row.row, column=row.headers.get("project", "项目名称"), item=row.sheet.title))


def _plan(ledger: Ledger, rows: list[SheetRow], report: LedgerImportReport) -> list[ItemChange]:
    """Compare with what is stored: add new items, update changed ones, skip equal ones."""
    stored: dict[str, dict[tuple, LedgerItem]] = {kind: {} for kind in ITEM_KINDS}
    for item in [*ledger.list_entries(_FAR_PAST, _FAR_FUTURE), *ledger.documents(), *ledger.projects(),
                 *ledger.progress(), *ledger.honours()]:
        stored[kind_of(item)][natural_key(item)] = item
    changes: list[ItemChange] = []
    # projects first, so progress records of a project new in this file can find it
    for row in sorted(rows, key=lambda r: r.sheet.kind != "project"):
        kind, item = row.sheet.kind, row.item
        existing = stored[kind].get(natural_key(item))
        if existing is None:
            changes.append(ItemChange("add", item))
            _bump(report.created, kind)
        elif _same(existing, item):
            _bump(report.unchanged, kind)
        else:
            changes.append(ItemChange("update", item, id=existing.id))
            _bump(report.updated, kind)
    for counts in (report.created, report.updated, report.unchanged):  # in the sheets' order
        ordered = {kind: counts[kind] for kind in ITEM_KINDS if kind in counts}
        counts.clear()
        counts.update(ordered)
    return changes


def _same(stored: LedgerItem, new: LedgerItem) -> bool:
    if isinstance(stored, ProgressRecord):
        return replace(stored, id=None, project_id=None) == new
    return replace(stored, id=None) == new


def _bump(counts: dict[str, int], kind: str) -> None:
    counts[kind] = counts.get(kind, 0) + 1
