"""What each figure measures, the role it plays, and the period and place in force.

The phrase is the text before a figure in its clause ("规范管理高血压患者" in
"规范管理高血压患者32624人"); a figure that directly follows another ("8种585例")
shares its phrase. The role says how a figure takes part in a sentence:
"同比增长1.62%" is a change, "完成全年任务的48.85%" a completion, "全年目标任务2400人"
a target, "去年同期1613598人次" a previous value, "低于全县平均水平（83.92%）" a
reference. A lost unit is restored from the phrase when the phrase names one
("出院人次9709" → 人次, "满意率达92" → %), with a note.
"""
from __future__ import annotations

import bisect
import copy
import re
from functools import lru_cache

from weijian.audit.mentions import Mention
from weijian.audit.scope import DocumentPeriod, PeriodMarker
from weijian.audit.text import Layout

__all__ = ["add_context", "key_phrase", "CHANGE_VERB"]

_BOUNDARY = set("，,。；;:、!?！？\n\t|()“”\"《》")
_MAX_PHRASE = 24
CHANGE_VERB = r"(增长|增加|上升|提高|提升|下降|减少|降低|回落|下滑)"
_DOWN = ("下降", "减少", "降低", "回落", "下滑")
_CHANGE = re.compile(rf"(同比|环比|较|比|与.{{0,8}}相比|相比).{{0,16}}?{CHANGE_VERB}了?$|{CHANGE_VERB}了?$")
_COMPLETION = re.compile(r"完成.{0,10}(任务|目标|计划)(数|量)?的?$|(完成率|完成进度|任务进度|进度)(为|达|达到|是)?$")
_TARGET_BEFORE = re.compile(r"目标|任务|计划数|计划为")
_TARGET_AFTER = re.compile(r"^.{0,6}(任务|目标|要求)")
_PREVIOUS = re.compile(r"(去年同期|上年同期|去年|上年|同期)(的|为|是|有)?$")
_REFERENCE = re.compile(r"(高于|低于|超过|超出|不足|达到)[^，,；;]*$")
_FILLER = re.compile(r"^(其中|包括|分别为|分别是|分别|共计|共有|合计|总计|累计|共|和|及|与|并|且|其|另|又|还|已|均|达到|达|为|是|有)+")
_FILLER_TAIL = re.compile(r"(共计|共有|合计|总计|累计|共|达到|达|为|是|有|约|近|计|分别)+$")
_SCOPE_WORDS = re.compile(r"全(县|区|市|旗|镇|乡)|今年以来|今年|上半年|下半年|截[至止].{0,8}?[日底末]")
_UNIT_WORDS = (("人次", "人次"), ("剂次", "剂次"), ("人数", "人"), ("例数", "例"), ("份数", "份"), ("户数", "户"),
               ("次数", "次"), ("家数", "家"), ("金额", "元"), ("资金", "元"), ("费用", "元"))


@lru_cache(maxsize=65536)
def key_phrase(phrase: str) -> str:
    """The phrase without scope, period and filler words: "全区共报告传染病" → "报告传染病"."""
    key = _SCOPE_WORDS.sub("", phrase)
    key = _FILLER.sub("", key)
    return _FILLER_TAIL.sub("", key)


def add_context(mentions: list[Mention], text: str, layout: Layout, periods: list[PeriodMarker],
                document: DocumentPeriod, scopes: list[tuple[int, int, str]]) -> list[Mention]:
    """Mentions with phrase, role, period and scope filled in (``text`` is the folded text)."""
    out: list[Mention] = []
    tables = _table_cells(text, layout)
    period_starts = [m.start for m in periods]
    scope_starts = [s[0] for s in scopes]
    for mention in mentions:
        previous = out[-1] if out and out[-1].sentence == mention.sentence else None
        phrase, boundary = _phrase(text, mention, previous)
        inherited = not phrase.strip(" ") and previous is not None and boundary in ("mention", "list")
        if inherited:
            phrase = previous.phrase
        raw = phrase
        after = _after(text, mention.end)
        changes: dict = {"phrase": phrase, "after": after}
        cell = next((tables[p] for p in range(mention.start, mention.end) if p in tables), None)
        if cell is not None:
            row_label, header = cell
            phrase = f"{row_label} {header}".strip()
            changes.update(phrase=phrase, table_cell=True)
        if mention.role == "value":
            if inherited and boundary == "list" and previous.unit == mention.unit:
                role, direction = previous.role, previous.direction
            else:
                role, direction = _role(raw if cell is None else f"{cell[1]} {raw}".strip(), after, mention)
            if cell is not None and role == "value" and _PREVIOUS.search(cell[1] + "为"):
                role = "previous"
            changes.update(role=role, direction=direction)
        if not mention.unit and mention.scale == 1:
            changes.update(_restore_unit(phrase, mention))
        changes.update(_period_of(mention, periods, period_starts, layout, document))
        changes.update(_scope_of(mention, scopes, scope_starts, layout))
        out.append(_with(mention, changes))
    return out


def _with(mention: Mention, changes: dict) -> Mention:
    """``dataclasses.replace`` without re-running ``__init__``: a long text has 10⁵ figures."""
    new = copy.copy(mention)
    for key, value in changes.items():
        object.__setattr__(new, key, value)
    return new


