"""The .docx renderer against GB/T 9704-2012: read the file back and check the layout."""
from __future__ import annotations

import struct
import zlib
from datetime import date

import pytest
from docx import Document as open_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from weijian.errors import ReportError
from weijian.reports import gbt9704
from weijian.reports.document import (
    Chart, Document, Fact, Heading, PageBreak, Paragraph, Run, Table,
)
from weijian.reports.docx_render import render_docx

BODY = "今年以来，在县委、县政府的坚强领导下，我局坚持以人民健康为中心，深入推进健康沅陵建设。"
WP_INLINE = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}inline"


def tiny_png(width: int = 40, height: int = 20) -> bytes:
    """A grey RGB PNG, written by hand so the test needs no plotting library."""
    rows = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def sample_document(**changes) -> Document:
    fact = Fact(id="f1", text="95.42%", kind="value", code="HTN_STD_RATE")
    blocks = [
        Paragraph([Run(BODY)]),
        Heading(1, [Run("一、主要工作成效")]),
        Heading(2, [Run("（一）基本公共卫生服务提质增效")]),
        Heading(3, [Run("1.慢性病管理")]),
        Heading(4, [Run("（1）高血压管理")]),
        Paragraph([Run("全县高血压患者规范管理率达到"), Run("95.42%", fact=fact),
                   Run("，"), Run("排名全市第一", bold=True), Run("。")]),
        Paragraph([Run("不缩进的一段。")], indent=False),
        Table("表1 各乡镇高血压规范管理率", ["乡镇", "管理人数", "规范管理率"],
              [[[Run("辰州街道")], [Run("12,345")], [Run("95.42%", fact=fact)]],
               [[Run("官庄镇")], [Run("3,210")], [Run("88.1%")]]],
              note="注：数据来源于基本公共卫生服务系统。"),
        Chart("图1 各乡镇规范管理率", tiny_png(), width_mm=120),
        PageBreak(),
        Heading(1, [Run("二、存在问题")]),
        Paragraph([Run(BODY)]),
    ]
    appendix = Table("附表：数据来源", ["序号", "数字", "指标"],
                     [[[Run("1")], [Run("95.42%")], [Run("高血压患者规范管理率")]]])
    values = dict(title="沅陵县卫生健康局2026年上半年工作总结", blocks=blocks,
                  signature="沅陵县卫生健康局", date=date(2026, 7, 5), appendix=appendix)
    values.update(changes)
    return Document(**values)


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "总结.docx"
    assert render_docx(sample_document(), path) == path
    return path


@pytest.fixture(scope="module")
def rendered(docx_file):
    return open_docx(str(docx_file))


def paragraph(rendered, text: str):
    for p in rendered.paragraphs:
        if p.text == text:
            return p
    raise AssertionError(f"no paragraph {text!r}")


def east_asia(run) -> str:
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def ind(p, attr: str) -> str | None:
    el = p._p.pPr.find(qn("w:ind"))
    return None if el is None else el.get(qn(f"w:{attr}"))


def body_elements(rendered):
    """(kind, element) of the body's paragraphs and tables, in document order."""
    out = []
    for el in rendered.element.body:
        if el.tag == qn("w:p"):
            out.append(("p", el))
        elif el.tag == qn("w:tbl"):
            out.append(("tbl", el))
    return out


# -- page -----------------------------------------------------------------

def test_page_is_a4_with_gbt9704_margins(rendered):
    s = rendered.sections[0]
    for value, mm in [(s.page_width, 210), (s.page_height, 297), (s.top_margin, 37),
                      (s.bottom_margin, 35), (s.left_margin, 28), (s.right_margin, 26)]:
        assert value.mm == pytest.approx(mm, abs=0.1)


def test_document_grid_is_22_lines_of_28_characters(rendered):
    grid = rendered.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert grid.get(qn("w:linePitch")) == "579"
    char_space = int(grid.get(qn("w:charSpace")))
    assert char_space == gbt9704.char_space() == -848
    pitch = 16 + char_space / 4096
    text_width_pt = 156 / 25.4 * 72
    assert 28 * pitch <= text_width_pt < 29 * pitch
    assert 22 * 28.95 == pytest.approx(225 / 25.4 * 72, abs=1)


def test_core_properties_and_language(rendered):
    assert rendered.core_properties.title == "沅陵县卫生健康局2026年上半年工作总结"
    assert rendered.core_properties.language == "zh-CN"
    lang = rendered.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


# -- title and body ---------------------------------------------------------

