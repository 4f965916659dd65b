"""上报情况: completeness and timeliness as a heatmap (org units × months) with
drill-down to the reports that are missing or late. A report counts once registered
complete (上报: the entry form's button, the API, or an imported file), like 数据审核."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi import APIRouter, Depends, Request

from weijian.analytics import round_half_up
from weijian.model.periods import Period
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.common import units_choice

router = APIRouter()


def _default_range(ctx: Ctx) -> Period:
    latest = ctx.workspaces.latest_month
    return Period(latest.start - latest.start % 12, latest.end)


def heatmap(ctx: Ctx, period_text: str | None, dataset: str | None) -> dict:
    """Rows: the unit's children (or the unit itself when it has none); columns: months;
    each cell 应报/实报/及时报 with 上报率 and 及时率."""
    ou = ctx.ou
    period = Period.parse(period_text) if period_text else _default_range(ctx)
    with ctx.workspaces.reader() as ws:
        found = ws.reporting(ou.code, period, dataset)
    children = [c for c in ctx.package.children(ou.code)] or [ou]
    depth = len(ou.path)
    cells: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for report in found.reports:
        unit = ctx.package.orgunits[report.ou]
        row = unit.path[depth] if len(unit.path) > depth else ou.code
        counts = cells[(row, Period.parse(report.period).end)]
        counts[0] += 1
        counts[1] += report.reported
        counts[2] += report.timely
    months = period.months()
    rows = []
    for child in children:
        row_cells = []
        for month in months:
            expected, reported, timely = cells.get((child.code, month.end), (0, 0, 0))
            row_cells.append({"period": month.id, "expected": expected, "reported": reported, "timely": timely,
                              "reporting_rate": _rate(reported, expected), "timely_rate": _rate(timely, expected)})
        if any(c["expected"] for c in row_cells):
            rows.append({"ou": child.code, "name": child.name, "cells": row_cells})
    total = found.total(dataset).to_dict()
    return {"ou": ou.code, "ou_name": ou.name, "period": period.id, "period_label": period.label,
            "dataset": dataset, "datasets": [{"code": d.code, "name": d.name} for d in ctx.package.datasets.values()],
            "months": [{"id": m.id, "label": f"{m.start_month}月"} for m in months], "rows": rows, "total": total,
            "units": units_choice(ctx, max_level=ctx.package.max_level - 1)}


def missing(ctx: Ctx, period_text: str, dataset: str | None) -> dict:
    """Who has not reported (and who reported late) in ``ctx.ou``'s subtree for ``period``."""
    period = Period.parse(period_text)
    with ctx.workspaces.reader() as ws:
        found = ws.reporting(ctx.ou.code, period, dataset)
    names = ctx.package.datasets
    items = [{"ou": r.ou, "name": ctx.package.orgunits[r.ou].name, "dataset": r.dataset,
              "dataset_name": names[r.dataset].name, "period": r.period, "due": r.due.date(),
              "status": "未报" if not r.reported else "迟报", "reported_at": r.first_created,
              "reported_by": r.completed_by}
             for r in found.reports if not r.reported or not r.timely]
    items.sort(key=lambda i: (i["status"], i["ou"], i["dataset"]))
    return {"ou": ctx.ou.code, "ou_name": ctx.ou.name, "period": period.id, "period_label": period.label,
            "items": items, "total": found.total(dataset).to_dict()}


def _rate(part: int, whole: int) -> Decimal | None:
    return round_half_up(Decimal(part) * 100 / whole, 1) if whole else None


@router.get("/reporting", include_in_schema=False)
@router.get("/api/reporting", tags=["上报情况"], summary="上报率、及时率：下级机构 × 月份")
def reporting_page(request: Request, period: str | None = None, dataset: str | None = None,
                   measure: str = "reporting", ctx: Ctx = Depends(need("view"))):
    data = heatmap(ctx, period, dataset or None)
    data["measure"] = "timely" if measure == "timely" else "reporting"
    return respond(request, "reporting.html", data, ctx.user, page="reporting")


@router.get("/reporting/missing", include_in_schema=False)
@router.get("/api/reporting/missing", tags=["上报情况"], summary="某机构某期未报、迟报的报表")
def missing_page(request: Request, period: str, dataset: str | None = None, ctx: Ctx = Depends(need("view"))):
    template = "_missing.html" if request.headers.get("HX-Request") else "missing.html"
    return respond(request, template, missing(ctx, period, dataset or None), ctx.user, page="reporting")
