"""Shares: a part's 占X% of its total, a share of a total named earlier, and the shares
of a complete breakdown adding up to about 100%.

- "医院35个，其中公立医院20个，占57.1%": 20 ÷ 35 (the tree says whose part it is).
- "……老年人6.5万人，占常住人口的13.0%" with "常住人口50万人" a paragraph before: the
  total is the figure the share names, found by its subject.
- "其中公立医院占57.1%，民营医院占42.9%" (or a breakdown whose parts add up to the
  total): the shares of a complete breakdown add to 100% within rounding.
"""
from __future__ import annotations

import re

from weijian.audit.context import key_phrase
from weijian.audit.doc import Doc, Relation
from weijian.audit.mentions import Mention

__all__ = ["shares"]

_SHARE_AFTER = re.compile(r"^[，,\s(（]*(?:占[^，,;。()（）\d]{0,14}?(?:的)?(?:比重|比例)?(?:为|达|是)?|占比(?:为|达|是)?)\s*$")
_NAMED = re.compile(r"占([^，,;。()（）\d]{2,14}?)(?:总数|总量|总额)?(?:的)?(?:比重|比例)?(?:为|达|是)?$")
_COMPLETE = (("公立", "民营"), ("公立", "非公立"), ("男", "女"), ("城镇", "农村"), ("城市", "农村"), ("城", "乡"),
             ("本地", "外地"), ("户籍", "非户籍"), ("阳性", "阴性"), ("合格", "不合格"))
_OTHERS = re.compile(r"其他|其余|其它")


def shares(doc: Doc) -> list[Relation]:
    out = []
    shared: set[int] = set()
    for group in doc.groups:
        found = []
        for part in group.parts:
            share = _share_after(doc, part)
            if share is None:
                continue
            named = _NAMED.search(re.sub(r"\([^()]{0,20}\)", "", doc.text[part.end:share.start]).strip(" ，,"))
            if named is not None and not _names(group.total, _bare(named.group(1))):
                continue  # "占常住人口比重" names a base other than the list's total: left to the named search
            found.append(share)
            shared.add(share.id)
            out.append(Relation("share", share, (part, group.total), {"factor": 100}))
        if len(found) == len(group.parts) >= 2 and _complete(doc, group):
            out.append(Relation("share", found[-1], tuple(found[:-1]), {"sum_to": 100}))
    out.extend(_shares_before_counts(doc, shared))
    out.extend(_named_shares(doc, shared))
    out.extend(_complete_breakdowns(doc))
    return out


_MARKER = re.compile(r"其中|中[，,:]")


def _shares_before_counts(doc: Doc, done: set[int]) -> list[Relation]:
    """"医院23个，其中公立医院占39.1%（9个）": the share comes first, its count in the bracket after it."""
    out = []
    for mentions in doc.by_sentence.values():
        for i, share in enumerate(mentions[:-1]):
            count = mentions[i + 1]
            if share.unit != "%" or share.role != "value" or not share.bounded or share.bracket is not None:
                continue
            if not re.search(r"占(?:比)?(?:为|达)?$", share.phrase.strip()) or count.bracket is None \
                    or count.bracket[0] != share.end or count.family is None or count.role != "value":
                continue
            before = [m for m in mentions[:i] if m.bracket is None and m.role == "value" and m.bounded
                      and m.family == count.family]
            if not before or not _MARKER.search(doc.text[before[-1].end:share.start]):
                continue
            done.add(share.id)
            out.append(Relation("share", share, (count, before[-1]), {"factor": 100}))
    return out


def _complete(doc: Doc, group) -> bool:
    """A breakdown is complete when its parts add up to the total, or its last part is 其他/其余."""
    summed = group.parts[0].interval
    for part in group.parts[1:]:
        summed = summed + part.interval
    return summed.meets(group.total.interval) or bool(_OTHERS.search(doc.clause_before(group.parts[-1])))


def _share_after(doc: Doc, part: Mention) -> Mention | None:
    following = [m for m in doc.in_sentence(part.sentence) if m.start >= part.end]
    if not following:
        return None
    share = following[0]
    if share.unit != "%" or share.role != "value" or not share.bounded:
        return None
    # "占全国人口比重（常住人口城镇化率）为66.16%": a bracketed name inside the connector is skipped
    between = re.sub(r"\([^()]{0,20}\)", "", doc.text[part.end:share.start])
    return share if _SHARE_AFTER.match(between) else None


def _named_shares(doc: Doc, done: set[int]) -> list[Relation]:
    """"占常住人口的13.0%": the total is the earlier figure named by the share."""
    out = []
    for share in doc.mentions:
        if share.id in done or share.unit != "%" or share.role != "value" or not share.bounded:
            continue
        named = _NAMED.search(share.phrase.strip())
        if named is None:
            continue
        before = [m for m in doc.in_sentence(share.sentence) if m.end <= share.start]
        if not before or before[-1].family is None or before[-1].role != "value" or not before[-1].bounded:
            continue
        part = before[-1]
        if re.search(r"[;。]", doc.text[part.end:share.start]):
            continue
        subject = _bare(named.group(1))
        scope = re.match(r"全[县区市省国]", named.group(1))
        totals = [m for m in doc.nearby(part, 1) if m.end <= part.start and m is not part and m.role == "value"
                  and m.bounded and m.family == part.family and m.value >= part.value
                  and _names(m, subject) and (scope is None or scope.group() in m.phrase)]
        if totals:
            out.append(Relation("share", share, (part, totals[-1]), {"factor": 100, "named": subject}))
    return out


def _bare(subject: str) -> str:
    return re.sub(r"(总数|总量|总额|的)$", "", re.sub(r"^(全[县区市省国]|当年|同期|本年|全年)", "", subject))


def _names(m: Mention, subject: str) -> bool:
    """Is ``m`` the figure ``subject`` names? Its bare subject is exactly that name (人口 is not 流动人口)."""
    key = re.sub(r"^(?:\d{4}年)?(?:年末|年底|目前|现有|共有|全[县区市省国]|某[县区市省])*", "", key_phrase(m.phrase).strip())
    key = re.sub(r"(总数|总量|数|达|为)+$", "", key)
    # 户籍人口 / 常住人口 / 总人口 are the population a bare "人口" means; 流动人口 is only part of it
    return bool(key) and (key == subject or re.fullmatch(rf"(?:常住|户籍|总){re.escape(subject)}", key) is not None)


def _complete_breakdowns(doc: Doc) -> list[Relation]:
    """Shares of a breakdown that names every part (公立/民营, 男/女, …/其他) add to 100%."""
    out = []
    for index, mentions in doc.by_sentence.items():
        shares_ = [m for m in mentions if m.unit == "%" and m.role == "value" and m.bounded
                   and re.search(r"占(?:比)?(?:为|达)?$", m.phrase.strip())]
        if len(shares_) < 2:
            continue
        names = [key_phrase(m.phrase) for m in shares_]
        complete = any(any(a in n for n in names) and any(b in n and a not in n for n in names) and len(shares_) == 2
                       for a, b in _COMPLETE) or bool(_OTHERS.search(names[-1]))
        if not complete:
            continue
        out.append(Relation("share", shares_[-1], tuple(shares_[:-1]), {"sum_to": 100}))
    return out

