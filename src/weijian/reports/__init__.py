"""Drafting 工作总结: how figures, changes, dates and periods are written in Chinese.

The number-writing helpers live in ``weijian.reports.numbers`` (its ``__all__``
is the list); they are re-exported here.
"""
from __future__ import annotations

from weijian.reports import numbers
from weijian.reports.numbers import *  # noqa: F403 - the public helpers, listed once in numbers.__all__

__all__ = list(numbers.__all__)
