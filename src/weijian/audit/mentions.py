"""Numeric mentions: every figure a summary states, with its unit and qualifier.

``extract_mentions`` walks the folded text number by number. It keeps what a
reader would call a figure — 12857人, 1.9万余人次, 96.58%, 431.53/10万, 性别比110
— and skips what is not: years and dates (2022年, 10月10日, 1-5月), ages and
durations (65岁, 24小时), ordinals and headings (第17个, 1.坚决…, 图1), document
numbers (〔2024〕66号), names in quotes (“158”工程), codes (H7N9, 5G) and
masked placeholders (*%, 1*). What a figure measures and which role it plays
(a value, a 同比 change, a 完成率, a target…) come from ``context``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from weijian.audit.intervals import Interval, stated_interval
from weijian.audit.text import Layout
from weijian.audit.units import SKIP_UNITS, TYPO_UNITS, UNITS, family, is_rate
from weijian.model.periods import Period

__all__ = ["Mention", "extract_mentions"]

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?")
_MULTIPLIERS = (("万亿", Decimal(10) ** 12), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4))
_PREFIX_QUALIFIERS = ("不低于", "不超过", "超过", "不足", "不到", "近", "约", "逾", "超", "≥", "≤", ">", "<")
_SUFFIX_QUALIFIERS = ("以上", "以下", "左右", "上下", "以内", "之多", "余")
_QUOTES_OPEN = "“\"「『‘'"
_QUOTES_CLOSE = "”\"」』’'"
_RANGE = "-—–~至到"
_SECTION_AFTER = ".、)"
_LETTER = re.compile(r"[A-Za-z_*]")
_UNIT_RE = re.compile("|".join(re.escape(spelling) for spelling, _ in UNITS))
_UNIT_OF = dict(UNITS)
_WAN_AFTER_YI = re.compile(r"(\d{1,4}(?:\.\d+)?)万")
_SKIP_RE = re.compile("个[百千]分点|(" + "|".join(re.escape(w) for w in SKIP_UNITS) + ")")


@dataclass(frozen=True)
class Mention:
    """One figure as written: ``value = number × scale`` in units of ``unit``."""

    id: int
    start: int
    end: int
    text: str
    number: Decimal
    scale: Decimal
    decimals: int
    unit: str
    qualifier: str | None = None
    phrase: str = ""
    after: str = ""
    role: str = "value"  # value | change | completion | target | previous | reference | rank
    direction: int = 0  # +1 增长/上升, -1 下降/减少 (changes and comparisons)
    sentence: int = 0
    paragraph: int = 0
    bracket: tuple[int, int] | None = None
    table_cell: bool = False
    notes: tuple[str, ...] = ()
    period: Period | None = None
    period_text: str | None = None
    period_partial: bool = False
    scope: str | None = None
    scope_text: str | None = None

    @property
    def value(self) -> Decimal:
        return self.number * self.scale

    @property
    def exact(self) -> bool:
        """A whole count written out in full stands for itself; anything else was rounded."""
        return (self.scale == 1 and self.decimals == 0 and not is_rate(self.unit) and self.unit != ""
                and self.qualifier is None)

    @property
    def interval(self) -> Interval:
        return stated_interval(self.number, self.decimals, self.scale, self.qualifier, self.exact)

    @property
    def family(self) -> str | None:
        return family(self.unit)

    @property
    def bounded(self) -> bool:
        return self.qualifier not in ("以上", "以下", "以内", "≥", "≤", ">", "<", "超过", "逾", "超", "不足",
                                      "不到", "不低于", "不超过", "range")

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("number", "scale"):
            out.pop(key)
        out["value"] = _json_number(self.value)
        out["bracket"] = list(self.bracket) if self.bracket else None
        out["notes"] = list(self.notes)
        out["period"] = self.period.id if self.period else None
        return out


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class _Draft:
    start: int
    end: int
    number: Decimal
    decimals: int
    scale: Decimal = Decimal(1)
    unit: str = ""
    qualifier: str | None = None
    role: str | None = None
    notes: list[str] = field(default_factory=list)
    typo: str | None = None


def extract_mentions(text: str, folded: str, layout: Layout) -> list[Mention]:
    """Figures in ``text`` (``folded`` is the same text folded by ``text.fold``), in order."""
    drafts: list[_Draft] = []
    for match in _NUMBER.finditer(folded):
        if drafts and match.start() < drafts[-1].end:
            continue  # the 2051.6 of "13亿2051.6万", the 199 of "100张-199张": read with the figure before
        if (draft := _read(folded, match)) is not None:
            drafts.append(draft)
    _resolve_typos(drafts, layout)
    mentions = []
    for draft in drafts:
        if draft.typo is not None:
            continue
        sentence = layout.sentence_at(draft.start)
        mentions.append(Mention(
            id=len(mentions), start=draft.start, end=draft.end, text=text[draft.start:draft.end],
            number=draft.number, scale=draft.scale, decimals=draft.decimals, unit=draft.unit,
            qualifier=draft.qualifier, role=draft.role or "value", sentence=sentence.index,
            paragraph=sentence.paragraph, bracket=layout.bracket_of(draft.start), notes=tuple(draft.notes),
        ))
    return mentions


def _read(text: str, match: re.Match) -> _Draft | None:
    start, end = match.span()
    if _skip_before(text, start, end) or _skip_after(text, end):
        return None
    raw = match.group().replace(",", "")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    if len(raw.split(".")[0]) > 13:  # phone numbers, ID numbers, serials
        return None
    draft = _Draft(start, end, Decimal(raw), decimals)
    if start and text[start - 1] == "第":
        if text[end:end + 1] in ("位", "名"):
            draft.end, draft.unit, draft.role = end + 1, "位", "rank"
            return draft
        return None
    at = end
    while at < len(text) and at - end < 3 and text[at] == " ":
        at += 1
    if text[at:at + 1] in _RANGE and re.match(r"\s*\d", text[at + 1:at + 4]):
        return _range_start(text, draft, at)
    for word, scale in _MULTIPLIERS:
        if text.startswith(word, at):
            draft.scale, at = scale, at + len(word)
            break
    if draft.scale == _MULTIPLIERS[1][1] and (tail := _WAN_AFTER_YI.match(text, at)):
        # "13亿2051.6万": one figure in 万, not two
        wan = Decimal(tail.group(1))
        draft.number = draft.number * 10000 + wan
        draft.decimals = len(tail.group(1).split(".")[1]) if "." in tail.group(1) else 0
        draft.scale, at = _MULTIPLIERS[2][1], tail.end()
    if text[at:at + 1] in ("余", "多"):
        draft.qualifier, at = "余", at + 1
    unit = _unit_at(text, at)
    if unit:
        draft.unit, at = unit[1], at + len(unit[0])
    elif draft.scale == 1 and (typo := _typo_at(text, at)):
        draft.typo, draft.unit = typo[1], typo[1]
        draft.notes.append(f"“{typo[0]}”按“{typo[1]}”理解")
        at += len(typo[0])
    if draft.unit and text[at:at + 1] in _RANGE and (band := re.match(r"\s*\d+(?:\.\d+)?", text[at + 1:at + 12])):
        # "100张-199张": a size band, not a figure
        draft.qualifier, draft.end = "range", at + 1 + band.end()
        return draft
    if draft.unit or draft.scale != 1:
        for word in _SUFFIX_QUALIFIERS:
            if text.startswith(word, at) and not (word == "余" and draft.qualifier):
                draft.qualifier = "余" if word in ("余", "之多") else word
                at += len(word)
                break
    draft.end = at if (draft.unit or draft.scale != 1 or draft.qualifier) else end
    if not draft.unit and draft.scale == 1 and _dotted_date(raw, text, end):
        return None
    _prefix_qualifier(text, draft)
    return draft


def _dotted_date(raw: str, text: str, end: int) -> bool:
    """5.29计生协会纪念日, 3.24世界防治结核病日: a month.day, not a figure."""
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})", raw)
    return bool(match and 1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31
                and "\u4e00" <= text[end:end + 1] <= "\u9fff" and text[end:end + 1] not in "率比")


def _skip_before(text: str, start: int, end: int) -> bool:
    if start == 0:
        return _section_number(text, start, end)
    before = text[start - 1]
    if _LETTER.match(before) or before in "[_":
        return True
    if before in "-/:.·" and start >= 2 and (text[start - 2].isdigit() or _LETTER.match(text[start - 2])):
        return True
    if before == "/":
        return True
    if before in "图表" or text[max(0, start - 2):start] in ("附件", "附表", "编号", "序号"):
        return True
    if before == "前" and text[end:end + 1] in ("位", "名"):
        return True
    if before in _QUOTES_OPEN and any(q in text[end:end + 8] for q in _QUOTES_CLOSE):
        return True  # “158”工程, “1+x”: names, not figures
    return _section_number(text, start, end)


def _section_number(text: str, start: int, end: int) -> bool:
    """1.坚决… / 2、进一步… / (1) at the start of a line or right after a full stop."""
    after = text[end:end + 2]
    if not after or after[0] not in _SECTION_AFTER or (len(after) > 1 and after[1].isdigit()):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    lead = text[line_start:start].strip()
    if lead in ("", "("):
        return True
    return lead[-1:] in "。;:" or (lead[-1:] == "(" and after[0] == ")")


def _skip_after(text: str, end: int) -> bool:
    following = text[end:end + 1]
    if _LETTER.match(following) or following == "]":
        return True
    if following in ".:" and text[end + 1:end + 2].isdigit():  # 10:23, 1.2.3
        return True
    at = end
    while at < len(text) and at - end < 3 and text[at] == " ":
        at += 1
    return _skip_unit(text, at)


def _skip_unit(text: str, at: int) -> bool:
    match = _SKIP_RE.match(text, at)
    return match is not None and match.group(1) is not None


def _unit_at(text: str, at: int) -> tuple[str, str] | None:
    match = _UNIT_RE.match(text, at)
    return (match.group(), _UNIT_OF[match.group()]) if match else None


def _typo_at(text: str, at: int) -> tuple[str, str] | None:
    for spelling, unit in TYPO_UNITS.items():
        if text.startswith(spelling, at):
            return spelling, unit
    return None


def _range_start(text: str, draft: _Draft, at: int) -> _Draft | None:
    """The first number of "3万~5万元" or "90%~95%"; ranges of ages and months are not figures."""
    second = _NUMBER.match(text, at + 1 + (len(text[at + 1:at + 4]) - len(text[at + 1:at + 4].lstrip())))
    if second is None:
        return None
    tail = second.end()
    if _skip_unit(text, tail):
        return None
    scale_word = next(((w, s) for w, s in _MULTIPLIERS if text.startswith(w, tail)), None)
    unit = _unit_at(text, tail + (len(scale_word[0]) if scale_word else 0))
    if unit is None:
        return None
    draft.unit, draft.qualifier = unit[1], "range"
    draft.end = tail + (len(scale_word[0]) if scale_word else 0) + len(unit[0])
    if scale_word:
        draft.scale = scale_word[1]
    return draft


_PREFIX_RE = re.compile("(?:" + "|".join(re.escape(w) for w in _PREFIX_QUALIFIERS) + ")$")


def _prefix_qualifier(text: str, draft: _Draft) -> None:
    if draft.qualifier is not None:
        return
    match = _PREFIX_RE.search(text, max(0, draft.start - 3), draft.start)
    if match is not None:
        draft.qualifier = match.group()
        draft.start = match.start()


def _resolve_typos(drafts: list[_Draft], layout: Layout) -> None:
    """Keep a slip like 355倒 only inside a list whose neighbours are written in 例."""
    for i, draft in enumerate(drafts):
        if draft.typo is None:
            continue
        sentence = layout.sentence_at(draft.start).index
        neighbours = [d for d in drafts[max(0, i - 3):i + 4]
                      if d is not draft and d.typo is None and layout.sentence_at(d.start).index == sentence]
        if any(d.unit == draft.typo for d in neighbours):
            draft.typo = None
