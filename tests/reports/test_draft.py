"""The drafted 工作总结 of the demo county: structure, wording, and every
figure re-computed through the engine from the JSON sidecar."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from weijian import Workspace
from weijian.analytics import round_half_up
from weijian.ledger import period_bounds
from weijian.model.periods import Period
from weijian.reports.document import Chart, Heading, Paragraph, Table
from weijian.reports.facts import BLOCK_OPEN, FACT_OPEN, MISSING

PRIVATE = re.compile(f"[{FACT_OPEN}-{BLOCK_OPEN}\ue004]")


@pytest.fixture(scope="module")
def ws(demo_workspace):
    workspace = Workspace.open(demo_workspace)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def half(ws):
    return ws.report("2026S1", today=date(2026, 7, 6))


@pytest.fixture(scope="module")
def written(ws, half, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    paths = ws.write_report(half, folder / "上半年工作总结.docx")
    return paths


def headings(document, level):
    return [b.text for b in document.blocks if isinstance(b, Heading) and b.level == level]


def body_text(document) -> str:
    return "\n".join(b.text for b in document.blocks if isinstance(b, (Heading, Paragraph)))


# -- structure and register -------------------------------------------------------------


def test_the_examples_structure(half):
    doc = half.document
    assert doc.title == "沅陵县卫生健康局2026年上半年工作总结及下半年工作计划"
    assert headings(doc, 1) == ["一、上半年工作完成情况", "二、存在问题", "三、下半年工作安排"]
    lead = doc.blocks[0]
    assert isinstance(lead, Paragraph) and lead.text.endswith("现将上半年工作情况总结如下：")
    sections = headings(doc, 2)
    for domain in ("医药卫生体制改革", "医疗服务", "基本公共卫生", "重大疾病防控", "卫生应急", "妇幼健康", "一老一小",
                   "中医药", "综合监管", "健康扶贫", "人口监测", "爱国卫生", "人才队伍", "民生实事", "党风廉政",
                   "安全生产"):
        assert any(domain in s for s in sections), domain
    assert sections[0] == "（一）持续深化医药卫生体制改革"
    assert doc.signature == "沅陵县卫生健康局" and doc.date == date(2026, 7, 6)


def test_sections_open_with_a_bold_clause_then_numbered_points(half):
    blocks = half.document.blocks
    first_section = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 2)
    paragraph = blocks[first_section + 1]
    assert paragraph.runs[0].bold and paragraph.runs[0].text.endswith("。")
    assert "一是" in paragraph.text and "二是" in paragraph.text


def test_no_marker_or_placeholder_is_left(half):
    text = body_text(half.document)
    assert not PRIVATE.search(text)
    for block in half.document.blocks:
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    assert not any(PRIVATE.search(run.text) for run in cell)
    for bad in ("None", "nan", "，，", "，。", "（）", "{{", "}}"):
        assert bad not in text, bad


def test_problems_are_drafted_from_the_data(ws, half):
    text = body_text(half.document)
    problems = text.split("二、存在问题")[1].split("三、")[0]
    # grouped by cause, the heaviest (考核 weight × size) first: the child mortality misses
    assert "一是妇幼健康服务还有薄弱环节。" in problems and "5岁以下儿童死亡率为" in problems
    # every "X为v，低于t的目标要求" is true of the data
    for name, value, word, target in re.findall(r"([^；。]+?)为([\d.]+)[%‰]?，(低于|高于)([\d.]+)[%‰]?的目标要求",
                                                problems):
        value, target = Decimal(value), Decimal(target)
        assert (value < target) if word == "低于" else (value > target), name
    # the demo's lagging 乡镇 are named, and the late reports counted
    lagging = {ws.package.orgunits[c].name for c in ("YL_JMX", "YL_HC", "YL_BR")}
    assert all(name in problems for name in lagging)
    # reporting trivia (及时率 99.89%), other departments' indicators and noise are not problems
    assert "迟报" not in problems and "参保率" not in problems and "网络正常运行率" not in problems
    # what the data cannot know is left for the office to write
    assert "【待补充：人才队伍建设方面的问题" in problems


def test_plans_answer_the_problems(half):
    text = body_text(half.document)
    plans = text.split("三、下半年工作安排")[1]
    assert "排名靠后的乡镇开展专项督导" in plans
    assert "统筹做好其他各项工作" in headings(half.document, 2)[-1]


def test_tables_and_charts_are_placed(half):
    tables = [b for b in half.document.blocks if isinstance(b, Table)]
    charts = [b for b in half.document.blocks if isinstance(b, Chart)]
    assert [t.caption[:2] for t in tables] == ["表1", "表2"]
    assert [c.caption[:2] for c in charts] == ["图1", "图2", "图3"]
    assert all(c.png.startswith(b"\x89PNG") for c in charts)
    township = tables[0]
    assert len(township.rows) == 21  # every 乡镇, not 县直


# -- every figure traceable and correct ---------------------------------------------------


def printed_number(text: str) -> tuple[Decimal, Decimal, int]:
    """(number, multiplier, decimals) of a printed figure: "163.97万" → (163.97, 10000, 2)."""
    match = re.search(r"(\d+(?:\.(\d+))?)(万|亿)?", text)
    assert match, text
    multiplier = {"万": Decimal(10000), "亿": Decimal(100000000), None: Decimal(1)}[match.group(3)]
    return Decimal(match.group(1)), multiplier, len(match.group(2) or "")


def same(printed: str, value: Decimal | None) -> bool:
    number, multiplier, decimals = printed_number(printed)
    return value is not None and round_half_up(Decimal(value) / multiplier, decimals) == number


def test_every_figure_is_recomputed_through_the_engine(ws, half, written):
    sidecar = json.loads(written[1].read_text(encoding="utf-8"))
    figures = sidecar["figures"]
    assert len(figures) == len(half.facts) > 200
    analytics, package = ws.analytics, ws.package
    # one engine query per period for every code and unit printed in it
    wanted: dict[str, tuple[set, set]] = {}
    for fig in figures:
        if fig["code"] and fig["code"] != "REPORTING" and fig["kind"] not in ("count", "ledger"):
            codes, units = wanted.setdefault(fig["period"], (set(), set()))
            codes.add(fig["code"])
            units.add(fig["ou"])
    results = {}
    for period, (codes, units) in wanted.items():
        for (code, ou), result in analytics.figures(sorted(codes), sorted(units), Period.parse(period)).items():
            results[(code, ou, period)] = result
    checked = 0
    for fig in figures:
        kind, code, ou, period = fig["kind"], fig["code"], fig["ou"], fig["period"]
        if code == "REPORTING":
            rates = ws.reporting(ou, period).total()
            expected = {"报表及时率": rates.timely_rate, "报表上报率": rates.reporting_rate,
                        "迟报报表份数": rates.reported - rates.timely,
                        "未报报表份数": rates.expected - rates.reported}[fig["name"]]
            assert same(fig["text"], expected), fig
        elif kind in ("value", "numerator", "denominator", "change", "completion", "chart") and code:
            result = results[(code, ou, period)]
            expected = {"value": result.value, "chart": result.value, "numerator": result.numerator,
                        "denominator": result.denominator, "change": result.change,
                        "completion": result.completion}[kind]
            if kind == "change" and result.change_unit != "%":
                # a difference of rates is taken between the values as printed
                expected = round_half_up(result.value, result.decimals) - round_half_up(result.previous,
                                                                                         result.decimals)
            if kind == "change":
                word = "增长" if result.change_unit == "%" else "上升"
                rounded = round_half_up(expected, 2)
                assert (word in fig["text"]) == (rounded > 0) and ("下降" in fig["text"]) == (rounded < 0), fig
                expected = abs(expected)
            assert same(fig["text"], expected), fig
        elif kind == "rank":
            parent = package.orgunits[ou].parent
            siblings = [c.code for c in package.children(parent) if c.type == "乡镇"]
            ranked = analytics.query(code, siblings, Period.parse(period), rank=True)
            assert f"第{next(r.rank for r in ranked if r.ou == ou)}位" in fig["text"], fig
        elif kind == "target":
            target = results[(code, ou, period)].target
            assert same(fig["text"], target), fig
        elif kind == "difference":
            first, second = (Decimal(str(v)) for v in fig["inputs"].values())
            gap = Decimal(str(fig["value"]))
            assert abs(first - second) == gap and same(fig["text"], gap), fig
        elif kind == "ledger":
            check_ledger_figure(ws, fig)
        elif kind == "count":
            assert int(fig["text"]) == len(fig["inputs"]) and all(v > 0 for v in fig["inputs"].values()), fig
        else:
            pytest.fail(f"unchecked figure {fig}")
        checked += 1
    assert checked == len(figures)


def check_ledger_figure(ws, fig):
    """A ledger figure is what the ledger gives for its domain, kind and unit
    over the period and the unit's subtree, and the sum of its entries."""
    value = Decimal(str(fig["value"]))
    period = Period.parse(fig["period"])
    parts = fig["code"].split(":")
    level = parts.pop(3) if len(parts) == 5 else None  # 县级 / 乡镇: the county's own work, or the 卫生院'
    _, first, second, unit = (parts + [""])[:4]
    if first == "project":
        project = ws.ledger.get("project", int(second))
        if unit == "investment":
            assert value == project.investment * 10000, fig
        else:
            assert value == ws.ledger.project_status(project.id, period_bounds(period)[1]).percent, fig
        return
    subtree = ws.subtree(fig["ou"])
    if second == "发文":
        documents = ws.ledger.documents(*period_bounds(period), subtree, None if first == "全部" else first)
        assert value == len(documents) == len(fig["inputs"]), fig
        return
    summary = ws.ledger.summarize_period(period, subtree, domain=None if first == "全部" else first,
                                         kind=None if second == "全部" else second)
    entries = summary.entries
    if level is not None:
        towns = {u.code for u in ws.package.orgunits.values() if u.type == "乡镇"}
        local = {u.code for u in ws.package.orgunits.values() if set(u.path) & towns}
        entries = [e for e in entries if (e.orgunit in local) == (level == "乡镇")]
    by_name = {f"#{e.id} {e.title}": e for e in entries}
    used = [by_name[key.split("（")[0]] for key in fig["inputs"]]  # every input is a real entry of its level
    if unit == "项":
        assert value == len(used) == len(fig["inputs"]), fig
    else:
        # the figure is the sum of the named entries' own counts, as the ledger holds them
        assert value == sum(e.count(unit) for e in used) == sum(Decimal(str(v)) for v in fig["inputs"].values()), fig
        if level is None:
            having = [e for e in entries if e.count(unit) is not None]
            assert len(fig["inputs"]) == len(having)
    assert same(fig["text"], value), fig


