"""Read data-value files into raw records, one at a time.

Every format (CSV, JSON dataValueSets, Excel long, the Excel wide template)
becomes the same stream of ``RawRecord`` values (or ``Problem`` values for
what cannot be read), so ``validate`` has one path for all of them. Readers
never hold a whole CSV in memory (one line is capped, see ``limits``); JSON is
loaded whole but refused above a size limit; Excel sheets are read through
python-calamine after a size check that also refuses zip bombs.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

from weijian.errors import Problem
from weijian.exchange.encoding import detect_encoding
from weijian.exchange.limits import DEFAULT_EXCEL_LIMIT, MAX_CSV_LINE, excel_size_problem, megabytes
from weijian.exchange.template import (
    CODE_ROW, FIRST_DATA_ROW, IGNORED_CODES, MARKER_SHEET, ORGUNIT_CODE, PERIOD_HEADER, split_code,
)

__all__ = [
    "COLUMN_ALIASES", "COLUMN_LABELS", "DEFAULT_JSON_LIMIT", "JSON_KEYS", "REQUIRED_COLUMNS",
    "SUFFIXES", "RawRecord", "canonical_column", "is_blank", "read_records",
]

DEFAULT_JSON_LIMIT = 200 * 1024 * 1024

# DHIS2 dataValueSets JSON keys, by our canonical (lower-case CSV) column name.
JSON_KEYS = {
    "dataelement": "dataElement", "period": "period", "orgunit": "orgUnit",
    "categoryoptioncombo": "categoryOptionCombo", "attributeoptioncombo": "attributeOptionCombo",
    "value": "value", "storedby": "storedBy", "lastupdated": "lastUpdated",
    "comment": "comment", "followup": "followup",
}
# Chinese names used in headers and in messages about missing columns.
COLUMN_LABELS = {
    "dataelement": "数据项", "period": "期间", "orgunit": "机构", "categoryoptioncombo": "分类选项",
    "attributeoptioncombo": "属性选项", "value": "数值", "storedby": "录入人",
    "lastupdated": "更新时间", "comment": "备注", "followup": "跟进",
}
# The one table of accepted headers (after _normalise_header) → canonical column.
COLUMN_ALIASES = {
    **{c: c for c in JSON_KEYS},  # camelCase headers fold to these too
    **{label: c for c, label in COLUMN_LABELS.items()},
    "数据项编码": "dataelement", "机构编码": "orgunit", "期间编码": "period",
    "分类选项编码": "categoryoptioncombo", "值": "value", "需跟进": "followup",
}
REQUIRED_COLUMNS = ("dataelement", "period", "orgunit", "value")
SUFFIXES = (".csv", ".json", ".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(slots=True)
class RawRecord:
    """One data row as found in a file, before any checking.

    ``values`` maps canonical column → raw cell (text, number, date, None);
    ``headers`` maps canonical column → the header as written in the file,
    so problems can name the column the user sees.
    """

    file: str
    row: int
    values: dict[str, object]
    headers: Mapping[str, str]


def read_records(path: str | Path, *, json_limit: int = DEFAULT_JSON_LIMIT, excel_limit: int = DEFAULT_EXCEL_LIMIT,
                 line_limit: int = MAX_CSV_LINE) -> Iterator[RawRecord | Problem]:
    """Stream the records of one file, whatever its format (limits in bytes; ``line_limit``
    in characters per CSV line)."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        yield Problem(name, "file-not-found", f"找不到文件“{path}”")
    elif suffix == ".csv":
        yield from _read_csv(path, line_limit)
    elif suffix == ".json":
        yield from _read_json(path, json_limit)
    elif suffix in SUFFIXES:
        too_big = excel_size_problem(path, excel_limit)
        yield from [too_big] if too_big is not None else _read_excel(path)
    else:
        yield Problem(name, "unsupported-format",
                      f"不支持的文件类型“{suffix or '无扩展名'}”：应为 {'、'.join(SUFFIXES)}")


def canonical_column(header: object) -> str | None:
    return COLUMN_ALIASES.get(_normalise_header(header))


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# -- CSV ----------------------------------------------------------------------

def _read_csv(path: Path, line_limit: int) -> Iterator[RawRecord | Problem]:
    encoding = detect_encoding(path)
    # surrogateescape keeps undecodable bytes as lone surrogates, so one bad
    # row becomes a problem on that row instead of an exception mid-file.
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as f:
        try:
            delimiter = _sniff_delimiter(f.readline(line_limit))
        except UnicodeDecodeError:  # e.g. UTF-16 cut off mid-character: surrogateescape cannot help
            yield _truncated_text(path.name, encoding, 1)
            return
        f.seek(0)
        lines = _LimitedLines(f, line_limit)
        yield from _table_records(path.name, _csv_rows(path.name, csv.reader(lines, delimiter=delimiter),
                                                       encoding, lines))


