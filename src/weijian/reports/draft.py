"""Drafting: template + data → document tree + the book of every figure.

``draft_report`` renders a Jinja2 template (the default 上半年 or 年度 one, or
a user's copy) against a ``ReportContext``, parses the outline into blocks,
and adds the 附表：数据来源. ``write_report`` writes .docx/.md/.html and the
JSON sidecar from the same tree.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2

from weijian.analytics import Analytics
from weijian.analytics.selection import OrgUnitSelection
from weijian.analytics.rollups import operand_label
from weijian.analytics.rounding import to_decimal
from weijian.errors import ReportError, WeijianError
from weijian.expressions import operands, parse
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.reports.context import ReportContext
from weijian.reports.document import Document, Fact, Run, Table
from weijian.reports.facts import FactBook
from weijian.reports.figures import FigureSource
from weijian.reports.outline import document_date, parse_front_matter, parse_outline
from weijian.reports.problems import ProblemFinder
from weijian.reports.phrases import PhraseBank

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATES = {"half": "上半年工作总结.md.j2", "year": "年度工作总结.md.j2"}


@dataclass
class Draft:
    document: Document
    facts: list[Fact]
    template: str
    period: Period
    ou: str
    queries: int

    def sidecar(self) -> dict:
        return {"title": self.document.title, "ou": self.ou, "period": self.period.id,
                "period_label": self.period.label, "template": self.template,
                "date": self.document.date.isoformat(), "figures": [f.to_dict() for f in self.facts]}


def default_template(period: Period) -> Path:
    kind = "year" if period.kind == "year" else "half"
    return TEMPLATES / DEFAULT_TEMPLATES[kind]


def draft_report(analytics: Analytics, package: MetadataPackage, period: Period, ou: str | None = None, *,
                 template: str | Path | None = None, today: date | None = None, reporting=None,
                 ledger=None) -> Draft:
    """Draft the 工作总结 of ``ou`` (default: the root, the county) for ``period``.

    ``reporting`` is a callable returning the quality Completeness of the period
    (上报率/及时率); ``ledger`` the work ledger (工作台账), whose entries give
    each section its sentences about the work done."""
    ou = ou or package.root().code
    path = Path(template) if template else default_template(period)
    if not path.is_file():
        raise ReportError(f"模板文件不存在：{path}")
    figures = FigureSource(analytics, package)
    townships = [c.code for c in package.children(ou)]
    figures.prefetch(list(package.indicators), [ou] + townships, period)
    # annual tasks set on elements (门急诊人次, 接种剂次…) for the progress chart and 存在问题
    figures.prefetch(sorted({t.element for t in package.targets if t.element and t.orgunit == ou
                             and t.year == period.year}), [ou], period)
    book = FactBook()
    context = ReportContext(figures, package, period, ou, book, today=today or date.today(),
                            reporting=reporting, ledger=ledger)
    finder = ProblemFinder(context)
    bank = PhraseBank.load()
    environment = _environment(path)
    environment.globals.update(context.variables())
    environment.globals.update(context.functions())
    environment.globals["problems"] = finder.problems
    environment.globals["plans"] = lambda problems=None: bank.plans(
        finder.problems() if problems is None else problems)
    text = _render(environment, path)
    meta, body = parse_front_matter(text, path.name)
    blocks = parse_outline(body, book, context.blocks)
    document = Document(title=str(meta["title"]).strip(), blocks=blocks,
                        signature=str(meta.get("signature") or context.organ),
                        date=document_date(meta, context.today))
    facts = document.facts()
    _fill_inputs(figures, package, facts)
    document.appendix = appendix_table(document.facts(text_only=True))
    return Draft(document, facts, str(path), period, ou, figures.queries)


def _environment(path: Path) -> jinja2.Environment:
    # The template's own folder first, so a user's copy can include its own
    # pieces and fall back to ours.
    loader = jinja2.FileSystemLoader([str(path.parent), str(TEMPLATES)])
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _render(environment: jinja2.Environment, path: Path) -> str:
    try:
        template = environment.get_template(path.name)
        return template.render()
    except jinja2.TemplateSyntaxError as error:
        where = Path(error.filename).name if error.filename else path.name
        raise ReportError(f"{where} 第 {error.lineno} 行：模板语法错误：{error.message}") from error
    except jinja2.TemplateNotFound as error:
        raise ReportError(f"{path.name}：找不到被引用的模板“{error.name}”") from error
    except (jinja2.UndefinedError, WeijianError, TypeError, ValueError, KeyError, AttributeError) as error:
        where, line = _template_line(error)
        message = str(error)
        if isinstance(error, jinja2.UndefinedError):
            message = f"未定义的名称：{message}"
        raise ReportError(f"{where or path.name} 第 {line or '?'} 行：{message}") from error


def _template_line(error: Exception) -> tuple[str | None, int | None]:
    """The template file and line where rendering failed (Jinja keeps them in
    the traceback's frames: their filename is the template's path)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _fill_inputs(figures: FigureSource, package: MetadataPackage, facts: list[Fact]) -> None:
    """The element values each printed indicator came from, in one query."""
    labels_of: dict[str, list[str]] = {}
    pending = []
    for fact in facts:
        indicator = package.indicators.get(fact.code or "")
        if indicator is None or fact.kind not in ("value", "numerator", "denominator") or not fact.period:
            continue
        if fact.code not in labels_of:
            labels_of[fact.code] = sorted({operand_label(op) for side in (indicator.numerator, indicator.denominator)
                                           for op in operands(parse(side))})
        pending.append(fact)
    if not pending:
        return
    labels = sorted({label for fact in pending for label in labels_of[fact.code]})
    units = sorted({fact.ou for fact in pending})
    periods = [Period.parse(p) for p in sorted({fact.period for fact in pending})]
    figures.queries += 1
    table = figures.analytics.table(labels, OrgUnitSelection.of_codes(package, units), periods)
    values: dict[tuple[str, str, str], Decimal | None] = {}
    if table is not None:
        for row in table.execute().itertuples(index=False):
            values[(row.code, row.orgunit, row.period)] = to_decimal(row.value)
    for fact in pending:
        fact.inputs = {label: values.get((label, fact.ou, fact.period)) for label in labels_of[fact.code]}


