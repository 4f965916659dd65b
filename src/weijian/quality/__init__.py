"""Data-quality checks (数据审核): validation rules, outliers, completeness and
timeliness, each returning ``Finding`` values (DESIGN §8).

    from weijian.quality import check
    findings = check(ws.analytics, "YL", Period.parse("2026年1-10月"))

Everything takes an ``Analytics`` (values table, org-unit table, package), so
the checks run on whatever backend the analytics run on.
"""
from __future__ import annotations

from datetime import datetime

from weijian.analytics import Analytics
from weijian.errors import NotFoundError
from weijian.model.periods import Period
from weijian.quality.completeness import (
    Completeness, Rates, ReportStatus, completeness, late_reports, missing_reports,
)
from weijian.quality.findings import Finding, sort_findings, subtree
from weijian.quality.outliers import OutlierScore, find_outliers, outlier_scores
from weijian.quality.rules import run_rules

__all__ = [
    "Completeness", "Finding", "OutlierScore", "Rates", "ReportStatus", "check", "completeness",
    "find_outliers", "late_reports", "missing_reports", "outlier_scores", "run_rules", "sort_findings", "subtree",
]


def check(analytics: Analytics, orgunit: str, period: Period, *, as_of: datetime | None = None) -> list[Finding]:
    """Every finding for ``orgunit`` and the units below it inside ``period``:
    broken rules, outliers, overdue missing reports (as of ``as_of``, default
    now) and late ones, sorted by importance, then unit, then period."""
    if orgunit not in analytics.package.orgunits:
        raise NotFoundError(f"机构编码“{orgunit}”不存在")
    units = subtree(analytics.package, orgunit)
    findings = run_rules(analytics, units, period)
    findings += find_outliers(analytics, units, period)
    reports = completeness(analytics, units, period)
    findings += reports.missing_findings(as_of) + reports.late_findings()
    return sort_findings(findings)
