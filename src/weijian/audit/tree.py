"""The statement tree: which figure of a text is a part of which.

A work summary and a statistical bulletin say how their figures nest with a
few markers; each has one rule here (examples and traps in
``tests/audit/corpus.yaml``):

- **其中** — the figures after it (to the sentence end, across ";" while the
  list goes on) are parts of the last figure before it; a sentence that opens
  with 其中 takes its total from the sentence before.
- **含 / 包括 / 包含** inside a 其中 list — parts of the list item just before
  it, up to the next "，" or ";": "其中卫生技术人员1600人，含执业医师500人、
  注册护士600人" has 1600 = 500 + 600 (bound), never 2000 = 1600 + 500 + 600.
- **a bracket** right after a figure — its parts.
- **合计 / 共计 / 总计 / 小计** closing a list — the total of the items before
  it, never one more item.
- **"医院中，" / "按等级分："** opening a sentence — parts of a figure of the
  sentences before (the one named, or the last total of that unit).

A figure the markers do not place stays on its own: relations come only from
this tree, never from figures merely standing near each other.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from weijian.audit.context import key_phrase
from weijian.audit.doc import Doc, shares_words
from weijian.audit.mentions import Mention

__all__ = ["Group", "groups"]

_OPEN = re.compile(r"其中[,:，：]?(?:包括|包含|含)?|包括|包含|(?<![包不])含(?![量义有金])")
_NESTED = re.compile(r"包括|包含|(?<![包不])含(?![量义有金])")
_CLOSING = re.compile(r"(?:^|[，,;:、])\s*(合计|共计|总计|小计|总共)[为是达有]?\s*$")
_PERIOD_LEAD = r"^\s*(?:(?:\d{4}年)?(?:末|底|年末|年底|上半年|全年)?[，,]?\s*)?(?:全[县区市省国])?"
_LEAD_IN = re.compile(_PERIOD_LEAD + r"(?:在)?([\u4e00-\u9fff()]{2,14}?)中\s*[，,:]")
_BY = re.compile(r"(?:^|[，,;])\s*(?:[\u4e00-\u9fff]{0,8}?)(?:按|分)([\u4e00-\u9fff]{1,8}?)(?:分|看|划分|统计)\s*[，,:]")
_BY_SUBJECT = re.compile(r"(?:^|[，,;])\s*([\u4e00-\u9fff]{2,8}?)(?:按|分)[\u4e00-\u9fff]{1,8}?(?:分|看|划分|统计)\s*[，,:]")
_NOT_PARTS = re.compile(r"任务|目标|计划|同期|去年|上年|=|×|\*|应|平均")
_LOOK_BACK = 4  # sentences a lead-in ("按等级分：") may reach back for its total


@dataclass(frozen=True)
class Group:
    """A total and the parts the markers place under it (one unit family per group)."""

    total: Mention
    parts: tuple[Mention, ...]
    marker: str  # 其中 / 含 / 括号 / 合计 / 分类
    scope_text: str  # the list as written, for 分别为 / 其他 / 等
    closing: bool = False  # the total closes the list (合计) instead of opening it


def countable(m: Mention) -> bool:
    return m.role == "value" and m.bounded and (m.family is not None or (m.unit == "" and m.scale > 1))


def groups(doc: Doc) -> list[Group]:
    out: list[Group] = []
    claimed: set[int] = set()  # figures already placed as parts
    totals: set[int] = set()
    for sentence in doc.layout.sentences:
        out.extend(_marker_groups(doc, sentence.index, claimed, totals))
        out.extend(_lead_in_groups(doc, sentence.index, claimed, totals))
        out.extend(_among_groups(doc, sentence.index, claimed, totals))
    out.extend(_bracket_groups(doc, claimed, totals))
    out.extend(_closing_groups(doc, claimed, totals))
    return out


def _marker_groups(doc: Doc, index: int, claimed: set[int], totals: set[int]) -> list[Group]:
    sentence = doc.layout.sentences[index]
    text = doc.text
    out: list[Group] = []
    covered_until, covering = -1, None
    for match in _OPEN.finditer(text, sentence.start, sentence.end):
        at, after = match.start(), match.end()
        bracket = doc.layout.bracket_of(at)
        if at < covered_until and bracket == covering:
            continue  # a 含 inside a 其中 list is handled with that list; one in a bracket is its own
        end = bracket[1] if bracket else _scope_end(doc, index, after, text[after - 1:after + 1])
        if at >= covered_until:
            covered_until, covering = end, bracket
        members = [m for m in doc.in_sentence(index) if after <= m.start < end and m.bracket == bracket]
        nested = _nested_regions(doc, after, end, bracket) if match.group().startswith("其中") else []
        in_nested = {m.id for _, region in nested for m in region}
        parts = [m for m in members if countable(m) and m.id not in in_nested and not _closes(doc, m)]
        total = _total_before(doc, index, at, bracket, parts)
        for family, family_parts in _split_by_unit(_by_family(parts, total), total):
            head = total.get(family)
            if head is None or head.id in {p.id for p in family_parts}:
                continue
            claimed.update(p.id for p in family_parts)
            totals.add(head.id)
            out.append(Group(head, tuple(family_parts), "含" if match.group()[:1] in "含包" else "其中",
                             text[after:end]))
        for marker_at, region in nested:
            subtotal = next((m for m in reversed(parts) if m.end <= marker_at), None)
            sub = [m for m in region if countable(m) and subtotal is not None and _same_family(m, subtotal)]
            if subtotal is None or not sub:
                continue
            claimed.update(p.id for p in sub)
            totals.add(subtotal.id)
            out.append(Group(subtotal, tuple(sub), "含", text[marker_at:sub[-1].end]))
    return out


def _nested_regions(doc: Doc, after: int, end: int, bracket) -> list[tuple[int, list[Mention]]]:
    """含/包括 after a 其中 item: its sub-parts run to the next "，" or ";" at the same bracket level."""
    out = []
    index = doc.layout.sentence_at(after).index
    for match in _NESTED.finditer(doc.text, after + 1, end):
        if doc.layout.bracket_of(match.start()) != bracket:
            continue
        stop = match.end()
        while stop < end and not (doc.text[stop] in "，,;" and doc.layout.bracket_of(stop) == bracket):
            stop += 1
        region = [m for m in doc.in_sentence(index) if match.end() <= m.start < stop and m.bracket == bracket]
        out.append((match.start(), region))
    return out


def _closes(doc: Doc, m: Mention) -> bool:
    begin = max(doc.layout.sentences[m.sentence].start, m.start - 8)
    return bool(_CLOSING.search(doc.text[begin:m.start]))


def _total_before(doc: Doc, index: int, at: int, bracket, parts: list[Mention]) -> dict[str, Mention]:
    """The total of each unit family: the last figure before the marker, or in the sentence before."""
    sentence = doc.layout.sentences[index]
    lead = doc.text[sentence.start:at]
    pool = [m for m in doc.in_sentence(index) if m.end <= (bracket[0] if bracket else at)]
    if not lead.strip(" ,，:;") and not bracket:
        pool = doc.previous_sentence(index)
    pool = [m for m in pool if m.role == "value" and m.bounded and m.family is not None
            and m.bracket == (bracket if bracket and m.bracket == bracket else None)]
    if not lead.strip(" ,，:;") and not bracket and parts:
        # "…常住人口12656.8万人…户籍人口10049.7万人。其中城镇常住人口…": the total the parts are named after
        named = [m for m in pool if any(_subject_key(m) and _subject_key(m) in p.phrase for p in parts)]
        pool = [m for m in pool if m not in named] + named
    out: dict[str, Mention] = {}
    for m in pool:
        out[m.family] = m  # the last one of each family wins
        out[f"unit:{m.unit}"] = m  # "发病21例，死亡1人，其中…": 例 and 人 are told apart when both are totals
    return out


def _split_by_unit(grouped: list[tuple[str, list[Mention]]], totals: dict[str, Mention]) -> list[tuple[str, list[Mention]]]:
    """A family whose totals differ by unit (21例 and 1人 before one 其中) splits its parts by unit too."""
    out = []
    for family, members in grouped:
        units = {m.unit for m in members}
        if len(units) > 1 and all(f"unit:{u}" in totals for u in units) and \
                len({totals[f"unit:{u}"].id for u in units}) == len(units):
            out.extend((f"unit:{u}", [m for m in members if m.unit == u]) for u in sorted(units))
        else:
            out.append((family, members))
    return out


def _same_family(a: Mention, b: Mention) -> bool:
    return a.family == b.family or (a.family is None and a.unit == "" and b.scale > 1)


def _by_family(parts: list[Mention], totals: dict[str, Mention]) -> list[tuple[str, list[Mention]]]:
    found: dict[str, list[Mention]] = {}
    loose = [m for m in parts if m.family is None]
    for m in parts:
        if m.family is not None:
            found.setdefault(m.family, []).append(m)
    if loose:
        # "2024万用于保证金、200万用于环评": parts without a unit take the total's
        if len(found) == 1:
            only = next(iter(found))
            found[only] = sorted(found[only] + loose, key=lambda m: m.start)
        elif not found:
            money = [f for f, m in totals.items() if m.scale > 1 or f == "元"]
            if money:
                found[money[-1]] = loose
    return list(found.items())


def _scope_end(doc: Doc, index: int, after: int, opener: str = "") -> int:
    """其中 runs to the sentence end, across ";" only while the next segment continues the list:
    its figures are named like the first segment's, or (after "其中：") counted in the same unit."""
    sentence = doc.layout.sentences[index]
    text = doc.text
    segments = []
    begin = after
    for match in re.finditer(r";", text[after:sentence.end]):
        cut = after + match.start()
        if doc.layout.bracket_of(cut) is None:
            segments.append((begin, cut))
            begin = cut + 1
    segments.append((begin, sentence.end))
    first = [m for m in doc.in_sentence(index) if segments[0][0] <= m.start < segments[0][1]]
    end = segments[0][1]
    for start, stop in segments[1:]:
        here = [m for m in doc.in_sentence(index) if start <= m.start < stop]
        if "其中" in text[start:stop]:
            break  # the segment opens a list of its own
        listed = ":" in opener and here and any(a.family is not None and a.family == b.family
                                                for a in here[:1] for b in first)
        # the list goes on only through counts named like its parts: a rate after each part
        # (规范管理率71.91%；在管糖尿病患者812人，规范管理率…) names the next subject, not a part
        counts_here = [m for m in here if countable(m)]
        counts_first = [m for m in first if countable(m)] or first
        if not here or not (listed or any(shares_words(a.phrase, b.phrase) for a in counts_here for b in counts_first)):
            break
        end = stop
    return end


