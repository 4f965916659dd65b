"""Totals and their parts: 其中/包括 lists, bracketed breakdowns, 乙类/丙类 siblings,
category counts (15种 = 8种 + 7种, 四种慢病 with four listed) and top-N lists.

Nested sub-items are common — "其中：死亡病例2例(艾滋病1例，肺结核1例)，乙类585例，
丙类642例" — so a bracket's contents are a breakdown of the figure before the
bracket, never parts of the outer list, and the checker tries the parts that
share the total's wording before it calls a list wrong.
"""
from __future__ import annotations

import re

from weijian.audit import tree
from weijian.audit.context import key_phrase
from weijian.audit.mentions import Mention
from weijian.audit.doc import Doc, Relation, chinese_number, shares_words

__all__ = ["named_counts", "rankings", "sums"]

_RANKING = re.compile(r"前\s*(\d+|[一二三四五六七八九十]+)\s*(?:位|名)")
_COUNT_WORD = re.compile(r"([一二两三四五六七八九十]+|\d+)(?:种|类|项|个方面|大类|个病种)")
_COMPLEMENT = re.compile(r"其他|其余|其它|剩余|另有|余下")
_PAIRS = (("男", "女"), ("城", "乡"), ("已", "未"), ("死亡", "存活"), ("合格", "不合格"), ("阳性", "阴性"),
          ("治愈", "未愈"), ("公立", "民营"), ("新增", "原有"), ("乙类", "丙类"))
_SIBLING = re.compile(r"^(?:报告)?(?:[甲乙丙丁]类|[男女](?:性|婴|孩|童)?|城镇|农村|城市|乡村|县级|乡级|乡镇级|村级|"
                      r"[一二三]级|公立|民营|非公立)")
_CLASS_LETTERS = "甲乙丙丁一二三四五六七八九十ABCDabcd"
_LIST_UNITS = {"所", "个", "家", "种", "类", "项", "名", "户", "村", "位"}


_countable = tree.countable


def rankings(doc: Doc) -> list[Relation]:
    """前N位 lists: N items, in descending order, no more than their total."""
    out = []
    for sentence in doc.layout.sentences:
        text = doc.text[sentence.start:sentence.end]
        for match in _RANKING.finditer(text):
            if re.search(r"后|倒数", text[max(0, match.start() - 3):match.start()]):
                continue
            n = chinese_number(match.group(1))
            at = sentence.start + match.end()
            items: list[Mention] = []
            for m in doc.in_sentence(sentence.index):
                if m.start < at or m.role not in ("value",) or not m.bounded:
                    continue
                if items and (m.unit != items[0].unit):
                    break
                items.append(m)
            if len(items) < 2 or n is None:
                continue
            context = text[:match.start()]
            totals = [m for m in doc.nearby(items[0], 0)
                      if m.paragraph == items[0].paragraph and m.end <= sentence.start + match.start()
                      and sentence.index - 2 <= m.sentence and m.id not in doc.consumed
                      and m.family is not None and m.family == items[0].family and m.role == "value"
                      and m.bounded and shares_words(m.phrase + m.after, context)]
            doc.consumed.update(m.id for m in items)
            out.append(Relation("ranking", items[0], tuple(items), {"n": n, "totals": totals}))
    return out


def sums(doc: Doc) -> list[Relation]:
    out: list[Relation] = []
    totals_done: set[int] = set()
    for group in doc.groups:
        totals_done.add(group.total.id)
        options = _sum_options(doc, group.total, list(group.parts), group.scope_text,
                               exhaustive=group.marker == "括号" and "等" not in group.scope_text or group.closing)
        options["marker"] = group.marker
        out.append(Relation(_kind(group.total), group.total, group.parts, options))
        if group.marker != "括号":
            out.extend(_count_word_relation(doc, group.total, list(group.parts)))
    out.extend(_sibling_sums(doc, totals_done))
    return out


def _kind(total: Mention) -> str:
    return "category_count" if total.family == "种" or total.unit == "项" else "sum"


def _sum_options(doc: Doc, total: Mention, parts: list[Mention], scope_text: str, exhaustive: bool = False) -> dict:
    phrases = [p.phrase + p.after for p in parts]
    if _count_word(doc, total) == len(parts):
        exhaustive = True
    if any(_COMPLEMENT.search(p.phrase) for p in parts) or re.match(r"[:,，\s]*分别(为|是)", scope_text):
        exhaustive = True
    for a, b in _PAIRS:
        if any(a in p and b not in p for p in phrases) and any(b in p for p in phrases):
            exhaustive = True
    shared = [p for p in parts if shares_words(p.phrase, total.phrase)]
    if not (2 <= len(shared) < len(parts)):
        shared = _pair_dimension(parts)
    return {"exhaustive": exhaustive, "shared": shared if shared and 2 <= len(shared) < len(parts) else None}


