"""Rates and their inputs: 率 = 分子/分母, 完成率 = 完成数/目标数, several /10万 or ‰
rates sharing one population, and 性别比 = 男/女 × 100.

A denominator is recognised by its wording (应接种, 在册, 登记, 目标…); when the
text leaves the pairing open the relation is not confident, and a rate that
matches no pair of nearby figures is simply left alone.
"""
from __future__ import annotations

import re

from weijian.audit.context import key_phrase
from weijian.audit.mentions import Mention
from weijian.audit.doc import Doc, Relation, shares_words

__all__ = ["completions", "implied_populations", "natural_growth", "rates", "sex_ratios"]

_RATE_PHRASE = re.compile(r"(率|比例|占比|比重)(为|达|达到|是)?$")
_SHARE = re.compile(r"占.{0,16}?的?$")
_DENOMINATOR = re.compile(r"应|在册|登记|总数|总人数|目标|任务|计划|常住|户籍|辖区|参加|参合")
_PER_PEOPLE = {"/10万", "/万", "‰"}
_GROWTH_RATE = re.compile(r"增长率|增加率|变动率")
_PERSON = {"人", "人次"}


def _count(m: Mention) -> bool:
    return m.role in ("value", "target") and m.bounded and m.family is not None


def rates(doc: Doc) -> list[Relation]:
    out = []
    for rate in doc.mentions:
        if rate.unit != "%" or rate.role != "value" or not rate.bounded or rate.table_cell:
            continue  # a table's rates pair with its columns only through their headers: not guessed here
        tail = rate.phrase.rstrip(" ")
        if not (_RATE_PHRASE.search(tail) or _SHARE.search(tail) or "率" in tail[-8:]):
            continue
        before = [m for m in doc.in_sentence(rate.sentence) if m.end <= rate.start]
        run: list[Mention] = []
        for m in reversed(before):
            if m.unit in ("%", "‰", "/10万") and m.role == "value":
                break
            if _count(m) and not m.bracket:
                run.insert(0, m)
        relation = _explicit_rate(doc, rate, run[-3:]) or _denominator_before(doc, rate, run)
        if relation is None:
            relation = _implied_rate(doc, rate, run)
        if relation is not None:
            out.append(relation)
    return out


def _explicit_rate(doc: Doc, rate: Mention, run: list[Mention]) -> Relation | None:
    stem = re.sub(r"(率|比例|占比|比重)(为|达|达到|是)?\s*$", "", key_phrase(rate.phrase))
    if len(run) < 2 or _SHARE.search(rate.phrase):
        return None
    denominators = [m for m in run if _DENOMINATOR.search(m.phrase)]
    if len(denominators) == 1:
        den = denominators[0]
        numerators = [m for m in run if m is not den and m.family == den.family]
        num = next((m for m in reversed(numerators) if shares_words(m.phrase, stem)), None)
        if num is not None:
            return Relation("rate", rate, (num, den), {"factor": 100})
    pair = [m for m in run[-2:]]
    if len(pair) == 2 and pair[0].family == pair[1].family and shares_words(pair[1].phrase, stem) \
            and not shares_words(pair[0].phrase, stem) and pair[1].value <= pair[0].value \
            and _one_clause_chain(doc, pair[0], rate) and not any(_PER.search(m.phrase) for m in pair):
        # "抽检160份，合格152份，合格率95.0%": the figure named like the rate is counted out of the one before
        return Relation("rate", rate, (pair[1], pair[0]), {"factor": 100})
    if len(pair) == 2 and pair[0].family == pair[1].family and any(shares_words(m.phrase, stem) for m in pair):
        a, b = pair
        return Relation("rate", rate, (a, b), {"factor": 100, "alternatives": [(a, b), (b, a)]}, confident=False)
    return None


_PER = re.compile(r"每|人均|平均|户均|次均")


