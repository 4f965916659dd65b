"""The synthetic demo county used by ``weijian demo``, docs and tests."""
from __future__ import annotations

from weijian.demo.build import build_demo, latest_reported_month
from weijian.demo.summary import demo_summary, latest_half_year

__all__ = ["build_demo", "demo_summary", "latest_half_year", "latest_reported_month"]