def _lead_in_groups(doc: Doc, index: int, claimed: set[int], totals: set[int]) -> list[Group]:
    """"医院中，公立医院…，民营医院…" / "按等级分：…": a breakdown of a figure stated before."""
    sentence = doc.layout.sentences[index]
    text = doc.text[sentence.start:sentence.end]
    named = _LEAD_IN.match(text)
    by = _BY.search(text) if named is None else None
    if named is None and by is None:
        return []
    after = sentence.start + (named or by).end()
    marker_at = sentence.start + (named or by).start()
    parts = [m for m in doc.in_sentence(index) if m.start >= after and m.bracket is None and countable(m)
             and m.id not in claimed and not _closes(doc, m)]
    out = []
    for family, family_parts in _by_family(parts, {}):
        earlier = [m for i in range(max(0, index - _LOOK_BACK), index + 1) for m in doc.in_sentence(i)
                   if m.end <= marker_at and m.role == "value" and m.bounded and m.bracket is None
                   and (m.family == family or (m.family is None and m.unit == "" and m.scale > 1))]
        by_subject = _BY_SUBJECT.search(text) if by is not None else None
        if named is not None or by_subject is not None:
            # a part of one breakdown may be the total of the next ("基层医疗卫生机构中，…"): the name decides
            subject = re.sub(r"(总数|数)$", "", (named or by_subject).group(1))
            exact = [m for m in earlier if _subject_key(m) == subject]
            earlier = exact or [m for m in earlier if m.id not in claimed
                                and (subject in m.phrase or shares_words(subject, m.phrase))]
        else:
            earlier = [m for m in earlier if m.id not in claimed]
        if not earlier or len(family_parts) < 2:
            continue
        total = earlier[-1]
        claimed.update(p.id for p in family_parts)
        totals.add(total.id)
        out.append(Group(total, tuple(family_parts), "分类", text[(named or by).end():]))
    return out


