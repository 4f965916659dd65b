"""同比, 完成率 and ranking: the comparisons a 工作总结 states."""
from __future__ import annotations

from decimal import Decimal

# Rates compare by difference in points (个百分点, ‰ in 千分点); counts and
# per-10万 rates by relative change in %.
POINT_UNITS = {"percent": "个百分点", "permille": "千分点"}


def year_on_year(current: Decimal | None, previous: Decimal | None, kind: str | None) -> tuple[Decimal | None, str | None]:
    """(change, unit). ``kind`` is the indicator kind, None for elements."""
    if current is None or previous is None:
        return None, None
    if kind in POINT_UNITS:
        return current - previous, POINT_UNITS[kind]
    if previous == 0:
        return None, None
    return (current - previous) / previous * 100, "%"


def completion(done: Decimal | None, target: Decimal | None) -> Decimal | None:
    """完成率 = value over the year so far / annual target × 100 (over 100 is 超额完成)."""
    if done is None or target is None or target == 0:
        return None
    return done / target * 100


def competition_ranks(values: list[Decimal | None], higher_better: bool) -> list[int | None]:
    """1-based ranks where ties share a rank and the next rank skips (1, 2, 2, 4);
    units without a value get no rank."""
    present = [v for v in values if v is not None]
    ranks = []
    for value in values:
        if value is None:
            ranks.append(None)
            continue
        better = sum(1 for other in present if (other > value if higher_better else other < value))
        ranks.append(better + 1)
    return ranks


def ratio_decimal(numerator: Decimal | None, denominator: Decimal | None, factor: Decimal) -> tuple[Decimal | None, str | None]:
    """The exact value in Decimal, and the reason when there is none."""
    if denominator is None:
        return None, "分母无数据"
    if denominator == 0:
        return None, "分母为0"
    if numerator is None:
        return None, "分子无数据"
    return factor * numerator / denominator, None
