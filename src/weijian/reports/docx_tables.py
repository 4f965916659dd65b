"""Tables of the .docx: column widths measured in the cell's own fonts (so no number
ever wraps), the three-line borders, header rows repeated on every page."""
from __future__ import annotations

import re
import unicodedata

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from weijian.reports import gbt9704 as g
from weijian.reports.document import (
    Table,
)


# -- tables -------------------------------------------------------------

def column_widths(table: Table, ncols: int, total: int, size: float) -> list[int]:
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


def table_borders(t) -> None:
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


def table_width(t, twips: int) -> None:
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


def cell_bottom_rule(cell) -> None:
    tcPr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    borders.append(_border("w:bottom", g.TABLE_HEADER_RULE))
    # Schema order: tcW, gridSpan, vMerge, tcBorders, shd, …, vAlign.
    anchor = tcPr.find(qn("w:tcW"))
    if anchor is not None:
        anchor.addnext(borders)
    else:
        tcPr.insert(0, borders)


def repeat_as_header(row) -> None:
    """The header row repeats on every page the table runs over (the appendix is long)."""
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    trPr.append(el)
