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
from datetime import datetime
from pathlib import Path

from docx import Document as _new_docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

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
    def __init__(self, doc: Document):
        self.doc = doc
        self.docx = _new_docx()
        self.break_pending = False  # a PageBreak waits for the next paragraph

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

    # -- blocks ---------------------------------------------------------

    def _block(self, block) -> None:
        if isinstance(block, Heading):
            self._heading(block)
        elif isinstance(block, Paragraph):
            p = self._paragraph()
            _format_paragraph(p, first_line=block.indent)
            _add_runs(p, block.runs, g.BODY_FONT, g.BODY_SIZE)
        elif isinstance(block, Table):
            self._table(block, g.TABLE_SIZE)
        elif isinstance(block, Chart):
            self._chart(block)
        elif isinstance(block, PageBreak):
            self.break_pending = True
        else:
            raise ReportError(f"无法写入 Word 文档：未知的内容块 {type(block).__name__}")

    def _paragraph(self, style: str | None = None):
        """A new paragraph; starts a new page when a PageBreak came before it.

        pageBreakBefore rather than a break run: a paragraph holding only a
        break leaves an empty line at the top of the next page.
        """
        p = self.docx.add_paragraph(style=style)
        if self.break_pending:
            p.paragraph_format.page_break_before = True
            self.break_pending = False
        return p

    def _flush_break(self) -> None:
        """A table cannot carry pageBreakBefore: break in a paragraph of its own."""
        if self.break_pending:
            self.break_pending = False
            p = self.docx.add_paragraph()
            _format_paragraph(p, first_line=False, exact=False, snap=False)
            p.add_run().add_break(WD_BREAK.PAGE)

    def _title(self) -> None:
        p = self._paragraph()
        # Off the character grid: a 22 pt character would take two grid cells.
        _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False, snap=False)
        for i, line in enumerate(self.doc.title.split("\n")):
            r = p.add_run()
            if i:
                r.add_break()
            r.add_text(line)
            _format_run(r, g.TITLE_FONT, g.TITLE_SIZE)
        self._blank_line()

    def _blank_line(self) -> None:
        _format_paragraph(self._paragraph(), first_line=False)

    def _heading(self, block: Heading) -> None:
        level = min(max(block.level, 1), 4)
        font, bold = g.HEADING_FONTS[level]
        p = self._paragraph(style=f"Heading {level}")
        _format_paragraph(p, first_line=True)
        _add_runs(p, block.runs, font, g.BODY_SIZE, bold=bold, color=True)

    def _caption(self, text: str, *, keep_with_next: bool) -> None:
        p = self._paragraph()
        _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False, snap=False)
        p.paragraph_format.keep_with_next = keep_with_next
        _format_run(p.add_run(text), g.HEITI, g.CAPTION_SIZE)

    def _table(self, table: Table, size: float, *, caption: bool = True) -> None:
        if caption and table.caption:
            self._caption(table.caption, keep_with_next=True)
        self._flush_break()
        _write_table(self.docx, table, size)
        if table.note:
            p = self._paragraph()
            _format_paragraph(p, first_line=False, exact=False, snap=False)
            _format_run(p.add_run(table.note), g.BODY_FONT, size)

    def _chart(self, chart: Chart) -> None:
        p = self._paragraph()
        # Single spacing: exact spacing would clip the picture to one line.
        _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=False,
                          exact=False, snap=False)
        p.paragraph_format.keep_with_next = True
        width = Mm(min(chart.width_mm, g.TEXT_WIDTH_MM))
        try:
            p.add_run().add_picture(io.BytesIO(chart.png), width=width)
        except (UnrecognizedImageError, ValueError, OSError) as e:
            raise ReportError(f"图表“{chart.caption}”的图片无法读取（应为 PNG）：{e}") from e
        if chart.caption:
            self._caption(chart.caption, keep_with_next=False)

    def _signature(self) -> None:
        self._blank_line()
        for text in (self.doc.signature, format_date(self.doc.date)):
            p = self._paragraph()
            _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.RIGHT, first_line=False)
            _set_indent(p, right_chars=g.SIGNATURE_RIGHT_CHARS, size=g.BODY_SIZE)
            _format_run(p.add_run(text), g.BODY_FONT, g.BODY_SIZE)

    def _appendix(self, table: Table) -> None:
        self.break_pending = True
        p = self._paragraph()
        _format_paragraph(p, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=False)
        p.paragraph_format.keep_with_next = True
        _format_run(p.add_run(self.doc.appendix_title), g.HEITI, g.BODY_SIZE)
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


