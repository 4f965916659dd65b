"""Audit a work summary's figures: against its own arithmetic and, given a workspace, the data.

    report = audit_file("2022年度工作总结.txt")            # raises AuditError for an unreadable file
    report = audit_text(text, workspace=ws)               # ws: anything with .package and .query()
    report.findings, report.figures, report.to_dict()

Text → numeric mentions (``mentions``, ``context``) → the statement tree its
markers build (``tree``: 其中 / 含 / 括号 / 合计 / 按…分) → relations that structure
establishes (``parts``, ``ratios``, ``changes``, ``shares``, ``populations``,
``tables``) → checks in Decimal interval arithmetic (``checks``) → findings in
three grades (一致 / 部分核对 / 不一致, or 无法核对 when the structure does not
establish a relation); with a workspace, ``against_data`` adds a finding per
figure it can match to an indicator or data element (DESIGN §7).
"""
from __future__ import annotations

from pathlib import Path

from weijian.audit import summary
from weijian.audit.annotate import render_html, write_annotated
from weijian.audit.checks import check
from weijian.audit.context import add_context
from weijian.audit.findings import KINDS, VERDICT_NAMES, VERDICTS, AuditError, AuditReport, Finding
from weijian.audit.mentions import Mention, extract_mentions
from weijian.audit.reading import read_document
from weijian.audit.relations import Doc, find_relations
from weijian.audit.scope import document_period, period_markers, scope_markers
from weijian.audit.text import fold, lay_out

__all__ = [
    "KINDS", "VERDICT_NAMES", "VERDICTS", "AuditError", "AuditReport", "Finding", "Mention", "audit_file", "audit_text",
    "render_html", "summary", "write_annotated",
]


def audit_text(text: str, *, workspace=None, source: str | None = None) -> AuditReport:
    """Audit a summary's text. ``workspace`` (optional) has ``.package`` and ``.query(code, ou, period)``."""
    from weijian.audit.against_data import check_against_data, orgunit_names

    folded = fold(text)
    layout = lay_out(folded)
    document = document_period(folded)
    names = orgunit_names(workspace.package) if workspace is not None else None
    mentions = extract_mentions(text, folded, layout)
    mentions = add_context(mentions, folded, layout, period_markers(folded, document.year), document,
                           scope_markers(folded, names))
    doc = Doc(folded, layout, mentions)
    findings = [f for relation in find_relations(doc) if (f := check(relation, text)) is not None]
    notes = []
    if workspace is not None:
        data_findings, data_notes = check_against_data(mentions, workspace, document, text)
        findings += data_findings
        notes += data_notes
    findings.sort(key=lambda f: (f.start, f.end, f.kind))
    tree = tuple((g.total.id, tuple(p.id for p in g.parts), g.marker) for g in doc.groups)
    return AuditReport(text, tuple(mentions), tuple(findings), source=source, year=document.year,
                       period_label=document.period.label if document.period else None, notes=tuple(notes),
                       tree=tree)


def audit_file(path: str | Path, workspace=None) -> AuditReport:
    """Read a .txt / .md / .docx summary and audit it; AuditError (Chinese) if it cannot be read."""
    document = read_document(path)
    return audit_text(document.text, workspace=workspace, source=str(path))
