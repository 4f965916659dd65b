"""HTML rendering: escaped text, fact spans with provenance, 三线表, inline charts."""
from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal as D
from html.parser import HTMLParser

from weijian.reports.document import Chart, Document, Fact, Heading, PageBreak, Paragraph, Run, Table
from weijian.reports.html_render import render_html, report_css

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
EVIL = "<script>alert(1)</script>"


def _doc() -> Document:
    rate = Fact(id="f1", text="95.42%", kind="value", code="GXY", name="高血压患者规范管理率", ou="U1",
                ou_name=f"{EVIL}镇", period="2026年1—6月", value=D("95.42"), unit="%",
                numerator=D(1234), denominator=D("1293.5"))
    count = Fact(id="f2", text="12.3万", kind="value", name="门诊人次", ou="C", ou_name="沅陵县",
                 period="2026年1—6月", value=D(123456))
    return Document(
        title="沅陵县卫生健康局2026年上半年工作总结",
        blocks=[
            Paragraph([Run("2026年上半年，全县卫生健康工作稳步推进。")]),
            Heading(1, [Run("一、主要工作成效")]),
            Heading(2, [Run("（一）基本公共卫生服务")]),
            Paragraph([Run("一是慢病管理扎实。", bold=True), Run("规范管理率达"), Run("95.42%", fact=rate),
                       Run("，门诊"), Run("12.3万", fact=count), Run("人次。"), Run(EVIL)]),
            Heading(3, [Run("1.家庭医生签约")]),
            Heading(4, [Run("（1）重点人群")]),
            Table("表1 各乡镇管理情况", ["乡镇", "规范管理率（%）"],
                  [[[Run(f"{EVIL}镇")], [Run("95.42", fact=rate)]]], note="注：数据来源于基卫系统。"),
            Chart("图1 各乡镇规范管理率", PNG, width_mm=120, facts=[rate]),
            PageBreak(),
            Paragraph([Run("附注。")], indent=False),
        ],
        signature="沅陵县卫生健康局",
        date=dt.date(2026, 7, 5),
        appendix=Table("附表：数据来源", ["序号", "数字", "单位"],
                       [[[Run("1")], [Run("95.42%")], [Run(f"{EVIL}镇")]]]),
    )


class _Tags(HTMLParser):
    """Start tags in order, to check the markup is well formed enough to parse."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_standalone_page_has_head_styles_and_fonts():
    html = render_html(_doc())
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert "<title>沅陵县卫生健康局2026年上半年工作总结</title>" in html
    assert '"FangSong", "仿宋_GB2312", "Noto Serif CJK SC", serif' in html.replace('"仿宋", "STFangsong", ', "")
    assert "text-indent: 2em" in html
    assert "border-top: 1.5px solid" in html and "border-bottom: 0.75px solid" in html
    assert html.rstrip().endswith("</html>")


def test_fragment_is_only_the_article():
    html = render_html(_doc(), standalone=False).strip()
    assert html.startswith('<article class="weijian-report">') and html.endswith("</article>")
    assert "<style>" not in html and "<html" not in html
    assert ".weijian-report" in report_css()


def test_headings_by_level_keep_their_numbers():
    html = render_html(_doc(), standalone=False)
    assert '<h1 class="doc-title">沅陵县卫生健康局2026年上半年工作总结</h1>' in html
    assert '<h2 class="level-1">一、主要工作成效</h2>' in html
    assert '<h3 class="level-2">（一）基本公共卫生服务</h3>' in html
    assert '<h4 class="level-3">1.家庭医生签约</h4>' in html
    assert '<h5 class="level-4">（1）重点人群</h5>' in html


def test_bold_and_paragraph_indent():
    html = render_html(_doc(), standalone=False)
    assert "<p><strong>一是慢病管理扎实。</strong>规范管理率达" in html
    assert '<p class="no-indent">附注。</p>' in html


def test_fact_spans_carry_id_and_provenance():
    tags = _tags(render_html(_doc()))
    spans = [attrs for tag, attrs in tags if tag == "span" and "fact" in attrs.get("class", "")]
    assert [s["data-fact"] for s in spans] == ["f1", "f2", "f1"]
    assert spans[0]["title"] == f"高血压患者规范管理率 · {EVIL}镇 · 2026年1—6月 · 1234/1293.5"
    assert spans[1]["title"] == "门诊人次 · 沅陵县 · 2026年1—6月"
    html = render_html(_doc())
    assert '<span class="fact" data-fact="f2" title="门诊人次 · 沅陵县 · 2026年1—6月">12.3万</span>人次' in html


def test_names_and_texts_are_escaped():
    html = render_html(_doc())
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5  # run, 2 titles, table cell, appendix


def test_three_line_table_with_caption_and_note():
    html = render_html(_doc(), standalone=False)
    assert '<table class="three-line">' in html
    assert "<caption>表1 各乡镇管理情况</caption>" in html
    assert "<thead><tr><th>乡镇</th><th>规范管理率（%）</th></tr></thead>" in html
    assert '<p class="table-note">注：数据来源于基卫系统。</p>' in html


def test_chart_is_an_inline_figure():
    tags = _tags(render_html(_doc()))
    figure = next(attrs for tag, attrs in tags if tag == "figure")
    assert figure["data-facts"] == "f1"
    image = next(attrs for tag, attrs in tags if tag == "img")
    assert image["src"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert image["alt"] == "图1 各乡镇规范管理率" and "120mm" in image["style"]
    assert "<figcaption>图1 各乡镇规范管理率</figcaption>" in render_html(_doc())


def test_page_break_signature_date_and_appendix():
    html = render_html(_doc(), standalone=False)
    assert 'class="page-break"' in html
    assert '<p class="organ">沅陵县卫生健康局</p>' in html
    assert '<p class="date">2026年7月5日</p>' in html
    assert not re.search(r"年0\d月|月0\d日", html)
    assert html.index('class="signature"') < html.index('<section class="appendix">')
    assert '<h2 class="appendix-title">附表：数据来源</h2>' in html
    appendix = html[html.index('<section class="appendix">'):]
    assert "<caption>" not in appendix  # the heading already names it
    assert "<th>序号</th>" in appendix


def test_no_appendix():
    doc = _doc()
    doc.appendix = None
    assert "appendix" not in render_html(doc, standalone=False)
