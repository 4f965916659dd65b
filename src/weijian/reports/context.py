"""What a report template can call: figures, comparisons, rankings, tables, charts.

``ReportContext`` is built for one org unit (the county) and one period; its
methods are the template's functions (see docs/reports.md):

    fact(code)            a figure, printed as summaries write it
    yoy(code)             "同比增长3.20%" / "同比下降0.40个百分点"
    done(code)            "完成全年任务的52.31%"
    rank(code, ou)        "位居全县第3位" among the unit's siblings
    top(n, element)       the n largest options of an element (前五位病种)
    ranking(code)         the 乡镇 in rank order, as figures
    table(...) / chart(...)  a 三线表 or a chart placed on its own line
    points(a, b, …)       "一是…；二是…。", leaving out points without data
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from weijian.analytics import Result, round_half_up
from weijian.errors import NotFoundError
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.reports import charts as chart_drawing
from weijian.reports.document import Chart, Run, Table
from weijian.reports.facts import (BLOCK_CLOSE, BLOCK_OPEN, FACT_OPEN, MISSING, Change, Completion, FactBook,
                                   Figure, Rank)
from weijian.reports.figures import FigureSource
from weijian.reports.numbers import format_target, period_phrase, until_phrase
from weijian.reports.period_words import period_words
from weijian.reports.runs import split_runs
from weijian.reports.wording import chinese_number, tidy_paragraph
from weijian.reports.work import WorkWriter

TOWNSHIP_TYPES = ("乡镇", "街道")


@dataclass
class Item:
    """One entry of a top-N list: a name and its figure."""
    code: str
    name: str
    figure: Figure


class ReportContext:
    def __init__(self, figures: FigureSource, package: MetadataPackage, period: Period, ou: str,
                 book: FactBook, *, today: date, reporting=None, ledger=None):
        if ou not in package.orgunits:
            raise NotFoundError(f"机构编码“{ou}”不存在")
        self.figures = figures
        self.package = package
        self.period = period
        self.ou = ou
        self.book = book
        self.today = today
        self._reporting = reporting  # callable() -> quality Completeness, or None
        self.work_writer = None
        self.notes: list[str] = []  # for the office: what the draft could not reconcile
        if ledger is not None:
            depth = len(package.orgunits[ou].path)
            subtree = [u.code for u in package.orgunits.values() if u.path[:depth] == package.orgunits[ou].path]
            # below a county's 乡镇 (their 卫生院, 村卫生室) is local work; a 乡镇's own summary has none below it
            towns = {u.code for u in package.orgunits.values() if u.type in TOWNSHIP_TYPES and u.code != ou}
            local = {u.code for u in package.orgunits.values() if u.code != ou and set(u.path) & towns}
            self.work_writer = WorkWriter(ledger, period, subtree, book, ou, package.orgunits[ou].name, local)
        self.blocks: dict[str, Table | Chart] = {}
        self.words = period_words(period)
        unit = package.orgunits[ou]
        self.ou_name = unit.name
        self.scope = "全" + (unit.name[-1] if unit.name[-1] in "县区市省乡镇" else "县")
        # a county's summary is the 卫生健康局's; a 乡镇's is its 卫生院's
        self.organ = f"{unit.name}卫生院" if unit.name[-1] in "乡镇" else f"{unit.name}卫生健康局"

    # -- variables every template sees -------------------------------------------------------
    def variables(self) -> dict:
        p = self.period
        w = self.words
        annual = p.kind == "year"
        return {
            "ou": self.ou, "ou_name": self.ou_name, "county": self.ou_name, "scope": self.scope,
            "organ": self.organ, "period": p, "year": p.year, "annual": annual,
            "months": period_phrase(p), "half": "全年" if annual else period_phrase(p, "half"),
            "until": until_phrase(p), "next": w["next_short"],
            "next_year": p.year + 1, "time_progress": Decimal(p.end_month * 100) / 12, "today": self.today,
            "words": w, "period_name": w["name"], "last": w["last"],
            # the annual task's word: a year's summary reports 年度任务, a part of the year 全年任务
            "task": "年度任务" if p.end_month == 12 else "全年任务",
        }

    def functions(self) -> dict:
        return {name: getattr(self, name) for name in (
            "fact", "yoy", "done", "rank", "top", "ranking", "townships", "laggards", "table", "township_table",
            "chart", "points", "reporting", "cn", "has", "count", "work", "documents", "projects", "honours",
            "ongoing", "tally")}

    workspace = "."  # the -w of the printed commands (draft_report sets the workspace's folder)
    placeholders = True  # 【待补充】/【待核实】 slots for the office (draft_report passes its option)

    def query_command(self, code: str, ou: str, period: str) -> str:
        """The command that reproduces a figure, runnable exactly as printed."""
        option = "--indicator" if code in self.package.indicators else "--element"
        return f"weijian query -w {self.workspace} {option} {code} --ou {ou} --period {period}"

    def check_ledger(self) -> None:
        """Before anything is written: ledger counts the statistics contradict
        are withheld from the prose and become notes for the office."""
        if self.work_writer is None:
            return
        from weijian.reports.ledger_checks import find_contradictions

        def value_of(code: str):
            return self.figures.result(code, self.ou, self.period).value
        subjects: dict[tuple[str | None, str], list[str]] = {}
        for found in find_contradictions(self.work_writer._entries(), self.package.indicators, value_of):
            self.work_writer.withheld.add((found.entry_id, found.unit))
            if found.message not in self.notes:
                self.notes.append(found.message)
                names = subjects.setdefault((found_domain(self.package, found.code), found.entry_title), [])
                names.append(found.name)
        if self.placeholders:
            # one 【待核实】 slot per piece of work, where its sentence would have been (no figures in it:
            # every number a draft prints is traced; the numbers are in the notes)
            for (domain, title), names in subjects.items():
                self.work_writer.flags.setdefault(domain, []).append(
                    f"【待核实：工作台账“{title}”与统计的{'、'.join(names)}不一致，台账数字未写入，见同名 .json 的 notes】")

    # -- the work ledger (empty when the workspace keeps none) -------------------------------
    def work(self, domain: str) -> list[str]:
        return self.work_writer.work(domain) if self.work_writer else []

    def ongoing(self, domain: str | None = None) -> list[str]:
        return self.work_writer.ongoing(domain) if self.work_writer else []

    def tally(self, unit: str, domain: str | None = None, kind: str | None = None) -> str:
        return self.work_writer.tally(unit, domain, kind) if self.work_writer else MISSING

    def documents(self, domain: str | None = None, limit: int = 4) -> str:
        return self.work_writer.documents(domain, limit) if self.work_writer else ""

    def projects(self) -> list[str]:
        return self.work_writer.projects() if self.work_writer else []

    def honours(self) -> str:
        return self.work_writer.honours() if self.work_writer else ""

    # -- figures -----------------------------------------------------------------------------
    def _period(self, period) -> Period:
        if period is None:
            return self.period
        if isinstance(period, Period):
            return period
        if period == "ytd":
            return self.period.year_to_date()
        if period == "last_year":
            return self.period.previous_year()
        return Period.parse(str(period))

    def fact(self, code: str, ou: str | None = None, period=None) -> Figure:
        result = self.figures.result(code, ou or self.ou, self._period(period))
        return Figure(result, self.book, self._kind(code), self)

    def has(self, code: str, ou: str | None = None, period=None) -> bool:
        return self.fact(code, ou, period).ok

    def yoy(self, code: str, ou: str | None = None, period=None, basis: str = "同比", decimals: int = 2) -> Change:
        return Change(self.fact(code, ou, period), basis, decimals)

    def done(self, code: str, ou: str | None = None, period=None) -> Completion:
        task = "年度任务" if self._period(period).end_month == 12 else "全年任务"
        return Completion(self.fact(code, ou, period), task)

    def rank(self, code: str, ou: str, period=None) -> Rank:
        return self.rank_of(self.fact(code, ou, period))

    def rank_of(self, figure: Figure) -> Rank:
        unit = self.package.orgunits[figure.result.ou]
        siblings = self._townships(unit.parent) if unit.parent else [unit.code]
        if unit.code not in siblings:
            return Rank(figure, None, None, self.scope)
        ranked = self.figures.analytics.ranked(self.figures.results(figure.result.code, siblings,
                                                                    Period.parse(figure.result.period)))
        mine = next(r for r in ranked if r.ou == unit.code)
        return Rank(figure, mine.rank, mine.rank_of, self.scope)

    def top(self, n: int, element: str, ou: str | None = None, period=None, exclude: tuple[str, ...] = (),
            prefix: str = "") -> list[Item]:
        """The ``n`` options of ``element`` with the largest values (zeros left
        out); ``prefix`` keeps options whose code starts with it (B_ → 乙类)."""
        if element not in self.package.elements:
            raise NotFoundError(f"数据项编码“{element}”不存在")
        category = self.package.categories[self.package.elements[element].category]
        period_value, unit = self._period(period), ou or self.ou
        # every option in one query: the next call (乙类, 丙类…) is then free
        self.figures.prefetch([f"{element}.{o.code}" for o in category.options], [unit], period_value)
        options = [o for o in category.options if o.code not in exclude and o.code.startswith(prefix)]
        codes = [f"{element}.{o.code}" for o in options]
        items = []
        for option, code in zip(options, codes):
            figure = self.fact(code, unit, period_value)
            if figure.value:
                items.append(Item(code, option.name, figure))
        items.sort(key=lambda item: (-item.figure.value, item.code))
        return items[:n]

    def count(self, items: list[Item], name: str) -> str:
        """How many items a list holds (病种数), as a traceable figure."""
        return self.book.mark(str(len(items)), "count", name=name, ou=self.ou, ou_name=self.ou_name,
                              period=self.period.id, value=Decimal(len(items)), unit="种",
                              inputs={item.name: item.figure.value for item in items},
                              code=items[0].code.partition(".")[0] if items else None)

    def townships(self, ou: str | None = None) -> list[str]:
        return self._townships(ou or self.ou)

    def _townships(self, parent: str) -> list[str]:
        children = self.package.children(parent)
        chosen = [c.code for c in children if c.type in TOWNSHIP_TYPES]
        return chosen or [c.code for c in children]

    def ranking(self, code: str, ou: str | None = None, period=None) -> list[Figure]:
        """The 乡镇 under ``ou`` with a value, best first."""
        p = self._period(period)
        units = self._townships(ou or self.ou)
        ranked = self.figures.analytics.ranked(self.figures.results(code, units, p))
        return [Figure(r, self.book, self._kind(code), self) for r in ranked if r.value is not None]

    def laggards(self, codes: list[str], n: int = 3, period=None) -> list[str]:
        """乡镇 most often among the last ``n`` across ``codes`` (names, worst first;
        only units in the bottom for at least half the codes)."""
        counts: dict[str, int] = {}
        for code in codes:
            for figure in self.ranking(code, period=period)[-n:]:
                counts[figure.result.ou] = counts.get(figure.result.ou, 0) + 1
        worst = sorted((c for c in counts if counts[c] * 2 >= len(codes)), key=lambda c: (-counts[c], c))
        return worst[:n]

    def reporting(self):
        """上报率 and 及时率 of the period's monthly reports, as figures."""
        if self._reporting is None:
            return None
        return ReportingFigures(self._reporting().total(), self)

    # -- writing helpers ---------------------------------------------------------------------
    @staticmethod
    def cn(n: int) -> str:
        return chinese_number(n)

    @staticmethod
    def points(*items: str, start: int = 1) -> str:
        """"一是…；二是…。": sentences without data are left out of each item,
        items left with no figure (and empty ones) are dropped and the rest renumbered; points
        holding several sentences are ended by 。."""
        kept = []
        for item in map(str, items):
            text = tidy_paragraph(item)
            # an item whose figures all had no data goes; plain text (an honour) stays
            if text and (FACT_OPEN in text or MISSING not in item):
                kept.append(text.rstrip("。；;，,"))
        if not kept:
            return ""
        separator = "。" if any("。" in k for k in kept) else "；"
        parts = [f"{chinese_number(start + i)}是{text}" for i, text in enumerate(kept)]
        return separator.join(parts) + "。"

    # -- blocks --------------------------------------------------------------------------------
    def _block(self, block: Table | Chart) -> str:
        key = f"B{len(self.blocks) + 1}"
        self.blocks[key] = block
        return f"\n\n{BLOCK_OPEN}{key}{BLOCK_CLOSE}\n\n"

    def _caption(self, prefix: str, caption: str) -> str:
        count = sum(1 for b in self.blocks.values() if isinstance(b, Table if prefix == "表" else Chart))
        return f"{prefix}{count + 1}　{caption}"

    def table(self, codes: list[str], caption: str, ou: str | None = None, period=None) -> str:
        """Key indicators: 本期, 去年同期, 同比, 目标 and 完成情况 (三线表)."""
        header = ["指标", "本期", self.words["last"], "同比", "目标", "完成情况"]
        rows = []
        for code in codes:
            f = self.fact(code, ou, period)
            if not f.ok:
                continue
            previous = Figure(_previous(f.result), self.book, self._kind(code), self)
            row = [[Run(f.name)], self._cell(str(f)), self._cell(str(previous) if previous.ok else ""),
                   self._cell(str(f.yoy(basis=""))), self._cell(self._target_text(f)), self._cell(self._status(f))]
            rows.append(row)
        note = f"注：本期为{self.period.year}年{period_phrase(self._period(period))}；比率的同比为百分点差。"
        return self._block(Table(self._caption("表", caption), header, rows, note))

    def township_table(self, codes: list[str], caption: str, ou: str | None = None, period=None) -> str:
        """乡镇 × indicators, in the county's order of units."""
        units = self._townships(ou or self.ou)
        p = self._period(period)
        for code in codes:
            self.figures.prefetch([code], units, p)
        header = ["乡镇"] + [self.fact(c, period=p).name for c in codes]
        rows = []
        for unit in units:
            cells = [[Run(self.package.orgunits[unit].name)]]
            cells += [self._cell(str(self.fact(c, unit, p)) if self.fact(c, unit, p).ok else "") for c in codes]
            rows.append(cells)
        return self._block(Table(self._caption("表", caption), header, rows))

    def chart(self, kind: str, code, caption: str, ou: str | None = None, period=None) -> str:
        """kind: trend (this year against last, by month), ranking (乡镇 bars with
        the county's value), progress (完成率 of annual tasks against 时间进度)."""
        p = self._period(period)
        unit = ou or self.ou
        if kind == "trend":
            block = self._trend_chart(code, unit, p, caption)
        elif kind == "ranking":
            block = self._ranking_chart(code, unit, p, caption)
        elif kind == "progress":
            block = self._progress_chart(list(code), unit, p, caption)
        else:
            raise NotFoundError(f"未知的图表类型“{kind}”：应为 trend、ranking 或 progress")
        return self._block(block) if block is not None else ""

    def _trend_chart(self, code: str, unit: str, p: Period, caption: str) -> Chart | None:
        self.figures.prefetch_monthly([code], unit, p.year, p.year - 1)  # both years in one query
        this_year = self.figures.monthly(code, unit, p.year, p.end_month)
        last_year = self.figures.monthly(code, unit, p.year - 1, p.end_month)
        if all(v is None for v in this_year):
            return None
        name = self.fact(code, unit, p).name
        unit_text = self.fact(code, unit, p).result.unit
        labels = [f"{m}月" for m in range(1, p.end_month + 1)]
        png = chart_drawing.trend_chart(name, labels, {f"{p.year}年": this_year, f"{p.year - 1}年": last_year},
                                        unit_text)
        facts = [self.book.record(f"{v}", "chart", code=code, name=f"{name}（{p.year}年{m}月）", ou=unit,
                                  period=f"{p.year}{m:02d}", value=v)
                 for m, v in enumerate(this_year, start=1) if v is not None]
        return Chart(self._caption("图", caption), png, facts=facts)

    def _ranking_chart(self, code: str, unit: str, p: Period, caption: str) -> Chart | None:
        figures = self.ranking(code, unit, p)
        if not figures:
            return None
        county = self.fact(code, unit, p)
        lagging = set(self.laggards([code], n=3, period=p))
        names = [f.ou_name for f in figures]
        values = [f.rounded for f in figures]
        png = chart_drawing.ranking_chart(
            county.name, names, values, county.result.unit,
            reference=float(county.rounded) if county.ok else None,
            reference_label=f"{self.scope} {county.text}" if county.ok else None,
            highlight={self.package.orgunits[c].name for c in lagging})
        facts = [self.book.record(f.text, "chart", code=code, name=f.name, ou=f.result.ou, ou_name=f.ou_name,
                                  period=f.result.period, value=f.value, numerator=f.result.numerator,
                                  denominator=f.result.denominator) for f in figures]
        return Chart(self._caption("图", caption), png, facts=facts)

    def _progress_chart(self, codes: list[str], unit: str, p: Period, caption: str) -> Chart | None:
        chosen = [(c, self.done(c, unit, p)) for c in codes]
        chosen = [(c, d) for c, d in chosen if d]
        if not chosen:
            return None
        names = [d.figure.name for _, d in chosen]
        values = [round_half_up(d.value, 2) for _, d in chosen]
        # a year's chart has no time line: the task itself (100%) is the mark
        progress = None if p.end_month == 12 else float(self.variables()["time_progress"])
        png = chart_drawing.progress_chart(caption, names, values, progress)
        facts = [self.book.record(f"{v:.2f}%", "completion", code=c, name=f"{d.figure.name}完成率", ou=unit,
                                  ou_name=self.package.orgunits[unit].name, period=p.id, value=d.value, unit="%",
                                  inputs={"累计完成": self.year_to_date_value(d.figure.result),
                                          "年度目标任务": d.figure.result.target})
                 for (c, d), v in zip(chosen, values)]
        return Chart(self._caption("图", caption), png, facts=facts)

    def _cell(self, text: str) -> list[Run]:
        return split_runs(text, self.book) if text else []

    def _target_text(self, f: Figure) -> str:
        r = f.result
        if r.target is None:
            return ""
        if r.target_kind == "annual_task":
            return Completion(f).target
        sign = "≤" if self.lower_better(r.code) else "≥"
        text = format_target(r.target, self._kind(r.code), r.decimals)
        return sign + self.book.mark(text, "target", code=r.code, name=f"{r.name}目标", ou=r.ou,
                                     ou_name=r.ou_name, period=r.period, value=r.target)

    def _status(self, f: Figure) -> str:
        r = f.result
        if r.target_kind == "annual_task":
            return str(Completion(f)) if r.completion is not None else ""
        if r.meets_target is None:
            return ""
        return "达标" if r.meets_target else "未达标"

    # -- provenance ----------------------------------------------------------------------------
    def _kind(self, code: str) -> str | None:
        indicator = self.package.indicators.get(code)
        return indicator.kind if indicator else None

    def lower_better(self, code: str) -> bool:
        indicator = self.package.indicators.get(code)
        return indicator is not None and indicator.direction == "lower_better"

    def formula(self, code: str) -> str | None:
        indicator = self.package.indicators.get(code)
        if indicator is None:
            return None
        numerator = self._names(indicator.numerator)
        if indicator.denominator.strip() == "1":
            return numerator
        factor = {"percent": " × 100%", "permille": " × 1000‰", "per_100k": " × 10万/10万",
                  "ratio": " × 100"}.get(indicator.kind, "")
        return f"{numerator} ÷ {self._names(indicator.denominator)}{factor}"

    def _names(self, expression: str) -> str:
        def name(match: re.Match) -> str:
            element, _, option = match.group(1).partition(".")
            found = self.package.elements.get(element)
            text = found.name if found else element
            if option and found and found.category:
                options = {o.code: o.name for o in self.package.categories[found.category].options}
                text += f"（{options.get(option, option)}）"
            return text
        return re.sub(r"#\{([^}]+)\}", name, expression).strip()

    def inputs(self, result: Result) -> dict:
        return {}  # filled for every printed fact at the end, in one query per unit and period

    def year_to_date_value(self, result: Result) -> Decimal | None:
        return self.figures.result(result.code, result.ou, Period.parse(result.period).year_to_date()).value


