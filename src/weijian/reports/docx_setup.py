"""Document-wide .docx setup: styles, A4 page and margins, the "— 1 —" page numbers
(odd right, even left) of GB/T 9704-2012."""
from __future__ import annotations


from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from weijian.reports import gbt9704 as g
from weijian.reports.docx_format import format_paragraph, format_run, set_fonts


# -- document-wide setup ------------------------------------------------

def setup_styles(docx) -> None:
    styles_el = docx.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rPr, g.BODY_FONT)
    _set_size(rPr, g.BODY_SIZE)
    lang = rPr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = docx.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), g.BODY_FONT)
    normal.font.size = Pt(g.BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(g.LINE_PITCH_PT)

    # Real heading styles (标题 1…4: outline levels for the navigation pane),
    # restyled to the official look.
    for level, (font, bold) in g.HEADING_FONTS.items():
        style = docx.styles[f"Heading {level}"]
        set_fonts(style.element.get_or_add_rPr(), font)
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


def setup_page(docx) -> None:
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


def setup_footers(docx) -> None:
    """"— N —" in 4号宋体: odd pages right (one character in), even pages left."""
    docx.settings.odd_and_even_pages_header_footer = True
    section = docx.sections[0]
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(p, *, odd: bool) -> None:
    format_paragraph(p, align=WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT,
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
        format_run(r, g.SONGTI, g.PAGE_NUMBER_SIZE)
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
