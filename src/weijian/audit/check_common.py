"""What every check shares: interval sums, ratios, matching a stated figure, the verdict sentence."""
from __future__ import annotations

from decimal import Decimal

from weijian.audit.describe import show, show_interval, show_number
from weijian.audit.intervals import Interval, half_up
from weijian.audit.mentions import Mention

__all__ = ["agree_text", "interval_sum", "matches", "people", "plus_list", "ratio_of", "rounded", "verdict_text"]


def rounded(value: Decimal | None) -> Decimal | None:
    if value is None or not value.is_finite():
        return None
    return half_up(value, 6).normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def interval_sum(parts) -> Interval:
    interval = Interval.point(Decimal(0))
    for p in parts:
        interval = interval + p.interval
    return interval


def plus_list(parts: list[Mention]) -> str:
    return "+".join(p.text.strip() for p in parts)


def ratio_of(num: Mention, den: Mention, factor: Decimal) -> Interval | None:
    quotient = num.interval / den.interval
    return None if quotient is None else quotient.scaled(factor)


def matches(computed: Interval, stated: Mention) -> str | None:
    """"rounded" or "truncated" when the stated figure can be the computed one, else None."""
    if computed.meets(stated.interval):
        return "rounded"
    if stated.qualifier is None and stated.interval.hi_open:
        step = Decimal(1).scaleb(-stated.decimals) * stated.scale
        cut = Interval(stated.value, stated.value + step, hi_open=True)
        if computed.meets(cut):
            return "truncated"
    return None


def verdict_text(match: str | None, computed: Interval, stated: Mention, what: str) -> tuple[str, str]:
    shown = show_interval(computed, stated, 0 if computed.is_point else 1)
    if match == "rounded":
        return "consistent", f"{what}应为{shown}，与文中{stated.text.strip()}一致。"
    if match == "truncated":
        return "consistent", f"{what}为{show(computed.mid, stated, 2)}，文中{stated.text.strip()}系截尾取值，可视为一致。"
    exact = show(computed.mid, stated)
    if exact == stated.text.strip():
        exact = show(computed.mid, stated, 1)
    gap = show(abs(computed.mid - stated.value), stated, 0 if stated.unit != "%" else 0)
    gap = gap.replace("%", "个百分点") if stated.unit == "%" else gap
    return "inconsistent", f"{what}应为{exact}，文中为{stated.text.strip()}，相差{gap}。"


def people(value: Decimal) -> str:
    if value >= 10000:
        return f"{show_number(value / 10000, 1)}万"
    return show_number(value, 0)


def agree_text(what: str, summed: Interval, total: Mention) -> str:
    if summed.is_point and total.interval.is_point:
        return f"{what}为{show(summed.lo, total)}，与总数{total.text.strip()}一致。"
    return f"{what}约为{show_interval(summed, total, 1)}，与总数{total.text.strip()}在四舍五入范围内一致。"
