"""Each relation checked in Decimal interval arithmetic → a Finding with a
Chinese explanation a non-statistician can follow.

A relation is consistent when the interval its inputs allow meets the interval
its stated figure allows (half-up rounding at the stated precision; 余/近/约 as
in ``intervals``). A rate that matches when cut off instead of rounded
(96.578 → 96.57) is accepted with a note: that is a writer's habit, not a
contradiction. Relations the text does not make certain never come out
inconsistent; they are consistent or not checkable.
"""
from __future__ import annotations

import itertools
from decimal import Decimal

from weijian.audit.describe import show, show_interval, show_number
from weijian.audit.findings import Finding
from weijian.audit.intervals import Interval, half_up
from weijian.audit.mentions import Mention
from weijian.audit.doc import Relation

__all__ = ["check"]

_MAX_ASSIGNMENTS = 4096


def check(relation: Relation, text: str) -> Finding | None:
    """The finding for ``relation`` (``text`` as read, for the quote), or None for a guess that failed."""
    checker = {
        "sum": _sum, "category_count": _category, "ranking": _ranking, "rate": _rate, "completion": _completion,
        "implied_population": _population, "sex_ratio": _sex_ratio, "product": _product, "yoy": _yoy,
        "difference": _difference, "population": _common_population, "share": _share,
    }[relation.kind]
    result = checker(relation)
    if result is None:
        return None
    verdict, message, computed, *extra = result
    involved = extra[0] if extra and extra[0] is not None else relation.inputs
    focus = extra[1] if len(extra) > 1 else relation.stated
    mentions = tuple({m.id: m for m in (relation.stated, *involved)}.values())
    start, end = min(m.start for m in mentions), max(m.end for m in mentions)
    stated = focus.value
    difference = None if computed is None or verdict == "not_checkable" else _round(computed - stated)
    return Finding(verdict, relation.kind, start, end, text[start:end], message, stated=stated,
                   computed=_round(computed), difference=difference,
                   figures=tuple(m.id for m in mentions), focus=focus.id)


def _round(value: Decimal | None) -> Decimal | None:
    if value is None or not value.is_finite():
        return None
    return half_up(value, 6).normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def _total(parts) -> Interval:
    interval = Interval.point(Decimal(0))
    for p in parts:
        interval = interval + p.interval
    return interval


def _plus(parts: list[Mention]) -> str:
    return "+".join(p.text.strip() for p in parts)


# -- totals and parts -------------------------------------------------------------------------------------


def _sum(r: Relation):
    total, parts = r.stated, list(r.inputs)
    wanted = total.interval
    marker = r.options.get("marker")
    reading = f"按“{marker}”读作{total.text.strip()}的分项" if marker else "按所列分项"
    if len(parts) == 1:
        part = parts[0]
        if part.interval.lo <= wanted.hi:
            return "partial", f"分项{part.text.strip()}未超过总数{total.text.strip()}（只核对了上限）。", part.value
        return ("inconsistent", f"{reading}：分项{part.text.strip()}超过了总数{total.text.strip()}，"
                                f"多出{show(part.value - total.value, total)}。", part.value)
    summed = _total(parts)
    if r.options.get("closing"):
        what = f"所列各项之和（{_plus(parts)}）"
    else:
        what = f"各分项之和（{_plus(parts)}）"
    if summed.meets(wanted):
        return "consistent", _agree(what, summed, total), summed.mid
    shared = r.options.get("shared")
    if shared and _total(shared).meets(wanted):
        # a reading by subject, not by fit: only the parts named like the total are its parts
        others = [p for p in parts if p not in shared]
        return ("consistent", _agree(f"与总数同名或成对的分项之和（{_plus(shared)}）", _total(shared), total)
                + f"{'、'.join(p.text.strip() for p in others)}的名称与总数不同，按另一口径理解。", _total(shared).mid)
    written = sum(p.value for p in parts)
    shared_sum = sum(p.value for p in shared) if shared else None
    if shared and (_total(shared).lo > wanted.hi or r.options.get("exhaustive")):
        # the figures named like the total (or a 男/女-style pair) are its breakdown: judge that reading
        gap = shared_sum - total.value
        return ("inconsistent", f"{reading}，按与总数同名或成对的分项读：{_plus(shared)}={show(shared_sum, total)}，"
                                f"与总数{total.text.strip()}不符，{'多' if gap > 0 else '少'}{show(abs(gap), total)}"
                                f"（全部分项之和为{show(written, total)}）。", shared_sum)
    if summed.lo > wanted.hi or (summed.lo == wanted.hi and wanted.hi_open):
        return ("inconsistent", f"{reading}：各分项之和为{show(written, total)}（{_plus(parts)}），"
                                f"超过总数{total.text.strip()}，相差{show(written - total.value, total)}。", written)
    if r.options.get("exhaustive"):
        return ("inconsistent", f"{reading}：各分项之和为{show(written, total)}（{_plus(parts)}），"
                                f"与总数{total.text.strip()}不符，少{show(total.value - written, total)}。", written)
    return ("partial", f"所列分项之和为{show_interval(summed, total, 0)}，未超过总数{total.text.strip()}；"
                       "文中可能只列出了部分分项，只核对了上限。", summed.mid)


