"""The document tree every renderer (.docx, .md, .html) writes from.

A drafted 工作总结 is a ``Document``: a title, an optional lead paragraph
(导语), a list of blocks, and a signature. Inline text is a list of
``Run``; a run that shows a figure carries the ``Fact`` it came from, so the
renderers and the sidecar share one source of truth.

Heading levels follow the outline of official documents:
1 → 一、  2 → （一）  3 → 1.  4 → （1）.  The numbering is part of the
heading's text (the outline parser writes it), renderers do not add it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Union


@dataclass
class Fact:
    """One figure printed in the text, with where it came from.

    ``text`` is exactly what is printed (e.g. "95.42%", "12.3万", "同比增长3.2%").
    ``kind``: value | numerator | denominator | change | completion | rank | count | ledger.
    ``inputs`` maps the names of the values it came from to those values
    (operand labels for indicators, ``previous`` for 同比, ``target`` for 完成率).
    """
    id: str
    text: str
    kind: str
    code: str | None = None
    name: str | None = None
    ou: str | None = None
    ou_name: str | None = None
    period: str | None = None
    value: Decimal | None = None
    unit: str | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    formula: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    query: str | None = None

    def to_dict(self) -> dict:
        def plain(v):
            if isinstance(v, Decimal):
                return int(v) if v == v.to_integral_value() else float(v)
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [plain(x) for x in v]
            return v
        return {k: plain(v) for k, v in self.__dict__.items()}


@dataclass
class Run:
    """A piece of inline text. ``fact`` is set when the text is a figure."""
    text: str
    bold: bool = False
    fact: Fact | None = None


@dataclass
class Heading:
    level: int  # 1..4
    runs: list[Run]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Paragraph:
    runs: list[Run]
    indent: bool = True  # 2-character first-line indent (body text)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    """A 三线表. Cells are run lists so figures in a table stay traceable."""
    caption: str
    header: list[str]
    rows: list[list[list[Run]]]
    note: str | None = None  # a line under the table (注：…)


@dataclass
class Chart:
    """A picture with its caption; ``png`` is the rendered image."""
    caption: str
    png: bytes
    width_mm: float = 150.0
    facts: list[Fact] = field(default_factory=list)  # the figures drawn


@dataclass
class PageBreak:
    pass


Block = Union[Heading, Paragraph, Table, Chart, PageBreak]


@dataclass
class Document:
    title: str
    blocks: list[Block]
    signature: str  # the issuing organ, e.g. 沅陵县卫生健康局
    date: date
    appendix_title: str = "附表：数据来源"
    appendix: Table | None = None  # provenance of every figure, rendered after the signature

    def facts(self, text_only: bool = False) -> list[Fact]:
        """Every fact in reading order, each once; ``text_only`` keeps those
        printed in headings and paragraphs (not in tables and charts)."""
        seen: dict[str, Fact] = {}
        for block in self.blocks:
            if text_only and not isinstance(block, (Heading, Paragraph)):
                continue
            for run in _runs(block):
                if run.fact is not None:
                    seen.setdefault(run.fact.id, run.fact)
            if isinstance(block, Chart):
                for fact in block.facts:
                    seen.setdefault(fact.id, fact)
        return list(seen.values())

    def text(self) -> str:
        """Plain text of the body (title, headings, paragraphs), one block a line."""
        lines = [self.title]
        for block in self.blocks:
            if isinstance(block, (Heading, Paragraph)):
                lines.append(block.text)
        return "\n".join(lines)


def _runs(block: Block):
    if isinstance(block, (Heading, Paragraph)):
        yield from block.runs
    elif isinstance(block, Table):
        for row in block.rows:
            for cell in row:
                yield from cell
