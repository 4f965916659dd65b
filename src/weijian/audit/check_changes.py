"""Checks of changes and products: 同比, increments with growth, differences, 自然增长率, per head × heads."""
from __future__ import annotations

from decimal import Decimal

from weijian.audit.describe import show, show_interval
from weijian.audit.doc import Relation
from weijian.audit.intervals import Interval
from weijian.audit.mentions import Mention

__all__ = ["check_product", "check_difference", "check_yoy"]


def check_product(r: Relation):
    if r.options.get("per_head") and not r.confident:
        per = r.inputs[0]
        for heads, total in r.options["pairs"]:
            computed = per.interval * heads.interval
            if computed.meets(total.interval):
                return ("not_checkable", f"若按{per.text.strip()}×{heads.text.strip()}={show_interval(computed, total, 1)}"
                                         f"计算，与{total.text.strip()}相符，但文中未说明二者的关系，无法确认。", None,
                        (per, heads, total))
        return None
    total = r.stated
    a, b = r.inputs
    computed = a.interval * b.interval
    if computed.meets(total.interval):
        return ("consistent", f"{a.text.strip()}×{b.text.strip()}={show_interval(computed, total, 1)}，"
                              f"与{total.text.strip()}一致。", computed.mid)
    return ("inconsistent", f"{a.text.strip()}×{b.text.strip()}应为{show_interval(computed, total, 1)}，"
                            f"文中为{total.text.strip()}。", computed.mid)


def _signed_difference(r: Relation):
    """自然增长率 = 出生率 − 死亡率, with its sign as written."""
    births, deaths = r.inputs
    g = r.stated
    computed = births.interval - deaths.interval
    stated = Interval(-g.interval.hi, -g.interval.lo) if r.options.get("negative") else g.interval
    written = f"{'-' if r.options.get('negative') else ''}{g.text.strip()}"
    what = f"出生率{births.text.strip()}减死亡率{deaths.text.strip()}"
    if computed.meets(stated):
        return "consistent", f"{what}为{show_interval(computed, g, 1)}，与自然增长率{written}一致。", computed.mid
    return ("inconsistent", f"{what}应为{show(births.value - deaths.value, g)}，文中自然增长率为{written}。",
            births.value - deaths.value)


def check_difference(r: Relation):
    if r.options.get("signed"):
        return _signed_difference(r)
    a, b = r.inputs
    computed = a.interval - b.interval
    computed = computed if computed.lo >= 0 else Interval(-computed.hi, -computed.lo)
    d = r.stated
    if computed.meets(d.interval) or (computed.lo <= 0 <= computed.hi and d.interval.lo <= computed.hi):
        return "consistent", f"{a.text.strip()}与{b.text.strip()}相差{show_interval(computed, d, 1)}，与文中一致。", \
            computed.mid
    return ("inconsistent", f"{a.text.strip()}与{b.text.strip()}相差{show(abs(a.value - b.value), d)}，"
                            f"文中为{d.text.strip()}。", abs(a.value - b.value))


def _increment(r: Relation):
    g = r.stated
    current, increment = r.inputs
    sign = Decimal(increment.direction or 1)
    previous = current.interval - increment.interval.scaled(sign) if sign > 0 else \
        current.interval + increment.interval
    change = increment.interval.scaled(sign) if sign > 0 else Interval(-increment.interval.hi, -increment.interval.lo)
    ratio = change / previous
    if ratio is None:
        return None
    computed = ratio.scaled(Decimal(100))
    g_sign = Decimal(g.direction or 1)
    stated = g.interval if g_sign > 0 else Interval(-g.interval.hi, -g.interval.lo)
    text = (f"由{current.text.strip()}和{'增加' if sign > 0 else '减少'}{increment.text.strip()}，"
            f"上年应为{show(previous.mid, current)}，{_signed(computed, g)}")
    if computed.meets(stated) or _cut(computed, stated, g):
        return "consistent", text + "，与文中一致。", computed.mid
    extra = 1 if show(abs(computed.mid), g) == g.text.strip() else 0
    return ("inconsistent", f"由{current.text.strip()}和{'增加' if sign > 0 else '减少'}{increment.text.strip()}，"
                            f"上年应为{show(previous.mid, current)}，{_signed(computed, g, extra)}，"
                            f"文中为{_written_change(r, g)}。", computed.mid * g_sign)


def check_yoy(r: Relation):
    g = r.stated
    if r.options.get("mode") == "increment":
        return _increment(r)
    current, previous = r.inputs
    mode = r.options["mode"]
    sign = Decimal(g.direction or 1)
    stated = Interval(g.interval.lo * sign, g.interval.hi * sign) if sign > 0 else \
        Interval(g.interval.hi * sign, g.interval.lo * sign)
    modes = [mode] + (["points"] if mode == "relative" and current.unit == "%" else [])
    computed = None
    for m in modes:
        computed = current.interval - previous.interval
        if m == "relative":
            ratio = computed / previous.interval
            if ratio is None:
                return None
            computed = ratio.scaled(Decimal(100))
        if computed.meets(stated) or _cut(computed, stated, g):
            return "consistent", _change_text(r, computed, g) + "，与文中一致。", computed.mid
    assert computed is not None
    extra = 1 if show(abs(computed.mid), g) == g.text.strip() else 0
    return ("inconsistent", _change_text(r, computed, g, extra) + f"，文中为{_written_change(r, g)}。",
            computed.mid * sign)


def _written_change(r: Relation, g: Mention) -> str:
    if r.options.get("gap"):
        return f"{'低' if g.direction < 0 else '高'}{g.text.strip()}"
    words = ("增长", "下降") if g.unit == "%" else ("上升", "下降") if g.unit in ("个百分点", "个千分点") else ("增加", "减少")
    return f"{words[0] if g.direction >= 0 else words[1]}{g.text.strip()}"


def _change_text(r: Relation, computed: Interval, g: Mention, extra: int = 0) -> str:
    current, previous = r.inputs
    if r.options.get("gap"):
        word = "低" if computed.mid < 0 else "高"
        return f"{current.text.strip()}比{previous.text.strip()}{word}{show(abs(computed.mid), g, extra)}"
    return f"由{previous.text.strip()}到{current.text.strip()}，{_signed(computed, g, extra)}"


def _cut(computed: Interval, stated: Interval, g: Mention) -> bool:
    step = Decimal(1).scaleb(-g.decimals) * g.scale
    low = min(abs(stated.lo), abs(stated.hi))
    cut = Interval(low - step / 2, low + step) if stated.lo >= 0 else Interval(-(low + step), -(low - step / 2))
    return g.qualifier is None and computed.meets(cut)


def _signed(computed: Interval, g: Mention, extra: int = 0) -> str:
    value = computed.mid
    words = ("增长", "下降") if g.unit == "%" else ("上升", "下降") if g.unit in ("个百分点", "个千分点") else ("增加", "减少")
    word = words[0] if value >= 0 else words[1]
    return f"{word}{show(abs(value), g, extra)}"