def _agree(what: str, summed: Interval, total: Mention) -> str:
    if summed.is_point and total.interval.is_point:
        return f"{what}为{show(summed.lo, total)}，与总数{total.text.strip()}一致。"
    return f"{what}约为{show_interval(summed, total, 1)}，与总数{total.text.strip()}在四舍五入范围内一致。"


def _category(r: Relation):
    if "names" in r.options:
        names, stated = r.options["names"], r.stated
        listed = Decimal(len(names))
        if listed == stated.value:
            return "consistent", f"列出的{len(names)}个名称（{'、'.join(names)}）与“{stated.text}”一致。", listed
        return ("inconsistent", f"文中列出{len(names)}个名称（{'、'.join(names)}），却写作“{stated.text}”。", listed)
    if r.options.get("named"):
        count = r.options["listed"]
        return ("consistent", f"文中说有{count}类，其后正好列出{len(r.inputs)}项（"
                              f"{'、'.join(p.phrase.strip()[-8:] or p.text for p in r.inputs)}）。", Decimal(len(r.inputs)))
    return _sum(r)


def _ranking(r: Relation):
    items: list[Mention] = list(r.inputs)
    n = r.options["n"]
    note = "" if len(items) == n else f"（文中称前{n}位，实际列出{len(items)}项）"
    items = items[:n] if len(items) > n else items
    for before, after in zip(items, items[1:]):
        if after.interval.lo > before.interval.hi:
            return ("inconsistent", f"排序有误：排在后面的{after.text.strip()}多于排在前面的{before.text.strip()}。"
                    + note, before.value, None, after)
    summed = _total(items)
    totals = r.options.get("totals") or []
    if totals:
        top = max(totals, key=lambda m: m.value)
        if summed.lo > top.interval.hi:
            return ("inconsistent", f"前{len(items)}位合计{show_interval(summed, top, 0)}，"
                                    f"超过了总数{top.text.strip()}。" + note, summed.mid)
        return ("consistent", f"前{len(items)}位按从多到少排列，合计{show_interval(summed, top, 0)}，"
                              f"未超过总数{top.text.strip()}。" + note, summed.mid)
    return "consistent", f"前{len(items)}位按从多到少排列。" + note, summed.mid


# -- rates --------------------------------------------------------------------------------------------------


def _ratio(num: Mention, den: Mention, factor: Decimal) -> Interval | None:
    quotient = num.interval / den.interval
    return None if quotient is None else quotient.scaled(factor)


def _matches(computed: Interval, stated: Mention) -> str | None:
    """"rounded" or "truncated" when the stated figure can be the computed one, else None."""
    if computed.meets(stated.interval):
        return "rounded"
    if stated.qualifier is None and stated.interval.hi_open:
        step = Decimal(1).scaleb(-stated.decimals) * stated.scale
        cut = Interval(stated.value, stated.value + step, hi_open=True)
        if computed.meets(cut):
            return "truncated"
    return None


def _verdict_text(match: str | None, computed: Interval, stated: Mention, what: str) -> tuple[str, str]:
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


def _rate(r: Relation):
    factor = Decimal(r.options["factor"])
    stated = r.stated
    pairs = r.options.get("alternatives") or [tuple(r.inputs)]
    for num, den in pairs:
        computed = _ratio(num, den, factor)
        if computed is None:
            continue
        match = _matches(computed, stated)
        if match is not None and not r.confident:
            return ("not_checkable", f"若按{num.text.strip()}÷{den.text.strip()}计算，比率与文中{stated.text.strip()}相符，"
                                     "但文中未说明分子分母，无法确认。", None, (num, den))
        if r.confident:
            verdict, message = _verdict_text(match, computed, stated,
                                             f"按{num.text.strip()}÷{den.text.strip()}计算，比率")
            return verdict, message, computed.mid, (num, den)
    if r.options.get("implied"):
        return None
    a, b = r.inputs
    return ("not_checkable", f"{stated.text.strip()}与前面的{a.text.strip()}、{b.text.strip()}对不上，"
                             "但文中未说明分子分母，无法判断。", None)


