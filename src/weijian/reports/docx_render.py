"""Write a ``Document`` as .docx laid out per GB/T 9704-2012.

Layout numbers live in ``weijian.reports.gbt9704``. Fonts are set on every
run for ascii, hAnsi *and* eastAsia (python-docx's ``font.name`` leaves
eastAsia alone, and Word then falls back to the theme's East Asian font).
Figures (runs with a fact) are written as plain text: their provenance is in
the appendix and the sidecar.
"""
from __future__ import annotations

import io
import re
import unicodedata
from copy import deepcopy
from datetime import datetime
from pathlib import Path

from docx import Document as _new_docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph as _DocxParagraph
from docx.text.run import Run as _DocxRun
from lxml.etree import SubElement

from weijian.errors import ReportError
from weijian.reports import gbt9704 as g
from weijian.reports.document import (
    Chart, Document, Heading, PageBreak, Paragraph, Run, Table,
)
from weijian.reports.numbers import format_date

__all__ = ["render_docx"]

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
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
    seconds. The formatting itself still comes from ``_format_paragraph`` and
    ``_format_run`` below, applied once per distinct look to a prototype; the
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
        _setup_styles(self.docx)
        _setup_page(self.docx)
        _setup_footers(self.docx)
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
        """Append a run formatted by ``_format_run`` to ``p``."""
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
        _table_borders(t)
        total = g.mm_to_twips(g.TEXT_WIDTH_MM)
        _table_width(t, total)
        widths = _column_widths(table, ncols, total, size)
        for col, width in zip(t._tbl.tblGrid.gridCol_lst, widths):
            col.w = Twips(width)

        tbl = t._tbl
        header, blank = tbl.tr_lst
        tbl.remove(blank)
        for tc in list(header):  # the header is rebuilt from prototypes like any row
            if tc.tag == _TC:
                header.remove(tc)
        _repeat_as_header(_Row(header, t))
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
    _format_paragraph(p, align=align, first_line=first_line, exact=exact, snap=snap)
    if keep_with_next is not None:
        p.paragraph_format.keep_with_next = keep_with_next
    if right_chars:
        _set_indent(p, right_chars=right_chars, size=g.BODY_SIZE)
    return p._p


def _run_prototype(container, font: str, size: float, *, bold: bool, color: bool) -> CT_R:
    """An empty ``w:r`` holding only its ``w:rPr``."""
    run = _DocxRun(OxmlElement("w:r"), container)
    _format_run(run, font, size, bold=bold, color=color)
    return run._r


def _cell_prototype(tc, table, align, *, header: bool) -> CT_Tc:
    """``tc`` (a fresh cell of python-docx's) aligned and, in the header, with its rule.

    Its width is set per column, on a copy.
    """
    cell = _Cell(tc, table)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _format_paragraph(cell.paragraphs[0], align=align, first_line=False, exact=False, snap=False)
    if header:
        _cell_bottom_rule(cell)
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


# -- runs and paragraphs ------------------------------------------------

def _set_fonts(rPr, cjk_font: str) -> None:
    """Name the font for every script on ``rPr`` (theme fonts would win otherwise)."""
    rFonts = rPr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        rFonts.attrib.pop(qn(attr), None)
    western = g.western_font(cjk_font)
    rFonts.set(qn("w:ascii"), western)
    rFonts.set(qn("w:hAnsi"), western)
    rFonts.set(qn("w:cs"), western)
    rFonts.set(qn("w:eastAsia"), cjk_font)
    # Quotes and dashes (“” —) are shared code points: set them in the CJK font.
    rFonts.set(qn("w:hint"), "eastAsia")


