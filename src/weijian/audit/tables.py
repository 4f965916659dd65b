"""Tables: a 合计 row (or column) is the sum of the rows (or columns) it closes.

A table reaches the audit as lines of tab-separated cells (.docx, see
``reading``) or a markdown pipe table; its first line is the header. A row
labelled 合计 / 总计 / 小计 / 全县 / 全区 sums the data rows of each count column
(rates, averages and shares are never summed; a "其中" row is a sub-item, not
a part). A column headed 合计 sums the other count columns of its row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from weijian.audit.doc import Doc, Relation
from weijian.audit.mentions import Mention

__all__ = ["table_totals"]

_TOTAL_LABEL = re.compile(r"^(合计|总计|小计|共计|总数|全县|全区|全市|全旗|全县合计|全区合计)$")
_NOT_ADDITIVE = re.compile(r"率|比|%|‰|均|/10万|每千|每万|排名|位次|同比|增长|增减|日期|年份|编号|序号")
_SUB_ROW = re.compile(r"^(其中|含|内:|其中:)")


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[str, list[Mention | None]]]  # (label, the figure in each column after the label)


def table_totals(doc: Doc) -> list[Relation]:
    out = []
    for table in _tables(doc):
        out.extend(_total_rows(table))
        out.extend(_total_columns(table))
    return out


def _tables(doc: Doc) -> list[_Table]:
    tables: list[_Table] = []
    current: _Table | None = None
    by_start = {m.start: m for m in doc.mentions}
    for start, end in doc.layout.paragraphs:
        line = doc.text[start:end]
        separator = "\t" if "\t" in line.strip() else \
            "|" if line.count("|") >= 3 else None
        if separator is None:
            current = None
            continue
        cells, offsets, at = [], [], start
        for part in line.split(separator):
            cells.append(part)
            offsets.append(at)
            at += len(part) + 1
        if separator == "|":
            cells, offsets = cells[1:-1] if not cells[-1].strip() else cells[1:], offsets[1:]
        if all(set(c.strip()) <= set("-: ") for c in cells):
            continue  # markdown's |---|---| line
        if current is None:
            current = _Table([c.strip() for c in cells], [])
            tables.append(current)
            continue
        figures = []
        for cell, offset in zip(cells[1:], offsets[1:]):
            inner = cell.strip()
            lead = offset + len(cell) - len(cell.lstrip())
            mention = by_start.get(lead)
            figures.append(mention if mention is not None and mention.end - lead >= len(re.sub(r"\s+$", "", inner)) - 2
                           else None)
        current.rows.append((cells[0].strip(), figures))
    return tables


def _additive(header: str, figures: list[Mention | None]) -> bool:
    if _NOT_ADDITIVE.search(header):
        return False
    return all(f is not None and f.bounded and f.unit not in ("%", "‰", "/10万", "个百分点", "倍") for f in figures)


def _total_rows(table: _Table) -> list[Relation]:
    out = []
    for index, (label, totals) in enumerate(table.rows):
        if not _TOTAL_LABEL.match(re.sub(r"\s", "", label)):
            continue
        # the rows a 合计 closes: those above it back to the previous total row (or below it, when it leads)
        above = [r for r in table.rows[:index] if not _TOTAL_LABEL.match(re.sub(r"\s", "", r[0]))]
        data = above if above else [r for r in table.rows[index + 1:]]
        data = [r for r in data if not _SUB_ROW.match(r[0].strip())]
        if len(data) < 2:
            continue
        for column, total in enumerate(totals):
            header = table.header[column + 1] if column + 1 < len(table.header) else ""
            cells = [r[1][column] if column < len(r[1]) else None for r in data]
            if total is None or not _additive(header, [total, *cells]):
                continue
            out.append(Relation("sum", total, tuple(cells), {"marker": f"表格“{label}”行", "exhaustive": True,
                                                            "shared": None, "table": header}))
    return out


def _total_columns(table: _Table) -> list[Relation]:
    heads = table.header[1:]
    columns = [i for i, h in enumerate(heads) if _TOTAL_LABEL.match(re.sub(r"\s", "", h))]
    if len(columns) != 1:
        return []
    total_column = columns[0]
    others = [i for i, h in enumerate(heads) if i != total_column and h and not _NOT_ADDITIVE.search(h)]
    if len(others) < 2 or len(others) != len(heads) - 1:
        return []  # a rate or an average among the columns: the 合计 is of some of them only, unknown which
    out = []
    for label, figures in table.rows:
        if total_column >= len(figures):
            continue
        total = figures[total_column]
        cells = [figures[i] if i < len(figures) else None for i in others]
        if total is None or not _additive("", [total, *cells]):
            continue
        out.append(Relation("sum", total, tuple(cells), {"marker": f"表格“{label}”行的合计列", "exhaustive": True,
                                                        "shared": None, "table": label}))
    return out
