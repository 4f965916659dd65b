"""Annotated copies of an audited summary: an HTML page with every figure coloured
(green consistent, amber partly checked — only a bound —, red inconsistent, grey unchecked; the
explanation on hover) and
a Word document with the figures highlighted in the same three colours and a real comment on each
inconsistent figure.

``write_annotated(report, "批注.html")`` or ``(report, "批注.docx", source=原文件)``:
a .docx source keeps its own formatting and gets comments; a text source becomes
a plain .docx with one paragraph per line.
"""
from __future__ import annotations

import bisect
import copy
from pathlib import Path

from jinja2 import Environment

from weijian.audit.findings import KINDS, VERDICT_NAMES, AuditError, AuditReport, Finding
from weijian.audit.reading import docx_blocks, paragraph_runs

__all__ = ["figure_states", "render_html", "write_annotated"]

AUTHOR = "weijian 数字核对"

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>数字核对：{{ title }}</title>
<style>
body { font-family: "FangSong", "仿宋", "SimSun", serif; max-width: 56em; margin: 2em auto; line-height: 1.9; color: #222; }
h1 { font-size: 1.3em; } .summary { font-family: sans-serif; background: #f6f6f6; padding: .6em 1em; }
.doc p { margin: .2em 0; white-space: pre-wrap; }
.fig { border-radius: 3px; padding: 0 2px; cursor: help; }
.consistent { background: #d8f0d8; } .inconsistent { background: #f8c9c9; outline: 1px solid #c33; }
.partial { background: #fbeec1; border-bottom: 1px dashed #b8860b; }
.unchecked { background: #e8e8e8; }
table { border-collapse: collapse; font-family: sans-serif; font-size: .9em; margin-top: 1em; }
td, th { border: 1px solid #ccc; padding: .3em .5em; vertical-align: top; }
</style></head><body>
<h1>数字核对：{{ title }}</h1>
<div class="summary">共识别数字 {{ figures }} 个，核对关系 {{ total }} 项：
{% for name, count in counts %}{{ name }} {{ count }}{% if not loop.last %}，{% endif %}{% endfor %}。
<span class="fig consistent">一致</span> <span class="fig partial">部分核对（只核对了上限或可能性）</span>
<span class="fig inconsistent">不一致</span>
<span class="fig unchecked">未核对或无法核对</span>（鼠标停在数字上可看说明）</div>
{% if problems %}<table><tr><th>原文</th><th>类别</th><th>说明</th></tr>
{% for f in problems %}<tr><td>{{ f.quote }}</td><td>{{ f.kind_name }}</td><td>{{ f.message }}</td></tr>{% endfor %}
</table>{% endif %}
<div class="doc">
{% for line in lines %}<p>{% for piece in line %}{% if piece.state %}<span class="fig {{ piece.state }}" title="{{ piece.title }}">{{ piece.text }}</span>{% else %}{{ piece.text }}{% endif %}{% endfor %}</p>
{% endfor %}</div></body></html>
"""


def figure_states(report: AuditReport) -> dict[int, tuple[str, list[Finding]]]:
    """Figure id → (state, findings involving it); state is consistent / partial / inconsistent / unchecked."""
    involved: dict[int, list[Finding]] = {}
    for finding in report.findings:
        for figure in finding.figures:
            involved.setdefault(figure, []).append(finding)
    states = {}
    for figure in report.figures:
        findings = involved.get(figure.id, [])
        verdicts = {f.verdict for f in findings}
        state = ("inconsistent" if "inconsistent" in verdicts else "consistent" if "consistent" in verdicts
                 else "partial" if "partial" in verdicts else "unchecked")
        states[figure.id] = (state, findings)
    return states


def render_html(report: AuditReport, title: str | None = None) -> str:
    env = Environment(autoescape=True)
    states = figure_states(report)
    lines: list[list[dict]] = [[]]
    at = 0
    text = report.text

    def add(piece: str, state: str | None = None, tip: str = "") -> None:
        for i, part in enumerate(piece.split("\n")):
            if i:
                lines.append([])
            if part:
                lines[-1].append({"text": part, "state": state, "title": tip})

    for figure in report.figures:
        if figure.start < at:
            continue
        add(text[at:figure.start])
        state, findings = states[figure.id]
        tip = "\n".join(f"【{VERDICT_NAMES[f.verdict]}·{KINDS[f.kind]}】{f.message}" for f in findings) or "未核对"
        add(text[figure.start:figure.end], state, tip)
        at = figure.end
    add(text[at:])
    counts = report.counts()
    problems = [{"quote": f.quote, "kind_name": KINDS[f.kind], "message": f.message} for f in report.inconsistent]
    return env.from_string(_PAGE).render(
        title=title or report.source or "工作总结", figures=len(report.figures), total=len(report.findings),
        counts=[(VERDICT_NAMES[v], n) for v, n in counts.items()], problems=problems, lines=lines)


def write_annotated(report: AuditReport, path: str | Path, source: str | Path | None = None) -> Path:
    """Write the annotated copy; the format follows the suffix (.html or .docx)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(render_html(report, Path(source).name if source else None), encoding="utf-8")
        return path
    if suffix == ".docx":
        _write_docx(report, path, Path(source) if source else None)
        return path
    raise AuditError(f"不支持的批注输出格式“{suffix or '无扩展名'}”：请用 .html 或 .docx")


def _write_docx(report: AuditReport, path: Path, source: Path | None) -> None:
    import docx

    if source is not None and source.suffix.lower() == ".docx":
        document = docx.Document(str(source))
    else:
        document = docx.Document()
        for line in report.text.split("\n"):
            document.add_paragraph(line)
    blocks = []
    at = 0
    for paragraph, text, separator in docx_blocks(document):
        blocks.append((at, at + len(text), paragraph))
        at += len(text) + len(separator)
    if at != len(report.text) and at != len(report.text) + 1:
        raise AuditError("批注失败：Word 文档的内容与核对时读到的文字不一致，请重新核对后再生成批注")
    blocks = _Blocks(blocks)
    figures = {m.id: m for m in report.figures}
    from docx.enum.text import WD_COLOR_INDEX

    # the same three grades as the HTML page: green 一致, yellow 部分核对, pink 不一致
    colours = {"consistent": WD_COLOR_INDEX.BRIGHT_GREEN, "partial": WD_COLOR_INDEX.YELLOW,
               "inconsistent": WD_COLOR_INDEX.PINK}
    for figure_id, (state, _) in figure_states(report).items():
        if state in colours:
            figure = figures[figure_id]
            for run in _runs_for(blocks, figure.start, figure.end):
                run.font.highlight_color = colours[state]
    for finding in report.inconsistent:
        figure = figures.get(finding.focus) if finding.focus is not None else None
        start, end = (figure.start, figure.end) if figure else (finding.start, finding.end)
        runs = _runs_for(blocks, start, end)
        if runs:
            document.add_comment(runs, text=f"【{KINDS[finding.kind]}】{finding.message}", author=AUTHOR,
                                 initials="WJ")
    try:
        document.save(str(path))
    except OSError as error:
        raise AuditError(f"无法写入“{path}”：{error.strerror or error}") from None


class _Blocks(list):
    """(start, end, paragraph) in text order, with their starts kept for bisection."""

    def __init__(self, items):
        super().__init__(items)
        self.starts = [b[0] for b in items]


def _runs_for(blocks: _Blocks, start: int, end: int) -> list:
    """The runs exactly covering [start, end) of the text, splitting runs at the edges."""
    # blocks are in text order: start at the last one beginning at or before ``start`` (every figure is
    # highlighted, so a linear scan per figure would be quadratic in a long document)
    first = max(bisect.bisect_right(blocks.starts, start) - 1, 0)
    for index in range(first, len(blocks)):
        block_start, block_end, paragraph = blocks[index]
        if block_start <= start < block_end or (start == block_start == block_end):
            local_start, local_end = start - block_start, min(end, block_end) - block_start
            return _isolate(paragraph, local_start, local_end)
    return []


def _isolate(paragraph, start: int, end: int) -> list:
    covered = []
    offset = 0
    for run, text in paragraph_runs(paragraph):
        run_start, run_end = offset, offset + len(text)
        offset = run_end
        if run_end <= start or run_start >= end or not text:
            continue
        cut_from, cut_to = max(start, run_start) - run_start, min(end, run_end) - run_start
        if cut_to < len(text):
            _split(run, cut_to, text)
        if cut_from > 0:
            run = _split(run, cut_from, text[:cut_to])
        covered.append(run)
    return covered


def _split(run, at: int, text: str):
    """Split ``run`` (showing ``text``) at ``at``; the run keeps the head, the returned new run the tail."""
    from docx.text.run import Run

    tail = copy.deepcopy(run._r)
    run._r.addnext(tail)
    run.text = text[:at]
    new = Run(tail, run._parent)
    new.text = text[at:]
    return new
