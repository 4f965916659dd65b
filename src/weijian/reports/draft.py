"""Drafting: template + data → document tree + the book of every figure.

``draft_report`` renders a Jinja2 template (the default 上半年 or 年度 one, or
a user's copy) against a ``ReportContext``, parses the outline into blocks,
and adds the 附表：数据来源. ``write_report`` writes .docx/.md/.html and the
JSON sidecar from the same tree.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
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
from weijian.reports.narrative import Narrative
from weijian.reports.outline import document_date, parse_front_matter, parse_outline
from weijian.reports.period_words import period_words
from weijian.reports.problems import ProblemFinder
from weijian.reports.phrases import PhraseBank

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATES = {"half": "上半年工作总结.md.j2", "year": "年度工作总结.md.j2", "quarter": "季度工作总结.md.j2",
                     "month": "季度工作总结.md.j2"}
# How long after a period's end a summary is usually signed: the default date
# when the period is long past (a 2025 annual is not dated December 2026).
SIGNING_DELAY = {"month": 5, "quarter": 7, "half": 10, "year": 20}


@dataclass
class Draft:
    document: Document
    facts: list[Fact]
    template: str
    period: Period
    ou: str
    queries: int
    notes: list[str] = field(default_factory=list)  # for the office: figures to reconcile before signing

    def sidecar(self) -> dict:
        return {"title": self.document.title, "ou": self.ou, "period": self.period.id,
                "period_label": self.period.label, "template": self.template,
                "date": self.document.date.isoformat(), "notes": list(self.notes),
                "figures": [f.to_dict() for f in self.facts]}


def default_template(period: Period) -> Path:
    period_words(period)  # refuses, in Chinese, kinds a summary is not written for
    return TEMPLATES / DEFAULT_TEMPLATES[period.kind]


def default_date(period: Period, today: date) -> date:
    """The signing date when none is given: today while the summary is being
    written (the period has ended in the last two months, or has not ended),
    otherwise a few days after the period's end (``SIGNING_DELAY``)."""
    end_year, end_month = period.year, period.end_month
    first_after = date(end_year + (end_month == 12), end_month % 12 + 1, 1)
    if today < first_after + timedelta(days=62):
        return today
    return first_after + timedelta(days=SIGNING_DELAY.get(period.kind, 10) - 1)


def draft_report(analytics: Analytics, package: MetadataPackage, period: Period, ou: str | None = None, *,
                 template: str | Path | None = None, today: date | None = None, reporting=None,
                 ledger=None, placeholders: bool = True, on: date | None = None,
                 workspace: str | Path | None = None) -> Draft:
    """Draft the 工作总结 of ``ou`` (default: the root, the county) for ``period``.

    ``reporting`` is a callable returning the quality Completeness of the period
    (上报率/及时率); ``ledger`` the work ledger (工作台账), whose entries give
    each section its sentences about the work done. ``placeholders`` keeps
    the 【待补充：……】 slots for what the data cannot know (人才, 经费 …); ``on``
    (or ``today``, as the CLI's --date passes it) fixes the signing date,
    otherwise ``default_date`` picks one sensible for the period."""
    ou = ou or package.root().code
    path = Path(template) if template else default_template(period)
    if not path.is_file():
        raise ReportError(f"模板文件不存在：{path}")
    figures = FigureSource(analytics, package)
    townships = [c.code for c in package.children(ou)]
    figures.prefetch(list(package.indicators), [ou] + townships, period)
    # annual tasks set on elements (门急诊人次, 接种剂次…) for the progress chart and 存在问题
    tasks = sorted({t.subject for t in package.targets if t.kind == "annual_task" and t.orgunit == ou
                    and t.year == period.year})
    figures.prefetch([t for t in tasks if t in package.elements], [ou], period)
    if period.end_month != 12:
        # last year's months of every annual task: their seasonal profiles, in one query
        # (and of the count indicators drawn straight from a task's element: 门急诊人次 on OUTPATIENT_VISITS)
        drawn = [c for c, i in package.indicators.items()
                 if i.kind == "plain" and i.denominator.strip() == "1" and i.numerator.strip() in
                 {f"#{{{t}}}" for t in tasks}]
        figures.prefetch_monthly(tasks + drawn, ou, period.year - 1)
    book = FactBook()
    signed = on or today or default_date(period, date.today())
    context = ReportContext(figures, package, period, ou, book, today=signed,
                            reporting=reporting, ledger=ledger)
    context.placeholders = placeholders
    context.workspace = _shell_word(str(workspace or _workspace_folder(ledger) or "."))
    if context.work_writer is not None:
        context.work_writer.workspace = context.workspace
    context.check_ledger()
    bank = PhraseBank.load(path.parent / "phrases.yaml" if (path.parent / "phrases.yaml").is_file() else None)
    narrative = Narrative(context, bank.leads)
    finder = ProblemFinder(context, narrative, bank.causes, bank.structural, placeholders)
    environment = _environment(path)
    environment.globals.update(context.variables())
    environment.globals.update(context.functions())
    environment.globals.update(lead=narrative.lead, claim=narrative.claim, missed=narrative.missed,
                               placeholders=placeholders, placeholder=_placeholder(placeholders))
    environment.globals["problems"] = finder.problems
    environment.globals["plans"] = lambda problems=None: bank.plans(
        finder.problems() if problems is None else problems, context.words["next"])
    text = _render(environment, path)
    meta, body = parse_front_matter(text, path.name)
    blocks = parse_outline(body, book, context.blocks)
    document = Document(title=str(meta["title"]).strip(), blocks=blocks,
                        signature=str(meta.get("signature") or context.organ),
                        date=document_date(meta, context.today))
    facts = document.facts()
    _fill_inputs(figures, package, facts)
    document.appendix = appendix_table(document.facts(text_only=True))
    return Draft(document, facts, str(path), period, ou, figures.queries, context.notes)


