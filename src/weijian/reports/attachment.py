"""附件：数据来源 — the provenance of every figure of the text, as its own file.

A 15-page table after the signature is not something a bureau sends out; the
list goes beside the summary as ``<name>_附件_数据来源.xlsx`` (or .docx), one
row per figure of the text with the command that reproduces it, runnable
exactly as printed.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from weijian.model.periods import Period
from weijian.reports.document import Document, Run, Table

HEADER = ["序号", "文中数字", "指标或数据项", "机构", "期间", "分子", "分母", "复算命令"]
WIDTHS = [6, 22, 34, 14, 14, 16, 14, 90]


def rows(draft) -> list[list[str]]:
    out = []
    for n, fact in enumerate(draft.document.facts(text_only=True), start=1):
        period = fact.period or ""
        if period[:1].isdigit():
            period = Period.parse(period).label
        out.append([str(n), fact.text, fact.name or "", fact.ou_name or fact.ou or "", period,
                    _plain(fact.numerator), _plain(fact.denominator), fact.query or ""])
    return out


def write_sources(draft, path: Path) -> Path:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return _xlsx(draft, path)
    return _docx(draft, path)


def _xlsx(draft, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "数据来源"
    sheet.append([f"附件　{draft.document.title}数据来源"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(draft):
        sheet.append(row)
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(vertical="top")
    sheet.freeze_panes = "A3"
    sheet.append([])
    sheet.append(["注：分子、分母为汇总后的数值；每个数字的计算公式、构成数据项及其数值见同名 .json 文件。"])
    book.save(path)
    return path


def _docx(draft, path: Path) -> Path:
    from weijian.reports.docx_render import render_docx

    body = [[[Run(text)] for text in row[:7]] for row in rows(draft)]
    table = Table("", HEADER[:7], body, note="注：复算命令见同名 .xlsx 或 .json 文件。")
    doc = Document(title=f"{draft.document.title}数据来源", blocks=[table], signature=draft.document.signature,
                   date=draft.document.date)
    return render_docx(doc, path)


def _plain(value) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"
