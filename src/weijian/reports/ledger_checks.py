"""Ledger figures that contradict the statistics, found before the draft is written.

The ledger says "计划生育家庭特别扶助金发放，涉及1191人"; the statistics say
特别扶助对象人数 979. Printing both would make the draft contradict itself,
so such ledger counts are left out of the prose and reported to the office
(``Draft.notes``) to put right in one place or the other.

Same subject rule: a plain indicator of the entry's domain whose unit is the
count's unit (人, 元, 万元 …), and whose name's stem (the name without 对象人数,
人数, 资金, 合计 …) appears in the entry's title followed by 金, 资金, 对象 or
人数 — "特别扶助对象人数" and "特别扶助金发放" are one subject; "奖励扶助资格确认复核"
is a different piece of work from the 奖励扶助对象 it checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from weijian.analytics.rounding import round_half_up

_SUFFIXES = re.compile(r"(对象人数|人数|对象|资金|合计|总额|金额)$")
_SUBJECT_TAILS = ("金", "资金", "对象", "人数")


@dataclass(frozen=True)
class Contradiction:
    entry_id: int | None
    entry_title: str
    unit: str
    ledger_value: Decimal
    code: str
    name: str
    statistic: Decimal

    @property
    def message(self) -> str:
        return (f"工作台账“{self.entry_title}”记为{_plain(self.ledger_value)}{self.unit}，"
                f"统计数据“{self.name}”为{_plain(self.statistic)}{self.unit}：两者口径或数字不一致，"
                "草稿未写入台账数字，请核实后统一")


def stem(name: str) -> str:
    return _SUFFIXES.sub("", name)


def same_subject(title: str, indicator_name: str) -> bool:
    core = stem(indicator_name)
    return len(core) >= 2 and any(core + tail in title for tail in _SUBJECT_TAILS)


def find_contradictions(entries, indicators: dict, value_of: Callable[[str], Decimal | None]) -> list[Contradiction]:
    """Ledger counts whose statistic (``value_of(code)``, the period's value)
    says otherwise. Entries on one subject are summed first (two payments of
    特别扶助金 in a year are one figure). ``indicators`` is the package's."""
    matched: dict[tuple[str, str], list] = {}
    for entry in entries:
        for unit, count in entry.counts:
            for code, indicator in indicators.items():
                if indicator.kind != "plain" or indicator.domain != entry.domain or indicator.unit != unit:
                    continue
                if same_subject(entry.title, indicator.name):
                    matched.setdefault((code, unit), []).append((entry, Decimal(count)))
    found = []
    for (code, unit), pairs in matched.items():
        indicator = indicators[code]
        statistic = value_of(code)
        total = sum((count for _, count in pairs), Decimal(0))
        if statistic is None:
            continue
        statistic = round_half_up(Decimal(statistic), indicator.decimals)
        if _close(statistic, total, indicator.decimals):
            continue
        titles = "、".join(dict.fromkeys(e.title for e, _ in pairs))
        for entry, _ in pairs:
            found.append(Contradiction(entry.id, titles, unit, total, code, indicator.name, statistic))
    return found  # one per entry (each is withheld); the messages repeat per subject


def _close(a: Decimal, b: Decimal, decimals: int) -> bool:
    return abs(a - b) < Decimal(1).scaleb(-decimals)


def _plain(value: Decimal) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
