"""The rendered template text → document blocks.

The outline is Markdown-like: a front matter block (``---`` lines) with the
title, signature and date; ``#``…``####`` headings numbered 一、 （一） 1.
（1） here, not in the template; paragraphs separated by blank lines (lines
of one paragraph are joined: Chinese needs no space); a table or chart marker
on a line of its own. Sentences holding a figure without data are left out,
and so are headings left with nothing under them.
"""
from __future__ import annotations

import re
from datetime import date

import yaml

from weijian.errors import ReportError
from weijian.reports.document import Block, Chart, Heading, Paragraph, Run, Table
from weijian.reports.facts import BLOCK_CLOSE, BLOCK_OPEN, FactBook
from weijian.reports.runs import split_runs
from weijian.reports.wording import chinese_number, only_bold, tidy_paragraph

_HEADING = re.compile(r"^(#{1,4})\s*(.+?)\s*$")
_BLOCK = re.compile(rf"^{BLOCK_OPEN}(\w+){BLOCK_CLOSE}$")
def parse_front_matter(text: str, source: str) -> tuple[dict, str]:
    lines = text.lstrip("\n").split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in [l.strip() for l in lines[1:]]:
        raise ReportError(f"{source}：模板开头应有 --- 包围的文头（title、signature），例如：\n---\ntitle: 标题\n---")
    end = 1 + [l.strip() for l in lines[1:]].index("---")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        raise ReportError(f"{source}：文头不是合法的 YAML：{error}") from error
    if not isinstance(meta, dict) or not meta.get("title"):
        raise ReportError(f"{source}：文头缺少 title（标题）")
    return meta, "\n".join(lines[end + 1:])


def parse_outline(body: str, book: FactBook, blocks: dict[str, Table | Chart]) -> list[Block]:
    raw: list[tuple[str, object]] = []  # (kind, payload) before numbering
    paragraph: list[str] = []

    def flush():
        if paragraph:
            text = tidy_paragraph("".join(line.strip() for line in paragraph))
            if text and not only_bold(text):
                raw.append(("p", text))
            paragraph.clear()

    for line in body.split("\n"):
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        block = _BLOCK.match(stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            raw.append(("h", (len(heading.group(1)), heading.group(2))))
        elif block:
            flush()
            if block.group(1) in blocks:
                raw.append(("b", blocks[block.group(1)]))
        else:
            paragraph.append(stripped)
    flush()
    return _number(_prune(raw), book)


def _prune(raw: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Drop headings (below level 1) with no content before the next heading
    of the same or a higher level."""
    kept = list(raw)
    changed = True
    while changed:
        changed = False
        for i, (kind, payload) in enumerate(kept):
            if kind != "h" or payload[0] == 1:
                continue
            level = payload[0]
            following = kept[i + 1] if i + 1 < len(kept) else None
            if following is None or (following[0] == "h" and following[1][0] <= level):
                del kept[i]
                changed = True
                break
    return kept


def _number(raw: list[tuple[str, object]], book: FactBook) -> list[Block]:
    counters = [0, 0, 0, 0]
    out: list[Block] = []
    for kind, payload in raw:
        if kind == "h":
            level, text = payload
            counters[level - 1] += 1
            for deeper in range(level, 4):
                counters[deeper] = 0
            n = counters[level - 1]
            label = {1: f"{chinese_number(n)}、", 2: f"（{chinese_number(n)}）", 3: f"{n}.", 4: f"（{n}）"}[level]
            out.append(Heading(level, [Run(label)] + split_runs(text, book)))
        elif kind == "p":
            out.append(Paragraph(split_runs(payload, book)))
        else:
            out.append(payload)
    return out


def document_date(meta: dict, today: date) -> date:
    value = meta.get("date")
    if value is None:
        return today
    if isinstance(value, date):
        return value
    match = re.fullmatch(r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})日?", str(value).strip())
    if not match:
        raise ReportError(f"文头 date 应为 2026-07-05 或 2026年7月5日，而不是“{value}”")
    return date(int(match[1]), int(match[2]), int(match[3]))
