"""Machine API: DHIS2-compatible ``dataValueSets`` and the analytics query.

``POST /api/dataValueSets`` takes the DHIS2 JSON or CSV layout and reuses the
exchange importer (the body is written to a temporary file): all or nothing,
with the same row-level problem report as a file upload.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from weijian.errors import WeijianError
from weijian.exchange.readers import RawRecord
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
def get_values(dataSet: list[str] = Query(default=[]), period: list[str] = Query(default=[]),
               startDate: str | None = None, endDate: str | None = None, lastUpdated: str | None = None,
               children: bool = False, format: str = "json", ctx: Ctx = Depends(need("view"))):
    """``period`` and ``dataSet`` may repeat (DHIS2 clients send several); ``startDate``/``endDate``
    (yyyy-mm-dd) select the periods lying within them; ``lastUpdated`` keeps values changed since."""
    spans = [Period.parse(p) for p in period]
    if startDate or endDate:
        if not (startDate and endDate):
            raise WeijianError("startDate 和 endDate 要一起给出，如 startDate=2026-01-01&endDate=2026-06-30")
        first, last = _month_of(startDate, "startDate"), _month_of(endDate, "endDate")
        spans.append(Period(first, last))
    if not spans:
        raise WeijianError("请给出 period 参数（可多个），或 startDate 和 endDate，如 period=202405")
    elements = None
    if dataSet:
        unknown = [d for d in dataSet if d not in ctx.package.datasets]
        if unknown:
            raise WeijianError(f"报表编码“{'、'.join(unknown)}”不存在")
        elements = sorted({e for d in dataSet for e in ctx.package.datasets[d].elements})
    since = _since(lastUpdated)
    units = sorted({code for unit in ctx.units for code in
                    (ctx.scope & {c for c, u in ctx.package.orgunits.items() if unit.code in u.path}
                     if children else {unit.code})})
    rows, seen = [], set()
    with ctx.workspaces.reader() as ws:
        for span in spans:
            for v in ws.store.read_values(units, span.start, span.end, elements):
                key = (v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo)
                if key in seen or (since is not None and (v.lastupdated is None or v.lastupdated < since)):
                    continue
                seen.add(key)
                rows.append((v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo,
                             format_number(v.value), v.storedby,
                             v.lastupdated.isoformat() if v.lastupdated else None, v.comment, v.followup))
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(VALUE_COLUMNS)
        # free text (who stored it, the comment) could be a formula; codes and numbers cannot
        writer.writerows([escape_formula(c) if i in _TEXT_COLUMNS and isinstance(c, str) else c
                          for i, c in enumerate(row)] for row in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return json_response({"dataSet": dataSet[0] if len(dataSet) == 1 else None,
                          "period": spans[0].id if len(spans) == 1 else None, "orgUnit": ctx.ou.code,
                          "dataValues": [dict(zip(JSON_NAMES, row)) for row in rows]})


def _month_of(text: str, name: str) -> int:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise WeijianError(f"{name} 应为 yyyy-mm-dd 的日期，而不是“{text}”") from None
    return day.year * 12 + day.month - 1


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise WeijianError(f"lastUpdated 应为日期或时间，如 2026-06-01 或 2026-06-01T08:00:00，而不是“{text}”") from None


STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")


@router.post("/dataValueSets", summary="导入数据值（JSON 或 text/csv；dryRun、importStrategy）；有任何问题则不写入")
async def post_values(request: Request, dryRun: bool = False, importStrategy: str = "CREATE_AND_UPDATE",
                      ctx: Ctx = Depends(need("enter"))):
    """All or nothing, as every import here. DHIS2 clients get their ImportSummary: status,
    importCount, conflicts (one per problem, 409 when there are any); ours adds the problems
    with file row and column. CREATE keeps only new values, UPDATE only existing ones (the
    others counted as ignored), DELETE deletes the values named."""
    strategy = importStrategy.upper()
    if strategy not in STRATEGIES:
        raise WeijianError(f"importStrategy 应为 {'、'.join(STRATEGIES)} 之一")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = {"application/json": ".json", "text/csv": ".csv", "application/csv": ".csv"}.get(kind)
    if suffix is None:
        raise WeijianError("请求体应为 application/json 或 text/csv（DHIS2 dataValueSets 格式）")
    folder = temp_folder("weijian-api-")
    try:
        path = folder / f"dataValueSets{suffix}"
        await _save_body(request, path, ctx.settings.upload_mb)
        if strategy == "CREATE_AND_UPDATE":
            report, status = await run_in_threadpool(run_import, ctx, [path], dry_run=dryRun)
        else:
            report, status = await run_in_threadpool(_strategy_import, ctx, path, strategy, dryRun)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return json_response(import_summary(report), 409 if status == 422 else status)


def import_summary(report: dict) -> dict:
    """Our import report in DHIS2's ImportSummary shape (top level, and under ``response`` as 2.38+ sends it)."""
    summary = report.get("summary") or {}
    count = {"imported": summary.get("created", 0), "updated": summary.get("updated", 0),
             "ignored": summary.get("unchanged", 0) + report.get("ignored", 0), "deleted": summary.get("deleted", 0)}
    conflicts = [{"object": p.get("column") or p.get("file") or "", "objects": {"row": p.get("row")},
                  "value": p.get("message"), "errorCode": p.get("code")} for p in report.get("problems", [])]
    status = "SUCCESS" if report["ok"] else "ERROR"
    inner = {"responseType": "ImportSummary", "status": status, "importCount": count, "conflicts": conflicts,
             "description": report.get("message", "")}
    return {**report, "status": status, "importCount": count, "conflicts": conflicts, "responseType": "ImportSummary",
            "httpStatus": "OK" if report["ok"] else "Conflict", "httpStatusCode": 200 if report["ok"] else 409,
            "response": inner}