def test_each_section_tells_the_work_done_from_the_ledger(half):
    """Issue #10: every domain section has sentences drawn from the ledger;
    the documents issued and the projects' progress are stated."""
    blocks = half.document.blocks
    end = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "二、存在问题")
    sections = [i for i, b in enumerate(blocks[:end]) if isinstance(b, Heading) and b.level == 2]
    assert len(sections) >= 9
    for i in sections:
        assert any(r.fact and r.fact.kind == "ledger" for r in blocks[i + 1].runs), blocks[i].text
    text = body_text(half.document)
    assert re.search(r"印发《[^》]+》.*等文件\d+份", text)
    assert re.search(r"已完成总工程量的\d+(\.\d+)?%", text) and "投入使用" in text


def test_indicator_figures_carry_their_inputs(half):
    rate = next(f for f in half.facts if f.code == "HTN_STD_RATE" and f.kind == "value" and f.ou == "YL")
    assert set(rate.inputs) == {"HTN_MANAGED", "HTN_STANDARD_MANAGED"} or len(rate.inputs) == 2
    assert rate.formula and "÷" in rate.formula and "× 100%" in rate.formula
    # the command is runnable exactly as printed: the workspace and --indicator included
    assert rate.query.startswith("weijian query -w ") and rate.query.endswith(
        " --indicator HTN_STD_RATE --ou YL --period 2026S1")