def _denominator_before(doc: Doc, rate: Mention, run: list[Mention]) -> Relation | None:
    """"辖区内在册严重精神障碍患者1240人。……规范管理1102人，规范管理率88.87%": the numerator stands
    just before the rate and the denominator, named with 在册/应/目标…, a sentence or two earlier."""
    if not run or _SHARE.search(rate.phrase) or any(_DENOMINATOR.search(m.phrase) for m in run):
        return None
    num = run[-1]
    stem = re.sub(r"(率|比例|占比|比重)(为|达|达到|是)?\s*$", "", key_phrase(rate.phrase))
    if not shares_words(num.phrase, stem) or not _one_clause_chain(doc, num, rate):
        return None
    earlier = [m for m in doc.nearby(rate, 0) if rate.sentence - 2 <= m.sentence < rate.sentence
               and _count(m) and m.family == num.family and _DENOMINATOR.search(m.phrase)
               and m.value >= num.value and (shares_words(m.phrase, num.phrase) or shares_words(m.phrase, stem))]
    if len(earlier) != 1:
        return None
    return Relation("rate", rate, (num, earlier[0]), {"factor": 100})


def _one_clause_chain(doc: Doc, first: Mention, rate: Mention) -> bool:
    """抽检160份，合格152份，合格率95.0%: one run of clauses, no ";" or other figure in between."""
    between = doc.text[first.end:rate.start]
    return ";" not in between and len(between) <= 40 and not any(
        first.end <= m.start < rate.start and m.unit in ("%", "‰", "/10万") for m in doc.in_sentence(rate.sentence))


def _implied_rate(doc: Doc, rate: Mention, run: list[Mention]) -> Relation | None:
    """A rate whose inputs are not named: look for a pair of nearby figures that gives it."""
    numerators = [m for m in run[-2:] if m.role == "value"]
    if not numerators:
        return None
    window = [m for m in doc.nearby(rate, 0) if _count(m) and abs(m.sentence - rate.sentence) <= 3]
    pairs = []
    for num in numerators:
        for den in window:
            if den is num or not _compatible(num, den):
                continue
            pairs.append((num, den))
    if not pairs:
        return None
    return Relation("rate", rate, (), {"factor": 100, "alternatives": pairs, "implied": True}, confident=False)


def _compatible(a: Mention, b: Mention) -> bool:
    return a.family == b.family or {a.unit, b.unit} <= _PERSON


def completions(doc: Doc) -> list[Relation]:
    out = []
    for c in doc.mentions:
        if c.role != "completion" or c.unit not in ("%", "") or not c.bounded:
            continue
        before = [m for m in doc.in_sentence(c.sentence) if m.end <= c.start]
        done = next((m for m in reversed(before) if m.role == "value" and m.bounded and m.family is not None
                     and (m.bracket is None or m.bracket == c.bracket)), None)
        if done is None:
            # "任务800例，完成率100.31%": no whole count done may give this percentage of the task
            target = next((m for m in reversed(before) if m.role == "target" and m.bounded and m.exact), None)
            if target is not None and not any(m.start > target.end and m.family is not None for m in before):
                out.append(Relation("completion", c, (target,), {"factor": 100, "reverse": True}))
            continue
        targets = [m for m in doc.previous_sentence(c.sentence) + doc.in_sentence(c.sentence)
                   if m.role == "target" and m.family == done.family and m.bounded]
        if targets:
            target = min(targets, key=lambda m: abs(m.start - c.start))
            out.append(Relation("completion", c, (done, target), {"factor": 100}))
        else:
            # "no whole target gives this percentage" is only said of the count the 完成率 plainly follows
            between = [m for m in before if m.start > done.start and m.role == "value" and m.family is not None]
            plain = not between and doc.text.count("，", done.end, c.start) <= 2
            out.append(Relation("completion", c, (done,), {"factor": 100, "feasibility": True, "plain": plain},
                                confident=False))
    return out


