"""Checks of totals and their parts: sums, category counts, top-N lists, shares."""
from __future__ import annotations

from decimal import Decimal

from weijian.audit.check_common import agree_text, interval_sum, matches, plus_list, ratio_of, verdict_text
from weijian.audit.describe import show, show_interval
from weijian.audit.doc import Relation
from weijian.audit.intervals import Interval
from weijian.audit.mentions import Mention

__all__ = ["check_sum", "check_category", "check_ranking", "check_share"]


def check_sum(r: Relation):
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
    summed = interval_sum(parts)
    if r.options.get("closing"):
        what = f"所列各项之和（{plus_list(parts)}）"
    else:
        what = f"各分项之和（{plus_list(parts)}）"
    if summed.meets(wanted):
        return "consistent", agree_text(what, summed, total), summed.mid
    shared = r.options.get("shared")
    if shared and interval_sum(shared).meets(wanted):
        # a reading by subject, not by fit: only the parts named like the total are its parts
        others = [p for p in parts if p not in shared]
        return ("consistent", agree_text(f"与总数同名或成对的分项之和（{plus_list(shared)}）", interval_sum(shared), total)
                + f"{'、'.join(p.text.strip() for p in others)}的名称与总数不同，按另一口径理解。", interval_sum(shared).mid)
    written = sum(p.value for p in parts)
    shared_sum = sum(p.value for p in shared) if shared else None
    if shared and (interval_sum(shared).lo > wanted.hi or r.options.get("exhaustive")):
        # the figures named like the total (or a 男/女-style pair) are its breakdown: judge that reading
        gap = shared_sum - total.value
        return ("inconsistent", f"{reading}，按与总数同名或成对的分项读：{plus_list(shared)}={show(shared_sum, total)}，"
                                f"与总数{total.text.strip()}不符，{'多' if gap > 0 else '少'}{show(abs(gap), total)}"
                                f"（全部分项之和为{show(written, total)}）。", shared_sum)
    if summed.lo > wanted.hi or (summed.lo == wanted.hi and wanted.hi_open):
        return ("inconsistent", f"{reading}：各分项之和为{show(written, total)}（{plus_list(parts)}），"
                                f"超过总数{total.text.strip()}，相差{show(written - total.value, total)}。", written)
    if r.options.get("exhaustive"):
        return ("inconsistent", f"{reading}：各分项之和为{show(written, total)}（{plus_list(parts)}），"
                                f"与总数{total.text.strip()}不符，少{show(total.value - written, total)}。", written)
    return ("partial", f"所列分项之和为{show_interval(summed, total, 0)}，未超过总数{total.text.strip()}；"
                       "文中可能只列出了部分分项，只核对了上限。", summed.mid)


def check_category(r: Relation):
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
    return check_sum(r)


def check_ranking(r: Relation):
    items: list[Mention] = list(r.inputs)
    n = r.options["n"]
    note = "" if len(items) == n else f"（文中称前{n}位，实际列出{len(items)}项）"
    items = items[:n] if len(items) > n else items
    for before, after in zip(items, items[1:]):
        if after.interval.lo > before.interval.hi:
            return ("inconsistent", f"排序有误：排在后面的{after.text.strip()}多于排在前面的{before.text.strip()}。"
                    + note, before.value, None, after)
    summed = interval_sum(items)
    totals = r.options.get("totals") or []
    if totals:
        top = max(totals, key=lambda m: m.value)
        if summed.lo > top.interval.hi:
            return ("inconsistent", f"前{len(items)}位合计{show_interval(summed, top, 0)}，"
                                    f"超过了总数{top.text.strip()}。" + note, summed.mid)
        return ("consistent", f"前{len(items)}位按从多到少排列，合计{show_interval(summed, top, 0)}，"
                              f"未超过总数{top.text.strip()}。" + note, summed.mid)
    return "consistent", f"前{len(items)}位按从多到少排列。" + note, summed.mid


def check_share(r: Relation):
    if "sum_to" in r.options:
        shares = [*r.inputs, r.stated]
        summed = interval_sum(shares)
        hundred = Interval.point(Decimal(r.options["sum_to"]))
        listed = "+".join(s.text.strip() for s in shares)
        if summed.meets(hundred):
            return "consistent", f"完整分组的各占比之和（{listed}）在四舍五入范围内为100%。", summed.mid
        return ("inconsistent", f"完整分组的各占比之和应为100%，文中{listed}={show(sum(s.value for s in shares), r.stated)}。",
                sum(s.value for s in shares))
    part, total = r.inputs
    computed = ratio_of(part, total, Decimal(r.options["factor"]))
    if computed is None:
        return None
    verdict, message = verdict_text(matches(computed, r.stated), computed, r.stated,
                                     f"按{part.text.strip()}÷{total.text.strip()}计算，占比")
    return verdict, message, computed.mid