def _strategy_import(ctx: Ctx, path, strategy: str, dry_run: bool) -> tuple[dict, int]:
    """CREATE, UPDATE and DELETE: the body's values read and checked as in any import, then
    only the new (CREATE) or existing (UPDATE) ones imported, or the named ones deleted."""
    from weijian.exchange import Validator, read_records
    from weijian.storage import ValueRow

    validator = Validator(ctx.package, ctx.scope)
    rows, problems = [], []
    for item in read_records(path):
        result = item if not isinstance(item, RawRecord) else validator.validate(item)
        if isinstance(result, ValueRow):
            rows.append(result)
        else:
            problems.extend(result if isinstance(result, list) else [result])
    if problems:
        report = {"ok": False, "problems": [p.to_dict() for p in problems], "summary": None,
                  "message": "；".join(p.describe() for p in problems[:20])}
        return report, 403 if any(p.code == "out-of-scope" for p in problems) else 422
    with ctx.workspaces.reader() as ws:
        existing = _existing_keys(ws, rows)
    if strategy == "DELETE":
        keys = [row.key for row in rows if row.key in existing]
        deleted = 0 if dry_run else ctx.workspaces.write(
            lambda ws: ws.store.delete_values(keys, user=ctx.user.name, source="接口 dataValueSets DELETE"),
            touches="all")
        count = len(keys) if dry_run else deleted
        return {"ok": True, "problems": [], "ignored": len(rows) - len(keys), "message": f"删除 {count} 条",
                "summary": {"created": 0, "updated": 0, "unchanged": 0, "deleted": count}}, 200
    keep = [row for row in rows if (row.key in existing) == (strategy == "UPDATE")]
    if not keep:
        return {"ok": True, "problems": [], "ignored": len(rows), "message": "没有可导入的数据",
                "summary": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}}, 200
    folder = temp_folder("weijian-api-")
    try:
        kept = folder / "kept.json"
        kept.write_text(json.dumps({"dataValues": [
            {"dataElement": r.dataelement, "period": r.period, "orgUnit": r.orgunit,
             "categoryOptionCombo": r.categoryoptioncombo or None, "value": format_number(r.value),
             "comment": r.comment} for r in keep]}, ensure_ascii=False), encoding="utf-8")
        report, status = run_import(ctx, [kept], dry_run=dry_run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["ignored"] = len(rows) - len(keep)
    return report, status


def _existing_keys(ws, rows) -> set:
    wanted = {row.key for row in rows}
    units = sorted({row.orgunit for row in rows})
    if not units:
        return set()
    first = min(row.start_month for row in rows)
    last = max(row.end_month for row in rows)
    return {key for v in ws.store.read_values(units, first, last)
            if (key := (v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo)) in wanted}


async def _save_body(request: Request, path, limit_mb: float) -> None:
    """The request body into ``path``, refused (WeijianError) as soon as it passes the limit."""
    limit, written = int(limit_mb * 1024 * 1024), 0
    with open(path, "wb") as out:
        async for chunk in request.stream():
            written += len(chunk)
            if written > limit:
                raise WeijianError(f"请求体超过 {limit_mb:g} MB 上限")
            out.write(chunk)


@router.get("/analytics", summary="指标或数据项 × 机构 × 期间：本系统格式（indicator、ou、period），"
                                  "或 DHIS2 格式（dimension=dx:…;…&dimension=ou:…&dimension=pe:…，返回 headers/rows/metaData）")
def analytics(indicator: str | None = Query(None, description="编码，逗号分隔；数据项可带分类选项 CASES.CLASS_B"),
              ou: str | None = Query(None, description="机构编码或 children:编码，逗号分隔"),
              period: str | None = Query(None, description="期间，逗号分隔，如 2026S1,2026年1-10月"),
              dimension: list[str] = Query(default=[], description="DHIS2：dx:编码;编码、ou:编码、pe:期间"),
              ctx: Ctx = Depends(need("view"))):
    if dimension:
        return _dhis2_analytics(ctx, dimension)
    if not (indicator and ou and period):
        raise WeijianError("请给出 indicator、ou 和 period，或 DHIS2 的 dimension=dx:…&dimension=ou:…&dimension=pe:…")
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


def _dhis2_analytics(ctx: Ctx, dimensions: list[str]):
    """DHIS2's analytics answer: headers dx, ou, pe, value; rows of text; metaData items."""
    from weijian.web.access import check_ou

    wanted: dict[str, list[str]] = {}
    for item in dimensions:
        name, _, items = item.partition(":")
        wanted.setdefault(name.strip(), []).extend(i.strip() for i in items.split(";") if i.strip())
    missing = [d for d in ("dx", "ou", "pe") if not wanted.get(d)]
    if missing:
        raise WeijianError(f"dimension 缺少 {'、'.join(missing)}：如 dimension=dx:HTN_STD_RATE&dimension=ou:YL&dimension=pe:2026S1")
    if len(wanted["dx"]) * len(wanted["ou"]) * len(wanted["pe"]) > 2000:
        raise WeijianError("一次查询的组合过多（上限 2000），请分批查询")
    for code in wanted["ou"]:
        check_ou(ctx.package, ctx.user, code.removeprefix("children:"))
    rows, items = [], {}
    with ctx.workspaces.reader() as ws:
        for code in wanted["dx"]:
            for unit in wanted["ou"]:
                for p in wanted["pe"]:
                    for r in ws.query(code, unit, p):
                        items.setdefault(r.code, {"name": r.name})
                        items.setdefault(r.ou, {"name": r.ou_name})
                        items.setdefault(r.period, {"name": r.period_label})
                        if r.value is not None:
                            rows.append([r.code, r.ou, r.period, format(r.rounded, "f")])
    headers = [{"name": "dx", "column": "数据", "valueType": "TEXT", "type": "java.lang.String", "meta": True},
               {"name": "ou", "column": "机构", "valueType": "TEXT", "type": "java.lang.String", "meta": True},
               {"name": "pe", "column": "期间", "valueType": "TEXT", "type": "java.lang.String", "meta": True},
               {"name": "value", "column": "数值", "valueType": "NUMBER", "type": "java.lang.Double", "meta": False}]
    meta = {"items": items, "dimensions": {"dx": wanted["dx"], "ou": sorted({r[1] for r in rows}) or wanted["ou"],
                                           "pe": sorted({r[2] for r in rows}) or wanted["pe"]}}
    return json_response({"headers": headers, "metaData": meta, "rows": rows, "height": len(rows),
                          "width": len(headers)})
