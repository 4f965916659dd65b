"""Changes and products: 同比 against two stated values, a gap to a stated
reference ("低于全县平均水平（83.92%）25.10个百分点"), a table row of 本期/去年同期/同比,
and per-head × heads = total ("人均540元" × 667984人 = "3.6亿余元", "7469人×22针次").
"""
from __future__ import annotations

import re

from weijian.audit.context import CHANGE_VERB, key_phrase
from weijian.audit.mentions import Mention
from weijian.audit.doc import Doc, Relation

__all__ = ["changes", "products"]

_FROM_TO = re.compile(r"^\s*(增加|增长|上升|提高|提升|下降|减少|降低)?\s*(到|至|为)\s*$")
_PER_HEAD = re.compile(r"(人均|每人|每户|户均|每名|每例|每个|每家|每村|每床|每对)[^，,;]{0,8}$")
_PER_UNIT = {"人均": "人", "每人": "人", "每名": "人", "每例": "人", "每户": "户", "户均": "户", "每个": "个",
             "每家": "家", "每村": "村", "每床": "床", "每对": "对"}
_TIMES = re.compile(r"^\s*[×xX*]\s*$")


def changes(doc: Doc) -> list[Relation]:
    out = []
    for g in doc.mentions:
        if g.role != "change" or not g.bounded:
            continue
        relation = _gap_to_reference(doc, g) or _year_on_year(doc, g)
        if relation is not None:
            out.append(relation)
    out.extend(_from_to(doc))
    out.extend(_increment_growth(doc))
    out.extend(_differences(doc))
    return out


_BETWEEN_CHANGES = re.compile(rf"^[\s,，(（]*(?:同比|比上年|较上年|比去年|较去年)?{CHANGE_VERB}?了?[\s,，(（]*$")
_DIFFERENCE = re.compile(r"(多出|多了|少了|相差|差距为|差距|差额为|差额|高出|多|少)$")


def _increment_growth(doc: Doc) -> list[Relation]:
    """床位1000张，比上年增加50张（增长5.3%）: the increment fixes last year (950), so the growth is 5.26%.

    Each "；较上年……" clause is read on its own: the base is the nearest figure of
    the increment's unit before it.
    """
    out = []
    for mentions in doc.by_sentence.values():
        for a, g in zip(mentions, mentions[1:]):
            if a.role != "change" or g.role != "change" or not (a.bounded and g.bounded):
                continue
            if not _BETWEEN_CHANGES.match(doc.text[a.end:g.start]):
                continue
            increment, growth = (a, g) if g.unit == "%" else (g, a) if a.unit == "%" else (None, None)
            if increment is None or increment.family is None:
                continue
            first = min(a.start, g.start)
            base = next((m for m in reversed(mentions) if m.end <= first and m.role == "value" and m.bounded
                         and _same_count(m, increment)), None)
            subject = _change_subject(increment)
            if base is not None and subject and not key_phrase(base.phrase).endswith(subject):
                # "全县床位1000张，其中民营医院床位比上年增加50张": the increment names its own subject
                base = None
            if base is None:
                base = _named_base(doc, increment)
            elif any(m.role == "value" and _same_count(m, increment) and base.end <= m.start < first
                     for m in mentions):
                continue
            if base is None:
                continue
            out.append(Relation("yoy", growth, (base, increment), {"mode": "increment"}))
    return out


def _same_count(m: Mention, increment: Mention) -> bool:
    """84.7亿 (人次 left out) and 7.3亿人次 count the same things."""
    return m.family == increment.family or (m.family is None and m.unit == "" and m.scale > 1)


def _change_subject(increment: Mention) -> str:
    """The subject an increment's own clause names: "其中民营医院床位比上年增加" → "民营医院床位"."""
    subject = re.sub(rf"{CHANGE_VERB}了?$", "", increment.phrase.strip())
    subject = re.sub(r"(?:与上年相比|与上年比较|同比|比上年|较上年|比去年|较去年|比上年末|较上年末)$", "", subject)
    subject = re.sub(r"^.*(?:相比|比较)", "", subject)
    return key_phrase(subject.strip(" ，,"))


def _named_base(doc: Doc, increment: Mention) -> Mention | None:
    """"与上年比较，卫生技术人员增加41.8万人(增长5.5%)": the base is the figure named so, stated before."""
    subject = _change_subject(increment)
    if len(subject) < 2:
        return None
    earlier = [m for m in doc.nearby(increment, 1) if m.end <= increment.start and m.role == "value" and m.bounded
               and _same_count(m, increment)
               and m.phrase.strip().endswith(subject)]
    return earlier[-1] if earlier else None


def _differences(doc: Doc) -> list[Relation]:
    """甲乡10万人，乙乡8.54万人，多出1.46万人: a stated difference of the two figures before it."""
    out = []
    for mentions in doc.by_sentence.values():
        for i, d in enumerate(mentions):
            if d.role != "value" or not d.bounded or d.family is None:
                continue
            begin = max(doc.layout.sentences[d.sentence].start, d.start - 6)
            if not _DIFFERENCE.search(re.sub(r"[约近]$", "", doc.text[begin:d.start])):
                continue
            before = [m for m in mentions[:i] if m.role == "value" and m.bounded and m.family == d.family]
            if len(before) != 2:
                continue
            out.append(Relation("difference", d, tuple(before), {}))
    return out


def _mode(g: Mention, base: Mention) -> str | None:
    if g.unit == "个百分点":
        return "points" if base.unit == "%" else None
    if g.unit == "个千分点":
        return "points" if base.unit == "‰" else None
    if g.unit == "%":
        return "relative"
    if g.family is not None and g.family == base.family:
        return "absolute"
    return None


