"""Propose a mapping profile for a sheet never seen before (``weijian sheets suggest``).

The layout is found from the cells themselves: title rows (one text across the
sheet), the first data row (mostly numbers), the header block between them,
the label column (the leftmost mostly-text column of the body, past a 序号
column), and the orientation (do the labels name org units, or elements and
their options?). Each column and row label is then read through ``Names``:
what is sure is mapped, what is a guess is left unmapped and listed with the
guess, so nothing is stored under a meaning the user did not see.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from weijian.exchange.sheet_grid import Grid, column_letter
from weijian.exchange.sheet_names import UNIT_SCALES, Match, Names, bracket_unit, normalise, period_in, year_in
from weijian.exchange.sheet_profile import DEFAULT_TOTALS, ColumnMap, PeriodSource, SheetProfile
from weijian.model import MetadataPackage

SCAN_ROWS = 40
_ROW_NUMBER_HEADERS = {"序号", "编号", "行次", "no", "序"}
MAX_HEADER_ROWS = 3


@dataclass
class Suggestion:
    """A profile and how it was reached: cells mapped, and what was left for the user."""

    profile: SheetProfile
    mapped_columns: int = 0
    unmapped_columns: int = 0
    mapped_rows: int = 0
    unmapped_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def describe_zh(self) -> str:
        p = self.profile
        lines = [f"表头：第 {'、'.join(map(str, p.header_rows)) or '—'} 行；数据从第 {p.first_row} 行起；"
                 f"{p.label_column} 列为{'机构' if p.rows_are == 'orgunits' else '数据项'}；期间：{_period_words(p)}",
                 f"列：映射 {self.mapped_columns} 个，未映射 {self.unmapped_columns} 个；"
                 f"行：映射 {self.mapped_rows} 个，未映射 {self.unmapped_rows} 个"]
        if p.unsure:
            lines.append("没有把握、未映射（请在配置中填写）：")
            lines += [f"  {item}" for item in p.unsure]
        return "\n".join(lines + self.notes)


def _period_words(p: SheetProfile) -> str:
    return {"sheet_name": "取自工作表名", "cell": f"取自单元格 {p.period.cell}", "file_name": "取自文件名",
            "columns": "各列自带（如 1月、2月）", "given": "导入时用 --period 给出"}[p.period.source]


def suggest_profile(grid: Grid, package: MetadataPackage, *, name: str | None = None,
                    sheet: str | int | None = None) -> Suggestion:
    """``sheet`` is kept in the profile only when the user chose one: next month's file
    names its sheet 6月, not 5月, and is read from its first sheet all the same."""
    names = Names(package)
    numeric_rows = [r for r in range(1, min(grid.height, SCAN_ROWS) + 1) if _is_data_row(grid, r)]
    if not numeric_rows:
        raise_error(grid, "前 40 行中找不到数据行（数字占一半以上的行）")
    first_row = numeric_rows[0]
    title_rows = [r for r in range(1, first_row) if _is_title_row(grid, r)]
    header_rows = [r for r in range(1, first_row) if r not in title_rows and _has_text(grid, r)][-MAX_HEADER_ROWS:]
    label_column = _label_column(grid, first_row)
    last_row = _last_row(grid, first_row, label_column)
    body = [r for r in range(first_row, last_row + 1)]
    labels = {r: grid.text(r, label_column) for r in body}
    titles = [grid.text(r, c) for r in title_rows for c in range(1, grid.width + 1) if grid.text(r, c)]
    year = year_in(grid.sheet, *titles, grid.file)
    plain_labels = [label for label in labels.values() if label and not _is_total(label)]
    unit_hits = sum(1 for label in plain_labels if names.orgunit(label).sure)
    category = names.categories_of(plain_labels)
    element_hits = sum(1 for label in plain_labels if names.element(label).sure)
    option_hits = sum(1 for label in plain_labels if category and names.option_of(category, label).sure)
    rows_are = "orgunits" if unit_hits >= max(element_hits, option_hits) else "elements"
    profile = SheetProfile(name=name or _layout_name(grid), header_rows=header_rows, first_row=first_row,
                           last_row=None, label_column=column_letter(label_column), rows_are=rows_are,
                           sheet=sheet, totals=list(DEFAULT_TOTALS))
    suggestion = Suggestion(profile)
    element = None
    if rows_are == "elements" and category and option_hits >= element_hits:
        element = _element_of_title(names, package, category, titles + [grid.sheet])
        profile.element = element
        if element is None:
            profile.unsure.append(f"各行是“{package.categories[category].name}”的分类，但标题里看不出是哪个数据项："
                                  f"请在 element 填写数据项编码（weijian list elements --search 关键词）")
    _map_columns(grid, names, package, profile, suggestion, label_column, year, element)
    _map_rows(grid, names, profile, suggestion, labels, label_column, category, element)
    _period_source(grid, profile, titles, title_rows, year)
    return suggestion


def _layout_name(grid: Grid) -> str:
    """A name for the layout, the same every month: the file's name without its period
    (乡镇基本公卫月报2026年7月.xlsx → 乡镇基本公卫月报)."""
    stem = grid.file.rsplit(".", 1)[0]
    stem = re.sub(r"20\d\d[-_.]?[01]\d(?!\d)", "", stem)
    stem = re.sub(r"(20\d\d\s*年?)?\s*(第?[一二三四1-4]\s*季度|\d{1,2}\s*[-—至~～]?\s*\d{0,2}\s*月份?|上半年|下半年|全年)", "", stem)
    stem = re.sub(r"20\d\d\s*年?", "", stem).strip(" _-—()（）")
    return stem or grid.sheet


def raise_error(grid: Grid, message: str):
    from weijian.errors import WeijianError

    raise WeijianError(f"{grid.file}!{grid.sheet}：{message}")


# -- layout ---------------------------------------------------------------------------------------
def _numbers(grid: Grid, row: int) -> tuple[int, int]:
    values = [grid.value(row, c) for c in range(1, grid.width + 1)]
    filled = [v for v in values if v is not None and str(v).strip()]
    numeric = [v for v in filled if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return len(numeric), len(filled)


def _is_data_row(grid: Grid, row: int) -> bool:
    numeric, filled = _numbers(grid, row)
    return numeric >= 1 and numeric * 2 >= filled


def _has_text(grid: Grid, row: int) -> bool:
    return any(grid.text(row, c) for c in range(1, grid.width + 1))


def _is_title_row(grid: Grid, row: int) -> bool:
    """One text over the row: a merged title, or a single cell with the rest empty."""
    texts = {grid.text(row, c) for c in range(1, grid.width + 1)} - {""}
    if len(texts) != 1:
        return False
    filled = sum(1 for c in range(1, grid.width + 1) if grid.text(row, c))
    return filled == 1 or (grid.merged_across(row, 1) is not None and filled >= grid.width - 1) or filled >= 3


def _label_column(grid: Grid, first_row: int) -> int:
    """The leftmost column whose body cells are mostly text (a 序号 column of numbers is passed)."""
    body = range(first_row, min(grid.height, first_row + 60) + 1)
    for column in range(1, min(grid.width, 6) + 1):
        cells = [grid.value(r, column) for r in body]
        texts = [v for v in cells if isinstance(v, str) and v.strip() and not v.strip().isdigit()]
        if len(texts) * 2 >= len([v for v in cells if v is not None]) and texts:
            return column
    return 1


def _last_row(grid: Grid, first_row: int, label_column: int) -> int:
    last = first_row
    for row in range(first_row, grid.height + 1):
        numeric, _ = _numbers(grid, row)
        label = grid.text(row, label_column)
        if numeric or (label and not label.startswith(("注", "说明", "填表", "备注", "审核", "负责人"))):
            last = row
        if label.startswith(("注", "说明", "填表人", "备注", "审核人", "负责人")):
            break
    return last


def _is_total(label: str) -> bool:
    key = normalise(label)
    return any(word in key for word in ("合计", "总计", "小计", "汇总")) or key in ("全县", "全区", "全镇", "全乡")


# -- columns -----------------------------------------------------------------------------------------
def _header_parts(grid: Grid, profile: SheetProfile, column: int) -> list[str]:
    parts: list[str] = []
    for row in profile.header_rows:
        text = grid.text(row, column)
        if text and (not parts or parts[-1] != text):
            parts.append(text)
    return parts


def _map_columns(grid, names: Names, package, profile, suggestion, label_column, year, element) -> None:
    for column in range(1, grid.width + 1):
        if column == label_column or not _has_numbers(grid, profile.first_row, column):
            continue
        letter = column_letter(column)
        parts = _header_parts(grid, profile, column)
        header = " / ".join(parts)
        if parts and normalise(parts[-1]) in _ROW_NUMBER_HEADERS:
            continue  # 序号: the rows' own numbering, not a figure
        period = None
        remaining = []
        for part in parts:
            found = period_in(part, year)
            if found is not None and _is_period_word(part):
                period = found
            else:
                remaining.append(part)
        mapped = ColumnMap(column=letter, header=header, period=period.id if period else None)
        if profile.rows_are == "orgunits":
            match = names.element_option(*remaining) if len(remaining) > 1 else Match(None, False, 0)
            if not match.sure:
                match = names.element(*remaining) if remaining else Match(None, False, 0)
            if match.sure:
                mapped.element = match.code
                mapped.scale = _scale(package, match.code, header)
            else:
                mapped.note = match.describe()
                profile.unsure.append(f"{letter} 列“{header or '（无表头）'}”：{match.describe()}")
        else:
            unit = names.orgunit(remaining[-1]) if remaining else Match(None, False, 0)
            if unit.sure:
                mapped.orgunit = unit.code
            elif period is None:
                mapped.note = unit.describe()
                profile.unsure.append(f"{letter} 列“{header or '（无表头）'}”：不是认得的机构，{unit.describe()}")
        profile.columns.append(mapped)
        if mapped.element or mapped.orgunit or (profile.rows_are == "elements" and mapped.period):
            suggestion.mapped_columns += 1
        else:
            suggestion.unmapped_columns += 1


def _is_period_word(text: str) -> bool:
    """A header that is a period and nothing else: 5月, 2026年5月, 第二季度."""
    stripped = normalise(text)
    for word in ("年", "月", "季度", "第", "一", "二", "三", "四"):
        stripped = stripped.replace(word, "")
    return stripped.isdigit() or stripped == ""


def _has_numbers(grid: Grid, first_row: int, column: int) -> bool:
    return any(isinstance(grid.value(r, column), (int, float)) for r in range(first_row, min(grid.height, first_row + 60) + 1))


def _scale(package, code: str, header: str) -> Decimal:
    stated = bracket_unit(header)
    unit = package.elements[code.split(".")[0]].unit
    factor = UNIT_SCALES.get((stated, unit)) if stated else None
    return Decimal(str(factor)) if factor else Decimal(1)


def _element_of_title(names: Names, package, category: str, titles: list[str]) -> str | None:
    """The element a transposed table counts, named in its title (法定传染病报告病例数 …)."""
    candidates = [e for e in package.elements.values() if e.category == category]
    found = []
    for element in candidates:
        for name in (element.name, *element.synonyms):
            if any(normalise(name) in normalise(title) for title in titles):
                found.append(element.code)
                break
    if len(set(found)) == 1:
        return found[0]
    # "发病" / "报告" in the title without the full name: the reported cases, when that element exists
    words = "".join(titles)
    if len(candidates) == 1:
        return candidates[0].code
    if ("发病" in words or "报告" in words) and "死亡" not in words and any(e.code == "CASES" for e in candidates):
        return "CASES"
    return None


# -- rows ---------------------------------------------------------------------------------------------
def _map_rows(grid, names: Names, profile, suggestion, labels, label_column, category, element) -> None:
    letter = column_letter(label_column)
    for row, label in labels.items():
        if not label or label in profile.rows:
            continue
        if _is_total(label):
            profile.rows[label] = None
            continue
        if profile.rows_are == "orgunits":
            match = names.orgunit(label)
        elif element and category:
            option = names.option_of(category, label)
            match = Match(f"{element}.{option.code}", True) if option.sure else Match(None, False, 0)
        else:
            match = names.element(label)
        if match.sure:
            profile.rows[label] = match.code
            suggestion.mapped_rows += 1
        else:
            profile.rows[label] = None
            suggestion.unmapped_rows += 1
            profile.unsure.append(f"{letter}{row}“{label}”：{match.describe()}")


# -- period ---------------------------------------------------------------------------------------------
def _period_source(grid: Grid, profile: SheetProfile, titles: list[str], title_rows: list[int], year) -> None:
    if any(c.period for c in profile.columns):
        profile.period = PeriodSource("columns")
        return
    if period_in(grid.sheet, year) is not None:
        profile.period = PeriodSource("sheet_name")
        return
    for row in title_rows:
        for column in range(1, grid.width + 1):
            if period_in(grid.text(row, column), year) is not None:
                profile.period = PeriodSource("cell", f"{column_letter(column)}{row}")
                return
    if period_in(grid.file, year) is not None:
        profile.period = PeriodSource("file_name")
        return
    profile.period = PeriodSource("given")