def test_title_is_2hao_xiaobiaosong_centred_then_a_blank_line(rendered):
    title = rendered.paragraphs[0]
    assert title.text == "沅陵县卫生健康局2026年上半年工作总结"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.paragraph_format.first_line_indent in (None, 0)
    for run in title.runs:
        assert run.font.size == Pt(22)
        assert east_asia(run) == "方正小标宋简体"
    assert rendered.paragraphs[1].text == ""


def test_title_lines_break_where_the_title_does(tmp_path):
    path = render_docx(sample_document(title="沅陵县卫生健康局\n2026年上半年工作总结"),
                       tmp_path / "t.docx")
    title = open_docx(str(path)).paragraphs[0]
    assert title.text == "沅陵县卫生健康局\n2026年上半年工作总结"


def test_body_is_3hao_fangsong_indented_two_characters_on_the_grid(rendered):
    p = paragraph(rendered, BODY)
    fmt = p.paragraph_format
    assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert fmt.line_spacing.pt == pytest.approx(28.95, abs=0.01)
    assert (fmt.space_before, fmt.space_after) == (0, 0)
    assert ind(p, "firstLineChars") == "200"
    assert fmt.first_line_indent == Pt(32)
    for run in p.runs:
        assert run.font.size == Pt(16)
        assert east_asia(run) == "仿宋_GB2312"
        fonts = run._r.rPr.rFonts
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "Times New Roman"


def test_unindented_paragraph_has_no_first_line_indent(rendered):
    p = paragraph(rendered, "不缩进的一段。")
    assert ind(p, "firstLineChars") is None
    assert not p.paragraph_format.first_line_indent


def test_bold_runs_are_bold_and_facts_plain(rendered):
    p = paragraph(rendered, "全县高血压患者规范管理率达到95.42%，排名全市第一。")
    runs = {r.text: r for r in p.runs}
    assert runs["排名全市第一"].bold is True
    assert not runs["95.42%"].bold
    assert runs["95.42%"].font.color.rgb is None  # a figure is not highlighted


@pytest.mark.parametrize("level, text, font, bold", [
    (1, "一、主要工作成效", "黑体", False),
    (2, "（一）基本公共卫生服务提质增效", "楷体_GB2312", False),
    (3, "1.慢性病管理", "仿宋_GB2312", True),
    (4, "（1）高血压管理", "仿宋_GB2312", False),
])
def test_headings_use_real_heading_styles_with_official_fonts(rendered, level, text, font, bold):
    p = paragraph(rendered, text)
    assert p.style.name == f"Heading {level}"
    outline = p.style.element.pPr.find(qn("w:outlineLvl"))
    assert outline.get(qn("w:val")) == str(level - 1)  # the navigation pane
    assert p.style.font.color.rgb == (0, 0, 0)
    assert ind(p, "firstLineChars") == "200"
    assert p.paragraph_format.line_spacing.pt == pytest.approx(28.95, abs=0.01)
    assert (p.paragraph_format.space_before, p.paragraph_format.space_after) == (0, 0)
    for run in p.runs:
        assert east_asia(run) == font
        assert run.font.size == Pt(16)
        assert bool(run.bold) is bold


# -- footers --------------------------------------------------------------------

def _field_instructions(p) -> list[str]:
    return [t.text.strip() for t in p._p.iter(qn("w:instrText"))]


def _field_chars(p) -> list[str]:
    return [f.get(qn("w:fldCharType")) for f in p._p.iter(qn("w:fldChar"))]