def _phrase(text: str, mention: Mention, previous: Mention | None) -> tuple[str, str]:
    floor = previous.end if previous is not None else 0
    at = mention.start
    limit = max(floor, at - _MAX_PHRASE)
    begin = at
    while begin > limit and text[begin - 1] not in _BOUNDARY:
        begin -= 1
    phrase = text[begin:at]
    if begin == floor and previous is not None:
        return phrase, "mention"
    boundary = text[begin - 1] if begin > 0 else ""
    if not phrase.strip() and previous is not None and boundary in "，,、;" and begin - 1 == previous.end:
        return phrase, "list"  # "增长44%，11.6%": the second figure continues the first
    if not phrase.strip() and boundary in ":(":
        # "全年接种任务为剂次：164318", "低于全县平均水平（83.92%）": the phrase sits before the colon or bracket
        inner = begin - 1
        begin = inner
        while begin > max(floor, inner - _MAX_PHRASE) and text[begin - 1] not in _BOUNDARY:
            begin -= 1
        return text[begin:inner], boundary
    if not phrase.strip() and boundary == ")" and previous is not None and previous.end == begin - 1:
        return previous.phrase, "mention"  # "（83.92%）25.10个百分点" continues the bracketed figure
    return phrase, boundary


def _after(text: str, end: int) -> str:
    stop = end
    while stop < len(text) and stop - end < 12 and text[stop] not in _BOUNDARY:
        stop += 1
    return text[end:stop]


def _role(phrase: str, after: str, mention: Mention) -> tuple[str, int]:
    tail = phrase.rstrip(" ")
    if _CHANGE.search(tail) and mention.unit not in ("", "位"):
        verb = re.findall(CHANGE_VERB, tail)[-1]
        return "change", -1 if verb in _DOWN else 1
    if mention.unit in ("%", "") and _COMPLETION.search(tail):
        return "completion", 0
    if _PREVIOUS.search(tail):
        return "previous", 0
    if not re.search(r"完成|实现|达到|超额", tail):
        if _TARGET_BEFORE.search(tail[-10:]):
            return "target", 0
        if _TARGET_AFTER.match(after) and (re.search(r"承担|下达|分配|下发", tail) or after.startswith("的")):
            return "target", 0
    if _REFERENCE.search(tail) and mention.unit not in ("个百分点", "个千分点"):
        direction = -1 if re.search(r"低于|不足", tail) else 1
        return "reference", direction
    if mention.unit in ("个百分点", "个千分点") and (match := re.search(r"(高于|低于|超过|超出)", tail)):
        return "change", -1 if match.group(1) == "低于" else 1
    return "value", 0


def _restore_unit(phrase: str, mention: Mention) -> dict:
    tail = _FILLER_TAIL.sub("", phrase.rstrip(" :"))
    if tail.endswith("性别比"):
        return {"unit": "", "notes": mention.notes}
    if tail.endswith("率") and mention.number <= 100:
        return {"unit": "%", "notes": (*mention.notes, "缺少单位，按百分比理解")}
    for word, unit in _UNIT_WORDS:
        if tail.endswith(word):
            return {"unit": unit}
    if tail.endswith("数"):
        return {"unit": "个", "notes": (*mention.notes, "单位取自“数”")}
    return {}


def _period_of(mention: Mention, periods: list[PeriodMarker], starts: list[int], layout: Layout,
               document: DocumentPeriod) -> dict:
    paragraph_start = layout.paragraphs[mention.paragraph][0]
    i = bisect.bisect_right(starts, mention.start) - 1
    while i >= 0 and periods[i].end > mention.start:
        i -= 1
    if i >= 0 and periods[i].start >= paragraph_start:
        marker = periods[i]
        period = marker.period
        if period is None:  # 今年以来: as far as the document goes
            period = document.period if document.period is not None else None
        return {"period": period, "period_text": marker.text, "period_partial": marker.partial}
    return {"period": document.period, "period_text": document.label, "period_partial": False}


def _scope_of(mention: Mention, scopes: list[tuple[int, int, str]], starts: list[int], layout: Layout) -> dict:
    sentence = layout.sentences[mention.sentence]
    i = bisect.bisect_right(starts, mention.start) - 1
    if i >= 0 and scopes[i][0] >= sentence.start and scopes[i][1] <= mention.start:
        start, end, scope = scopes[i]
        return {"scope": scope, "scope_text": layout.text[start:end]}
    return {}


def _table_cells(text: str, layout: Layout) -> dict[int, tuple[str, str]]:
    """Offsets of numbers in table rows → (row label, column header).

    A table is a run of lines with two or more tab- or pipe-separated cells; its
    first line is the header.
    """
    cells: dict[int, tuple[str, str]] = {}
    header: list[str] | None = None
    for start, end in layout.paragraphs:
        line = text[start:end]
        separator = "\t" if line.count("\t") >= 2 else "|" if line.count("|") >= 3 else None
        if separator is None:
            header = None
            continue
        parts, offsets, at = [], [], start
        for part in line.split(separator):
            parts.append(part)
            offsets.append(at)
            at += len(part) + 1
        if separator == "|" and parts and not parts[0].strip():
            parts, offsets = parts[1:], offsets[1:]
        if header is None:
            header = [p.strip() for p in parts]
            continue
        if all(set(p.strip()) <= set("-: ") for p in parts):
            continue  # markdown's |---|---| line
        label = parts[0].strip()
        for column, (part, offset) in enumerate(zip(parts, offsets)):
            if column == 0:
                continue
            head = header[column] if column < len(header) else ""
            for match in re.finditer(r"\d", part):
                cells.setdefault(offset + match.start(), (label, head))
    return cells
