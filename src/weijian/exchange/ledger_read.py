"""Read a work-ledger workbook (工作台账) into items, and say what is wrong with each row.

Sheets are found by name (工作台账, 发文, 建设项目, 项目进度, 荣誉; any may be
missing), columns by header (with common aliases; extra columns are ignored).
Every row becomes an item, checked by ``weijian.ledger.check_item``; each
problem names the sheet (``Problem.item``), the row as Excel shows it and the
column header as written. Nothing here touches a store: ``ledger_io`` decides
what to write.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from weijian.errors import Problem
from weijian.exchange.ledger_sheets import SHEETS, Column, Sheet, header_key
from weijian.exchange.readers import is_blank
from weijian.exchange.validate import cell_text, parse_number, unescape_formula
from weijian.ledger import (
    FIELD_LABELS,
    Honour,
    IssuedDocument,
    LedgerEntry,
    LedgerItem,
    Project,
    ProgressRecord,
    check_item,
)
from weijian.model import MetadataPackage

__all__ = ["SheetRow", "parse_day", "read_workbook"]

_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Excel serial days of 1990-01-01 and 2100-12-31: a bare number outside is no date
_SERIAL_RANGE = (32874, 73415)
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_HINT = "（应如 2026-05-03 或 2026年5月3日）"


@dataclass
class SheetRow:
    sheet: Sheet
    row: int
    item: LedgerItem
    headers: dict[str, str]  # field → header as written
    ok: bool  # no problem found in the row itself


def read_workbook(path: Path, package: MetadataPackage,
                  scope: Collection[str] | None = None) -> tuple[list[SheetRow], list[Problem], int]:
    """Every data row of the workbook as an item, the problems found, and how many rows were read.
    ``scope``: the org units the rows may name (None: any)."""
    problems: list[Problem] = []
    reader = _SheetReader(path.name, package, problems, None if scope is None else frozenset(scope))
    rows = reader.workbook(path)
    return rows, problems, reader.rows_read


class _SheetReader:
    """Rows of each sheet → items; problems into ``problems``."""

    def __init__(self, file: str, package: MetadataPackage, problems: list[Problem],
                 scope: frozenset[str] | None):
        self.file, self.package, self.problems, self.scope = file, package, problems, scope
        self.rows_read = 0
        by_name: dict[str, list[str]] = {}
        for ou in package.orgunits.values():
            by_name.setdefault(ou.name, []).append(ou.code)
        self.unit_by_name = {n: codes[0] for n, codes in by_name.items() if len(codes) == 1}

    def add(self, code: str, message: str, *, row: int | None = None, column: str | None = None,
            sheet: Sheet | None = None) -> None:
        self.problems.append(Problem(self.file, code, message, row=row, column=column,
                                     item=None if sheet is None else sheet.title))

    def workbook(self, path: Path) -> list[SheetRow]:
        if not path.is_file():
            self.add("file-not-found", f"找不到文件“{path}”")
            return []
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".ods"):
            self.add("unsupported-format", f"工作台账应为 Excel 文件（.xlsx），而不是“{path.suffix or '无扩展名'}”")
            return []
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except PasswordError:
            self.add("not-excel", "不是有效的 Excel 文件：文件设有密码，请取消密码后再导入")
            return []
        except (CalamineError, OSError, ValueError):
            self.add("not-excel", "不是有效的 Excel 文件：无法打开，文件可能已损坏或只是改了扩展名")
            return []
        rows: list[SheetRow] = []
        with workbook:
            titles = {header_key(t): t for t in workbook.sheet_names}
            present = [(sheet, titles[header_key(sheet.title)]) for sheet in SHEETS.values()
                       if header_key(sheet.title) in titles]
            if not present:
                wanted = "、".join(s.title for s in SHEETS.values())
                self.add("bad-template", f"不是工作台账文件：没有名为 {wanted} 的工作表；请使用系统生成的模板")
                return []
            for sheet, title in present:
                try:
                    cells = list(workbook.get_sheet_by_name(title).iter_rows())
                except CalamineError:
                    self.add("not-excel", "工作表内容已损坏", sheet=sheet)
                    continue
                rows += self.read(sheet, cells)
        if not rows and not self.problems:
            self.add("empty-file", "文件中没有台账数据行")
        return rows

    def read(self, sheet: Sheet, cells: list[list]) -> list[SheetRow]:
        start = next((i for i, r in enumerate(cells) if not all(is_blank(c) for c in r)), None)
        if start is None:
            return []  # an empty sheet: nothing of this kind to import
        index = self.header(sheet, start + 1, cells[start])
        if index is None:
            return []
        headers = {column.field: header for column, (_, header) in index.items()}
        found = []
        for n, values in enumerate(cells[start + 1:], start=start + 2):
            if all(is_blank(c) for c in values):
                continue
            self.rows_read += 1
            raw = {column.field: values[i] if i < len(values) else None for column, (i, _) in index.items()}
            item, problems = self.item(sheet, raw, headers)
            for column, code, message in problems:
                self.add(code, message, row=n, column=column, sheet=sheet)
            found.append(SheetRow(sheet, n, item, headers, ok=not problems))
        return found

    def header(self, sheet: Sheet, row: int, cells: list) -> dict[Column, tuple[int, str]] | None:
        names = {}
        for column in sheet.columns:
            for alias in (column.header, *column.aliases):
                names.setdefault(header_key(alias), column)
        index: dict[Column, tuple[int, str]] = {}
        for i, cell in enumerate(cells):
            column = names.get(header_key(cell))
            if column is None:
                continue  # extra columns (序号, 备注 …) are allowed and ignored
            if column in index:
                self.add("duplicate-column", f"“{index[column][1]}”和“{str(cell).strip()}”两列含义相同，只能保留一列",
                         row=row, column=str(cell).strip(), sheet=sheet)
                return None
            index[column] = (i, str(cell).strip())
        fields = {c.field for c in index}
        missing = [c.header for c in sheet.columns if c.required and c.field not in fields
                   and not (c.field == "orgunit" and "orgunit_name" in fields)]
        if missing:
            self.add("missing-columns", f"缺少必需的列：{'、'.join(missing)}", row=row, sheet=sheet)
            return None
        return index

    def item(self, sheet: Sheet, raw: dict[str, object],
             headers: dict[str, str]) -> tuple[LedgerItem, list[tuple[str, str, str]]]:
        """The row's item and its problems as (column header, code, message), in column order."""
        values: dict[str, object] = {}
        found: list[tuple[int, str, str, str]] = []  # (column position, header, code, message)
        position = {column.field: i for i, column in enumerate(sheet.columns)}
        bad: set[str] = set()  # fields already reported: one message per cell

        def problem(field: str, code: str, message: str) -> None:
            if field not in bad:
                header = headers.get(field, FIELD_LABELS.get(field, field))
                found.append((position.get(field, len(position)), header, code, message))
                bad.add(field)

        counts: dict[str, object] = {}
        for column in sheet.columns:
            if column.field not in raw:
                continue
            cell = raw[column.field]
            if column.type in ("date", "number", "count"):
                if is_blank(cell):
                    continue
                parsed, error = parse_day(cell) if column.type == "date" else _number(cell)
                if error is not None:
                    problem(column.field, "bad-date" if column.type == "date" else "not-a-number", error)
                elif column.type == "count":
                    counts[column.field] = parsed
                else:
                    values[column.field] = parsed
            else:
                values[column.field] = unescape_formula(cell_text(cell))
        code, name = values.pop("orgunit", ""), values.pop("orgunit_name", "")
        values["orgunit"] = self.orgunit(code, name)
        if sheet.kind != "progress" and not code and name and values["orgunit"] not in self.package.orgunits:
            problem("orgunit_name", "unknown-orgunit", f"未知的机构名称：“{name}”（或有重名，请填写机构编码）")
            bad.add("orgunit")
        if "start" in bad:
            bad.add("end")  # a blank end means the start: nothing more to say about it
        values["counts"] = counts
        item = _build(sheet.kind, values)
        for field_name, problem_code, message in check_item(item, self.package):
            problem(field_name, problem_code, message)
        orgunit = getattr(item, "orgunit", None)
        if self.scope is not None and orgunit in self.package.orgunits and orgunit not in self.scope:
            unit = self.package.orgunits[orgunit]
            problem("orgunit", "out-of-scope", f"机构“{unit.name}”（{unit.code}）不在您可以填报的范围内")
        found.sort(key=lambda f: f[0])
        return item, [(header, problem_code, message) for _, header, problem_code, message in found]

    def orgunit(self, code: object, name: object) -> str:
        text = unicodedata.normalize("NFKC", str(code or "")).strip()
        if not text and name:
            return self.unit_by_name.get(str(name).strip(), str(name).strip())
        return text


