"""Write a ``Document`` as .docx laid out per GB/T 9704-2012: the writer walking the
document tree, and the prototypes it copies for speed. Runs and paragraphs are
formatted in ``docx_format``, tables in ``docx_tables``, the page in ``docx_setup``.

Layout numbers live in ``weijian.reports.gbt9704``. Fonts are set on every
run for ascii, hAnsi *and* eastAsia (python-docx's ``font.name`` leaves
eastAsia alone, and Word then falls back to the theme's East Asian font).
Figures (runs with a fact) are written as plain text: their provenance is in
the appendix and the sidecar.
"""
from __future__ import annotations

import io
import re
from copy import deepcopy
from datetime import datetime
from pathlib import Path

from docx import Document as _new_docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.shared import Mm, Twips
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph as _DocxParagraph
from docx.text.run import Run as _DocxRun
from lxml.etree import SubElement

from weijian.errors import ReportError
from weijian.reports import gbt9704 as g
from weijian.reports.document import (
    Chart, Document, Heading, PageBreak, Paragraph, Run, Table,
)
from weijian.reports.docx_format import format_paragraph, format_run, set_indent
from weijian.reports.docx_setup import setup_footers, setup_page, setup_styles
from weijian.reports.docx_tables import (
    cell_bottom_rule, column_widths, repeat_as_header, table_borders, table_width,
)
from weijian.reports.numbers import format_date

__all__ = ["render_docx"]

# A cell is right-aligned when it reads as a number: 1,234 / -3.2 / 95.42% / 12.3万.
_NUMERIC = re.compile(r"^[+\-−]?\d[\d,，]*(\.\d+)?\s*(%|‰|万|亿)?$")


def render_docx(doc: Document, path: Path) -> Path:
    """Write ``doc`` to ``path`` (.docx) and return the path."""
    path = Path(path)
    docx = _DocxWriter(doc).write()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        docx.save(str(path))
    except OSError as e:
        raise ReportError(f"无法写入文件 {path}：{e}") from e
    return path


