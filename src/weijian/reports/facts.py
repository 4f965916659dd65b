"""Figures as a template sees them, and the book of every figure printed.

A template writes ``{{ fact("HTN_STD_RATE") }}``; the object it gets formats
itself the way summaries write numbers and, when printed, records a ``Fact``
in the ``FactBook`` and prints a marker the outline parser turns back into a
traceable run. A figure without data prints the MISSING marker: the sentence
holding it is left out of the draft rather than printing a dash.
"""
from __future__ import annotations

from decimal import Decimal

from weijian.analytics import Result, round_half_up
from weijian.reports.document import Fact
from weijian.reports.numbers import describe_change, format_count, format_indicator_value, format_wan_yi

# Private-use characters: they cannot occur in user text.
FACT_OPEN, FACT_CLOSE = "\ue000", "\ue001"
MISSING = "\ue002"
BLOCK_OPEN, BLOCK_CLOSE = "\ue003", "\ue004"


def fact_marker(fact_id: str) -> str:
    return f"{FACT_OPEN}{fact_id}{FACT_CLOSE}"


class FactBook:
    """Every figure printed, each once, numbered in order of first printing."""

    def __init__(self):
        self.facts: dict[str, Fact] = {}
        self._keys: dict[tuple, str] = {}

    def record(self, text: str, kind: str, **fields) -> Fact:
        key = (kind, text, fields.get("code"), fields.get("ou"), fields.get("period"))
        if key in self._keys:
            return self.facts[self._keys[key]]
        fact = Fact(id=f"F{len(self.facts) + 1}", text=text, kind=kind, **fields)
        self.facts[fact.id] = fact
        self._keys[key] = fact.id
        return fact

    def mark(self, text: str, kind: str, **fields) -> str:
        return fact_marker(self.record(text, kind, **fields).id)


def _count_text(value: Decimal) -> str:
    rounded = round_half_up(value, 2)
    if rounded == rounded.to_integral_value():
        return format_count(rounded.to_integral_value())
    return format_indicator_value(rounded, "plain", 2)


class Figure:
    """One figure of one code, org unit and period, with its 同比, 完成率 and rank."""

    def __init__(self, result: Result, book: FactBook, kind: str | None, context, *,
                 wan: int | None = None, qualifier: str | None = None):
        self.result = result
        self._book = book
        self._kind = kind  # indicator kind, None for an element
        self._context = context
        self._wan = wan
        self._qualifier = qualifier

    # what templates test
    @property
    def value(self) -> Decimal | None:
        return self.result.value

    @property
    def rounded(self) -> Decimal | None:
        return self.result.rounded

    @property
    def ok(self) -> bool:
        return self.result.value is not None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def ou_name(self) -> str:
        return self.result.ou_name

    @property
    def meets(self) -> bool | None:
        return self.result.meets_target

    def wan(self, decimals: int = 2, qualifier: str | None = None) -> Figure:
        """The same figure written in 万/亿 ("12.3万", with 余 "1.9万余")."""
        return Figure(self.result, self._book, self._kind, self._context, wan=decimals, qualifier=qualifier)

    # what templates print
    @property
    def text(self) -> str | None:
        value = self.result.value
        if value is None:
            return None
        if self._wan is not None:
            return format_wan_yi(value, decimals=self._wan, qualifier=self._qualifier)
        if self._kind in (None, "plain"):
            rounded = self.result.rounded
            if self.result.decimals == 0:
                return format_count(rounded)
            return format_indicator_value(rounded, "plain", self.result.decimals)
        return format_indicator_value(value, self._kind, self.result.decimals)

    def __str__(self) -> str:
        text = self.text
        if text is None:
            return MISSING
        return self._book.mark(text, "value", **self._fields(self.result.value))

    def _fields(self, value) -> dict:
        r = self.result
        return dict(code=r.code, name=r.name, ou=r.ou, ou_name=r.ou_name, period=r.period, value=value,
                    unit=r.unit, numerator=r.numerator, denominator=r.denominator,
                    formula=self._context.formula(r.code), inputs=self._context.inputs(r),
                    query=self._context.query_command(r.code, r.ou, r.period))

    # the parts of a rate
    @property
    def num(self) -> Part:
        return Part(self, "numerator", self.result.numerator)

    @property
    def den(self) -> Part:
        return Part(self, "denominator", self.result.denominator)

    # comparisons
    @property
    def yoy(self) -> Change:
        return Change(self)

    @property
    def done(self) -> Completion:
        return Completion(self)

    @property
    def rank(self) -> Rank:
        return self._context.rank_of(self)


class Part:
    """The numerator or denominator of a rate, printed as a count."""

    def __init__(self, figure: Figure, kind: str, value: Decimal | None):
        self.figure, self.kind, self.value = figure, kind, value

    def __bool__(self) -> bool:
        return self.value is not None

    def wan(self, decimals: int = 2, qualifier: str | None = None) -> str:
        if self.value is None:
            return MISSING
        return self._mark(format_wan_yi(self.value, decimals=decimals, qualifier=qualifier))

    def __str__(self) -> str:
        if self.value is None:
            return MISSING
        return self._mark(_count_text(self.value))

    def _mark(self, text: str) -> str:
        f = self.figure
        fields = f._fields(self.value)
        side = "分子" if self.kind == "numerator" else "分母"
        fields["name"] = f"{f.name}（{side}）"
        return f._book.mark(text, self.kind, **fields)