class _LimitedLines:
    """The file's lines for csv.reader, each read with at most ``limit`` characters."""

    def __init__(self, f, limit: int):
        self.f = f
        self.limit = limit
        self.number = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.f.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > self.limit:
            raise _LineTooLong(self.number)
        return line


class _LineTooLong(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > counts[","] else ","


def _csv_rows(name: str, reader, encoding: str, lines: _LimitedLines) -> Iterator[tuple[int, list] | Problem]:
    n = 0
    try:
        for n, cells in enumerate(reader, start=1):
            try:
                "".join(cells).encode("utf-8")
            except UnicodeEncodeError:
                yield Problem(name, "bad-encoding",
                              f"含有无法识别的字符（按 {encoding.upper()} 读取）；请用 Excel/WPS 另存为“CSV UTF-8”后再导入",
                              row=n)
                continue
            yield n, cells
    except csv.Error as exc:
        yield Problem(name, "bad-csv", f"无法读取 CSV：{exc}", row=n + 1)
    except UnicodeDecodeError:
        yield _truncated_text(name, encoding, n + 1)
    except _LineTooLong as exc:
        yield Problem(name, "line-too-long",
                      f"文件第 {exc.line} 行超过 {lines.limit} 个字符（可能不是 CSV 文件，或缺少换行），已停止读取",
                      row=n + 1)


def _truncated_text(name: str, encoding: str, row: int) -> Problem:
    return Problem(name, "bad-encoding",
                   f"文件不是完整的 {encoding.upper()} 文本（第 {row} 行附近数据不完整，文件可能已损坏）；"
                   "请用 Excel/WPS 另存为“CSV UTF-8”后再导入", row=row)


# -- Excel ----------------------------------------------------------------------

def _read_excel(path: Path) -> Iterator[RawRecord | Problem]:
    name = path.name
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        yield Problem(name, "not-excel", "不是有效的 Excel 文件：文件设有密码，请取消密码后再导入")
        return
    except (CalamineError, OSError, ValueError):
        yield Problem(name, "not-excel", "不是有效的 Excel 文件：无法打开，文件可能已损坏或只是改了扩展名")
        return
    with workbook:
        try:
            if MARKER_SHEET in workbook.sheet_names:
                yield from _wide_records(name, workbook)
            else:
                yield from _table_records(name, _excel_rows(workbook, _first_worksheet(workbook)))
        except CalamineError:
            yield Problem(name, "not-excel", "不是有效的 Excel 文件：工作表内容已损坏")


def _first_worksheet(workbook: CalamineWorkbook) -> str:
    visible = [m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
    return (visible or workbook.sheet_names)[0]


def _excel_rows(workbook: CalamineWorkbook, sheet: str) -> Iterator[tuple[int, list]]:
    # calamine starts iter_rows at row 1 even when the data start lower down.
    yield from enumerate(workbook.get_sheet_by_name(sheet).iter_rows(), start=1)


def _wide_records(name: str, workbook: CalamineWorkbook) -> Iterator[RawRecord | Problem]:
    """Cells of the wide template: one record per non-blank data cell."""
    for sheet in workbook.sheet_names:
        if sheet == MARKER_SHEET:
            continue
        file = f"{name}（工作表 {sheet}）"
        rows = enumerate(workbook.get_sheet_by_name(sheet).iter_rows(), start=1)
        top = [cells for _, (_, cells) in zip(range(CODE_ROW), rows)]
        if len(top) < CODE_ROW:
            continue  # an empty sheet (notes, instructions) has nothing to import
        headings, codes = top[0], [_cell_code(c) for c in top[CODE_ROW - 1]]
        if ORGUNIT_CODE not in codes:
            yield Problem(file, "bad-template",
                          f"第 {CODE_ROW} 行没有“{ORGUNIT_CODE}”编码，无法确定机构列；请使用系统生成的模板",
                          row=CODE_ROW)
            continue
        ou_col = codes.index(ORGUNIT_CODE)
        ou_heading = _heading(headings, ou_col, ORGUNIT_CODE)
        columns = []
        for col, code in enumerate(codes):
            if code and code not in IGNORED_CODES and col != ou_col:
                element, option = split_code(code)
                heading = _heading(headings, col, code)
                headers = {"dataelement": heading, "categoryoptioncombo": heading, "value": heading,
                           "orgunit": ou_heading, "period": PERIOD_HEADER}
                columns.append((col, element, option, headers))
        for n, cells in rows:
            if n < FIRST_DATA_ROW:
                continue
            orgunit = cells[ou_col] if ou_col < len(cells) else None
            for col, element, option, headers in columns:
                cell = cells[col] if col < len(cells) else None
                if not is_blank(cell):  # blank means "not reported", never zero
                    values = {"dataelement": element, "categoryoptioncombo": option,
                              "orgunit": orgunit, "period": sheet, "value": cell}
                    yield RawRecord(file, n, values, headers)


def _cell_code(cell: object) -> str:
    return cell.strip() if isinstance(cell, str) else ""


def _heading(headings: list, col: int, fallback: str) -> str:
    cell = headings[col] if col < len(headings) else None
    return cell.strip() if isinstance(cell, str) and cell.strip() else fallback


# -- JSON -----------------------------------------------------------------------

def _read_json(path: Path, limit: int) -> Iterator[RawRecord | Problem]:
    name = path.name
    size = path.stat().st_size
    if size > limit:
        yield Problem(name, "file-too-large",
                      f"JSON 文件有 {megabytes(size)}，超过上限 {megabytes(limit)}；请拆分文件或改用 CSV")
        return
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except UnicodeDecodeError:
        yield Problem(name, "bad-json", "JSON 文件应为 UTF-8 编码")
        return
    except json.JSONDecodeError as exc:
        yield Problem(name, "bad-json", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")
        return
    items, set_values, set_headers = _json_items(data)
    if items is None:
        yield Problem(name, "bad-json", "JSON 中缺少 dataValues 列表")
        return
    headers_by_keys: dict[tuple, dict[str, str]] = {}
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield Problem(name, "bad-json", f"dataValues 的第 {n} 项不是对象", row=n)
            continue
        keys = tuple(item)
        if keys not in headers_by_keys:
            # A key missing from an item is still named the DHIS2 way in problems.
            headers_by_keys[keys] = {**JSON_KEYS, **set_headers,
                                     **{c: k for k in keys if (c := canonical_column(k))}}
        headers = headers_by_keys[keys]
        values = dict(set_values)
        values.update((c, item[k]) for c, k in headers.items() if k in item)
        yield RawRecord(name, n, values, headers)


def _json_items(data: object) -> tuple[list | None, dict[str, object], dict[str, str]]:
    """The dataValues list, plus the set-level defaults DHIS2 allows (period, orgUnit …)
    as canonical column → value and canonical column → key."""
    if isinstance(data, list):
        return data, {}, {}
    if not isinstance(data, dict):
        return None, {}, {}
    items, values, headers = None, {}, {}
    for key, value in data.items():
        if _normalise_header(key) == "datavalues":
            items = value if isinstance(value, list) else None
        elif (canonical := canonical_column(key)) and not isinstance(value, (list, dict)):
            values[canonical] = value
            headers[canonical] = key
    return items, values, headers


# -- shared: header row + data rows ------------------------------------------------

def _table_records(name: str, rows: Iterator[tuple[int, list] | Problem]) -> Iterator[RawRecord | Problem]:
    """Map the first non-blank row as headers, then yield one record per data row."""
    index: list[tuple[str, int]] | None = None
    headers: dict[str, str] = {}
    for item in rows:
        if isinstance(item, Problem):
            yield item
            continue
        n, cells = item
        if all(is_blank(c) for c in cells):
            continue
        if index is None:
            index, headers, problem = _map_header(name, n, cells)
            if problem is not None:
                yield problem
                return
            continue
        width = len(cells)
        values = {canonical: cells[i] for canonical, i in index if i < width}
        yield RawRecord(name, n, values, headers)


def _map_header(name: str, n: int, cells: list) -> tuple[list, dict, Problem | None]:
    index: list[tuple[str, int]] = []
    headers: dict[str, str] = {}
    for i, cell in enumerate(cells):
        canonical = canonical_column(cell)
        if canonical is None:
            continue  # extra columns (名称, 单位 …) are allowed and ignored
        if canonical in headers:
            return [], {}, Problem(name, "duplicate-column",
                                   f"“{headers[canonical]}”和“{str(cell).strip()}”两列含义相同，只能保留一列",
                                   row=n, column=str(cell).strip())
        headers[canonical] = str(cell).strip()
        index.append((canonical, i))
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        names = "、".join(f"{COLUMN_LABELS[c]}（{c}）" for c in missing)
        return [], {}, Problem(name, "missing-columns", f"缺少必需的列：{names}", row=n)
    return index, headers, None


def _normalise_header(header: object) -> str:
    if not isinstance(header, str):
        return ""
    text = unicodedata.normalize("NFKC", header).strip().lower()
    return text.replace(" ", "").replace("_", "").replace("-", "")
