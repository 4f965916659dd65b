"""The work ledger's vocabulary: plain frozen items and the fixed lists they use.

Half of a 工作总结 is the bureau's own work: trainings, inspections, campaigns
with their counts (人次, 份, 家 …), documents issued, key construction
projects and their progress, honours received. Each is one frozen item here;
``book.Ledger`` stores and reads them, ``checks`` says what is wrong with one.

Inputs are tidied on construction (a datetime becomes its date, a missing end
date is the start date, a document title loses its 《》, a document number's
brackets become 〔〕, counts are ordered by ``COUNT_UNITS``); nothing is
validated here: a bad item can be built so that every problem can be named.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "COUNT_UNITS", "DECIMAL_UNITS", "DOMAINS", "HONOUR_LEVELS", "ITEM_KINDS", "KINDS", "KIND_LABELS",
    "PROJECT_STATUSES", "Honour", "IssuedDocument", "LedgerEntry", "LedgerItem", "LedgerSummary", "Project",
    "ProjectState", "ProgressRecord", "kind_of", "natural_key", "normalise_number",
]

# The sections of a summary's work part, in the order reports use them.
DOMAINS = ("医改", "医疗服务", "公共卫生", "疾病防控", "卫生应急", "妇幼", "一老一小", "中医药", "监督", "健康扶贫", "计生",
           "爱国卫生", "人才", "民生实事", "党建", "安全生产", "综合")
KINDS = ("培训", "督导检查", "执法", "宣传", "义诊", "会议", "发文", "专项行动", "应急演练", "考核评审", "其他")
COUNT_UNITS = ("场次", "批次", "期", "次", "人次", "人", "份", "户次", "户", "家", "起", "件", "元", "万元",
               # the results of an inspection: problems found, and how many of them were put right
               "发现问题", "已整改")
# Money may have fractions; every other unit counts whole things.
DECIMAL_UNITS = frozenset({"元", "万元"})
PROJECT_STATUSES = ("前期", "在建", "竣工", "投入使用")
HONOUR_LEVELS = ("国家级", "省级", "市级", "县级")

# kind → Chinese name, as the Excel sheets and messages call them
KIND_LABELS = {"entry": "工作台账", "document": "发文", "project": "建设项目", "progress": "项目进度",
               "honour": "荣誉"}

_UNIT_ORDER = {unit: i for i, unit in enumerate(COUNT_UNITS)}
# 沅卫发〔2024〕12号; typed variants [2024] 【2024】 ［2024］ are folded to 〔〕.
_NUMBER_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "［": "〔", "］": "〕",
                                  "﹝": "〔", "﹞": "〕"})


def normalise_number(text: str) -> str:
    """A document number as written in GB/T 9704: ``沅卫发[2024]12号`` → ``沅卫发〔2024〕12号``."""
    return re.sub(r"\s+", "", (text or "").translate(_NUMBER_BRACKETS))


def _day(value: object) -> object:
    # A datetime is a date too; keep only the day (Excel gives midnight datetimes).
    return value.date() if isinstance(value, datetime) else value


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _number(value: object) -> object:
    """int and finite float → Decimal (a float by its shortest repr: 0.1 stays 0.1);
    anything else is kept as given so the checks can name it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    return value


def _counts(value: Mapping[str, object] | Iterable[tuple[str, object]] | None) -> tuple[tuple[str, object], ...]:
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value or ())
    tidy = [(_text(unit), _number(v)) for unit, v in pairs]
    return tuple(sorted(tidy, key=lambda pair: _UNIT_ORDER.get(pair[0], len(_UNIT_ORDER))))


@dataclass(frozen=True)
class LedgerEntry:
    """One piece of work: 开展疫情防控知识培训9批次1500人 is kind 培训, counts
    {批次: 9, 人: 1500}. ``end`` is when the work finished (the period that
    contains it is the one that counts it); it defaults to ``start``."""

    orgunit: str
    domain: str
    kind: str
    title: str
    start: date
    end: date | None = None
    text: str = ""
    counts: tuple[tuple[str, Decimal], ...] = ()
    department: str = ""  # 股室, free text
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "start", _day(self.start))
        set_(self, "end", _day(self.end) if self.end is not None else self.start)
        set_(self, "counts", _counts(self.counts))
        for name in ("orgunit", "domain", "kind", "title", "text", "department"):
            set_(self, name, _text(getattr(self, name)))

    @property
    def count_map(self) -> dict[str, Decimal]:
        return dict(self.counts)

    def count(self, unit: str) -> Decimal | None:
        return self.count_map.get(unit)