def test_page_numbers_odd_right_even_left_in_4hao_songti(rendered):
    assert rendered.settings.odd_and_even_pages_header_footer is True
    section = rendered.sections[0]
    odd = section.footer.paragraphs[0]
    even = section.even_page_footer.paragraphs[0]
    for p, align, side in [(odd, WD_ALIGN_PARAGRAPH.RIGHT, "rightChars"),
                           (even, WD_ALIGN_PARAGRAPH.LEFT, "leftChars")]:
        assert p.alignment == align
        assert ind(p, side) == "100"
        assert _field_instructions(p) == ["PAGE"]
        assert _field_chars(p) == ["begin", "separate", "end"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        for run in p.runs:
            assert run.font.size == Pt(14)
            assert east_asia(run) == "宋体"


# -- tables and charts ---------------------------------------------------------

def _border(parent, side: str):
    return parent.find(qn(f"w:{side}"))


def test_table_is_a_three_line_table(rendered):
    table = rendered.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert _border(borders, "top").get(qn("w:sz")) == "12"  # 1.5 pt
    assert _border(borders, "bottom").get(qn("w:sz")) == "12"
    for side in ("insideV", "insideH", "left", "right"):
        el = _border(borders, side)
        assert el is None or el.get(qn("w:val")) in ("nil", "none")
    for cell in table.rows[0].cells:
        rule = cell._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
        assert rule.get(qn("w:sz")) == "6"  # 0.75 pt
    for row in table.rows[1:]:
        for cell in row.cells:
            assert cell._tc.tcPr.find(qn("w:tcBorders")) is None
    assert table._tbl.tblPr.find(qn("w:jc")).get(qn("w:val")) == "center"
    width = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
    assert width == pytest.approx(gbt9704.mm_to_twips(156), abs=2)


def test_table_cells_numbers_right_text_left_header_bold(rendered):
    table = rendered.tables[0]
    header = table.rows[0].cells
    assert [c.text for c in header] == ["乡镇", "管理人数", "规范管理率"]
    assert all(r.bold for c in header for r in c.paragraphs[0].runs)
    row = table.rows[1].cells
    assert [c.paragraphs[0].alignment for c in row] == [
        WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]
    for cell in row:
        p = cell.paragraphs[0]
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE
        assert not p.paragraph_format.first_line_indent
        assert p.runs[0].font.size == Pt(12)
        assert east_asia(p.runs[0]) == "仿宋_GB2312"


def test_table_caption_above_and_note_below(rendered):
    elements = body_elements(rendered)
    i = next(n for n, (kind, _) in enumerate(elements) if kind == "tbl")
    caption = paragraph(rendered, "表1 各乡镇高血压规范管理率")
    assert elements[i - 1][1] is caption._p
    assert caption.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia(caption.runs[0]) == "黑体"
    assert caption.runs[0].font.size == Pt(14)
    note = paragraph(rendered, "注：数据来源于基本公共卫生服务系统。")
    assert elements[i + 1][1] is note._p
    assert note.runs[0].font.size == Pt(12)


def test_chart_is_a_single_spaced_centred_picture_with_caption_below(rendered):
    pictures = [p for p in rendered.paragraphs if p._p.findall(".//" + WP_INLINE)]
    assert len(pictures) == 1
    p = pictures[0]
    assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE
    assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert not p.paragraph_format.first_line_indent
    assert rendered.inline_shapes[0].width.mm == pytest.approx(120, abs=0.1)
    i = [q._p for q in rendered.paragraphs].index(p._p)
    caption = rendered.paragraphs[i + 1]
    assert caption.text == "图1 各乡镇规范管理率"
    assert caption.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert caption.runs[0].font.size == Pt(14)


def test_chart_wider_than_the_text_is_narrowed(tmp_path):
    doc = sample_document(blocks=[Chart("图1", tiny_png(), width_mm=400)], appendix=None)
    shapes = open_docx(str(render_docx(doc, tmp_path / "c.docx"))).inline_shapes
    assert shapes[0].width.mm == pytest.approx(156, abs=0.1)


def test_a_chart_that_is_not_an_image_is_a_report_error(tmp_path):
    doc = sample_document(blocks=[Chart("图1 坏图", b"not a png")])
    with pytest.raises(ReportError, match="图1 坏图"):
        render_docx(doc, tmp_path / "bad.docx")


# -- breaks, signature, appendix -------------------------------------------------

def test_page_break_starts_the_next_block_on_a_new_page(rendered):
    p = paragraph(rendered, "二、存在问题")
    assert p.paragraph_format.page_break_before is True
    assert not paragraph(rendered, "一、主要工作成效").paragraph_format.page_break_before


def test_page_break_before_a_table_without_caption(tmp_path):
    blocks = [Paragraph([Run("前")]), PageBreak(),
              Table("", ["甲"], [[[Run("1")]]])]
    rendered = open_docx(str(render_docx(sample_document(blocks=blocks, appendix=None),
                                         tmp_path / "b.docx")))
    elements = body_elements(rendered)
    i = next(n for n, (kind, _) in enumerate(elements) if kind == "tbl")
    br = elements[i - 1][1].find(".//" + qn("w:br"))
    assert br is not None and br.get(qn("w:type")) == "page"


def test_signature_and_date_right_aligned_four_characters_in(rendered):
    signature = paragraph(rendered, "沅陵县卫生健康局")
    day = paragraph(rendered, "2026年7月5日")  # no leading zeros
    paragraphs = [p._p for p in rendered.paragraphs]
    i = paragraphs.index(signature._p)
    assert rendered.paragraphs[i - 1].text == ""  # one blank line before
    assert paragraphs[i + 1] is day._p
    for p in (signature, day):
        assert p.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert ind(p, "rightChars") == "400"
        assert p.runs[0].font.size == Pt(16)
        assert east_asia(p.runs[0]) == "仿宋_GB2312"


def test_appendix_on_a_new_page_after_the_signature(rendered):
    heading = paragraph(rendered, "附表：数据来源")
    paragraphs = [p._p for p in rendered.paragraphs]
    assert paragraphs.index(heading._p) > paragraphs.index(paragraph(rendered, "2026年7月5日")._p)
    assert heading.paragraph_format.page_break_before is True
    assert east_asia(heading.runs[0]) == "黑体"
    assert heading.runs[0].font.size == Pt(16)
    assert not heading.paragraph_format.first_line_indent
    table = rendered.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["序号", "数字", "指标"]
    assert table.rows[1].cells[2].paragraphs[0].runs[0].font.size == Pt(10.5)
    # Its caption equals the appendix title, so it is not printed twice.
    assert sum(p.text == "附表：数据来源" for p in rendered.paragraphs) == 1


def test_no_appendix_when_there_is_none(tmp_path):
    path = render_docx(sample_document(appendix=None), tmp_path / "n.docx")
    rendered = open_docx(str(path))
    assert len(rendered.tables) == 1
    assert rendered.paragraphs[-1].text == "2026年7月5日"


def test_every_run_names_its_east_asian_font(rendered):
    for p in rendered.paragraphs:
        for run in p.runs:
            if run.text:
                assert east_asia(run), run.text


# -- many runs, many rows (built from copied prototypes) ---------------------------

def test_run_text_keeps_edge_spaces_tabs_and_line_breaks(tmp_path):
    doc = sample_document(blocks=[Paragraph([Run(" 两端有空格 "), Run("甲\t乙\n丙"), Run("")])],
                          appendix=None)
    p = open_docx(str(render_docx(doc, tmp_path / "s.docx"))).paragraphs[2]
    assert p.text == " 两端有空格 甲\t乙\n丙"
    first, second, empty = p.runs
    assert first._r.find(qn("w:t")).get(qn("xml:space")) == "preserve"
    assert [el.tag.split("}")[1] for el in second._r if el.tag != qn("w:rPr")] == [
        "t", "tab", "t", "br", "t"]
    assert empty.text == "" and east_asia(empty) == "仿宋_GB2312"
    for run in p.runs:
        assert run.font.size == Pt(16)


def test_every_row_of_a_long_table_is_formatted_on_its_own(tmp_path):
    rows = [[[Run(str(n))], [Run(f"{n * 1.5:.1f}%")], [Run(f"第{n}项指标"), Run("（续）", bold=True)]]
            for n in range(1, 201)]
    short = Table("表2 两列", ["甲", "乙"], [[[Run("一")], [Run("12")]]])
    doc = sample_document(blocks=[short], appendix=Table("附表：数据来源", ["序号", "数字", "指标", "备注"], rows))
    rendered = open_docx(str(render_docx(doc, tmp_path / "long.docx")))
    first, table = rendered.tables
    assert len(table.rows) == 201
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in header.cells] == ["序号", "数字", "指标", "备注"]
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    for n, row in enumerate(table.rows[1:], start=1):
        cells = row.cells
        assert [c.text for c in cells] == [str(n), f"{n * 1.5:.1f}%", f"第{n}项指标（续）", ""]
        assert [c.paragraphs[0].alignment for c in cells] == [
            WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT,
            WD_ALIGN_PARAGRAPH.LEFT]
        assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in cells] == grid
        assert cells[3].paragraphs[0].runs == []  # a missing cell is empty
        for cell in cells[:3]:
            assert cell._tc.tcPr.find(qn("w:tcBorders")) is None
            for run in cell.paragraphs[0].runs:
                assert run.font.size == Pt(10.5)
                assert east_asia(run) == "仿宋_GB2312"
        assert [bool(r.bold) for r in cells[2].paragraphs[0].runs] == [False, True]
    # the body table keeps widths of its own (cells are copied, not shared)
    widths = [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in first.rows[1].cells]
    assert len(widths) == 2 and sum(widths) == pytest.approx(gbt9704.mm_to_twips(156), abs=2)
    assert [r.font.size for c in first.rows[1].cells for r in c.paragraphs[0].runs] == [Pt(12)] * 2