def _build(kind: str, v: dict[str, object]) -> LedgerItem:
    """The item a row describes, blanks as empty text or None (the checks name them)."""
    text = {k: v.get(k) or "" for k in ("orgunit", "department", "domain", "kind", "title", "text", "number",
                                        "name", "funding", "status", "project", "milestone", "what",
                                        "awarded_by", "level")}
    if kind == "entry":
        return LedgerEntry(text["orgunit"], text["domain"], text["kind"], text["title"], v.get("start"),
                           v.get("end"), text["text"], v.get("counts") or {}, text["department"])
    if kind == "document":
        return IssuedDocument(text["orgunit"], text["number"], text["title"], v.get("date"), text["domain"],
                              text["department"])
    if kind == "project":
        return Project(text["orgunit"], text["name"], text["status"], v.get("investment"), text["funding"],
                       text["domain"] or "综合", text["department"])
    if kind == "progress":
        return ProgressRecord(text["project"], v.get("date"), v.get("percent"), text["milestone"],
                              text["status"] or None)
    return Honour(text["orgunit"], text["what"], text["level"], v.get("date"), text["domain"],
                  text["awarded_by"], text["department"])


def _number(cell: object) -> tuple[Decimal | None, str | None]:
    number = parse_number(cell)
    if number is None:
        return None, f"不是数字：“{cell_text(cell)}”"
    return number, None


def parse_day(cell: object) -> tuple[date | None, str | None]:
    """A date from a cell: an Excel date, 2026-05-03, 2026/5/3, 2026.5.3, 2026年5月3日,
    20260503, or an Excel serial day number; else (None, Chinese message)."""
    if isinstance(cell, datetime):
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if float(cell).is_integer():
            number = int(cell)
            if 19000101 <= number <= 29991231:
                return _ymd(str(number)[:4], str(number)[4:6], str(number)[6:], str(number))
            if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
                return _EXCEL_EPOCH + timedelta(days=number), None
        return None, f"不是日期：“{cell_text(cell)}”{_DATE_HINT}"
    text = unicodedata.normalize("NFKC", cell_text(cell))
    if match := _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text):
        return _ymd(*match.groups()[:3], text)
    return None, f"不是日期：“{text}”{_DATE_HINT}"


def _ymd(year: str, month: str, day: str, shown: str) -> tuple[date | None, str | None]:
    try:
        return date(int(year), int(month), int(day)), None
    except ValueError:
        return None, f"不是有效的日期：“{shown}”"