def _year_on_year(doc: Doc, g: Mention) -> Relation | None:
    sentence = doc.in_sentence(g.sentence)
    base = next((m for m in reversed(sentence) if m.end <= g.start and m.role == "value" and m.bounded), None)
    if base is None:
        return None
    previous = [m for m in sentence if m.role == "previous" and m.unit == base.unit and m.bounded
                and m is not base and (not g.table_cell or m.paragraph == g.paragraph)]
    if len(previous) > 1:
        # several "；去年同期…，同比…" clauses in one sentence: each change takes the previous value of its own clause
        after_g = [m for m in sentence if m.start > g.end][:1]
        previous = [m for m in previous if base.end <= m.start < g.start or m in after_g]
    if len(previous) != 1 or (mode := _mode(g, base)) is None:
        return None
    # "X，去年同期Y，同比增长G" or "X，同比增长G（去年同期Y）": Y sits between X and G, or right after G
    after_g = [m for m in sentence if m.start > g.end]
    if not (base.end <= previous[0].start < g.start or (after_g and after_g[0] is previous[0])):
        return None
    if any(m.role == "value" and m.unit == base.unit and base.end <= m.start < g.start for m in sentence):
        return None
    return Relation("yoy", g, (base, previous[0]), {"mode": mode})


def _gap_to_reference(doc: Doc, g: Mention) -> Relation | None:
    """58.82%，低于全县平均水平（83.92%）25.10个百分点."""
    sentence = doc.in_sentence(g.sentence)
    before = [m for m in sentence if m.end <= g.start]
    if not before or before[-1].role != "reference":
        return None
    reference = before[-1]
    base = next((m for m in reversed(before[:-1]) if m.role == "value" and m.unit == reference.unit
                 and m.bounded), None)
    if base is None or (mode := _mode(g, base)) is None or doc.text[reference.end:g.start].strip(" )") != "":
        return None
    return Relation("yoy", g, (base, reference), {"mode": mode, "gap": True})


def _from_to(doc: Doc) -> list[Relation]:
    """由15600管增加到38400管，增长146.15%: both values and the change are stated."""
    out = []
    for mentions in doc.by_sentence.values():
        for a, b in zip(mentions, mentions[1:]):
            if a.unit != b.unit or not re.search(r"(由|从)\s*$", doc.text[max(0, a.start - 2):a.start]):
                continue
            if not _FROM_TO.match(doc.text[a.end:b.start]):
                continue
            after = [m for m in mentions if m.start > b.end and m.role == "change"]
            if after and (mode := _mode(after[0], b)) is not None and \
                    re.fullmatch(rf"[，,\s]*(同比|较上年|比上年)?{CHANGE_VERB}?了?", doc.text[b.end:after[0].start]):
                out.append(Relation("yoy", after[0], (b, a), {"mode": mode}))
    return out


def products(doc: Doc) -> list[Relation]:
    return _explicit_products(doc) + _per_head(doc)


def _explicit_products(doc: Doc) -> list[Relation]:
    """164318，7469人×22针次: a product written out next to its result."""
    out = []
    for mentions in doc.by_sentence.values():
        for i, (a, b) in enumerate(zip(mentions, mentions[1:])):
            if not _TIMES.match(doc.text[a.end:b.start]):
                continue
            total = None
            if i > 0 and re.fullmatch(r"[\s,，:=为是(]*", doc.text[mentions[i - 1].end:a.start]):
                total = mentions[i - 1]
            elif i + 2 < len(mentions) and re.fullmatch(r"\s*=\s*", doc.text[b.end:mentions[i + 2].start]):
                total = mentions[i + 2]
            if total is not None and all(m.bounded for m in (a, b, total)):
                out.append(Relation("product", total, (a, b), {}))
    return out


def _alike(a: str, b: str) -> bool:
    """Do a per-head figure and a total speak of the same money (筹资标准 / 筹集参合资金)?"""
    common = set(a) & set(b) - set("的了和与共全县区市年每人均户元按照为是")
    return len(common) >= 2


def _per_head(doc: Doc) -> list[Relation]:
    """按照人均540元筹资标准…全年应筹集参合资金3.6亿余元 (with 667984人 before)."""
    out = []
    for p in doc.mentions:
        match = _PER_HEAD.search(p.phrase)
        if match is None or p.role != "value" or not p.bounded or p.family is None:
            continue
        per = _PER_UNIT[match.group(1)]
        pool = doc.previous_sentence(p.sentence) + doc.in_sentence(p.sentence)
        heads = [m for m in pool if m.start != p.start and m.role == "value" and m.bounded
                 and (m.unit == per or m.family == per) and not m.bracket]
        following = doc.in_sentence(p.sentence) + (doc.in_sentence(p.sentence + 1)
                                                   if p.sentence + 1 < len(doc.layout.sentences) else [])
        totals = [m for m in following if m.start > p.end and m.role == "value" and m.family == p.family
                  and m.bracket is None and m.value > p.value and m.paragraph == p.paragraph]
        same_sentence = [m for m in totals if m.sentence == p.sentence]
        totals = same_sentence or totals
        if not heads or not totals:
            continue
        pairs = [(h, t) for h in heads for t in totals]
        stated_total = re.search(r"(共|合计|总计|总额|累计|筹集|应筹)[^，,;]{0,10}$", totals[0].phrase) if totals else None
        confident = len(heads) == 1 and len(totals) == 1 and (
            _alike(p.phrase + p.after, totals[0].phrase) or stated_total is not None)
        out.append(Relation("product", totals[0], (p, heads[-1]), {"per_head": True, "pairs": pairs},
                            confident=confident))
    return out
