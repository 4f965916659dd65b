"""Roll-ups, indicators, 同比, 完成率 and ranking, written once on Ibis."""
from __future__ import annotations

from weijian.analytics.engine import Analytics
from weijian.analytics.results import Result
from weijian.analytics.rounding import round_half_up
from weijian.analytics.selection import OrgUnitSelection

__all__ = ["Analytics", "OrgUnitSelection", "Result", "round_half_up"]