def _pair_dimension(parts: list[Mention]) -> list[Mention] | None:
    """"其中男性820人，女性1330人，本科以上学历960人": a complementary pair (男/女, 城/乡…) is one
    breakdown of the total; the other figures belong to another dimension, named differently."""
    for a, b in _PAIRS:
        first = [p for p in parts if a in key_phrase(p.phrase) and b not in key_phrase(p.phrase)]
        second = [p for p in parts if b in key_phrase(p.phrase) and (a not in key_phrase(p.phrase) or a in b)]
        second = [p for p in second if p not in first]
        if len(first) == 1 and len(second) == 1:
            return [*first, *second]
    return None


def _count_word(doc: Doc, total: Mention) -> int | None:
    """四种慢病对象12857人 → 4: the number of kinds named (in words) just before a total."""
    begin = max(doc.layout.sentences[total.sentence].start, total.start - 16)
    lead = re.split(r"[，,;:(]", doc.text[begin:total.start])[-1]
    matches = list(_COUNT_WORD.finditer(lead))
    # "15种1227例" is a figure of its own; "四种慢病对象12857人" names how many kinds follow
    if not matches or matches[-1].end() == len(lead) or matches[-1].group(1).isdigit():
        return None
    return chinese_number(matches[-1].group(1))


def _count_word_relation(doc: Doc, total: Mention, parts: list[Mention]) -> list[Relation]:
    count = _count_word(doc, total)
    if count is None or len(parts) < 2 or count != len(parts):
        return []
    return [Relation("category_count", total, tuple(parts), {"listed": count, "named": True})]


def _sibling_sums(doc: Doc, totals_done: set[int]) -> list[Relation]:
    """报告传染病22种2805例…乙类传染病15种1331例…丙类传染病7种1474例: class breakdowns."""
    out = []
    for mentions in doc.by_sentence.values():
        for i, total in enumerate(mentions):
            if total.id in totals_done or not _countable(total) or total.bracket or total.family is None:
                continue
            head = key_phrase(total.phrase)
            if not head or _SIBLING.match(head):
                continue
            siblings = [m for m in mentions[i + 1:]
                        if m.family == total.family and _countable(m) and not m.bracket
                        and m.id not in doc.consumed and (match := _SIBLING.match(key_phrase(m.phrase)))
                        and shares_words(key_phrase(m.phrase)[match.end():], head)]
            if len(siblings) < 2 or len({key_phrase(m.phrase) for m in siblings}) < len(siblings):
                continue
            totals_done.add(total.id)
            out.append(Relation(_kind(total), total, tuple(siblings), {"exhaustive": False, "shared": None}))
    return out


def named_counts(doc: Doc) -> list[Relation]:
    """三十铺、东桥、张店5所卫生院 / 5所（甲、乙、丙、丁、戊）: the number of names listed is the count stated.

    Traps: "甲、乙类传染病10种" names classes, not ten diseases (a one-character
    name is a prefix, never a name); "A、B等5所" leaves the list open.
    """
    out = []
    for m in doc.mentions:
        if m.unit not in _LIST_UNITS or m.role != "value" or not m.exact or m.qualifier:
            continue
        names = _names_before(doc, m) or _names_after(doc, m)
        if names is None or len(names) < 2 or any(len(n) < 2 for n in names) or _class_shorthand(names):
            continue
        out.append(Relation("category_count", m, (), {"names": names, "listed": len(names)}))
    return out


def _class_shorthand(names: list[str]) -> bool:
    """甲、乙类 / 一、二级 / 城、乡: one class word shared by single letters, not a list of names."""
    last = names[-1]
    return len(last) >= 2 and last[0] in _CLASS_LETTERS and last[1] in "类级型等档" and all(
        n[-1] in _CLASS_LETTERS for n in names[:-1])


def _names_before(doc: Doc, m: Mention) -> list[str] | None:
    sentence_start = doc.layout.sentences[m.sentence].start
    lead = doc.text[max(sentence_start, m.start - 60):m.start]
    match = re.search(r"(?:^|[，,:;(]|(?<=[对在为有了是将与]))((?:[\u4e00-\u9fff]{1,6}、)+[\u4e00-\u9fff]{1,6})"
                      r"(?:(?:和|及|与)([\u4e00-\u9fff]{1,6}))?$", lead)
    if match is None or "等" in match.group(0):
        return None
    return match.group(1).split("、") + ([match.group(2)] if match.group(2) else [])


def _names_after(doc: Doc, m: Mention) -> list[str] | None:
    """5所（甲、乙、丙、丁）: the names in a bracket right after the count."""
    at = m.end
    while at < len(doc.text) and doc.text[at] in " ":
        at += 1
    bracket = doc.layout.bracket_of(at + 1) if doc.text[at:at + 1] == "(" else None
    if bracket is None or bracket[0] != at:
        return None
    inner = doc.text[bracket[0] + 1:bracket[1]].strip()
    if re.search(r"\d|等|含|包括|其中", inner) or not re.fullmatch(r"[\u4e00-\u9fff]{1,12}(?:[、,，][\u4e00-\u9fff]{1,12})+", inner):
        return None
    return re.split(r"[、,，]", inner)
