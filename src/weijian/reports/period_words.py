"""Words that depend on the kind of period a summary covers.

A half-year summary speaks of 时间进度, 去年同期 and 下半年; an annual one of
年度任务, 上年 and next year's plan; a quarter or a month of its own quarter
or month. ``period_words`` gives the template (and the problem wording) the
right set; kinds a summary is not written for are refused in Chinese.
"""
from __future__ import annotations

from weijian.errors import ReportError
from weijian.model.periods import Period
from weijian.reports.numbers import period_phrase

_CN_QUARTER = "一二三四"


def period_words(period: Period) -> dict:
    """The words of ``period``'s summary: ``name`` (上半年, 全年, 第一季度, 5月),
    ``title_tail`` (what follows the organ and year in the title), ``done_heading``,
    ``plan_heading``, ``next`` (the period planned for), ``last`` (去年同期 / 上年)
    and ``annual``/``kind``."""
    kind, year = period.kind, period.year
    if period.start_year != period.year:
        raise ReportError(f"不支持跨年度的期间“{period.label}”：工作总结按月、季度、半年或全年起草")
    if kind == "year":
        return dict(kind=kind, annual=True, name="全年", title_tail="年度工作总结", done_heading="主要工作完成情况",
                    plan_heading=f"{year + 1}年工作计划", next=f"{year + 1}年", next_short="下一年", last="上年",
                    in_period=f"{year}年")
    if kind == "half":
        first = period.start_month == 1
        name = "上半年" if first else "下半年"
        return dict(kind=kind, annual=not first, name=name,
                    title_tail=("年上半年工作总结及下半年工作计划" if first else "年下半年工作总结"),
                    done_heading=f"{name}工作完成情况",
                    plan_heading="下半年工作安排" if first else f"{year + 1}年工作计划",
                    next="下半年" if first else f"{year + 1}年", next_short="下半年" if first else "下一年",
                    last="去年同期", in_period=f"{year}年{name}")
    if kind == "quarter":
        q = (period.start_month - 1) // 3
        name = f"第{_CN_QUARTER[q]}季度"
        following = f"第{_CN_QUARTER[q + 1]}季度" if q < 3 else f"{year + 1}年第一季度"
        return dict(kind=kind, annual=False, name=name, title_tail=f"年{name}工作总结",
                    done_heading=f"{name}工作完成情况", plan_heading=f"{following}工作安排", next=following,
                    next_short=following, last="去年同期", in_period=f"{year}年{name}")
    if kind == "month":
        month = period.end_month
        name = f"{month}月"
        following = f"{month + 1}月" if month < 12 else f"{year + 1}年1月"
        return dict(kind=kind, annual=False, name=name, title_tail=f"年{name}份工作总结",
                    done_heading=f"{name}份工作完成情况", plan_heading=f"{following}份工作安排", next=following,
                    next_short=following, last="去年同期", in_period=f"{year}年{name}")
    raise ReportError(f"不支持为“{period.label}”（{period_phrase(period)}）起草工作总结："
                      "请选择一个月、一个季度、上半年、下半年或全年，如 2026S1、2026Q1、202605、2025")
