"""Figures written back in Chinese for the explanations: in the unit and style
of the figure they are compared with ("2424万元", "96.58%", "性别比65.4")."""
from __future__ import annotations

from decimal import Decimal

from weijian.audit.intervals import Interval, half_up
from weijian.audit.mentions import Mention

__all__ = ["show", "show_interval", "show_number", "quote"]

_SCALE_WORDS = {Decimal(10) ** 4: "万", Decimal(10) ** 8: "亿", Decimal(10) ** 12: "万亿"}


def show_number(value: Decimal, decimals: int) -> str:
    text = format(half_up(value, decimals), "f")
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text


def show(value: Decimal, like: Mention, extra: int = 0) -> str:
    """``value`` (base units) written like ``like``: same 万/亿 and unit, its decimals (+``extra``)."""
    if like.scale != 1:
        shown = show_number(value / like.scale, like.decimals + extra + 1)
        shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
        return f"{shown}{_SCALE_WORDS.get(like.scale, '')}{like.unit}"
    if value == value.to_integral_value() and like.decimals == 0 and like.unit not in ("%", "‰", "", "/10万"):
        return f"{int(value)}{like.unit}"
    decimals = like.decimals + extra
    if like.decimals == 0 and like.unit in ("%", "‰", "", "/10万", "个百分点", "个千分点"):
        decimals = max(decimals, 1)  # "性别比应为65.4" says more than "应为65"
    return f"{show_number(value, decimals)}{like.unit}"


def show_interval(interval: Interval, like: Mention, extra: int = 1) -> str:
    if interval.is_point:
        return show(interval.lo, like, extra)
    low, high = show(interval.lo, like, extra), show(interval.hi, like, extra)
    return low if low == high else f"{low}～{high}"


def quote(m: Mention) -> str:
    return f"“{m.text}”"