def test_parts_add_up_to_their_totals(half):
    facts = {(f.code, f.kind): f for f in half.facts if f.ou == "YL"}
    total = facts[("CASES_TOTAL", "value")].value
    parts = sum(facts[(c, "value")].value for c in ("CASES_CLASS_B", "CASES_CLASS_C")
                if (c, "value") in facts)
    assert parts <= total
    assert facts[("CASES_CLASS_A", "value")].value + parts == total if ("CASES_CLASS_A", "value") in facts else True
    boys = facts[("LIVE_BIRTHS.MALE", "value")].value
    girls = facts[("LIVE_BIRTHS.FEMALE", "value")].value
    assert boys + girls == facts[("LIVE_BIRTHS_TOTAL", "value")].value
    ratio = facts[("SEX_RATIO_AT_BIRTH", "value")]
    assert ratio.text == f"{round_half_up(boys * 100 / girls, 2):.2f}"


def test_rates_match_their_printed_numerator_and_denominator(half):
    for fact in half.facts:
        if fact.kind == "value" and fact.numerator is not None and fact.denominator and fact.unit == "%":
            expected = f"{round_half_up(fact.numerator * 100 / fact.denominator, 2):.2f}%"
            assert fact.text == ("100%" if expected == "100.00%" else expected), fact  # 管理率100%, as written


