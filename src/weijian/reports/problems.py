"""二、存在问题, the way a county writes it: few, ranked, grouped by cause.

Candidates come from the judgement of each figure (``narrative``):

* below_target — a threshold target missed (above it, where lower is better);
* behind_schedule — an annual task behind its own seasonal profile (half-year,
  quarter, month) or not completed (annual);
* declined — worse than last year by a notable amount (``DECLINE_*``) that is
  also meaningful in events (``judgement.MIN_EVENTS`` or the indicator's
  ``min_count``);
* lagging — 乡镇 among the last three on half the key indicators;
* reporting — only when reporting is really poor (及时率 under
  ``REPORTING_FLOOR`` or reports missing), not a 99.89% trivia.

Indicators another department owns (metadata ``owner``) are never problems.
Each candidate scores its size × the indicator's 考核 ``weight``; candidates
are grouped by cause (the phrase bank's ``causes``, by domain), groups ranked
by score, and only the first ``MAX_GROUPS`` kept, each with at most
``MAX_PER_GROUP`` figures. Then come slots for what data cannot know (人才,
经费, 基础设施 …) as visible 【待补充：……】 placeholders, unless turned off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from weijian.analytics import round_half_up
from weijian.reports.numbers import format_target

DECLINE_POINTS = Decimal(1)
DECLINE_PERMILLE = Decimal("0.5")
DECLINE_RELATIVE = Decimal(10)
REPORTING_FLOOR = Decimal(95)
MAX_GROUPS = 4
MAX_PER_GROUP = 3
# The indicators a 乡镇 is judged on (基本公共卫生 and 妇幼 core).
KEY_INDICATORS = ("HEALTH_RECORD_RATE", "ELDERLY_MGMT_RATE", "HTN_STD_RATE", "DM_STD_RATE",
                  "CHILD_HEALTH_MGMT_RATE", "MATERNAL_SYS_MGMT_RATE", "SMI_STD_RATE", "FD_KEY_SIGN_RATE")
DEFAULT_CAUSE = "部分{domain}工作指标还有差距"
PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "【待补充：", "】"


@dataclass
class Problem:
    key: str
    domain: str | None
    code: str | None
    text: str  # one clause with fact markers
    severity: Decimal = Decimal(0)
    subject: str = ""  # what the 工作安排 names: the indicator, or the 乡镇


@dataclass
class ProblemGroup:
    key: str  # the cause: a domain, "lagging", "reporting" or "structural:…"
    title: str
    items: list[Problem] = field(default_factory=list)
    placeholder: str = ""  # structural slots: what the office should write

    @property
    def text(self) -> str:
        if self.placeholder:
            return f"{PLACEHOLDER_OPEN}{self.placeholder}{PLACEHOLDER_CLOSE}"
        return "；".join(p.text for p in self.items) + "。"

    @property
    def score(self) -> Decimal:
        return sum((p.severity for p in self.items), Decimal(0))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.items if p.code]

    @property
    def domains(self) -> list[str]:
        return list(dict.fromkeys(p.domain for p in self.items if p.domain))

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(p.key for p in self.items))


class ProblemFinder:
    def __init__(self, context, narrative, causes: dict | None = None, structural: list | None = None,
                 placeholders: bool = True):
        self.context = context
        self.narrative = narrative
        self.causes = causes or {}
        self.structural = structural or []
        self.placeholders = placeholders
        self._groups: list[ProblemGroup] | None = None

    def problems(self) -> list[ProblemGroup]:
        if self._groups is None:
            self._groups = self._rank(self.candidates()) + self._structural()
        return self._groups

    def candidates(self) -> list[Problem]:
        found = self._below_target() + self._behind_schedule()
        seen = {p.code for p in found}
        found += [p for p in self._declined() if p.code not in seen]
        return found + self._lagging() + self._reporting()

    def _rank(self, found: list[Problem]) -> list[ProblemGroup]:
        groups: dict[str, ProblemGroup] = {}
        for problem in found:
            cause = problem.key if problem.key in ("lagging", "reporting") else (problem.domain or "综合")
            if cause not in groups:
                groups[cause] = ProblemGroup(cause, self._cause_title(cause))
            groups[cause].items.append(problem)
        for group in groups.values():
            group.items.sort(key=lambda p: -p.severity)
            del group.items[MAX_PER_GROUP:]
        ranked = sorted(groups.values(), key=lambda g: -g.score)
        return ranked[:MAX_GROUPS]

    def _cause_title(self, cause: str) -> str:
        title = self.causes.get(cause)
        if title:
            return title
        return DEFAULT_CAUSE.format(domain=cause)

    def _structural(self) -> list[ProblemGroup]:
        if not self.placeholders:
            return []
        return [ProblemGroup(f"structural:{s['title']}", s["title"], placeholder=s["hint"]) for s in self.structural]

    # -- the checks --------------------------------------------------------------------
    def _targets(self, kind: str):
        c = self.context
        return [t for t in c.package.targets
                if t.orgunit == c.ou and t.year == c.period.year and t.kind == kind]

    def _owned(self, code: str) -> bool:
        indicator = self.context.package.indicators.get(code)
        return indicator is None or indicator.owner is None

    def _weight(self, code: str) -> Decimal:
        indicator = self.context.package.indicators.get(code)
        return Decimal(indicator.weight) if indicator else Decimal(1)

    def _below_target(self) -> list[Problem]:
        c = self.context
        out = []
        for target in self._targets("threshold"):
            if not target.indicator or not self._owned(target.indicator):
                continue
            figure = c.fact(target.indicator)
            if not figure.ok or self.narrative.judge(figure).target != "missed":
                continue
            lower = c.lower_better(target.indicator)
            goal = format_target(target.value, c._kind(target.indicator), figure.result.decimals)
            goal_mark = c.book.mark(goal, "target", code=target.indicator, name=f"{figure.name}目标",
                                    ou=c.ou, ou_name=c.ou_name, period=c.period.id, value=target.value)
            word = "高于" if lower else "低于"
            # the relative gap, capped: 20% over a child-mortality threshold is grave, 80% is not 4 times graver
            gap = min(abs(figure.value - target.value) * 100 / abs(target.value), Decimal(20)) if target.value \
                else Decimal(1)
            text = f"{figure.name}为{figure}，{word}{goal_mark}的目标要求"
            judgement = self.narrative.judge(figure)
            if judgement.declined:
                text += f"，且{figure.yoy}"
            out.append(Problem("below_target", self._domain(target.indicator), target.indicator, text,
                               (Decimal(1) + gap / 10) * self._weight(target.indicator), figure.name))
        return out

    def _behind_schedule(self) -> list[Problem]:
        c = self.context
        words = c.words
        out = []
        for target in self._targets("annual_task"):
            subject = target.indicator or target.element
            if target.indicator and not self._owned(target.indicator):
                continue
            done = c.done(subject)
            if not done:
                continue
            judgement = self.narrative.judge(done.figure)
            if judgement.progress != "behind":
                continue
            if words["annual"] or c.period.end_month == 12:
                text = f"{done.figure.name}{done.clause('年度任务')}"  # the clause says 未完成年度任务
                gap = Decimal(100) - done.value
            else:
                expected = round_half_up(judgement.expected, 2)
                mark = c.book.mark(f"{expected:.2f}%", "expected", code=subject,
                                   name=f"{done.figure.name}上年同期进度", ou=c.ou, ou_name=c.ou_name,
                                   period=c.period.previous_year().id, value=expected, unit="%",
                                   formula="上年1月至同期末累计 ÷ 上年全年 × 100%",
                                   inputs={"按上年各月分布": expected})
                text = f"{done.figure.name}{done}，低于上年同期进度（{mark}）"
                gap = judgement.expected - done.value
            out.append(Problem("behind_schedule", self._domain(subject), subject, text,
                               (Decimal(1) + gap / 10) * self._weight(subject), done.figure.name))
        return out

    def _declined(self) -> list[Problem]:
        c = self.context
        out = []
        for code, indicator in c.package.indicators.items():
            if indicator.kind not in ("percent", "permille", "per_100k") or indicator.owner:
                continue
            figure = c.fact(code)
            if not figure.ok or not self.narrative.judge(figure).declined:
                continue
            change = figure.yoy
            size = abs(change.value)
            limit = {"percent": DECLINE_POINTS, "permille": DECLINE_PERMILLE,
                     "per_100k": DECLINE_RELATIVE}[indicator.kind]
            if indicator.kind == "per_100k":
                size = abs(figure.result.change or 0)  # per 10万 rates compare in %
            if size < limit:
                continue
            out.append(Problem("declined", indicator.domain, code, f"{figure.name}为{figure}，{change}",
                               size / limit * Decimal(indicator.weight), figure.name))
        return out

    def _lagging(self) -> list[Problem]:
        c = self.context
        codes = [k for k in KEY_INDICATORS if k in c.package.indicators and c.fact(k).ok]
        if not codes:
            return []
        out = []
        for unit in c.laggards(codes, n=3):
            worst, worst_gap = None, Decimal(0)
            for code in codes:
                town, county = c.fact(code, unit), c.fact(code)
                if not town.ok:
                    continue
                gap = round_half_up(county.value, 2) - round_half_up(town.value, 2)
                if c.lower_better(code):
                    gap = -gap
                if gap > worst_gap:
                    worst, worst_gap = code, gap
            if worst is None:
                continue
            town, county = c.fact(worst, unit), c.fact(worst)
            word = "高于" if c.lower_better(worst) else "低于"
            gap_mark = c.book.mark(f"{worst_gap:.2f}", "difference", code=worst,
                                   name=f"{town.name}（{town.ou_name}与{c.scope}之差）", ou=unit,
                                   ou_name=town.ou_name, period=c.period.id, value=worst_gap, unit="个百分点",
                                   inputs={town.ou_name: round_half_up(town.value, 2),
                                           c.scope: round_half_up(county.value, 2)})
            out.append(Problem("lagging", self._domain(worst), worst,
                               f"{town.ou_name}{town.name}为{town}，{word}{c.scope}平均水平（{county}）{gap_mark}个百分点，"
                               f"{c.rank(worst, unit)}", min(worst_gap, Decimal(20)) / 10, town.ou_name))
        return out

    def _reporting(self) -> list[Problem]:
        c = self.context
        rates = c.reporting()
        if rates is None or rates.expected == 0:
            return []
        timely = rates.timely_value
        # 及时率 99.89% with six late reports is housekeeping, not a problem of the bureau's year
        if rates.missing == 0 and (timely is None or timely >= REPORTING_FLOOR):
            return []
        pieces = [f"{c.variables()['months']}月报及时率为{rates.timely_rate}"]
        if rates.late:
            pieces.append(f"迟报{self._count(rates.late, '迟报报表份数')}份")
        if rates.missing:
            pieces.append(f"未报{self._count(rates.missing, '未报报表份数')}份")
        return [Problem("reporting", None, None, "，".join(pieces), Decimal(rates.late + rates.missing) / 10, "月报")]

    def _count(self, n: int, name: str) -> str:
        c = self.context
        return c.book.mark(str(n), "count", code="REPORTING", name=name, ou=c.ou, ou_name=c.ou_name,
                           period=c.period.id, value=Decimal(n))

    def _domain(self, code: str) -> str | None:
        """An indicator's domain; an element takes the domain of the first
        indicator built on it."""
        package = self.context.package
        if code in package.indicators:
            return package.indicators[code].domain
        element = package.elements.get(code)
        for indicator in package.indicators.values():
            if f"#{{{code}}}" in indicator.numerator or f"#{{{code}." in indicator.numerator:
                return indicator.domain
        return element.domain if element else None
