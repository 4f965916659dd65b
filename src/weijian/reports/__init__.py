"""Drafting 工作总结: how figures, changes, dates and periods are written in Chinese."""
from __future__ import annotations

from weijian.reports.numbers import (
    Change,
    completion_rate,
    completion_word,
    describe_change,
    format_change,
    format_completion,
    format_count,
    format_date,
    format_indicator_value,
    format_month_day,
    format_per_100k,
    format_percent,
    format_permille,
    format_ratio,
    format_wan_yi,
    period_phrase,
    rank_phrase,
    until_phrase,
)

__all__ = [
    "Change",
    "completion_rate",
    "completion_word",
    "describe_change",
    "format_change",
    "format_completion",
    "format_count",
    "format_date",
    "format_indicator_value",
    "format_month_day",
    "format_per_100k",
    "format_percent",
    "format_permille",
    "format_ratio",
    "format_wan_yi",
    "period_phrase",
    "rank_phrase",
    "until_phrase",
]