class Change:
    """同比: "同比增长3.20%" for counts, "同比上升1.20个百分点" for rates."""

    def __init__(self, figure: Figure, basis: str = "同比", decimals: int = 2):
        self.figure, self.basis, self.decimals = figure, basis, decimals

    def __call__(self, basis: str = "同比", decimals: int = 2) -> Change:
        return Change(self.figure, basis, decimals)

    @property
    def value(self) -> Decimal | None:
        """For rates, the difference of the two values as printed (88.69% −
        89.07% = 0.38个百分点, never 0.37 from unrounded values), so a reader
        re-doing the subtraction gets the printed figure."""
        r = self.figure.result
        if r.change is None or r.change_unit == "%":
            return r.change
        return round_half_up(r.value, r.decimals) - round_half_up(r.previous, r.decimals)

    def __bool__(self) -> bool:
        return self.value is not None

    @property
    def up(self) -> bool:
        return self.value is not None and round_half_up(self.value, self.decimals) > 0

    @property
    def down(self) -> bool:
        return self.value is not None and round_half_up(self.value, self.decimals) < 0

    @property
    def worse(self) -> bool:
        """Moved the wrong way for this indicator's direction."""
        lower_better = self.figure._context.lower_better(self.figure.result.code)
        return self.up if lower_better else self.down

    def __str__(self) -> str:
        r = self.figure.result
        if r.change is None:
            return ""  # a clause, not a sentence: left out quietly
        text = describe_change(self.value, r.change_unit, self.decimals, self.basis)
        fields = self.figure._fields(self.value)
        fields.update(unit=r.change_unit, inputs={"本期": r.value, "去年同期": r.previous},
                      name=f"{r.name}同比")
        return self.figure._book.mark(text, "change", **fields)


class Completion:
    """完成率 of an annual task: "完成全年任务的52.31%"."""

    def __init__(self, figure: Figure, task: str = "全年任务"):
        self.figure, self.task = figure, task

    @property
    def value(self) -> Decimal | None:
        return self.figure.result.completion

    def __bool__(self) -> bool:
        return self.value is not None

    @property
    def over(self) -> bool:
        return self.value is not None and self.value >= 100

    @property
    def word(self) -> str:
        return "超额完成" if self.over else "完成"

    def behind(self, progress: Decimal | float) -> Decimal | None:
        """Points behind the time progress (50 at mid-year), None if not behind."""
        if self.value is None:
            return None
        gap = Decimal(str(progress)) - round_half_up(self.value, 2)
        return gap if gap > 0 else None

    @property
    def rate(self) -> str:
        """Just the percentage, as a fact ("52.31%")."""
        if self.value is None:
            return MISSING
        return self._mark(f"{round_half_up(self.value, 2):.2f}%")

    @property
    def target(self) -> str:
        r = self.figure.result
        if r.target is None:
            return MISSING
        return self.figure._book.mark(_count_text(r.target), "target", **{
            **self.figure._fields(r.target), "name": f"{r.name}年度目标任务", "inputs": {}})

    def __str__(self) -> str:
        return self.clause(self.task)

    def clause(self, task: str) -> str:
        """"完成{task}的52.31%": an annual summary says 年度任务, a half-year 全年任务."""
        if self.value is None:
            return MISSING
        text = self._mark(f"完成{task}的{round_half_up(self.value, 2):.2f}%")
        # a year that ended short of its task says so where the figure stands, not only in 存在问题
        return text + "，未完成年度任务" if task == "年度任务" and self.value < 100 else text

    def _mark(self, text: str) -> str:
        r = self.figure.result
        fields = self.figure._fields(self.value)
        done = self.figure._context.year_to_date_value(r)
        fields.update(unit="%", name=f"{r.name}完成率", inputs={"累计完成": done, "年度目标任务": r.target})
        return self.figure._book.mark(text, "completion", **fields)


class Rank:
    """A unit's place among its siblings: "位居全县第3位"."""

    def __init__(self, figure: Figure, rank: int | None, total: int | None, scope: str):
        self.figure, self.value, self.total, self.scope = figure, rank, total, scope

    def __bool__(self) -> bool:
        return self.value is not None

    @property
    def last(self) -> bool:
        return self.value is not None and self.value == self.total

    def __str__(self) -> str:
        if self.value is None:
            return MISSING
        r = self.figure.result
        fields = self.figure._fields(Decimal(self.value))
        fields.update(unit="位", name=f"{r.name}排名", inputs={"参与排名单位数": self.total, "本单位值": r.value})
        return self.figure._book.mark(f"位居{self.scope}第{self.value}位", "rank", **fields)