@dataclass(frozen=True)
class IssuedDocument:
    """A document issued (发文): 《关于印发……实施方案的通知》 沅卫发〔2026〕12号."""

    orgunit: str
    number: str
    title: str  # without 《》
    date: date
    domain: str
    department: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "date", _day(self.date))
        set_(self, "number", normalise_number(_text(self.number)))
        title = unicodedata.normalize("NFC", _text(self.title))
        set_(self, "title", title.removeprefix("《").removesuffix("》").strip())
        for name in ("orgunit", "domain", "department"):
            set_(self, name, _text(getattr(self, name)))


@dataclass(frozen=True)
class Project:
    """A key construction project (建设项目); ``investment`` in 万元."""

    orgunit: str
    name: str
    status: str  # as registered; progress records may move it on
    investment: Decimal | None = None
    funding: str = ""  # 资金来源, free text
    domain: str = "综合"
    department: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.investment is not None:
            set_(self, "investment", _number(self.investment))
        for name in ("orgunit", "name", "status", "funding", "domain", "department"):
            set_(self, name, _text(getattr(self, name)))


@dataclass(frozen=True)
class ProgressRecord:
    """How far a project had got on ``date``: percent of the whole (0–100), a
    milestone (主体封顶, 完成土建总工程量的70%), optionally a new status.
    ``project`` is the project's name; ``project_id`` is filled once stored."""

    project: str
    date: date
    percent: Decimal
    milestone: str = ""
    status: str | None = None
    project_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "date", _day(self.date))
        set_(self, "percent", _number(self.percent))
        set_(self, "project", _text(self.project))
        set_(self, "milestone", _text(self.milestone))
        set_(self, "status", _text(self.status) or None)


@dataclass(frozen=True)
class Honour:
    """An honour received (荣誉): 全省卫生健康系统先进集体, by 湖南省卫生健康委员会, 省级."""

    orgunit: str
    what: str
    level: str
    date: date
    domain: str
    awarded_by: str = ""
    department: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "date", _day(self.date))
        for name in ("orgunit", "what", "level", "domain", "awarded_by", "department"):
            set_(self, name, _text(getattr(self, name)))


LedgerItem = LedgerEntry | IssuedDocument | Project | ProgressRecord | Honour

ITEM_KINDS: dict[str, type] = {"entry": LedgerEntry, "document": IssuedDocument, "project": Project,
                               "progress": ProgressRecord, "honour": Honour}


def kind_of(item: LedgerItem) -> str:
    for kind, cls in ITEM_KINDS.items():
        if isinstance(item, cls):
            return kind
    raise TypeError(f"不是台账条目：{item!r}")


def natural_key(item: LedgerItem) -> tuple:
    """What makes two items the same item (re-importing a file adds nothing twice)."""
    if isinstance(item, LedgerEntry):
        return (item.orgunit, item.kind, item.title, item.start, item.end)
    if isinstance(item, IssuedDocument):
        return (item.number,)
    if isinstance(item, Project):
        return (item.name,)
    if isinstance(item, ProgressRecord):
        return (item.project, item.date)
    if isinstance(item, Honour):
        return (item.orgunit, item.what, item.date)
    raise TypeError(f"不是台账条目：{item!r}")


@dataclass(frozen=True)
class ProjectState:
    """A project as it stood on ``as_of``: its latest progress record by then
    and its status (the latest one a record gave, else as registered)."""

    project: Project
    as_of: date
    status: str
    progress: ProgressRecord | None = None

    @property
    def percent(self) -> Decimal | None:
        return None if self.progress is None else self.progress.percent


@dataclass(frozen=True)
class LedgerSummary:
    """What the ledger says about [start, end] (see ``Ledger.summarize``).

    ``totals`` sums the counts of ``entries`` per unit (units in
    ``COUNT_UNITS`` order); ``sources`` lists, per unit, the ids of the entries
    that total came from; ``ongoing`` are entries under way at ``end`` (they
    end later, and count in the period they end in).
    """

    start: date
    end: date
    totals: dict[str, Decimal] = field(default_factory=dict)
    entries: list[LedgerEntry] = field(default_factory=list)
    ongoing: list[LedgerEntry] = field(default_factory=list)
    sources: dict[str, list[int]] = field(default_factory=dict)

    def total(self, unit: str) -> Decimal:
        return self.totals.get(unit, Decimal(0))
