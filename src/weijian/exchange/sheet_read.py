"""A foreign sheet read through its mapping profile into the importer's records.

Each data cell becomes one ``RawRecord`` (element, option, org unit, period,
value) whose column names are the sheet's own cells ("5月!D7（建档人数）"), so
every problem the validator finds points at the cell a user opens. Blank and
"—"-like cells mean no value. A 合计 row is never imported: it is checked
against the sum of the rows above it, and a mismatch is a problem. A label the
profile does not know is a problem saying which line of the profile to add.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from weijian.errors import Problem, WeijianError
from weijian.exchange.readers import RawRecord
from weijian.exchange.sheet_grid import Grid, cell_text, column_number, read_grid
from weijian.exchange.sheet_names import Names, normalise, period_in, year_in
from weijian.exchange.sheet_profile import SheetProfile
from weijian.model import MetadataPackage
from weijian.model.periods import Period

TOTAL_TOLERANCE = Decimal("0.5")


def sheet_records(path: str | Path, profile: SheetProfile, package: MetadataPackage,
                  period: str | Period | None = None) -> Iterator[RawRecord | Problem]:
    """The records of ``path`` read through ``profile``; ``period`` (weijian import --period)
    is used where the profile says ``given`` and overrides a period read from the sheet."""
    path = Path(path)
    try:
        grid = read_grid(path, profile.sheet)
    except WeijianError as error:
        yield Problem(path.name, "unreadable", str(error))
        return
    try:
        label_column = column_number(profile.label_column)
    except ValueError:
        yield Problem(path.name, "bad-profile", f"映射配置的 label_column“{profile.label_column}”不是列字母")
        return
    default_period, problem = _sheet_period(grid, profile, period)
    if problem is not None:
        yield problem
        return
    names = Names(package)
    totals_words = [normalise(t) for t in profile.totals if normalise(t)]
    empty = {normalise(e) for e in profile.empty} | {""}
    columns = []
    for column in profile.columns:
        if not (column.element or column.orgunit or column.period or profile.element):
            continue  # the profile leaves it out (weijian import lists it)
        try:
            columns.append((column_number(column.column), column))
        except ValueError:
            yield Problem(path.name, "bad-profile", f"映射配置 columns 中的“{column.column}”不是列字母")
            return
    running: dict[int, Decimal] = {}
    last = profile.last_row or grid.height
    for row in range(profile.first_row, last + 1):
        label = grid.text(row, label_column)
        values = {number: grid.value(row, number) for number, _ in columns}
        if all(normalise(cell_text(v)) in empty for v in values.values()):
            continue  # nothing to import: a blank row, a 注 line, a sub-heading
        key = normalise(label)
        if key and any(word in key for word in totals_words):
            yield from _check_total(grid, row, columns, values, running, empty)
            running = {}
            continue
        row_code, problem = _row_code(grid, row, label_column, label, profile, names)
        if problem is not None:
            yield problem
            continue
        if row_code is None:
            continue  # the profile says: not imported
        for number, column in columns:
            cell = values[number]
            if normalise(cell_text(cell)) in empty:
                continue
            record = _record(grid, row, number, column, cell, row_code, profile, default_period, label_column)
            if isinstance(record, Problem):
                yield record
                continue
            amount = _decimal(cell)
            if amount is not None:
                running[number] = running.get(number, Decimal(0)) + amount * column.scale
            yield record


def left_out(profile: SheetProfile) -> list[str]:
    """The columns and row labels a profile leaves out, in words for the import report."""
    columns = [f"{c.column} 列“{c.header or '无表头'}”" for c in profile.columns
               if not (c.element or c.orgunit or c.period or profile.element)]
    rows = [f"“{label}”" for label, code in profile.rows.items()
            if code is None and not any(normalise(t) in normalise(label) for t in profile.totals if normalise(t))]
    notes = []
    if columns:
        notes.append("映射配置中没有数据项、未导入的列：" + "、".join(columns))
    if rows:
        notes.append("映射配置中写明不导入的行：" + "、".join(rows))
    return notes


def _row_code(grid: Grid, row: int, label_column: int, label: str, profile: SheetProfile,
              names: Names) -> tuple[str | None, Problem | None]:
    where = grid.where(row, label_column)
    if label in profile.rows:
        return profile.rows[label], None
    if not label:
        return None, Problem(grid.file, "unknown-label", f"{where}：这一行有数字但没有行标签（{'机构' if profile.rows_are == 'orgunits' else '数据项'}）",
                             row=row, column=where)
    match = names.orgunit(label) if profile.rows_are == "orgunits" else names.element(label)
    if match.sure:
        return match.code, None
    kind = "机构" if profile.rows_are == "orgunits" else "数据项"
    hint = f"（{match.describe()}）" if match.code else ""
    return None, Problem(grid.file, "unknown-label",
                         f"{where}：不认识的{kind}“{label}”{hint}。在映射配置的 rows 中加一行“{label}: 编码”"
                         f"（weijian list {'orgunits' if kind == '机构' else 'elements'} --search 查编码），不导入则写“{label}: null”",
                         row=row, column=where)


def _record(grid: Grid, row: int, number: int, column, cell, row_code: str, profile: SheetProfile,
            default_period: Period | None, label_column: int) -> RawRecord | Problem:
    where = grid.where(row, number)
    if profile.rows_are == "orgunits":
        element, orgunit = column.element, row_code
    else:
        element, orgunit = row_code, column.orgunit
    if element is None and profile.element and profile.rows_are == "elements":
        element = profile.element
    if element is None or orgunit is None:
        return Problem(grid.file, "unmapped-column",
                       f"{where}：{column.column} 列没有映射到{'数据项' if element is None else '机构'}"
                       f"（表头“{column.header}”）：在映射配置 columns 中给 {column.column} 列填写"
                       f"{'element' if element is None else 'orgunit'}，或删去这一列", row=row, column=where)
    code, _, option = element.partition(".")
    period = Period.parse(column.period) if column.period else default_period
    if period is None:
        return Problem(grid.file, "no-period", f"{where}：不知道这些数据属于哪个期间：导入时加 --period，"
                                               "或在映射配置 period 中指定来源", row=row, column=where)
    value = cell
    if column.scale != 1:
        amount = _decimal(cell)
        if amount is not None:
            value = format(amount * column.scale, "f")
    header = f"{where}（{column.header}）" if column.header else where
    return RawRecord(grid.file, row, {"dataelement": code, "categoryoptioncombo": option or None, "orgunit": orgunit,
                                      "period": period.id, "value": value},
                     {"dataelement": header, "categoryoptioncombo": header, "orgunit": grid.where(row, label_column),
                      "period": header, "value": header})


def _decimal(cell) -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    try:
        return Decimal(str(cell).replace(",", "").strip())
    except InvalidOperation:
        return None


def _check_total(grid: Grid, row: int, columns, values, running: dict[int, Decimal], empty) -> Iterator[Problem]:
    for number, column in columns:
        stated = _decimal(values[number])
        if stated is None or number not in running:
            continue
        stated *= column.scale
        if abs(stated - running[number]) > TOTAL_TOLERANCE * column.scale:
            where = grid.where(row, number)
            yield Problem(grid.file, "total-mismatch",
                          f"{where}：{grid.text(row, column_number_of(grid, row))}{_plain(stated)} 与上面各行之和 "
                          f"{_plain(running[number])} 不符（差 {_plain(stated - running[number])}）。合计行不导入，"
                          "但它不符说明某一行可能填错了：请核对该列各行；若合计本不含某些行，从映射配置 totals 中去掉它",
                          row=row, column=where)


def column_number_of(grid: Grid, row: int) -> int:
    """The first column of ``row`` with text: where its 合计 label stands."""
    return next((c for c in range(1, grid.width + 1) if grid.text(row, c)), 1)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _sheet_period(grid: Grid, profile: SheetProfile, given) -> tuple[Period | None, Problem | None]:
    if given is not None:
        try:
            return (given if isinstance(given, Period) else Period.parse(str(given))), None
        except WeijianError as error:
            return None, Problem(grid.file, "bad-period", f"--period：{error}")
    source = profile.period.source
    year = year_in(grid.sheet, *(grid.text(r, c) for r in range(1, profile.first_row)
                                 for c in range(1, grid.width + 1)), grid.file)
    text = {"sheet_name": grid.sheet, "file_name": grid.file}.get(source)
    if source == "cell" and profile.period.cell:
        letters = "".join(ch for ch in profile.period.cell if ch.isalpha())
        digits = "".join(ch for ch in profile.period.cell if ch.isdigit())
        try:
            text = grid.text(int(digits), column_number(letters))
        except ValueError:
            return None, Problem(grid.file, "bad-profile", f"映射配置 period.cell“{profile.period.cell}”不是单元格，如 A1")
    if text is None:
        return None, None  # per column, or given on the command line
    found = period_in(text, year)
    if found is None:
        where = {"sheet_name": f"工作表名“{grid.sheet}”", "file_name": f"文件名“{grid.file}”"}.get(
            source, f"单元格 {grid.sheet}!{profile.period.cell}“{text}”")
        return None, Problem(grid.file, "no-period", f"从{where}看不出期间（年份和月份）：导入时加 --period，如 --period 202605")
    return found, None