def _workspace_folder(ledger) -> Path | None:
    """The workspace folder behind a DuckDB-backed ledger (its store's file
    sits in it), for the -w of the printed commands."""
    url = getattr(getattr(ledger, "store", None), "url", None)
    if url and str(url).endswith(".duckdb"):
        return Path(url).resolve().parent
    return None


def _shell_word(text: str) -> str:
    import shlex
    return shlex.quote(text)


def _placeholder(shown: bool):
    """``placeholder('…')`` in a template: a visible 【待补充：…】 slot the office
    fills in, or nothing when placeholders are turned off."""
    def placeholder(hint: str) -> str:
        return f"【待补充：{hint}】" if shown else ""
    return placeholder


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
    known = set()
    for fact in pending:  # most inputs came along with the figures' own query
        found = [figures.cached_value(label, fact.ou, fact.period) for label in labels_of[fact.code]]
        if all(hit for hit, _ in found):
            fact.inputs = {label: value for label, (_, value) in zip(labels_of[fact.code], found)}
            known.add(id(fact))
    pending = [fact for fact in pending if id(fact) not in known]
    if not pending:
        return
    labels = sorted({label for fact in pending for label in labels_of[fact.code]})
    units = sorted({fact.ou for fact in pending})
    periods = [Period.parse(p) for p in sorted({fact.period for fact in pending})]
    figures.queries += 1
    values: dict[tuple[str, str, str], Decimal | None] = {}
    for code, orgunit, period, _, _, value in figures.analytics.rows(labels, OrgUnitSelection.of_codes(package, units),
                                                                      periods):
        values[(code, orgunit, period)] = to_decimal(value)
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
    # no caption of its own: the appendix heading above it already says 附表：数据来源
    return Table("", header, rows,
                 note="注：分子、分母为汇总后的数值。每个数字（含表、图中的数字）的计算公式、构成数据项及其数值见同名 .json 文件。")


def _plain(value) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


APPENDIX_MODES = ("xlsx", "docx", "inline", "none")


def write_report(draft: Draft, path: str | Path, *, pdf: bool = False, appendix: str = "xlsx") -> list[Path]:
    """Write the draft as .docx, .md or .html (by suffix) and its JSON sidecar
    (``<name>.json``); with ``pdf`` also a PDF (LibreOffice). The 数据来源 list
    is a separate 附件 by default (``appendix="xlsx"`` or ``"docx"``:
    ``<name>_附件_数据来源.xlsx``), or ``"inline"`` after the signature, or
    ``"none"``. Returns the paths."""
    if appendix not in APPENDIX_MODES:
        raise ReportError(f"数据来源附件应为 {'、'.join(APPENDIX_MODES)} 之一，而不是“{appendix}”")
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    kept = draft.document.appendix
    if appendix != "inline":
        draft.document.appendix = None  # the body ends with the signature
    try:
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
    finally:
        draft.document.appendix = kept
    written.append(path)
    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps(draft.sidecar(), ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(sidecar)
    if appendix in ("xlsx", "docx"):
        from weijian.reports.attachment import write_sources
        written.append(write_sources(draft, path.with_name(f"{path.stem}_附件_数据来源.{appendix}")))
    if pdf:
        if suffix != ".docx":
            raise ReportError("--pdf 需要 .docx 输出（PDF 由 Word 文档转换而来）")
        from weijian.reports.pdf import convert_to_pdf
        written.append(convert_to_pdf(path, path.with_suffix(".pdf")))
    return written