_AMONG = re.compile(r"[\u4e00-\u9fff]{0,10}?中\s*[，,:]")


def _among_groups(doc: Doc, index: int, claimed: set[int], totals: set[int]) -> list[Group]:
    """"全县88个贫困村中，已建成87个，在建1个": the figure before "…中，" is the total of what follows."""
    out = []
    members = doc.in_sentence(index)
    for i, total in enumerate(members):
        match = _AMONG.match(doc.text, total.end)
        if match is None or not countable(total) or total.id in totals or total.bracket is not None:
            continue
        stop = doc.text.find(";", match.end(), doc.layout.sentences[index].end)
        stop = doc.layout.sentences[index].end if stop < 0 else stop
        parts = [m for m in members[i + 1:] if m.start < stop and m.bracket is None and countable(m)
                 and m.family == total.family and m.id not in claimed and not _closes(doc, m)]
        if not parts:
            continue
        claimed.update(p.id for p in parts)
        totals.add(total.id)
        out.append(Group(total, tuple(parts), "其中", doc.text[match.end():stop]))
    return out


_SUBJECT_LEAD = re.compile(r"^(?:\d{4}年)?(?:年末|年底|目前|现有|共有|全国|全省|全市|全县|全区|共|有|达)+")


def _subject_key(m: Mention) -> str:
    """What a figure counts, bare: "全国医疗卫生机构总数达" → "医疗卫生机构", "其中:医院" → "医院"."""
    key = _SUBJECT_LEAD.sub("", key_phrase(m.phrase).strip(" :"))
    return re.sub(r"(总数|数|达|为)+$", "", key)