def _format_run(run, font: str, size: float, *, bold: bool = False, color: bool = False) -> None:
    _set_fonts(run._r.get_or_add_rPr(), font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:  # heading styles carry a theme colour; runs in them are black
        run.font.color.rgb = RGBColor(0, 0, 0)


def _format_paragraph(p, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line: bool = True,
                      exact: bool = True, snap: bool = True) -> None:
    """Spacing and indent of one paragraph.

    ``exact``: the 28.95 pt line of the 22-line grid, else single spacing.
    ``snap=False`` takes the paragraph off the document grid (captions,
    pictures, table cells: their lines are not 3号 body lines).
    """
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(g.LINE_PITCH_PT)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if first_line:
        _set_indent(p, first_line_chars=g.FIRST_LINE_CHARS, size=g.BODY_SIZE)
    else:
        fmt.first_line_indent = Pt(0)
    if not snap:
        pPr = p._p.get_or_add_pPr()
        el = pPr.find(qn("w:snapToGrid"))
        if el is None:
            el = OxmlElement("w:snapToGrid")
            pPr.append(el)
            _reorder_pPr(pPr)
        el.set(qn("w:val"), "0")


def _set_indent(p, *, size: float, first_line_chars: int = 0, right_chars: int = 0) -> None:
    """Indents in characters (w:*Chars, hundredths), with twips for older readers."""
    fmt = p.paragraph_format
    if first_line_chars:
        fmt.first_line_indent = Pt(size * first_line_chars)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    ind = p._p.get_or_add_pPr().find(qn("w:ind"))
    if first_line_chars:
        ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars * 100))


# pPr children must follow the schema order or Word refuses the file.
_PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
    "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
    "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN",
    "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
]


def _reorder_pPr(pPr) -> None:
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_PPR_ORDER)}
    children = sorted(pPr, key=lambda el: rank.get(el.tag, len(rank)))
    for el in children:
        pPr.append(el)


# -- tables -------------------------------------------------------------

def _column_widths(table: Table, ncols: int, total: int, size: float) -> list[int]:
    """Share ``total`` twips so that body cells (乡镇 names, figures) are not wrapped.

    Headers may wrap over lines, body cells should not: every column first gets
    the width of its longest body text; what is left goes to the columns whose
    header is wider than that, in proportion to the shortfall. When even the
    bodies do not fit, the columns share in proportion to what they want, but
    none gets less than its longest unbreakable piece ("16396", "88.69%",
    "222.08/10万"): a number never wraps inside a cell. Widths are measured in
    the cell's font (a CJK font's real advances where one is installed).
    """
    heads: list[list[str]] = [[] for _ in range(ncols)]
    bodies: list[list[str]] = [[] for _ in range(ncols)]
    for i, h in enumerate(table.header):
        heads[i].append(h)
    for row in table.rows:
        for i, cell in enumerate(row):
            bodies[i].append("".join(r.text for r in cell))

    def width(texts: list[str]) -> float:
        return max([_text_twips(t, size) for t in texts] + [_text_twips("0000", size)]) + 2 * _CELL_MARGIN \
            + _WRAP_SLACK

    def unbreakable(texts: list[str]) -> float:
        pieces = [p for t in texts for p in _UNBREAKABLE.findall(t)]
        return max([_text_twips(p, size) for p in pieces] + [_text_twips("00", size)]) + 2 * _CELL_MARGIN \
            + _WRAP_SLACK

    body = [width(bodies[i]) for i in range(ncols)]
    whole = [max(body[i], width(heads[i])) for i in range(ncols)]
    if sum(whole) <= total:
        widths = [int(w) for w in whole]
    elif sum(body) <= total:
        extra = total - sum(body)
        short = [whole[i] - body[i] for i in range(ncols)]
        widths = [int(body[i] + extra * short[i] / sum(short)) for i in range(ncols)]
    else:
        least = [int(unbreakable(bodies[i])) for i in range(ncols)]
        widths = [max(w, m) for w, m in zip(_share(body, total), least)]
        over = sum(widths) - total
        slack = {i: widths[i] - least[i] for i in range(ncols) if widths[i] > least[i]}
        if over > 0 and slack:
            room = sum(slack.values())
            for i, spare in slack.items():
                widths[i] -= min(spare, int(over * spare / room) + 1)
    widths[-1] += total - sum(widths)
    return widths


# a run of digits, Latin letters and their signs (with a trailing 万/亿): no line breaks inside
_UNBREAKABLE = re.compile(r"[0-9A-Za-z.,:%‰/+\-−≤≥]+[万亿]?")


