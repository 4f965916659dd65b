"""Checks of rates: 率, 完成率 (with or without its target or its count), shared populations, 性别比."""
from __future__ import annotations

import itertools
from decimal import Decimal

from weijian.audit.check_common import matches, people, ratio_of, verdict_text
from weijian.audit.describe import show_number
from weijian.audit.doc import Relation
from weijian.audit.intervals import Interval

__all__ = ["check_rate", "check_completion", "check_population", "check_sex_ratio", "check_common_population"]

_MAX_ASSIGNMENTS = 4096


def check_rate(r: Relation):
    factor = Decimal(r.options["factor"])
    stated = r.stated
    pairs = r.options.get("alternatives") or [tuple(r.inputs)]
    for num, den in pairs:
        computed = ratio_of(num, den, factor)
        if computed is None:
            continue
        match = matches(computed, stated)
        if match is not None and not r.confident:
            return ("not_checkable", f"若按{num.text.strip()}÷{den.text.strip()}计算，比率与文中{stated.text.strip()}相符，"
                                     "但文中未说明分子分母，无法确认。", None, (num, den))
        if r.confident:
            verdict, message = verdict_text(match, computed, stated,
                                             f"按{num.text.strip()}÷{den.text.strip()}计算，比率")
            return verdict, message, computed.mid, (num, den)
    if r.options.get("implied"):
        return None
    a, b = r.inputs
    return ("not_checkable", f"{stated.text.strip()}与前面的{a.text.strip()}、{b.text.strip()}对不上，"
                             "但文中未说明分子分母，无法判断。", None)


def check_completion(r: Relation):
    stated = r.stated
    if r.options.get("feasibility"):
        return _feasible(r)
    if r.options.get("reverse"):
        return _feasible_done(r)
    done, target = r.inputs
    computed = ratio_of(done, target, Decimal(100))
    if computed is None:
        return None
    verdict, message = verdict_text(matches(computed, stated), computed, stated,
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
            if matches(Interval.point(shown), stated) == wanted:
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
        if matches(Interval.point(Decimal(done) * 100 / target.value), stated) is not None:
            return ("partial", f"文中未给出完成数；若完成{done}{target.unit}，完成率为"
                               f"{show_number(Decimal(done) * 100 / target.value, stated.decimals + 2)}%，"
                               "与文中相符（只核对了可能性）。", None)
    near = int(wanted.mid * target.value / 100)
    examples = "，".join(f"完成{d}{target.unit}为{show_number(Decimal(d) * 100 / target.value, stated.decimals)}%"
                        for d in (near, near + 1))
    return ("inconsistent", f"任务为{target.text.strip()}时，没有任何整数完成数能使完成率恰为{stated.text.strip()}"
                            f"（{examples}）。", None)


def check_population(r: Relation):
    candidates = r.options["candidates"]
    factor = {"/10万": Decimal(100000), "/万": Decimal(10000), "‰": Decimal(1000)}[r.options["unit"]]
    best = None
    for assignment in itertools.islice(itertools.product(*[counts for _, counts in candidates]), _MAX_ASSIGNMENTS):
        if len({m.id for m in assignment}) < len(assignment):
            continue
        pops = [ratio_of(count, rate, factor) for (rate, _), count in zip(candidates, assignment)]
        if any(p is None for p in pops):
            continue
        common = Interval(max(p.lo for p in pops), min(p.hi for p in pops))
        if common.lo <= common.hi:
            best = (assignment, common)
            break
    rates = [rate for rate, _ in candidates]
    if best is not None and not r.confident:
        assignment, common = best
        return ("not_checkable", f"若按文中病例数推算，各率对应的人口数可以吻合（约{people(common.mid)}人），"
                                 "但文中未说明各率对应哪个数，无法确认。", None, (*rates[1:], *assignment))
    if best is not None:
        assignment, common = best
        pairs = "，".join(f"{c.text.strip()}对应{rate.text.strip()}" for (rate, _), c in zip(candidates, assignment))
        return ("consistent", f"各率推算的人口数相互吻合（约{people(common.mid)}人；{pairs}）。", common.mid,
                (*rates[1:], *assignment))
    adjacent = [counts[0] for _, counts in candidates]
    pops = [ratio_of(c, rate, factor) for rate, c in zip(rates, adjacent)]
    described = "；".join(f"按{c.text.strip()}、{rate.text.strip()}推算人口约{people(p.mid)}人"
                         for rate, c, p in zip(rates, adjacent, pops) if p is not None)
    if not r.confident:
        return "not_checkable", f"几个率推算出的人口数不一致（{described}），但文中未说明各率对应的病例数。", None
    spread = max(p.mid for p in pops if p) - min(p.mid for p in pops if p)
    return ("inconsistent", f"同一地区的人口应相同，但{described}，相差约{people(spread)}人。", spread,
            (*rates[1:], *adjacent))


def check_sex_ratio(r: Relation):
    boys, girls = r.inputs
    computed = ratio_of(boys, girls, Decimal(100))
    if computed is None:
        return None
    boy_word = boys.phrase[boys.phrase.rfind("男"):].strip() or "男"
    girl_word = girls.phrase[girls.phrase.rfind("女"):].strip() or "女"
    verdict, message = verdict_text(matches(computed, r.stated), computed, r.stated,
                                     f"{boy_word}{boys.text.strip()}、{girl_word}{girls.text.strip()}，性别比")
    return verdict, message, computed.mid


def check_common_population(r: Relation):
    rate, factor = r.stated, Decimal(r.options["factor"])
    if len(r.inputs) == 2:
        count, population = r.inputs
        computed = ratio_of(count, population, factor)
        if computed is None:
            return None
        verdict, message = verdict_text(matches(computed, rate), computed, rate,
                                         f"按{count.text.strip()}÷人口{population.text.strip()}计算，")
        return verdict, message, computed.mid
    count, other_rate, other_count = r.inputs
    mine, theirs = ratio_of(count, rate, factor), ratio_of(other_count, other_rate, Decimal(r.options["other_factor"]))
    if mine is None or theirs is None:
        return None
    if mine.meets(theirs):
        return ("consistent", f"按{count.text.strip()}、{rate.text.strip()}推算人口约{people(mine.mid)}人，与按"
                              f"{other_count.text.strip()}、{other_rate.text.strip()}推算的约{people(theirs.mid)}人吻合。",
                mine.mid)
    return ("inconsistent", f"同一地区的人口应相同，但按{count.text.strip()}、{rate.text.strip()}推算约"
                            f"{people(mine.mid)}人，按{other_count.text.strip()}、{other_rate.text.strip()}推算约"
                            f"{people(theirs.mid)}人。", mine.mid)