def _bracket_groups(doc: Doc, claimed: set[int], totals: set[int]) -> list[Group]:
    """377例(菌痢15例、伤寒1例、…): a bracket right after a figure breaks it down."""
    out = []
    by_end = {m.end: m for m in doc.mentions}
    for open_, close in doc.layout.brackets:
        total = by_end.get(open_) or by_end.get(open_ - 1 if doc.text[open_ - 1:open_] == " " else -1)
        if total is None or total.id in totals or not total.bounded or total.family is None:
            continue
        inner = doc.text[open_ + 1:close]
        if _OPEN.search(inner) or _NOT_PARTS.search(inner):
            continue
        parts = [m for m in doc.in_sentence(total.sentence)
                 if m.bracket == (open_, close) and countable(m) and m.id not in claimed]
        parts = [m for m in parts if m.family == total.family or m.family is None]
        if len(parts) < 2:
            continue
        claimed.update(p.id for p in parts)
        totals.add(total.id)
        out.append(Group(total, tuple(parts), "括号", inner))
    return out


def _closing_groups(doc: Doc, claimed: set[int], totals: set[int]) -> list[Group]:
    """"A 10人，B 20人，合计30人": a closing total sums the items of its list before it."""
    out = []
    for mentions in doc.by_sentence.values():
        for i, m in enumerate(mentions):
            if not countable(m) or not _closes(doc, m) or m.id in totals:
                continue
            items = []
            for earlier in reversed(mentions[:i]):
                if earlier.bracket is not None and earlier.bracket != m.bracket:
                    continue
                if ";" in doc.text[earlier.end:m.start] and items:
                    break
                if earlier.id in totals or _closes(doc, earlier):
                    break
                if countable(earlier) and earlier.family == m.family:
                    items.insert(0, earlier)
            if len(items) < 2:
                continue
            totals.add(m.id)
            out.append(Group(m, tuple(items), "合计", doc.text[items[0].start:m.end], closing=True))
    return out