def test_appendix_lists_every_figure_of_the_text(half):
    appendix = half.document.appendix
    in_text = half.document.facts(text_only=True)
    assert len(appendix.rows) == len(in_text)
    assert appendix.header[:3] == ["序号", "文中数字", "指标或数据项"]
    assert appendix.rows[0][1][0].text == in_text[0].text


# -- the annual summary -------------------------------------------------------------------------


def test_annual_summary_uses_its_own_template(ws):
    draft = ws.report("2025", today=date(2026, 1, 8))
    doc = draft.document
    assert doc.title == "沅陵县卫生健康局2025年度工作总结"
    assert headings(doc, 1) == ["一、主要工作完成情况", "二、存在问题", "三、2026年工作计划"]
    assert "全年" in body_text(doc)
    assert not PRIVATE.search(body_text(doc))
    # an annual's words: no 时间进度, 去年同期 or 下半年; tasks are 年度任务
    text = body_text(doc)
    for half_year_word in ("时间进度", "去年同期", "下半年", "全年任务"):
        assert half_year_word not in text, half_year_word
    assert "完成年度任务的" in text
    # the table compares with 上年, and a long-past year is not signed today
    table = next(b for b in doc.blocks if isinstance(b, Table) and "主要指标" in b.caption)
    assert table.header[2] == "上年"
    assert ws.report("2025").document.date == date(2026, 1, 20)


def test_no_stock_sentence_repeats_in_a_draft(half):
    """Sentences without a figure (leads, claims, plans) are each said once."""
    text = body_text(half.document)
    stock = [s for s in re.split(r"[。；\n]", re.sub(r"^[一二三四五六七八九十]+是", "", text, flags=re.M))
             if len(s) >= 10 and not re.search(r"\d", s) and "待补充" not in s]
    repeated = {s for s in stock if stock.count(s) > 1}
    assert not repeated, repeated


def test_a_month_is_refused_only_when_it_is_no_kind_of_summary(ws):
    from weijian.errors import ReportError

    with pytest.raises(ReportError, match="不支持为“2026年1—4月”"):
        ws.report("2026年1-4月")
    quarter = ws.report("2026Q2", today=date(2026, 7, 3)).document
    assert quarter.title == "沅陵县卫生健康局2026年第二季度工作总结"
    assert headings(quarter, 1)[-1] == "三、第三季度工作安排"


# -- the written files ----------------------------------------------------------------------


def test_docx_is_written_to_gbt_9704(written):
    from docx import Document as open_docx

    docx = open_docx(str(written[0]))
    section = docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    assert round(section.page_width.mm - section.left_margin.mm - section.right_margin.mm) == 156
    title = docx.paragraphs[0]
    assert title.text.startswith("沅陵县卫生健康局2026年上半年")
    assert "方正小标宋简体" in title.runs[0]._r.xml
    assert len(docx.inline_shapes) == 3
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml
    body = next(p for p in docx.paragraphs if p.text.startswith("2026年上半年，"))
    assert 'w:firstLineChars="200"' in body._p.xml and "仿宋_GB2312" in body._p.xml


def test_sidecar_names_every_figure(written, half):
    sidecar = json.loads(written[1].read_text(encoding="utf-8"))
    assert sidecar["period"] == "2026S1" and sidecar["ou"] == "YL"
    first = sidecar["figures"][0]
    assert {"id", "text", "kind", "code", "name", "ou", "period", "value", "numerator", "denominator", "formula",
            "inputs", "query"} <= set(first)


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_markdown_and_html_from_the_same_tree(ws, half, tmp_path, suffix):
    paths = ws.write_report(half, tmp_path / f"总结{suffix}")
    text = paths[0].read_text(encoding="utf-8")
    assert "存在问题" in text and half.facts[0].text in text
    assert paths[1].suffix == ".json"


def test_pdf_of_the_demo_report_is_a4_with_text_on_every_page(written):
    import shutil
    import subprocess

    from weijian.reports.pdf import convert_to_pdf, libreoffice_path

    if libreoffice_path() is None or shutil.which("pdftotext") is None:
        pytest.skip("未安装 LibreOffice 或 poppler-utils（.ci/run 会安装）")
    pdf = convert_to_pdf(written[0], written[0].with_suffix(".pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert "A4" in info and pages >= 5
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert text.strip(), f"第 {page} 页没有文字"
