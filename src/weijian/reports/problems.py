"""二、存在问题, drafted from the data.

Five kinds of problem, each stated with its figure:

* below_target — a rate below its threshold target (above it, for rates
  where lower is better);
* behind_schedule — an annual task whose 完成率 trails the time progress
  (50% at mid-year) by more than ``SCHEDULE_SLACK`` points;
* declined — a rate that moved the wrong way against last year by at least
  ``DECLINE_POINTS`` (percent), ``DECLINE_PERMILLE`` (‰) or
  ``DECLINE_RELATIVE`` % (per 10万);
* lagging — 乡镇 ranking among the last three on at least half of the key
  indicators, with their widest gap to the county;
* reporting — monthly reports late or missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from weijian.analytics import round_half_up
from weijian.reports.numbers import format_target

SCHEDULE_SLACK = Decimal(5)
DECLINE_POINTS = Decimal(1)
DECLINE_PERMILLE = Decimal("0.5")
DECLINE_RELATIVE = Decimal(10)
MAX_PER_GROUP = 5
# The indicators a 乡镇 is judged on (基本公共卫生 and 妇幼 core).
KEY_INDICATORS = ("HEALTH_RECORD_RATE", "ELDERLY_MGMT_RATE", "HTN_STD_RATE", "DM_STD_RATE",
                  "CHILD_HEALTH_MGMT_RATE", "MATERNAL_SYS_MGMT_RATE", "SMI_STD_RATE", "FD_KEY_SIGN_RATE")
TITLES = {
    "below_target": "部分指标未达到年度目标要求",
    "behind_schedule": "部分目标任务进度滞后",
    "declined": "部分指标较去年同期有所下滑",
    "lagging": "乡镇之间工作进展不平衡",
    "reporting": "数据报送及时性有待提高",
}


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
    key: str
    title: str
    items: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "；".join(p.text for p in self.items) + "。"

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.items if p.code]

    @property
    def domains(self) -> list[str]:
        return list(dict.fromkeys(p.domain for p in self.items if p.domain))


class ProblemFinder:
    def __init__(self, context):
        self.context = context
        self._groups: list[ProblemGroup] | None = None

    def problems(self) -> list[ProblemGroup]:
        if self._groups is None:
            found = (self._below_target() + self._behind_schedule() + self._declined() + self._lagging()
                     + self._reporting())
            groups: dict[str, ProblemGroup] = {}
            for problem in found:
                groups.setdefault(problem.key, ProblemGroup(problem.key, TITLES[problem.key])).items.append(problem)
            for group in groups.values():
                group.items.sort(key=lambda p: -p.severity)
                del group.items[MAX_PER_GROUP:]
            self._groups = [groups[k] for k in TITLES if k in groups]
        return self._groups

    # -- the checks --------------------------------------------------------------------
    def _targets(self, kind: str):
        c = self.context
        return [t for t in c.package.targets
                if t.orgunit == c.ou and t.year == c.period.year and t.kind == kind]

    def _below_target(self) -> list[Problem]:
        c = self.context
        out = []
        for target in self._targets("threshold"):
            if not target.indicator:
                continue
            figure = c.fact(target.indicator)
            if not figure.ok or figure.meets is not False:
                continue
            lower = c.lower_better(target.indicator)
            goal = format_target(target.value, c._kind(target.indicator), figure.result.decimals)
            goal_mark = c.book.mark(goal, "target", code=target.indicator, name=f"{figure.name}目标",
                                    ou=c.ou, ou_name=c.ou_name, period=c.period.id, value=target.value)
            word = "高于" if lower else "低于"
            gap = abs(figure.value - target.value)
            out.append(Problem("below_target", self._domain(target.indicator), target.indicator,
                               f"{figure.name}为{figure}，{word}{goal_mark}的目标要求", gap, figure.name))
        return out

    def _behind_schedule(self) -> list[Problem]:
        c = self.context
        if c.period.kind == "year":
            progress = Decimal(100)
        else:
            progress = Decimal(c.period.end_month * 100) / 12
        out = []
        for target in self._targets("annual_task"):
            subject = target.indicator or target.element
            done = c.done(subject)
            gap = done.behind(progress - SCHEDULE_SLACK) if done else None
            if gap is None:
                continue
            shown_gap = round_half_up(progress, 2) - round_half_up(done.value, 2)
            gap_mark = c.book.mark(f"{shown_gap:.2f}", "difference", code=subject,
                                   name=f"{done.figure.name}完成率与时间进度之差", ou=c.ou, ou_name=c.ou_name,
                                   period=c.period.id, value=shown_gap, unit="个百分点",
                                   inputs={"时间进度": round_half_up(progress, 2),
                                           "完成率": round_half_up(done.value, 2)})
            out.append(Problem("behind_schedule", self._domain(subject), subject,
                               f"{done.figure.name}{done}，低于时间进度{gap_mark}个百分点", shown_gap,
                               done.figure.name))
        return out

    def _declined(self) -> list[Problem]:
        c = self.context
        out = []
        for code, indicator in c.package.indicators.items():
            if indicator.kind not in ("percent", "permille", "per_100k"):
                continue
            figure = c.fact(code)
            change = figure.yoy
            if not change or not change.worse:
                continue
            size = abs(change.value)
            limit = {"percent": DECLINE_POINTS, "permille": DECLINE_PERMILLE,
                     "per_100k": DECLINE_RELATIVE}[indicator.kind]
            if size < limit:
                continue
            out.append(Problem("declined", indicator.domain, code, f"{figure.name}为{figure}，{change}",
                               size / limit, figure.name))
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
                               f"{c.rank(worst, unit)}", worst_gap, town.ou_name))
        return out

    def _reporting(self) -> list[Problem]:
        c = self.context
        rates = c.reporting()
        if rates is None or rates.expected == 0 or (rates.late == 0 and rates.missing == 0):
            return []
        pieces = [f"{c.variables()['months']}月报及时率为{rates.timely_rate}"]
        if rates.late:
            pieces.append(f"迟报{self._count(rates.late, '迟报报表份数')}份")
        if rates.missing:
            pieces.append(f"未报{self._count(rates.missing, '未报报表份数')}份")
        return [Problem("reporting", None, None, "，".join(pieces), Decimal(rates.late + rates.missing), "月报")]

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
        for indicator in package.indicators.values():
            if f"#{{{code}}}" in indicator.numerator or f"#{{{code}." in indicator.numerator:
                return indicator.domain
        return None
