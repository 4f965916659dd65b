"""Runs and paragraphs of the .docx: fonts on every script (ascii, hAnsi *and* eastAsia),
sizes, GB/T 9704 indents and line spacing, pPr children in the order Word expects."""
from __future__ import annotations


from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from weijian.reports import gbt9704 as g


_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# -- runs and paragraphs ------------------------------------------------

def set_fonts(rPr, cjk_font: str) -> None:
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


def format_run(run, font: str, size: float, *, bold: bool = False, color: bool = False) -> None:
    set_fonts(run._r.get_or_add_rPr(), font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:  # heading styles carry a theme colour; runs in them are black
        run.font.color.rgb = RGBColor(0, 0, 0)


def format_paragraph(p, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line: bool = True,
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
        set_indent(p, first_line_chars=g.FIRST_LINE_CHARS, size=g.BODY_SIZE)
    else:
        fmt.first_line_indent = Pt(0)
    if not snap:
        pPr = p._p.get_or_add_pPr()
        el = pPr.find(qn("w:snapToGrid"))
        if el is None:
            el = OxmlElement("w:snapToGrid")
            pPr.append(el)
            reorder_pPr(pPr)
        el.set(qn("w:val"), "0")


def set_indent(p, *, size: float, first_line_chars: int = 0, right_chars: int = 0) -> None:
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


def reorder_pPr(pPr) -> None:
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_PPR_ORDER)}
    children = sorted(pPr, key=lambda el: rank.get(el.tag, len(rank)))
    for el in children:
        pPr.append(el)