def _completion(r: Relation):
    stated = r.stated
    if r.options.get("feasibility"):
        return _feasible(r)
    if r.options.get("reverse"):
        return _feasible_done(r)
    done, target = r.inputs
    computed = _ratio(done, target, Decimal(100))
    if computed is None:
        return None
    verdict, message = _verdict_text(_matches(computed, stated), computed, stated,
                                     f"按完成{done.text.strip()}÷目标{target.text.strip()}计算，完成率")
    return verdict, message, computed.mid


def _feasible(r: Relation):
    stated, (done,) = r.stated, r.inputs
    if not done.exact or stated.value <= 0 or done.value <= 0:
        return "not_checkable", f"文中未给出目标数，无法核对完成率{stated.text.strip()}。", None
    q = Decimal(1).scaleb(-stated.decimals)
    low, high = stated.value - q / 2, stated.value + q  # rounded half-up, or cut off
    first = int(done.value * 100 / high) + 1
    last = int(done.value * 100 / low) if low > 0 else first + 10
    targets = range(first, min(last, first + 10000) + 1)
    for wanted in ("rounded", "truncated"):
        for target in targets:
            shown = done.value * 100 / target
            if _matches(Interval.point(shown), stated) == wanted:
                return ("partial", f"文中未给出目标数；若目标为{target}{done.unit}，完成率为"
                                   f"{show_number(shown, stated.decimals + 2)}%，与文中相符（只核对了可能性）。", None)
    if not r.options.get("plain"):
        return "not_checkable", f"文中未给出目标数，且完成数不能确定，无法核对完成率{stated.text.strip()}。", None
    near = max(int(done.value * 100 / stated.value), 1)
    examples = "，".join(f"目标{t}{done.unit}为{show_number(done.value * 100 / t, stated.decimals)}%"
                        for t in (near, near + 1) if t > 0)
    return ("inconsistent", f"完成{done.text.strip()}时，没有任何整数目标数能使完成率恰为{stated.text.strip()}"
                            f"（{examples}）。", None)


def _feasible_done(r: Relation):
    """任务800例，完成率100.31%: is there a whole count done that gives the stated percentage?"""
    stated, (target,) = r.stated, r.inputs
    wanted = stated.interval
    low, high = wanted.lo * target.value / 100, wanted.hi * target.value / 100
    first = int(low) if low == int(low) else int(low) + 1
    for done in range(max(first, 0), int(high) + 2):
        if _matches(Interval.point(Decimal(done) * 100 / target.value), stated) is not None:
            return ("partial", f"文中未给出完成数；若完成{done}{target.unit}，完成率为"
                               f"{show_number(Decimal(done) * 100 / target.value, stated.decimals + 2)}%，"
                               "与文中相符（只核对了可能性）。", None)
    near = int(wanted.mid * target.value / 100)
    examples = "，".join(f"完成{d}{target.unit}为{show_number(Decimal(d) * 100 / target.value, stated.decimals)}%"
                        for d in (near, near + 1))
    return ("inconsistent", f"任务为{target.text.strip()}时，没有任何整数完成数能使完成率恰为{stated.text.strip()}"
                            f"（{examples}）。", None)


