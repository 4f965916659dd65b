"""What an audit returns: the figures it read and a finding for each relation checked."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from weijian.audit.mentions import Mention
from weijian.errors import WeijianError

__all__ = ["KINDS", "VERDICTS", "VERDICT_NAMES", "AuditError", "AuditReport", "Finding"]

# consistent: the full relation was checked; partial: only a bound (a part no more than its total, a
# 完成率 some whole target can give); not_checkable: the text does not establish the relation.
VERDICTS = ("consistent", "partial", "inconsistent", "not_checkable")
VERDICT_NAMES = {"consistent": "一致", "partial": "部分核对", "inconsistent": "不一致", "not_checkable": "无法核对"}
KINDS = {
    "sum": "分项与合计",
    "rate": "率与分子分母",
    "completion": "完成率",
    "implied_population": "推算人口",
    "sex_ratio": "性别比",
    "product": "人均与总额",
    "yoy": "同比与增减",
    "category_count": "类别数",
    "ranking": "排序",
    "share": "占比",
    "difference": "差额",
    "population": "共同分母",
    "data": "与数据核对",
}


class AuditError(WeijianError):
    """A summary that cannot be read at all: missing, empty, corrupt (message in Chinese)."""


@dataclass(frozen=True)
class Finding:
    """One checked relation. ``stated`` is the figure as the text gives it,
    ``computed`` what the other figures (or the data) make of it."""

    verdict: str
    kind: str
    start: int
    end: int
    quote: str
    message: str
    stated: Decimal | None = None
    computed: Decimal | None = None
    difference: Decimal | None = None
    figures: tuple[int, ...] = ()  # ids of the mentions involved
    focus: int | None = None  # id of the mention whose stated value is in question

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict, "kind": self.kind, "quote": self.quote, "start": self.start, "end": self.end,
            "stated": _number(self.stated), "computed": _number(self.computed),
            "difference": _number(self.difference), "message": self.message,
            "figures": list(self.figures), "focus": self.focus,
        }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class AuditReport:
    """The audit of one summary. ``text`` is the text the offsets refer to."""

    text: str
    figures: tuple[Mention, ...]
    findings: tuple[Finding, ...]
    source: str | None = None
    year: int | None = None
    period_label: str | None = None
    notes: tuple[str, ...] = field(default=())
    # the statement tree: (total figure id, part figure ids, marker) for each breakdown the markers set up
    tree: tuple[tuple[int, tuple[int, ...], str], ...] = field(default=())

    def counts(self) -> dict[str, int]:
        counted = Counter(f.verdict for f in self.findings)
        return {verdict: counted.get(verdict, 0) for verdict in VERDICTS}

    @property
    def inconsistent(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "inconsistent"]

    def to_dict(self) -> dict:
        return {
            "source": self.source, "year": self.year, "period": self.period_label,
            "counts": self.counts(), "notes": list(self.notes),
            "figures": [m.to_dict() for m in self.figures],
            "findings": [f.to_dict() for f in self.findings],
            "tree": [{"total": total, "parts": list(parts), "marker": marker} for total, parts, marker in self.tree],
        }
