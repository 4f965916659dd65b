"""指标看板: headline indicators with 同比 and 完成率, a trend chart, the ranking of the
units one level down, and the table behind it (exportable to Excel). Any indicator
(or data element), org unit and period; the same call answers the page and the API."""
from __future__ import annotations

import io
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from weijian.analytics import OrgUnitSelection, round_half_up
from weijian.analytics.rounding import to_decimal
from weijian.errors import NotFoundError
from weijian.exchange.validate import escape_formula
from weijian.model.periods import Period
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.common import log, units_choice

router = APIRouter()
HEADLINES = 6
TREND_MONTHS = 24


def default_period(ctx: Ctx) -> Period:
    return ctx.workspaces.latest_month.year_to_date()


def headline_codes(ctx: Ctx, year: int) -> list[str]:
    """Indicators with a target for the county that year (what the bureau is measured on), then any."""
    root = ctx.workspaces.root
    with_target = [c for c in ctx.package.indicators if ctx.package.target_for(c, root, year)]
    rest = [c for c in ctx.package.indicators if c not in with_target]
    return (with_target + rest)[:HEADLINES]


def dashboard(ctx: Ctx, code: str | None, period_text: str | None) -> dict:
    period = Period.parse(period_text) if period_text else default_period(ctx)
    headlines = headline_codes(ctx, period.year)
    code = code or headlines[0]
    if code not in ctx.package.indicators and code.partition(".")[0] not in ctx.package.elements:
        raise NotFoundError(f"指标或数据项编码“{code}”不存在")
    ou = ctx.ou
    months = (min(period.start - 12, period.end - TREND_MONTHS + 1), period.end)
    key = ("dashboard", code, ou.code, period.id)
    figures = ctx.workspaces.cache.get(key, ou.code, months, lambda: _figures(ctx, code, headlines, period))
    return {"indicator": code, "ou": ou.code, "ou_name": ou.name, "period": period.id, "period_label": period.label,
            **figures, "units": units_choice(ctx, max_level=ctx.package.max_level - 1),
            "indicators": [{"code": c, "name": i.name} for c, i in ctx.package.indicators.items()]}


def _figures(ctx: Ctx, code: str, headlines: list[str], period: Period) -> dict:
    ou = ctx.ou
    children = [c.code for c in ctx.package.children(ou.code)]
    trend = [Period(m, m) for m in range(period.end - TREND_MONTHS + 1, period.end + 1)]
    with ctx.workspaces.reader() as ws:
        analytics = ws.analytics
        found = analytics.figures(list(dict.fromkeys([*headlines, code])), [ou.code], period)
        ranking = analytics.query(code, children, period, rank=True) if children else []
        rows = analytics.rows([code], OrgUnitSelection.of_codes(ctx.package, [ou.code]), trend)
    by_period = {period: to_decimal(value) for _, _, period, _, _, value in rows}
    selected = found[(code, ou.code)]
    return {
        "headline": [found[(c, ou.code)].to_dict() for c in headlines],
        "selected": selected.to_dict(),
        "trend": [{"period": p.id, "label": f"{p.start_year % 100}年{p.start_month}月",
                   "value": _scaled(by_period.get(p.id), selected)} for p in trend],
        "ranking": [r.to_dict() for r in ranking],
    }


def _scaled(value, result):
    """A trend point as the indicator shows it (rounded to its decimals)."""
    return round_half_up(value, result.decimals) if value is not None else None


@router.get("/dashboard", include_in_schema=False)
@router.get("/api/dashboard", tags=["指标看板"], summary="主要指标（同比、完成率）、趋势、下级排名")
def dashboard_page(request: Request, indicator: str | None = None, period: str | None = None,
                   ctx: Ctx = Depends(need("view"))):
    return respond(request, "dashboard.html", dashboard(ctx, indicator, period), ctx.user, page="dashboard")


@router.get("/dashboard/export.xlsx", include_in_schema=False)
@router.get("/api/dashboard/export.xlsx", tags=["指标看板"], summary="看板表格导出为 Excel")
def export(indicator: str | None = None, period: str | None = None, ctx: Ctx = Depends(need("view"))):
    from openpyxl import Workbook

    data = dashboard(ctx, indicator, period)
    book = Workbook()
    sheet = book.active
    sheet.title = "指标看板"
    sheet.append([f"{data['ou_name']} {data['period_label']}"])
    header = ["排名", "机构", "指标", "数值", "单位", "分子", "分母", "去年同期", "同比", "同比单位", "目标", "完成率(%)"]
    sheet.append(header)
    rows = [data["selected"], *data["ranking"]]
    for r in rows:
        sheet.append([r.get("rank"), r["ou_name"], r["name"], r["value"], r["unit"], r["numerator"],
                      r["denominator"], r["previous"], r["change"], r["change_unit"], r["target"], r["completion"]])
    sheet.append([])
    sheet.append(["主要指标"])
    sheet.append(header)
    for r in data["headline"]:
        sheet.append([None, r["ou_name"], r["name"], r["value"], r["unit"], r["numerator"], r["denominator"],
                      r["previous"], r["change"], r["change_unit"], r["target"], r["completion"]])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = escape_formula(cell.value)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    log(ctx, "dashboard-export", ou=ctx.ou.code, period=data["period"], detail=data["indicator"])
    name = f"{data['ou_name']}{data['period_label']}{data['selected']['name']}.xlsx"
    return StreamingResponse(out, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