def implied_populations(doc: Doc) -> list[Relation]:
    """发病率431.53/10万 with 2805例, 204.77/10万 with 1331例…: one population behind them all."""
    out = []
    for index, mentions in doc.by_sentence.items():
        for unit in _PER_PEOPLE:
            rates_ = [m for m in mentions if m.unit == unit and m.role == "value" and m.bounded
                      and not _GROWTH_RATE.search(m.phrase)]
            if len(rates_) < 2:
                continue
            candidates = []
            for r in rates_:
                counts = [m for m in mentions if m.end <= r.start and m.role == "value" and m.bounded
                          and m.family in ("人", "人次")][::-1]
                candidates.append((r, counts[:6]))
            if any(not counts for _, counts in candidates):
                continue
            adjacent = all(_adjacent(doc, counts[0], r) for r, counts in candidates)
            named = [_named_count(r, mentions) for r in rates_]
            if not adjacent and all(named):
                # "死亡病例2例…死亡率0.2508/10万": each rate paired with the count its name says
                candidates = [(r, [c]) for r, c in zip(rates_, named)]
                adjacent = True
            out.append(Relation("implied_population", rates_[0], tuple(rates_[1:]),
                                {"candidates": candidates, "unit": unit}, confident=adjacent))
    return out


def _named_count(rate: Mention, mentions: list[Mention]) -> Mention | None:
    """死亡率 → 死亡病例2例; 发病率 → the sentence's head count (报告传染病1227例)."""
    stem = re.sub(r"(率|专率)(为|达|是)?\s*$", "", key_phrase(rate.phrase)).replace("报告", "")
    counts = [m for m in mentions if m.end <= rate.start and m.role == "value" and m.bounded
              and m.family in ("人", "人次")]
    named = [m for m in counts if shares_words(m.phrase, stem) and not re.search(r"发病", stem)]
    if len(named) == 1:
        return named[0]
    if stem.endswith("发病") and counts:
        return counts[0]
    return None


def _adjacent(doc: Doc, count: Mention, rate: Mention) -> bool:
    """2805例，发病率431.53/10万: nothing but the rate's name between the count and the rate."""
    between = doc.text[count.end:rate.start]
    return len(between) <= 12 and not re.search(r"\d", between)


def natural_growth(doc: Doc) -> list[Relation]:
    """出生率6.39‰；死亡率7.87‰；自然增长率为-1.48‰: the growth rate is births less deaths."""
    out = []
    for mentions in doc.by_sentence.values():
        permille = [m for m in mentions if m.unit == "‰" and m.role == "value" and m.bounded]
        births = [m for m in permille if re.search(r"出生率", m.phrase)]
        deaths = [m for m in permille if re.search(r"死亡率", m.phrase) and not re.search(r"婴儿|儿童|孕产妇|新生儿", m.phrase)]
        growth = [m for m in permille if re.search(r"自然增长率", m.phrase)]
        if len(births) == len(deaths) == len(growth) == 1:
            g = growth[0]
            negative = doc.text[g.start - 1:g.start] in ("-", "−") or g.phrase.rstrip().endswith("负")
            out.append(Relation("difference", g, (births[0], deaths[0]), {"signed": True, "negative": negative}))
    return out


def sex_ratios(doc: Doc) -> list[Relation]:
    out = []
    for s in doc.mentions:
        if "性别比" not in s.phrase[-10:] or s.unit not in ("", "%") or s.role != "value" or not s.bounded:
            continue
        pool = doc.previous_sentence(s.sentence) + [m for m in doc.in_sentence(s.sentence) if m is not s]
        people = [m for m in pool if m.family == "人" and m.role == "value" and m.bounded]
        boys = [m for m in people if "男" in key_phrase(m.phrase)[-8:] and "女" not in key_phrase(m.phrase)[-8:]]
        girls = [m for m in people if "女" in key_phrase(m.phrase)[-8:] and "男" not in key_phrase(m.phrase)[-8:]]
        if boys and girls:
            out.append(Relation("sex_ratio", s, (boys[-1], girls[-1]), {"factor": 100}))
    return out