class _DocxWriter:
    """Builds the body as lxml elements, each a deep copy of a formatted prototype.

    python-docx's per-property API looks every child up by schema order (and
    every new block up against ``w:sectPr``), which made a long appendix take
    seconds. The formatting itself still comes from ``format_paragraph`` and
    ``format_run`` below, applied once per distinct look to a prototype; the
    XML written is the same as formatting each element on its own.
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self.docx = _new_docx()
        self.container = self.docx._body  # parent for python-docx proxies (part, styles)
        self.end = self.docx.element.body.sectPr  # blocks go before it
        self.break_pending = False  # a PageBreak waits for the next paragraph
        self._paragraphs: dict[tuple, CT_P] = {}
        self._runs: dict[tuple, CT_R] = {}
        self._cells: dict[object, CT_Tc] = {}
        self._heading_styles: dict[int, str] = {}

    def write(self):
        setup_styles(self.docx)
        setup_page(self.docx)
        setup_footers(self.docx)
        self._properties()
        self._title()
        for block in self.doc.blocks:
            self._block(block)
        self._signature()
        if self.doc.appendix is not None:
            self._appendix(self.doc.appendix)
        return self.docx

    # -- building blocks ------------------------------------------------

    def _new_paragraph(self, **fmt) -> CT_P:
        """A detached ``w:p`` formatted as ``_paragraph_prototype(**fmt)``."""
        key = tuple(sorted(fmt.items()))
        proto = self._paragraphs.get(key)
        if proto is None:
            proto = self._paragraphs[key] = _paragraph_prototype(self.container, **fmt)
        return deepcopy(proto)

    def _paragraph(self, **fmt) -> CT_P:
        """A new body paragraph; starts a new page when a PageBreak came before it.

        pageBreakBefore rather than a break run: a paragraph holding only a
        break leaves an empty line at the top of the next page.
        """
        p = self._new_paragraph(page_break=self.break_pending, **fmt)
        self.break_pending = False
        self.end.addprevious(p)
        return p

    def _run(self, p, text: str, font: str, size: float, *, bold: bool = False,
             color: bool = False) -> CT_R:
        """Append a run formatted by ``format_run`` to ``p``."""
        key = (font, size, bold, color)
        proto = self._runs.get(key)
        if proto is None:
            proto = self._runs[key] = _run_prototype(self.container, font, size, bold=bold, color=color)
        r = deepcopy(proto)
        if text:
            _set_text(r, text)
        p.append(r)
        return r

    def _add_runs(self, p, runs: list[Run], font: str, size: float, *, bold: bool = False,
                  color: bool = False) -> None:
        for run in runs:
            self._run(p, run.text, font, size, bold=bold or run.bold, color=color)

    # -- blocks ---------------------------------------------------------

    def _block(self, block) -> None:
        if isinstance(block, Heading):
            self._heading(block)
        elif isinstance(block, Paragraph):
            p = self._paragraph(first_line=block.indent)
            self._add_runs(p, block.runs, g.BODY_FONT, g.BODY_SIZE)
        elif isinstance(block, Table):
            self._table(block, g.TABLE_SIZE)
        elif isinstance(block, Chart):
            self._chart(block)
        elif isinstance(block, PageBreak):
            self.break_pending = True
        else:
            raise ReportError(f"无法写入 Word 文档：未知的内容块 {type(block).__name__}")

    def _flush_break(self) -> None:
        """A table cannot carry pageBreakBefore: break in a paragraph of its own."""
        if self.break_pending:
            self.break_pending = False
            p = self._new_paragraph(first_line=False, exact=False, snap=False)
            self.end.addprevious(p)
            br = SubElement(SubElement(p, _R), _BR)
            br.set(_TYPE, "page")

    def _title(self) -> None:
        # Off the character grid: a 22 pt character would take two grid cells.
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False, snap=False)
        for i, line in enumerate(self.doc.title.split("\n")):
            r = self._run(p, "", g.TITLE_FONT, g.TITLE_SIZE)
            if i:
                SubElement(r, _BR)
            _add_t(r, line)
        self._blank_line()

    def _blank_line(self) -> None:
        self._paragraph(first_line=False)

    def _heading(self, block: Heading) -> None:
        level = min(max(block.level, 1), 4)
        font, bold = g.HEADING_FONTS[level]
        style = self._heading_styles.get(level)
        if style is None:
            style = self._heading_styles[level] = self.docx.styles[f"Heading {level}"].style_id
        p = self._paragraph(style=style, first_line=True)
        self._add_runs(p, block.runs, font, g.BODY_SIZE, bold=bold, color=True)

    def _caption(self, text: str, *, keep_with_next: bool) -> None:
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False, snap=False,
                            keep_with_next=keep_with_next)
        self._run(p, text, g.HEITI, g.CAPTION_SIZE)

    def _table(self, table: Table, size: float, *, caption: bool = True) -> None:
        if caption and table.caption:
            self._caption(table.caption, keep_with_next=True)
        self._flush_break()
        self._write_table(table, size)
        if table.note:
            p = self._paragraph(first_line=False, exact=False, snap=False)
            self._run(p, table.note, g.BODY_FONT, size)

    def _write_table(self, table: Table, size: float) -> None:
        ncols = max([len(table.header)] + [len(row) for row in table.rows])
        if ncols == 0:
            return
        # Two rows: the header, and an unformatted row whose cells seed the prototypes.
        t = self.docx.add_table(rows=2, cols=ncols)
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        table_borders(t)
        total = g.mm_to_twips(g.TEXT_WIDTH_MM)
        table_width(t, total)
        widths = column_widths(table, ncols, total, size)
        for col, width in zip(t._tbl.tblGrid.gridCol_lst, widths):
            col.w = Twips(width)

        tbl = t._tbl
        header, blank = tbl.tr_lst
        tbl.remove(blank)
        for tc in list(header):  # the header is rebuilt from prototypes like any row
            if tc.tag == _TC:
                header.remove(tc)
        repeat_as_header(_Row(header, t))
        blank_cells = blank.tc_lst
        for tc in blank_cells:
            blank.remove(tc)

        columns: dict[tuple[int, object], CT_Tc] = {}  # (column, look) → formatted empty cell

        def cell(i: int, look) -> CT_Tc:
            tc = columns.get((i, look))
            if tc is None:
                proto = self._cells.get(look)
                if proto is None:
                    align = WD_ALIGN_PARAGRAPH.CENTER if look == "header" else look
                    proto = self._cells[look] = _cell_prototype(
                        deepcopy(blank_cells[0]), t, align, header=look == "header")
                tc = columns[(i, look)] = deepcopy(proto)
                _Cell(tc, t).width = Twips(widths[i])
            return deepcopy(tc)

        def row(tr, runs_by_cell: list[list[Run]], header: bool) -> None:
            for i in range(ncols):
                runs = runs_by_cell[i] if i < len(runs_by_cell) else []
                if header:
                    look = "header"
                elif _NUMERIC.match("".join(r.text for r in runs).strip()):
                    look = WD_ALIGN_PARAGRAPH.RIGHT
                else:
                    look = WD_ALIGN_PARAGRAPH.LEFT
                tc = cell(i, look)
                self._add_runs(tc[-1], runs, g.BODY_FONT, size, bold=header)
                tr.append(tc)

        names = list(table.header) + [""] * (ncols - len(table.header))
        row(header, [[Run(name)] for name in names], True)
        for runs_by_cell in table.rows:
            tr = deepcopy(blank)
            row(tr, runs_by_cell, False)
            tbl.append(tr)

    def _chart(self, chart: Chart) -> None:
        # Single spacing: exact spacing would clip the picture to one line.
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False, exact=False,
                            snap=False, keep_with_next=True)
        width = Mm(min(chart.width_mm, g.TEXT_WIDTH_MM))
        try:
            _DocxParagraph(p, self.container).add_run().add_picture(io.BytesIO(chart.png), width=width)
        except (UnrecognizedImageError, ValueError, OSError) as e:
            raise ReportError(f"图表“{chart.caption}”的图片无法读取（应为 PNG）：{e}") from e
        if chart.caption:
            self._caption(chart.caption, keep_with_next=False)

    def _signature(self) -> None:
        # the last paragraph, the blank line, the organ and the date stay on one
        # page: a date alone at the top of a page is the first thing a reader fixes
        body = self.docx.element.body
        last = next((el for el in reversed(body) if isinstance(el, CT_P)), None)
        if last is not None:
            _DocxParagraph(last, self.container).paragraph_format.keep_with_next = True
        self._paragraph(first_line=False, keep_with_next=True)
        for text, keep in ((self.doc.signature, True), (format_date(self.doc.date), False)):
            p = self._paragraph(align=WD_ALIGN_PARAGRAPH.RIGHT, first_line=False,
                                right_chars=g.SIGNATURE_RIGHT_CHARS, keep_with_next=keep)
            self._run(p, text, g.BODY_FONT, g.BODY_SIZE)

    def _appendix(self, table: Table) -> None:
        self.break_pending = True
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.LEFT, first_line=False, keep_with_next=True)
        self._run(p, self.doc.appendix_title, g.HEITI, g.BODY_SIZE)
        show_caption = bool(table.caption) and table.caption != self.doc.appendix_title
        self._table(table, g.APPENDIX_TABLE_SIZE, caption=show_caption)

    def _properties(self) -> None:
        props = self.docx.core_properties
        props.title = self.doc.title
        props.author = self.doc.signature
        props.last_modified_by = self.doc.signature
        props.language = "zh-CN"
        props.comments = ""
        props.created = props.modified = datetime.now().replace(microsecond=0)


# -- prototypes -------------------------------------------------------------

_R = qn("w:r")
_T = qn("w:t")
_BR = qn("w:br")
_TC = qn("w:tc")
_TYPE = qn("w:type")
_XML_SPACE = qn("xml:space")
_RUN_CONTROL = re.compile(r"[\t\r\n]")


def _paragraph_prototype(container, *, style: str | None = None, page_break: bool = False,
                         align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line: bool = True,
                         exact: bool = True, snap: bool = True, keep_with_next: bool | None = None,
                         right_chars: int = 0) -> CT_P:
    """An empty ``w:p`` with the paragraph properties these arguments ask for.

    ``style`` is a style id ("Heading1"), not a name.
    """
    p = _DocxParagraph(OxmlElement("w:p"), container)
    if style is not None:
        p._p.style = style
    if page_break:
        p.paragraph_format.page_break_before = True
    format_paragraph(p, align=align, first_line=first_line, exact=exact, snap=snap)
    if keep_with_next is not None:
        p.paragraph_format.keep_with_next = keep_with_next
    if right_chars:
        set_indent(p, right_chars=right_chars, size=g.BODY_SIZE)
    return p._p


def _run_prototype(container, font: str, size: float, *, bold: bool, color: bool) -> CT_R:
    """An empty ``w:r`` holding only its ``w:rPr``."""
    run = _DocxRun(OxmlElement("w:r"), container)
    format_run(run, font, size, bold=bold, color=color)
    return run._r


def _cell_prototype(tc, table, align, *, header: bool) -> CT_Tc:
    """``tc`` (a fresh cell of python-docx's) aligned and, in the header, with its rule.

    Its width is set per column, on a copy.
    """
    cell = _Cell(tc, table)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    format_paragraph(cell.paragraphs[0], align=align, first_line=False, exact=False, snap=False)
    if header:
        cell_bottom_rule(cell)
    return tc


def _add_t(r, text: str) -> None:
    """``w:t`` as python-docx writes it (spaces at either end kept)."""
    t = SubElement(r, _T)
    t.text = text
    if len(text.strip()) < len(text):
        t.set(_XML_SPACE, "preserve")


def _set_text(r, text: str) -> None:
    if _RUN_CONTROL.search(text):  # tabs and line breaks become w:tab / w:br
        r.text = text
    else:
        _add_t(r, text)