def _text_twips(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` pt, in twips, measured as the cell
    draws it: CJK characters in the CJK font (the PDF's Noto Serif CJK stands
    in for 仿宋), digits and Latin in the font "Times New Roman" resolves to on
    this machine (DejaVu Serif's digits are wider than Word's). Without fonts:
    a CJK character is one em, anything else 0.6."""
    cjk, latin = _measuring_fonts()
    total = 0.0
    for wide, piece in _script_runs(text):
        font = cjk if wide else latin
        if font is not None:
            total += font.getlength(piece) / _MEASURE_PX * size * 20
        else:
            total += len(piece) * size * 20 * (1.0 if wide else 0.6)
    return total


def _script_runs(text: str):
    """(is CJK, run of text) pieces of ``text``."""
    runs: list[tuple[bool, str]] = []
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if runs and runs[-1][0] == wide:
            runs[-1] = (wide, runs[-1][1] + ch)
        else:
            runs.append((wide, ch))
    return runs


_MEASURE_PX = 100
_FONT_CACHE: list = []


def _measuring_fonts():
    if not _FONT_CACHE:
        _FONT_CACHE.append((_font_for("Noto Serif CJK SC:lang=zh-cn", must=("CJK", "cjk")),
                            _font_for("Times New Roman")))
    return _FONT_CACHE[0]


def _font_for(pattern: str, must: tuple[str, ...] = ()):
    import subprocess
    try:
        from PIL import ImageFont
        path = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                              timeout=5).stdout.strip()
        if not path or (must and not any(m in path for m in must)):
            return None
        return ImageFont.truetype(path, _MEASURE_PX, index=_collection_index(path))
    except (OSError, ValueError, ImportError, subprocess.SubprocessError):
        return None


def _collection_index(path: str) -> int:
    """The SC face of a Noto CJK collection (.ttc: JP, KR, SC, TC, HK — SC is the third)."""
    return 2 if path.endswith(".ttc") else 0


def _share(want: list[float], total: int) -> list[int]:
    """Columns that fit their proportional share get what they want (narrow ones,
    序号 or 期间, first); the rest share what is left."""
    ncols = len(want)
    widths = [0] * ncols
    open_cols = set(range(ncols))
    while open_cols:
        left = total - sum(widths[i] for i in range(ncols) if i not in open_cols)
        wanted = sum(want[i] for i in open_cols)
        share = {i: left * want[i] / wanted for i in open_cols}
        fits = {i for i in open_cols if want[i] <= share[i]}
        if not fits:
            fits = {i for i in open_cols if want[i] <= left / len(open_cols)}
        if not fits or fits == open_cols:
            for i in open_cols:
                widths[i] = int(share[i])
            break
        for i in fits:
            widths[i] = int(want[i])
        open_cols -= fits
    return widths


_CELL_MARGIN = 108  # twips, Word's default left/right cell margin
# LibreOffice wraps a text that exactly fills its cell (borders, rounding): "七甲坪/镇"
_WRAP_SLACK = 80


def _display_width(text: str) -> int:
    """Width in half-width units: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _border(tag: str, sz: int | None):
    el = OxmlElement(tag)
    if sz is None:
        el.set(qn("w:val"), "nil")
    else:
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(sz))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
    return el


def _table_borders(t) -> None:
    """三线表: thick top and bottom rules, nothing else (the header rule is on cells)."""
    tblPr = t._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side, sz in (("top", g.TABLE_OUTER_RULE), ("left", None),
                     ("bottom", g.TABLE_OUTER_RULE), ("right", None),
                     ("insideH", None), ("insideV", None)):
        borders.append(_border(f"w:{side}", sz))
    old = tblPr.find(qn("w:tblBorders"))
    if old is not None:
        tblPr.remove(old)
    # Schema order: tblBorders goes after tblW/jc and before tblLayout/tblLook.
    anchor = tblPr.find(qn("w:tblLayout"))
    if anchor is None:
        anchor = tblPr.find(qn("w:tblLook"))
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tblPr.append(borders)


def _table_width(t, twips: int) -> None:
    tblPr = t._tbl.tblPr
    tblW = tblPr.find(qn("w:tblW"))
    if tblW is None:
        tblW = OxmlElement("w:tblW")
        style = tblPr.find(qn("w:tblStyle"))
        if style is not None:
            style.addnext(tblW)
        else:
            tblPr.insert(0, tblW)
    tblW.set(qn("w:type"), "dxa")
    tblW.set(qn("w:w"), str(twips))


def _cell_bottom_rule(cell) -> None:
    tcPr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    borders.append(_border("w:bottom", g.TABLE_HEADER_RULE))
    # Schema order: tcW, gridSpan, vMerge, tcBorders, shd, …, vAlign.
    anchor = tcPr.find(qn("w:tcW"))
    if anchor is not None:
        anchor.addnext(borders)
    else:
        tcPr.insert(0, borders)


def _repeat_as_header(row) -> None:
    """The header row repeats on every page the table runs over (the appendix is long)."""
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    trPr.append(el)


# -- document-wide setup ------------------------------------------------

def _setup_styles(docx) -> None:
    styles_el = docx.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rPr, g.BODY_FONT)
    _set_size(rPr, g.BODY_SIZE)
    lang = rPr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = docx.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), g.BODY_FONT)
    normal.font.size = Pt(g.BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(g.LINE_PITCH_PT)

    # Real heading styles (标题 1…4: outline levels for the navigation pane),
    # restyled to the official look.
    for level, (font, bold) in g.HEADING_FONTS.items():
        style = docx.styles[f"Heading {level}"]
        _set_fonts(style.element.get_or_add_rPr(), font)
        style.font.size = Pt(g.BODY_SIZE)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(g.LINE_PITCH_PT)
        fmt.first_line_indent = Pt(g.BODY_SIZE * g.FIRST_LINE_CHARS)
        style.element.pPr.find(qn("w:ind")).set(
            qn("w:firstLineChars"), str(g.FIRST_LINE_CHARS * 100))
        fmt.keep_with_next = True
        hidden = style.element.find(qn("w:semiHidden"))
        if hidden is not None:  # Heading 4 is hidden in the default template
            style.element.remove(hidden)

    theme_lang = docx.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _set_size(rPr, size: float) -> None:
    for tag in ("w:sz", "w:szCs"):
        el = rPr.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), str(round(size * 2)))


def _setup_page(docx) -> None:
    section = docx.sections[0]
    section.page_width = Mm(g.PAGE_WIDTH_MM)
    section.page_height = Mm(g.PAGE_HEIGHT_MM)
    section.top_margin = Mm(g.MARGIN_TOP_MM)
    section.bottom_margin = Mm(g.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(g.MARGIN_LEFT_MM)
    section.right_margin = Mm(g.MARGIN_RIGHT_MM)
    section.header_distance = Mm(g.HEADER_DISTANCE_MM)
    section.footer_distance = Mm(g.FOOTER_DISTANCE_MM)
    sectPr = section._sectPr
    grid = sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(g.LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(g.char_space()))


def _setup_footers(docx) -> None:
    """"— N —" in 4号宋体: odd pages right (one character in), even pages left."""
    docx.settings.odd_and_even_pages_header_footer = True
    section = docx.sections[0]
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(p, *, odd: bool) -> None:
    _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT,
                      first_line=False, exact=False, snap=False)
    fmt = p.paragraph_format
    indent = Pt(g.PAGE_NUMBER_SIZE * g.PAGE_NUMBER_SIDE_CHARS)
    chars = str(g.PAGE_NUMBER_SIDE_CHARS * 100)
    if odd:
        fmt.right_indent = indent
    else:
        fmt.left_indent = indent
    ind = p._p.get_or_add_pPr().find(qn("w:ind"))
    ind.set(qn("w:rightChars" if odd else "w:leftChars"), chars)

    def run(text: str | None = None):
        r = p.add_run(text)
        _format_run(r, g.SONGTI, g.PAGE_NUMBER_SIZE)
        return r

    run("— ")
    _field_char(run(), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run()._r.append(instr)
    _field_char(run(), "separate")
    run("1")  # shown until the reader updates the field
    _field_char(run(), "end")
    run(" —")


def _field_char(run, kind: str) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    run._r.append(el)
