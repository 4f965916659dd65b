"""Machine API: DHIS2-compatible ``dataValueSets`` and the analytics query.

``POST /api/dataValueSets`` takes the DHIS2 JSON or CSV layout and reuses the
exchange importer (the body is written to a temporary file): all or nothing,
with the same row-level problem report as a file upload.
"""
from __future__ import annotations

import csv
import io
import shutil

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from weijian.errors import WeijianError
from weijian.exchange.validate import escape_formula, format_number
from weijian.model.periods import Period
from weijian.storage import VALUE_COLUMNS
from weijian.web.access import Ctx, need
from weijian.web.render import json_response
from weijian.web.views.common import temp_folder
from weijian.web.views.imports import run_import

router = APIRouter(prefix="/api", tags=["接口"])
JSON_NAMES = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value",
              "storedBy", "lastUpdated", "comment", "followup")
_TEXT_COLUMNS = (JSON_NAMES.index("storedBy"), JSON_NAMES.index("comment"))


@router.get("/dataValueSets", summary="导出数据值（DHIS2 dataValueSets 格式，JSON 或 format=csv）")
def get_values(dataSet: str | None = None, period: str | None = None, children: bool = False,
               format: str = "json", ctx: Ctx = Depends(need("view"))):
    if period is None:
        raise WeijianError("请给出 period 参数，如 202405、2024S1、202401..202406")
    p = Period.parse(period)
    elements = None
    if dataSet:
        if dataSet not in ctx.package.datasets:
            raise WeijianError(f"报表编码“{dataSet}”不存在")
        elements = list(ctx.package.datasets[dataSet].elements)
    units = sorted({code for unit in ctx.units for code in
                    (ctx.scope & {c for c, u in ctx.package.orgunits.items() if unit.code in u.path}
                     if children else {unit.code})})
    with ctx.workspaces.reader() as ws:
        rows = [(v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo,
                 format_number(v.value), v.storedby, v.lastupdated.isoformat() if v.lastupdated else None,
                 v.comment, v.followup)
                for v in ws.store.read_values(units, p.start, p.end, elements)]
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(VALUE_COLUMNS)
        # free text (who stored it, the comment) could be a formula; codes and numbers cannot
        writer.writerows([escape_formula(c) if i in _TEXT_COLUMNS and isinstance(c, str) else c
                          for i, c in enumerate(row)] for row in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return json_response({"dataSet": dataSet, "period": p.id, "orgUnit": ctx.ou.code,
                          "dataValues": [dict(zip(JSON_NAMES, row)) for row in rows]})


@router.post("/dataValueSets", summary="导入数据值（JSON 或 text/csv；dryRun=true 只检查）；有任何问题则不写入")
async def post_values(request: Request, dryRun: bool = False, ctx: Ctx = Depends(need("enter"))):
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = {"application/json": ".json", "text/csv": ".csv", "application/csv": ".csv"}.get(kind)
    if suffix is None:
        raise WeijianError("请求体应为 application/json 或 text/csv（DHIS2 dataValueSets 格式）")
    folder = temp_folder("weijian-api-")
    try:
        path = folder / f"dataValueSets{suffix}"
        await _save_body(request, path, ctx.settings.upload_mb)
        report, status = await run_in_threadpool(run_import, ctx, [path], dry_run=dryRun)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary = report.get("summary") or {}
    report.update(status="SUCCESS" if report["ok"] else "ERROR",
                  importCount={"imported": summary.get("created", 0), "updated": summary.get("updated", 0),
                               "ignored": summary.get("unchanged", 0), "deleted": summary.get("deleted", 0)})
    return json_response(report, status)


async def _save_body(request: Request, path, limit_mb: float) -> None:
    """The request body into ``path``, refused (WeijianError) as soon as it passes the limit."""
    limit, written = int(limit_mb * 1024 * 1024), 0
    with open(path, "wb") as out:
        async for chunk in request.stream():
            written += len(chunk)
            if written > limit:
                raise WeijianError(f"请求体超过 {limit_mb:g} MB 上限")
            out.write(chunk)


@router.get("/analytics", summary="指标或数据项 × 机构 × 期间（含同比、完成率；children:编码 列出下级并排名）")
def analytics(indicator: str = Query(..., description="编码，逗号分隔；数据项可带分类选项 CASES.CLASS_B"),
              ou: str = Query(..., description="机构编码或 children:编码，逗号分隔"),
              period: str = Query(..., description="期间，逗号分隔，如 2026S1,2026年1-10月"),
              ctx: Ctx = Depends(need("view"))):
    codes = [c.strip() for c in indicator.split(",") if c.strip()]
    units = [u.strip() for u in ou.split(",") if u.strip()]
    periods = [p.strip() for p in period.split(",") if p.strip()]
    if len(codes) * len(units) * len(periods) > 2000:
        raise WeijianError("一次查询的组合过多（上限 2000），请分批查询")
    rows = []
    with ctx.workspaces.reader() as ws:
        for code in codes:
            for unit in units:
                for p in periods:
                    rows.extend(r.to_dict() for r in ws.query(code, unit, p))
    return json_response({"rows": rows})