def _population(r: Relation):
    candidates = r.options["candidates"]
    factor = {"/10万": Decimal(100000), "/万": Decimal(10000), "‰": Decimal(1000)}[r.options["unit"]]
    best = None
    for assignment in itertools.islice(itertools.product(*[counts for _, counts in candidates]), _MAX_ASSIGNMENTS):
        if len({m.id for m in assignment}) < len(assignment):
            continue
        pops = [_ratio(count, rate, factor) for (rate, _), count in zip(candidates, assignment)]
        if any(p is None for p in pops):
            continue
        common = Interval(max(p.lo for p in pops), min(p.hi for p in pops))
        if common.lo <= common.hi:
            best = (assignment, common)
            break
    rates = [rate for rate, _ in candidates]
    if best is not None and not r.confident:
        assignment, common = best
        return ("not_checkable", f"若按文中病例数推算，各率对应的人口数可以吻合（约{_people(common.mid)}人），"
                                 "但文中未说明各率对应哪个数，无法确认。", None, (*rates[1:], *assignment))
    if best is not None:
        assignment, common = best
        pairs = "，".join(f"{c.text.strip()}对应{rate.text.strip()}" for (rate, _), c in zip(candidates, assignment))
        return ("consistent", f"各率推算的人口数相互吻合（约{_people(common.mid)}人；{pairs}）。", common.mid,
                (*rates[1:], *assignment))
    adjacent = [counts[0] for _, counts in candidates]
    pops = [_ratio(c, rate, factor) for rate, c in zip(rates, adjacent)]
    described = "；".join(f"按{c.text.strip()}、{rate.text.strip()}推算人口约{_people(p.mid)}人"
                         for rate, c, p in zip(rates, adjacent, pops) if p is not None)
    if not r.confident:
        return "not_checkable", f"几个率推算出的人口数不一致（{described}），但文中未说明各率对应的病例数。", None
    spread = max(p.mid for p in pops if p) - min(p.mid for p in pops if p)
    return ("inconsistent", f"同一地区的人口应相同，但{described}，相差约{_people(spread)}人。", spread,
            (*rates[1:], *adjacent))


def _people(value: Decimal) -> str:
    if value >= 10000:
        return f"{show_number(value / 10000, 1)}万"
    return show_number(value, 0)


def _sex_ratio(r: Relation):
    boys, girls = r.inputs
    computed = _ratio(boys, girls, Decimal(100))
    if computed is None:
        return None
    boy_word = boys.phrase[boys.phrase.rfind("男"):].strip() or "男"
    girl_word = girls.phrase[girls.phrase.rfind("女"):].strip() or "女"
    verdict, message = _verdict_text(_matches(computed, r.stated), computed, r.stated,
                                     f"{boy_word}{boys.text.strip()}、{girl_word}{girls.text.strip()}，性别比")
    return verdict, message, computed.mid


# -- products and changes -----------------------------------------------------------------------------------


def _product(r: Relation):
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


def _common_population(r: Relation):
    rate, factor = r.stated, Decimal(r.options["factor"])
    if len(r.inputs) == 2:
        count, population = r.inputs
        computed = _ratio(count, population, factor)
        if computed is None:
            return None
        verdict, message = _verdict_text(_matches(computed, rate), computed, rate,
                                         f"按{count.text.strip()}÷人口{population.text.strip()}计算，")
        return verdict, message, computed.mid
    count, other_rate, other_count = r.inputs
    mine, theirs = _ratio(count, rate, factor), _ratio(other_count, other_rate, Decimal(r.options["other_factor"]))
    if mine is None or theirs is None:
        return None
    if mine.meets(theirs):
        return ("consistent", f"按{count.text.strip()}、{rate.text.strip()}推算人口约{_people(mine.mid)}人，与按"
                              f"{other_count.text.strip()}、{other_rate.text.strip()}推算的约{_people(theirs.mid)}人吻合。",
                mine.mid)
    return ("inconsistent", f"同一地区的人口应相同，但按{count.text.strip()}、{rate.text.strip()}推算约"
                            f"{_people(mine.mid)}人，按{other_count.text.strip()}、{other_rate.text.strip()}推算约"
                            f"{_people(theirs.mid)}人。", mine.mid)


def _share(r: Relation):
    if "sum_to" in r.options:
        shares = [*r.inputs, r.stated]
        summed = _total(shares)
        hundred = Interval.point(Decimal(r.options["sum_to"]))
        listed = "+".join(s.text.strip() for s in shares)
        if summed.meets(hundred):
            return "consistent", f"完整分组的各占比之和（{listed}）在四舍五入范围内为100%。", summed.mid
        return ("inconsistent", f"完整分组的各占比之和应为100%，文中{listed}={show(sum(s.value for s in shares), r.stated)}。",
                sum(s.value for s in shares))
    part, total = r.inputs
    computed = _ratio(part, total, Decimal(r.options["factor"]))
    if computed is None:
        return None
    verdict, message = _verdict_text(_matches(computed, r.stated), computed, r.stated,
                                     f"按{part.text.strip()}÷{total.text.strip()}计算，占比")
    return verdict, message, computed.mid


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


def _difference(r: Relation):
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


def _yoy(r: Relation):
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
