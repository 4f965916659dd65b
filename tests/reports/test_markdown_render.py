"""Markdown rendering: headings, bold, pipe tables, images as files or data URIs."""
from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

from markdown_it import MarkdownIt

from weijian.reports.document import Chart, Document, Fact, Heading, PageBreak, Paragraph, Run, Table
from weijian.reports.markdown_render import render_markdown

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16  # renderers copy bytes, they never decode them
EVIL = "<script>alert(1)</script>"


def _doc() -> Document:
    fact = Fact(id="f1", text="95.42%", kind="value", code="GXY", name="高血压患者规范管理率", ou="U1",
                ou_name=f"{EVIL}镇", period="2026年1—6月", value=D("95.42"), unit="%",
                numerator=D(1234), denominator=D(1293))
    return Document(
        title="沅陵县卫生健康局2026年上半年工作总结",
        blocks=[
            Paragraph([Run("2026年上半年，全县卫生健康工作稳步推进。")]),
            Heading(1, [Run("一、主要工作成效")]),
            Heading(2, [Run("（一）基本公共卫生服务")]),
            Paragraph([Run("一是慢病管理扎实。", bold=True), Run("规范管理率达"), Run("95.42%", fact=fact),
                       Run("，"), Run("全县第一", bold=True), Run("。"), Run(EVIL)]),
            Heading(3, [Run("1.家庭医生签约")]),
            Heading(4, [Run("（1）重点人群")]),
            Table("表1 各乡镇管理情况", ["乡镇", "规范管理率（%）"],
                  [[[Run("明溪口镇")], [Run("98.10")]], [[Run("甲|乙")], [Run("95.42", fact=fact)]]],
                  note="注：数据来源于基卫系统。"),
            Chart("图1 各乡镇规范管理率", PNG, facts=[fact]),
            PageBreak(),
            Chart("图2 逐月趋势", PNG + b"2"),
            Paragraph([Run("1. 不是列表")], indent=False),
        ],
        signature="沅陵县卫生健康局",
        date=dt.date(2026, 7, 5),
        appendix=Table("附表：数据来源", ["序号", "数字", "指标", "单位"],
                       [[[Run("1")], [Run("95.42%")], [Run("高血压患者规范管理率")], [Run(f"{EVIL}镇")]]]),
    )


def test_title_and_heading_markers_keep_numbering():
    md = render_markdown(_doc())
    lines = md.splitlines()
    assert lines[0] == "# 沅陵县卫生健康局2026年上半年工作总结"
    for line in ("## 一、主要工作成效", "### （一）基本公共卫生服务", "#### 1.家庭医生签约", "##### （1）重点人群"):
        assert line in lines


def test_bold_runs_render_as_strong():
    md = render_markdown(_doc())
    assert "**全县第一**" in md
    html = MarkdownIt("commonmark").enable("table").render(md)
    # CommonMark does not close ** after 。 before a hanzi: that run must still come out bold
    assert "<strong>一是慢病管理扎实。</strong>" in html
    assert "<strong>全县第一</strong>" in html
    assert "**" not in html


def test_paragraphs_are_separated_by_blank_lines_and_not_lists():
    md = render_markdown(_doc())
    assert "\n\n2026年上半年，全县卫生健康工作稳步推进。\n\n## 一、" in md
    html = MarkdownIt("commonmark").render(md)
    assert "<ol" not in html and "1. 不是列表" in html


def test_pipe_table_with_caption_and_note():
    md = render_markdown(_doc())
    block = md[md.index("**表1 各乡镇管理情况**"):]
    lines = block.splitlines()
    assert lines[2] == "| 乡镇 | 规范管理率（%） |"
    assert lines[3] == "| --- | --- |"
    assert lines[4] == "| 明溪口镇 | 98.10 |"
    assert lines[5] == "| 甲\\|乙 | 95.42 |"
    assert lines[7] == "注：数据来源于基卫系统。"
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<td>甲|乙</td>" in html


def test_charts_as_data_uris_without_image_dir():
    md = render_markdown(_doc())
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert f"![图1 各乡镇规范管理率]({uri})" in md


def test_charts_as_files_beside_the_markdown(tmp_path: Path):
    md = render_markdown(_doc(), image_dir=tmp_path)
    assert "![图1 各乡镇规范管理率](chart-1.png)" in md
    assert "![图2 逐月趋势](chart-2.png)" in md
    assert (tmp_path / "chart-1.png").read_bytes() == PNG
    assert (tmp_path / "chart-2.png").read_bytes() == PNG + b"2"
    assert "data:image" not in md


def test_charts_in_a_subfolder(tmp_path: Path):
    md = render_markdown(_doc(), image_dir=tmp_path / "图表", markdown_dir=tmp_path)
    assert "![图1 各乡镇规范管理率](图表/chart-1.png)" in md
    assert (tmp_path / "图表" / "chart-1.png").is_file()


def test_markup_in_text_is_escaped():
    md = render_markdown(_doc())
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signature_date_then_appendix():
    md = render_markdown(_doc())
    signature = md.index("\n\n沅陵县卫生健康局\n\n2026年7月5日\n\n")
    appendix = md.index("## 附表：数据来源")
    assert signature < appendix
    assert "2026年07月" not in md
    assert "| 序号 | 数字 | 指标 | 单位 |" in md[appendix:]
    assert "**附表：数据来源**" not in md  # the heading is the caption
    assert md.endswith("|\n")


def test_without_appendix_ends_with_date():
    doc = _doc()
    doc.appendix = None
    assert render_markdown(doc).endswith("沅陵县卫生健康局\n\n2026年7月5日\n")
