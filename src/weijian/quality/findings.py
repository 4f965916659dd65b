"""What a data-quality check reports: ``Finding``, its Chinese wording, and the
few helpers every check shares (a subtree's units, the periods of a type that
lie inside a range).

A finding is a value, never an exception (STYLE rule 4): the statistician
reviews it, confirms or fixes the figure, and the next check no longer shows it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from weijian.analytics.rounding import round_half_up
from weijian.model import MetadataPackage
from weijian.model.periods import MONTHS_IN, Period

KINDS = ("rule", "outlier", "missing", "late")
IMPORTANCE_ORDER = {"高": 0, "中": 1, "低": 2}
FIGURE_DECIMALS = 6  # rules compare and print both sides at this precision


@dataclass(frozen=True)
class Finding:
    """One problem in one unit's figures for one period.

    ``element`` is the data element the problem is about (for a rule, the one
    element of its left side, when there is exactly one); ``value`` the flagged
    figure of an outlier; ``left``/``right`` the two sides of a broken rule.
    ``score``/``threshold``/``median``/``method`` explain an outlier;
    ``dataset``/``due`` a missing or late report (``late`` counts the days).
    """

    kind: str
    ou: str
    ou_name: str
    period: str
    message: str
    importance: str = "中"
    element: str | None = None
    option: str | None = None
    rule: str | None = None
    dataset: str | None = None
    value: Decimal | None = None
    left: Decimal | None = None
    right: Decimal | None = None
    score: Decimal | None = None
    threshold: Decimal | None = None
    median: Decimal | None = None
    expected: Decimal | None = None  # seasonal median or Poisson mean the value was compared with
    lower: Decimal | None = None
    upper: Decimal | None = None
    method: str | None = None
    due: str | None = None  # ISO date a missing or late report was due
    late: int | None = None  # days a late report came after its due day

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if self.importance not in IMPORTANCE_ORDER:
            raise ValueError(f"unknown importance {self.importance!r}")

    @property
    def sort_key(self) -> tuple:
        return (IMPORTANCE_ORDER[self.importance], self.ou, self.period, KINDS.index(self.kind),
                self.rule or "", self.dataset or "", self.element or "", self.option or "")

    def to_dict(self) -> dict:
        """JSON-ready: the core keys first (kind, ou, period, element, rule,
        value, left, right, message), then the explanation; numbers as numbers."""
        out = {key: getattr(self, key) for key in
               ("kind", "ou", "period", "element", "rule", "value", "left", "right", "message")}
        for item in fields(self):
            out.setdefault(item.name, getattr(self, item.name))
        return {key: json_number(value) if isinstance(value, Decimal) else value for key, value in out.items()}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By importance (高 first), then unit, then period."""
    return sorted(findings, key=lambda f: f.sort_key)


# -- wording ------------------------------------------------------------------
def format_figure(value: Decimal | float | int | None, decimals: int = FIGURE_DECIMALS) -> str:
    """A figure as a statistician writes it: 812, 96.5, 0.000312 (never 812.0)."""
    number = round_half_up(value, decimals)
    if number is None:
        return "—"
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def element_label(package: MetadataPackage, element: str, option: str | None = None) -> str:
    """数据项名称, with the option in brackets: 法定传染病报告病例数（乙类）."""
    item = package.elements.get(element)
    name = item.name if item else element
    if option and item is not None and item.category:
        names = {o.code: o.name for o in package.categories[item.category].options}
        name = f"{name}（{names.get(option, option)}）"
    return name


def unit_name(package: MetadataPackage, code: str) -> str:
    unit = package.orgunits.get(code)
    return unit.name if unit else code


def json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# -- shared helpers ---------------------------------------------------------------
def subtree(package: MetadataPackage, code: str) -> list[str]:
    """``code`` and every unit below it, in package order."""
    root = package.orgunits[code]
    depth = len(root.path)
    return [ou.code for ou in package.orgunits.values() if ou.path[:depth] == root.path]


def leaves(package: MetadataPackage, units: Iterable[str]) -> list[str]:
    """The units without children: where facilities sit and report."""
    parents = {ou.parent for ou in package.orgunits.values() if ou.parent}
    return [code for code in units if code not in parents]


def periods_inside(period: Period, period_type: str) -> list[Period]:
    """Every period of ``period_type`` lying wholly inside ``period``:
    2026S1 holds six months, two quarters, one half-year and no year."""
    months = MONTHS_IN[period_type]
    # month ordinals are year*12 + (month-1), so a quarter starts where ordinal % 3 == 0
    first = period.start + (-period.start) % months
    return [Period(m, m + months - 1) for m in range(first, period.end - months + 2, months)]
