"""A county's own sheet as a grid of cells, the way a person sees it on screen.

Excel files (.xlsx, .xls, .ods — and an .xlsx saved under an .xls name: the
content decides, not the name) are read with python-calamine, merged cells
filled with their top-left value so a two-row header reads "健康档案 / 建档人数"
in every column it covers. CSV files are read in their own encoding (UTF-8 or
GBK). Rows and columns are 1-based; ``cell_name(7, 4)`` is "D7".
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from weijian.errors import WeijianError
from weijian.exchange.encoding import detect_encoding
from weijian.exchange.limits import DEFAULT_EXCEL_LIMIT, excel_size_problem

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
GRID_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES
MAX_CELLS = 2_000_000


@dataclass
class Grid:
    file: str
    sheet: str
    cells: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (top, left, bottom, right), 1-based

    @property
    def height(self) -> int:
        return len(self.cells)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.cells), default=0)

    def value(self, row: int, column: int) -> object:
        """The cell at (row, column), 1-based; a merged cell answers with its range's value."""
        if 1 <= row <= self.height and 1 <= column <= len(self.cells[row - 1]):
            return self.cells[row - 1][column - 1]
        return None

    def text(self, row: int, column: int) -> str:
        return cell_text(self.value(row, column))

    def where(self, row: int, column: int) -> str:
        """The cell as a user finds it: 5月!D7."""
        return f"{self.sheet}!{cell_name(row, column)}"

    def merged_across(self, row: int, column: int) -> tuple[int, int] | None:
        """(left, right) of a merged range holding (row, column) that spans several columns."""
        for top, left, bottom, right in self.merged:
            if top <= row <= bottom and left <= column <= right and right > left:
                return left, right
        return None


def column_letter(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for char in letters.strip().upper():
        if not "A" <= char <= "Z":
            raise ValueError(letters)
        number = number * 26 + ord(char) - 64
    return number


def cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def cell_text(value: object) -> str:
    """A cell as text: 12.0 → "12", None → "", inner line breaks and spaces folded."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u3000", " ").split())


def sheet_names(path: str | Path) -> list[str]:
    path = Path(path)
    if path.suffix.lower() in CSV_SUFFIXES:
        return [path.stem]
    with _workbook(path) as book:
        return list(book.sheet_names)


def read_grid(path: str | Path, sheet: str | int | None = None) -> Grid:
    """The sheet ``sheet`` (name, 1-based index, or None for the first) of ``path``."""
    path = Path(path)
    if not path.is_file():
        raise WeijianError(f"找不到文件“{path}”")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix not in EXCEL_SUFFIXES:
        raise WeijianError(f"{path.name}：不支持的文件类型“{suffix or '无扩展名'}”，应为 Excel（.xlsx/.xls）或 CSV")
    too_big = excel_size_problem(path, DEFAULT_EXCEL_LIMIT)
    if too_big is not None:
        raise WeijianError(too_big.describe())
    with _workbook(path) as book:
        names = list(book.sheet_names)
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int) or str(sheet).isdigit():
            index = int(sheet)
            if not 1 <= index <= len(names):
                raise WeijianError(f"{path.name} 只有 {len(names)} 张工作表，没有第 {index} 张")
            name = names[index - 1]
        elif sheet in names:
            name = str(sheet)
        else:
            raise WeijianError(f"{path.name} 中没有工作表“{sheet}”：有 {'、'.join(names)}")
        data = book.get_sheet_by_name(name)
        rows = data.to_python(skip_empty_area=False)
        merged = [(top + 1, left + 1, bottom + 1, right + 1)
                  for (top, left), (bottom, right) in (data.merged_cell_ranges or [])]
    if sum(len(r) for r in rows) > MAX_CELLS:
        raise WeijianError(f"{path.name}!{name}：超过 {MAX_CELLS} 个单元格，请分表导入")
    cells = [[None if value == "" else value for value in row] for row in rows]
    for top, left, bottom, right in merged:  # every cell of a merged range shows its value
        if top > len(cells):
            continue
        value = cells[top - 1][left - 1] if left <= len(cells[top - 1]) else None
        for r in range(top, min(bottom, len(cells)) + 1):
            row = cells[r - 1]
            row.extend([None] * (right - len(row)))
            for c in range(left, right + 1):
                row[c - 1] = value
    return Grid(path.name, name, cells, merged)


class _workbook:
    """Open a workbook by its content (an .xlsx named .xls opens all the same)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        from python_calamine import CalamineWorkbook

        try:
            self.book = CalamineWorkbook.from_filelike(io.BytesIO(self.path.read_bytes()))
        except Exception as error:  # calamine raises its own types for files it cannot read
            raise WeijianError(f"{self.path.name}：无法读取（文件损坏，或不是 Excel 文件）：{error}") from None
        return self.book

    def __exit__(self, *exc) -> None:
        self.book.close()


def _read_csv(path: Path) -> Grid:
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
            rows = [[_csv_value(cell) for cell in row] for row in csv.reader(handle, delimiter=delimiter)]
    except (UnicodeError, csv.Error) as error:
        raise WeijianError(f"{path.name}：无法读取（编码 {encoding}）：{error}") from None
    if sum(len(r) for r in rows) > MAX_CELLS:
        raise WeijianError(f"{path.name}：超过 {MAX_CELLS} 个单元格，请分表导入")
    return Grid(path.name, path.stem, rows)


def _csv_value(text: str) -> object:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number