def found_domain(package, code: str) -> str | None:
    indicator = package.indicators.get(code)
    return indicator.domain if indicator else None


class ReportingFigures:
    """上报率 / 及时率 of one period, as printable facts."""

    def __init__(self, rates, context: ReportContext):
        self.rates, self.context = rates, context

    def _mark(self, value: Decimal | None, name: str, numerator: int) -> str:
        if value is None:
            return MISSING
        text = f"{round_half_up(value, 2):.2f}%"
        return self.context.book.mark(text, "value", code="REPORTING", name=name, ou=self.context.ou,
                                      ou_name=self.context.ou_name, period=self.context.period.id, value=value,
                                      unit="%", numerator=Decimal(numerator), denominator=Decimal(self.rates.expected),
                                      formula=f"{name[:-1]}份数 ÷ 应报份数 × 100%")

    @property
    def expected(self) -> int:
        return self.rates.expected

    @property
    def reporting_rate(self) -> str:
        return self._mark(self.rates.reporting_rate, "报表上报率", self.rates.reported)

    @property
    def timely_rate(self) -> str:
        return self._mark(self.rates.timely_rate, "报表及时率", self.rates.timely)

    @property
    def timely_value(self) -> Decimal | None:
        return self.rates.timely_rate

    @property
    def reporting_value(self) -> Decimal | None:
        return self.rates.reporting_rate

    @property
    def late(self) -> int:
        return self.rates.reported - self.rates.timely

    @property
    def missing(self) -> int:
        return self.rates.expected - self.rates.reported


def _previous(result: Result) -> Result:
    """The same figure for last year, as a Result (no comparisons of its own)."""
    return Result(code=result.code, name=result.name, subject=result.subject, ou=result.ou, ou_name=result.ou_name,
                  period=Period.parse(result.period).previous_year().id, period_label="", value=result.previous,
                  decimals=result.decimals, unit=result.unit)
