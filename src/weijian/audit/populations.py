"""One population behind a document's per-head figures.

"每千人口床位6.5张", "每万人口全科医生3.2人" and "65岁及以上老年人6.5万人，占总人口的
13.0%" each fix the population once their count is known ("床位3250张"): they
must agree with each other and with a stated "常住人口50万人". A per-head figure
is paired only with the count of the same subject (its name after 每千人口…),
never with a figure that merely stands nearby.
"""
from __future__ import annotations

import re
from decimal import Decimal

from weijian.audit.context import key_phrase
from weijian.audit.doc import Doc, Relation
from weijian.audit.mentions import Mention

__all__ = ["common_populations"]

_PER_HEAD = re.compile(r"每(千|万|十万|百|10万)(?:常住|户籍)?人口?(?:拥有|有|配备|的)?([\u4e00-\u9fff()（）]{2,16})$")
_FACTORS = {"百": 100, "千": 1000, "万": 10000, "十万": 100000, "10万": 100000}
_OF_ALL = re.compile(r"占(?:全[县区市省国])?(?:常住|户籍)?(?:总)?人口(?:总数)?(?:的)?(?:比重|比例)?(?:为|达)?$")
_POPULATION = re.compile(r"(?:常住|户籍|总)人口(?:总数|数)?(?:为|达|是|有)?$|^(?:全[县区市省国])?人口(?:为|达)?$")


def _subject(phrase: str) -> str:
    return re.sub(r"(数|总数|数量)?(为|达|达到|是|共|有)?$", "", key_phrase(phrase).strip())


def common_populations(doc: Doc) -> list[Relation]:
    populations = [m for m in doc.mentions if m.role == "value" and m.bounded and m.family == "人"
                   and m.value >= 1000 and _POPULATION.search(m.phrase.strip())]
    sources: list[tuple[Mention, Mention, Decimal]] = []  # (rate, count, factor)
    for rate in doc.mentions:
        if rate.role != "value" or not rate.bounded:
            continue
        per_head = _PER_HEAD.search(doc.clause_before(rate).strip())
        if per_head is not None and rate.family is not None:
            count = _count_of(doc, rate, per_head.group(2))
            if count is not None:
                sources.append((rate, count, Decimal(_FACTORS[per_head.group(1)])))
        elif rate.unit == "%" and _OF_ALL.search(rate.phrase.strip()):
            count = _count_before(doc, rate)
            if count is not None:
                sources.append((rate, count, Decimal(100)))
    out = []
    for i, (rate, count, factor) in enumerate(sources):
        stated = [p for p in populations if rate.paragraph - 20 <= p.paragraph <= rate.paragraph] or [
            p for p in populations if abs(p.paragraph - rate.paragraph) <= 20]
        if stated:
            population = stated[-1]
            out.append(Relation("population", rate, (count, population), {"factor": factor}))
        elif i > 0:
            first_rate, first_count, first_factor = sources[0]
            out.append(Relation("population", rate, (count, first_rate, first_count),
                                {"factor": factor, "other_factor": first_factor}))
    return out


def _count_of(doc: Doc, rate: Mention, subject: str) -> Mention | None:
    """床位3250张 for 每千人口床位6.5张: the figure whose subject is the per-head figure's."""
    subject = re.sub(r"(数|总数|数量)?(为|达|达到|是)?$", "", subject)
    candidates = [m for m in doc.nearby(rate, 3, 3) if m is not rate and m.role == "value" and m.bounded
                  and m.family == rate.family and m.value > rate.value * 10
                  and not _PER_HEAD.search(clause := doc.clause_before(m).strip())
                  and (s := _subject(clause)) and (s.endswith(subject) or (len(s) >= 2 and subject.endswith(s)))]
    before = [m for m in candidates if m.start < rate.start]
    return before[-1] if before else (candidates[0] if candidates else None)


def _count_before(doc: Doc, rate: Mention) -> Mention | None:
    """"老年人6.5万人，占总人口的13.0%": the count the share directly follows."""
    before = [m for m in doc.in_sentence(rate.sentence) if m.end <= rate.start]
    if not before:
        return None
    count = before[-1]
    between = doc.text[count.end:rate.start]
    if count.role != "value" or count.family != "人" or not count.bounded or re.search(r"[;。]", between):
        return None
    return count
