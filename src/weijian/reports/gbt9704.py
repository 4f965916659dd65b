"""Layout of GB/T 9704-2012 (党政机关公文格式), the numbers in one place.

The .docx renderer reads these; sizes are in points, lengths in millimetres
unless the name says otherwise (twips = 1/20 pt, the unit of Word's XML).
"""
from __future__ import annotations

import math

# Page: A4, 版心 156 mm × 225 mm.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_TOP_MM = 37.0
MARGIN_BOTTOM_MM = 35.0
MARGIN_LEFT_MM = 28.0
MARGIN_RIGHT_MM = 26.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
HEADER_DISTANCE_MM = 15.0  # no header is printed; must stay inside the top margin
# The page number's dashes sit 7 mm below the 版心: a 4号 line whose bottom
# is 25 mm above the page edge puts them there.
FOOTER_DISTANCE_MM = 25.0

# 22 lines × 28 characters per page.
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH_PT = 28.95  # 225 mm / 22 lines
LINE_PITCH_TWIPS = 579

# Font sizes (字号 → pt).
SIZE_2HAO = 22.0
SIZE_3HAO = 16.0
SIZE_4HAO = 14.0
SIZE_XIAO4 = 12.0
SIZE_5HAO = 10.5

BODY_SIZE = SIZE_3HAO
TITLE_SIZE = SIZE_2HAO
CAPTION_SIZE = SIZE_4HAO
TABLE_SIZE = SIZE_XIAO4
APPENDIX_TABLE_SIZE = SIZE_5HAO
PAGE_NUMBER_SIZE = SIZE_4HAO

# Fonts are named, not embedded (Word on the user's machine has them; the
# PDF path maps them to Noto CJK through fontconfig).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
# Latin letters and digits in serif text are set in Times New Roman, as most
# county offices do; 黑体 text keeps 黑体 digits (a serif digit in a sans
# heading looks wrong) and the page number is 宋体 throughout (GB/T 9704 7.5).
WESTERN_SERIF = "Times New Roman"
_OWN_WESTERN = {HEITI, SONGTI}

# Heading level → (font, bold). Numbering is part of the heading text.
HEADING_FONTS = {
    1: (HEITI, False),      # 一、
    2: (KAITI, False),      # （一）
    3: (BODY_FONT, True),   # 1.
    4: (BODY_FONT, False),  # （1）
}

FIRST_LINE_CHARS = 2  # body and headings
SIGNATURE_RIGHT_CHARS = 4  # 署名、日期右空四字
PAGE_NUMBER_SIDE_CHARS = 1  # 单页码居右空一字，双页码居左空一字

# 三线表 rules, in eighths of a point (Word's w:sz for borders).
TABLE_OUTER_RULE = 12  # 1.5 pt
TABLE_HEADER_RULE = 6  # 0.75 pt


def western_font(cjk_font: str) -> str:
    """The font for Latin letters and digits in text set in ``cjk_font``."""
    return cjk_font if cjk_font in _OWN_WESTERN else WESTERN_SERIF


def mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def char_space(
    text_width_mm: float = TEXT_WIDTH_MM,
    chars: int = CHARS_PER_LINE,
    font_size: float = BODY_SIZE,
) -> int:
    """``w:docGrid/@w:charSpace`` that fits ``chars`` characters on a line.

    Word's character pitch is the default font size plus charSpace/4096 pt;
    rounded down so the last character still fits (-848 for 28 × 16 pt in 156 mm).
    """
    pitch_pt = text_width_mm / 25.4 * 72 / chars
    return math.floor((pitch_pt - font_size) * 4096)