def _add_runs(p, runs: list[Run], font: str, size: float, *, bold: bool = False,
              color: bool = False) -> None:
    for run in runs:
        _format_run(p.add_run(run.text), font, size, bold=bold or run.bold, color=color)


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

def _write_table(docx, table: Table, size: float) -> None:
    ncols = max([len(table.header)] + [len(row) for row in table.rows])
    if ncols == 0:
        return
    t = docx.add_table(rows=1 + len(table.rows), cols=ncols)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _table_borders(t)
    total = g.mm_to_twips(g.TEXT_WIDTH_MM)
    _table_width(t, total)
    widths = _column_widths(table, ncols, total, size)
    for i, col in enumerate(t.columns):
        col.width = Twips(widths[i])

    header_row = t.rows[0]
    _repeat_as_header(header_row)
    for i, cell in enumerate(header_row.cells):
        text = table.header[i] if i < len(table.header) else ""
        _write_cell(cell, [Run(text)], size, width=widths[i], header=True)
        _cell_bottom_rule(cell)
    for r, row in enumerate(table.rows, start=1):
        for i, cell in enumerate(t.rows[r].cells):
            _write_cell(cell, row[i] if i < len(row) else [], size, width=widths[i])


def _write_cell(cell, runs: list[Run], size: float, *, width: int, header: bool = False) -> None:
    cell.width = Twips(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    text = "".join(r.text for r in runs)
    if header:
        align = WD_ALIGN_PARAGRAPH.CENTER
    elif _NUMERIC.match(text.strip()):
        align = WD_ALIGN_PARAGRAPH.RIGHT
    else:
        align = WD_ALIGN_PARAGRAPH.LEFT
    _format_paragraph(p, align=align, first_line=False, exact=False, snap=False)
    _add_runs(p, runs, g.BODY_FONT, size, bold=header)


def _column_widths(table: Table, ncols: int, total: int, size: float) -> list[int]:
    """Share ``total`` twips so that short columns (序号, 机构) are not wrapped.

    Each column wants the width of its longest text; columns that fit in
    their proportional share get what they want, the rest share what is left.
    """
    texts: list[list[str]] = [[] for _ in range(ncols)]
    for i, h in enumerate(table.header):
        texts[i].append(h)
    for row in table.rows:
        for i, cell in enumerate(row):
            texts[i].append("".join(r.text for r in cell))
    # Half-width units × half the font size, plus the cell's side margins.
    want = [max([_display_width(t) for t in col] + [4]) * size * 10 + 2 * _CELL_MARGIN
            for col in texts]
    widths = [0] * ncols
    open_cols = set(range(ncols))
    while open_cols:
        left = total - sum(widths[i] for i in range(ncols) if i not in open_cols)
        wanted = sum(want[i] for i in open_cols)
        share = {i: left * want[i] / wanted for i in open_cols}
        fits = {i for i in open_cols if want[i] <= share[i]}
        if not fits or fits == open_cols:
            for i in open_cols:
                widths[i] = int(share[i])
            break
        for i in fits:
            widths[i] = int(want[i])
        open_cols -= fits
    widths[-1] += total - sum(widths)
    return widths


_CELL_MARGIN = 108  # twips, Word's default left/right cell margin


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
