"""Render a ``Document`` as HTML: a standalone A4-like page, or the ``<article>`` alone.

The markup comes from ``templates_html/report.html.j2`` (autoescaped: org-unit
names and texts are data, never markup). Every figure in the text is a
``<span class="fact" data-fact="ID" title="指标 · 单位 · 期间 · 分子/分母">`` so a
preview can show where it came from; charts are inline ``data:`` PNGs.
"""
from __future__ import annotations

import base64
import functools
from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined

from weijian.reports.document import Chart, Document, Fact, Heading, PageBreak, Paragraph, Run, Table
from weijian.reports.numbers import format_date

__all__ = ["render_html", "report_css"]


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("weijian.reports", "templates_html"),
        autoescape=True,  # every .j2 here is HTML, whatever its name
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def report_css() -> str:
    """The stylesheet of the report page (for an app that embeds the fragment)."""
    return _environment().get_template("report.css.j2").render()


def render_html(doc: Document, standalone: bool = True) -> str:
    """A whole HTML page, or with ``standalone=False`` only the ``<article>``."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        standalone=standalone,
        title=doc.title,
        blocks=[_block(b) for b in doc.blocks],
        signature=doc.signature,
        date=format_date(doc.date),
        appendix_title=doc.appendix_title,
        appendix=_table(doc.appendix) if doc.appendix is not None else None,
    )


# -- view models: plain dicts, so the template needs no isinstance ------------------------


def _block(block) -> dict:
    if isinstance(block, Heading):
        return {"kind": "heading", "level": block.level, "runs": _runs(block.runs)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "indent": block.indent, "runs": _runs(block.runs)}
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return {
            "kind": "chart",
            "caption": block.caption,
            "src": "data:image/png;base64," + base64.b64encode(block.png).decode("ascii"),
            "width_mm": f"{block.width_mm:g}",
            "facts": " ".join(f.id for f in block.facts),
        }
    if isinstance(block, PageBreak):
        return {"kind": "pagebreak"}
    raise TypeError(f"unknown block {type(block).__name__}")


def _table(table: Table) -> dict:
    return {
        "kind": "table",
        "caption": table.caption,
        "header": list(table.header),
        "rows": [[_runs(cell) for cell in row] for row in table.rows],
        "note": table.note,
    }


def _runs(runs: list[Run]) -> list[dict]:
    return [
        {"text": r.text, "bold": r.bold, "fact": r.fact.id if r.fact else None,
         "title": _provenance(r.fact) if r.fact else None}
        for r in runs
    ]


def _provenance(fact: Fact) -> str:
    """"高血压患者规范管理率 · 明溪口镇 · 2026H1 · 1234/1290" (missing parts left out)."""
    parts = [p for p in (fact.name, fact.ou_name, fact.period) if p]
    if fact.numerator is not None and fact.denominator is not None:
        parts.append(f"{_plain(fact.numerator)}/{_plain(fact.denominator)}")
    return " · ".join(parts) or fact.text


def _plain(value: Decimal) -> str:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f")