def appendix_table(facts: list[Fact]) -> Table:
    """附表：数据来源 — one line per figure of the text (tables and charts carry
    their own labels); the JSON sidecar has every figure with its formula and inputs."""
    header = ["序号", "文中数字", "指标或数据项", "机构", "期间", "分子", "分母"]
    rows = []
    for n, fact in enumerate(facts, start=1):
        period = Period.parse(fact.period).label if fact.period and fact.period[:1].isdigit() else (fact.period or "")
        rows.append([[Run(str(n))], [Run(fact.text)], [Run(fact.name or "")], [Run(fact.ou_name or fact.ou or "")],
                     [Run(period)], [Run(_plain(fact.numerator))], [Run(_plain(fact.denominator))]])
    return Table("附表　数据来源", header, rows,
                 note="注：分子、分母为汇总后的数值。每个数字（含表、图中的数字）的计算公式、构成数据项及其数值见同名 .json 文件。")


def _plain(value) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def write_report(draft: Draft, path: str | Path, *, pdf: bool = False) -> list[Path]:
    """Write the draft as .docx, .md or .html (by suffix) and its JSON sidecar
    (``<name>.json``); with ``pdf`` also a PDF (LibreOffice). Returns the paths."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if suffix == ".docx":
        from weijian.reports.docx_render import render_docx
        render_docx(draft.document, path)
    elif suffix == ".md":
        from weijian.reports.markdown_render import render_markdown
        images = path.with_name(path.stem + "_图")
        path.write_text(render_markdown(draft.document, images, markdown_dir=path.parent), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        from weijian.reports.html_render import render_html
        path.write_text(render_html(draft.document), encoding="utf-8")
    else:
        raise ReportError(f"不支持的输出格式“{path.suffix}”：应为 .docx、.md 或 .html")
    written.append(path)
    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps(draft.sidecar(), ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(sidecar)
    if pdf:
        if suffix != ".docx":
            raise ReportError("--pdf 需要 .docx 输出（PDF 由 Word 文档转换而来）")
        from weijian.reports.pdf import convert_to_pdf
        written.append(convert_to_pdf(path, path.with_suffix(".pdf")))
    return written
