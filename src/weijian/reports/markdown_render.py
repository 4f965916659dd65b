"""Render a ``Document`` as Markdown (CommonMark with GitHub pipe tables).

Layout: ``# title``; headings one level down (``##`` for 一、 … ``#####`` for
（1）) with their numbered text; paragraphs separated by blank lines (Markdown
has no first-line indent, so none is written); a table is its caption in
bold, a pipe table, then its note; the signature and the date close the body;
the provenance table follows under ``## 附表：数据来源``. A page break has no
Markdown form and is left out.

Images: with ``image_dir`` each chart is written there as ``chart-N.png``
(N from 1, in reading order) and linked relative to ``markdown_dir``, the
folder the .md file will be saved in. ``markdown_dir`` defaults to
``image_dir`` itself, giving ``![图1](chart-1.png)``; pass the parent when the
images go into a subfolder, giving ``![图1](图表/chart-1.png)``. Without
``image_dir`` the PNG is embedded as a ``data:`` URI.
"""
from __future__ import annotations

import base64
import os
import re
import unicodedata
from pathlib import Path

from weijian.reports.document import Chart, Document, Heading, PageBreak, Paragraph, Run, Table
from weijian.reports.numbers import format_date

__all__ = ["render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")  # inline characters Markdown would act on
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")  # would start a heading, quote or list


def render_markdown(doc: Document, image_dir: Path | None = None, *,
                    markdown_dir: Path | None = None) -> str:
    """The document as Markdown text; charts go to ``image_dir`` or into data URIs."""
    if image_dir is not None:
        image_dir = Path(image_dir)
        image_dir.mkdir(parents=True, exist_ok=True)
    base = Path(markdown_dir) if markdown_dir is not None else image_dir
    parts = [f"# {_escape(doc.title)}"]
    chart_number = 0
    for block in doc.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * (block.level + 1)} {_inline(block.runs)}")
        elif isinstance(block, Paragraph):
            parts.append(_paragraph(block.runs))
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Chart):
            chart_number += 1
            parts.append(_chart(block, chart_number, image_dir, base))
        elif isinstance(block, PageBreak):
            continue
    parts.append(_escape(doc.signature))
    parts.append(format_date(doc.date))
    if doc.appendix is not None:
        parts.append(f"## {_escape(doc.appendix_title)}")
        same = doc.appendix.caption.strip() in ("", doc.appendix_title)
        parts.append(_table(doc.appendix, caption=not same))
    return "\n\n".join(p for p in parts if p) + "\n"


# -- inline text -------------------------------------------------------------------------


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text.replace("\r", "").replace("\n", " "))


def _paragraph(runs: list[Run]) -> str:
    text = _inline(runs)
    # "1." or "-" opening a paragraph would make a list: escape its last character
    return _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", text, count=1)


def _merged(runs: list[Run]) -> list[tuple[str, bool]]:
    """Adjacent runs of the same weight joined, so bold never reads ``**a****b**``."""
    out: list[tuple[str, bool]] = []
    for run in runs:
        if out and out[-1][1] == run.bold:
            out[-1] = (out[-1][0] + run.text, run.bold)
        elif run.text:
            out.append((run.text, run.bold))
    return out


def _inline(runs: list[Run]) -> str:
    pieces = _merged(runs)
    out = []
    for index, (text, bold) in enumerate(pieces):
        if not bold or not text.strip():
            out.append(_escape(text))
            continue
        core = text.strip()
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        before = lead[-1:] or (pieces[index - 1][0][-1:] if index else "")
        after = trail[:1] or (pieces[index + 1][0][:1] if index + 1 < len(pieces) else "")
        out.append(lead + _bold(core, before, after) + trail)
    return "".join(out)


def _bold(core: str, before: str, after: str) -> str:
    """``**core**`` when CommonMark will read it as bold, else ``<strong>``.

    Chinese text often ends a bold phrase with 。 or % right before a hanzi,
    where ``**`` is not right-flanking and would print literally.
    """
    def loose(ch: str) -> bool:  # start/end of line, whitespace or punctuation
        return not ch or ch.isspace() or _punct(ch)

    opens = not _punct(core[0]) or loose(before)
    closes = not _punct(core[-1]) or loose(after)
    if opens and closes:
        return f"**{_escape(core)}**"
    return f"<strong>{_escape(core)}</strong>"


def _punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


# -- blocks -------------------------------------------------------------------------------


def _cell(runs: list[Run]) -> str:
    return _inline(runs).strip() or " "


def _table(table: Table, caption: bool = True) -> str:
    lines = []
    if caption and table.caption.strip():
        lines.append(f"**{_escape(table.caption.strip())}**")
        lines.append("")
    width = max([len(table.header)] + [len(row) for row in table.rows])
    header = list(table.header) + [""] * (width - len(table.header))
    lines.append("| " + " | ".join(_escape(h) or " " for h in header) + " |")
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    for row in table.rows:
        cells = [_cell(cell) for cell in row] + [" "] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    if table.note:
        lines.append("")
        lines.append(_escape(table.note))
    return "\n".join(lines)


def _chart(chart: Chart, number: int, image_dir: Path | None, base: Path | None) -> str:
    alt = _escape(chart.caption)
    if image_dir is None:
        target = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    else:
        path = image_dir / f"chart-{number}.png"
        path.write_bytes(chart.png)
        target = Path(os.path.relpath(path, base)).as_posix()
        if any(ch in target for ch in " ()<>"):
            target = f"<{target}>"  # a link destination with spaces or parentheses
    return f"![{alt}]({target})"
