"""The DHIS2 Web API subset standard clients use, in DHIS2's shapes (codes are the ids).

    GET  /api/system/info
    GET  /api/organisationUnits | dataSets | dataElements | categoryOptionCombos   (paged; fields=, filter=)
    GET  /api/dataValues?de=&pe=&ou=[&co=]      POST /api/dataValues      DELETE /api/dataValues?de=&pe=&ou=
    GET  /api/completeDataSetRegistrations?dataSet=&period=&orgUnit=[&children=true]
    POST /api/completeDataSetRegistrations      DELETE /api/completeDataSetRegistrations?ds=&pe=&ou=

``/api/me`` and ``/api/dataValueSets`` live with their pages (home.py, api.py). A list
answers ``{"pager": {...}, "<resource>": [...]}``; ``fields`` picks id, code, name,
displayName and the resource's own fields (``:all`` or ``*`` for all); ``filter`` takes
``field:eq:value``, ``field:ilike:text``, ``field:in:[a,b]`` (repeatable: all must hold);
``paging=false`` returns every item.
"""
from __future__ import annotations

import platform
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from weijian import __version__
from weijian.errors import WeijianError
from weijian.exchange import RawRecord, Validator
from weijian.exchange.validate import format_number
from weijian.model.periods import Period
from weijian.web.access import Ctx, check_ou, need
from weijian.web.render import json_response

router = APIRouter(prefix="/api", tags=["DHIS2 接口"])
DHIS2_VERSION = "2.40.0"  # the API generation these shapes follow
DEFAULT_OPTION = "default"


@router.get("/system/info", summary="系统信息（DHIS2 system/info）")
def system_info(request: Request, ctx: Ctx = Depends(need("view"))):
    return json_response({"version": DHIS2_VERSION, "revision": f"weijian-{__version__}",
                          "systemName": "weijian 卫健", "serverDate": datetime.now().isoformat(timespec="seconds"),
                          "contextPath": str(request.base_url).rstrip("/"), "calendar": "iso8601",
                          "dateFormat": "yyyy-mm-dd", "javaVersion": None, "pythonVersion": platform.python_version()})


# -- metadata lists -----------------------------------------------------------------------------
def _orgunits(ctx: Ctx) -> list[dict]:
    names = {c: u.name for c, u in ctx.package.orgunits.items()}
    return [{"id": u.code, "code": u.code, "name": u.name, "displayName": u.name, "shortName": u.name,
             "level": u.level, "path": "/" + "/".join(u.path), "type": u.type,
             "parent": {"id": u.parent, "displayName": names.get(u.parent)} if u.parent else None}
            for u in ctx.package.orgunits.values() if u.code in ctx.scope]


def _datasets(ctx: Ctx) -> list[dict]:
    types = {"monthly": "Monthly", "quarterly": "Quarterly", "half_yearly": "SixMonthly", "yearly": "Yearly"}
    return [{"id": d.code, "code": d.code, "name": d.name, "displayName": d.name, "periodType": types[d.period_type],
             "expiryDays": d.due_day, "dataSetElements": [{"dataElement": {"id": e}} for e in d.elements],
             "organisationUnitTypes": list(d.orgunit_types)} for d in ctx.package.datasets.values()]


def _elements(ctx: Ctx) -> list[dict]:
    aggregation = {"sum": "SUM", "last": "LAST", "average": "AVERAGE", "max": "MAX", "min": "MIN"}
    return [{"id": e.code, "code": e.code, "name": e.name, "displayName": e.name, "shortName": e.name,
             "valueType": "INTEGER_ZERO_OR_POSITIVE" if e.value_type == "integer" else "NUMBER",
             "aggregationType": aggregation.get(e.aggregation, "SUM"), "domainType": "AGGREGATE",
             "categoryCombo": {"id": e.category or DEFAULT_OPTION}, "unit": e.unit}
            for e in ctx.package.elements.values()]


def _option_combos(ctx: Ctx) -> list[dict]:
    combos = [{"id": DEFAULT_OPTION, "code": DEFAULT_OPTION, "name": DEFAULT_OPTION, "displayName": DEFAULT_OPTION,
               "categoryCombo": {"id": DEFAULT_OPTION}}]
    for category in ctx.package.categories.values():
        combos += [{"id": o.code, "code": o.code, "name": o.name, "displayName": o.name,
                    "categoryCombo": {"id": category.code}} for o in category.options]
    return combos


LISTS = {"organisationUnits": _orgunits, "dataSets": _datasets, "dataElements": _elements,
         "categoryOptionCombos": _option_combos}


def _matches(item: dict, rule: str) -> bool:
    field, _, rest = rule.partition(":")
    operator, _, value = rest.partition(":")
    found = item.get(field)
    if isinstance(found, dict):
        found = found.get("id")
    text = "" if found is None else str(found)
    if operator == "eq":
        return text == value
    if operator == "ne":
        return text != value
    if operator in ("ilike", "like", "token"):
        return value.lower() in text.lower()
    if operator == "in":
        return text in {v.strip() for v in value.strip("[]").split(",")}
    raise WeijianError(f"不支持的过滤条件“{rule}”：可用 eq、ne、ilike、in，如 name:ilike:官庄")


def _fields(item: dict, fields: str) -> dict:
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    if not wanted or any(f in (":all", "*", ":owner") for f in wanted):
        return {k: v for k, v in item.items() if v is not None}
    picked = {}
    for field in wanted:
        name = field.split("[", 1)[0]
        if name in item:
            picked[name] = item[name]
    return picked


def _listing(resource: str, ctx: Ctx, fields: str, filters: list[str], page: int, page_size: int, paging: bool):
    items = [i for i in LISTS[resource](ctx) if all(_matches(i, rule) for rule in filters)]
    total = len(items)
    if paging:
        page, page_size = max(page, 1), min(max(page_size, 1), 1000)
        items = items[(page - 1) * page_size: page * page_size]
    body = {resource: [_fields(i, fields) for i in items]}
    if paging:
        body["pager"] = {"page": page, "pageCount": max(1, -(-total // page_size)), "total": total,
                         "pageSize": page_size}
    return json_response(body)


def _list_route(resource: str):
    def route(fields: str = "id,displayName", filter: list[str] = Query(default=[]), page: int = 1,
              pageSize: int = 50, paging: bool = True, ctx: Ctx = Depends(need("view"))):
        return _listing(resource, ctx, fields, filter, page, pageSize, paging)
    route.__name__ = f"list_{resource}"
    return route


def _item_route(resource: str):
    def route(uid: str, fields: str = ":all", ctx: Ctx = Depends(need("view"))):
        found = next((i for i in LISTS[resource](ctx) if i["id"] == uid), None)
        if found is None:
            return json_response({"httpStatus": "Not Found", "httpStatusCode": 404, "status": "ERROR",
                                  "message": f"没有“{uid}”（或不在您的范围内）"}, 404)
        return json_response(_fields(found, fields))
    route.__name__ = f"get_{resource}"
    return route


for _resource, _label in (("organisationUnits", "机构（本人范围）"), ("dataSets", "报表"),
                          ("dataElements", "数据项"), ("categoryOptionCombos", "分类选项")):
    router.add_api_route(f"/{_resource}", _list_route(_resource), methods=["GET"],
                         summary=f"{_label}列表（DHIS2 格式；fields=、filter=、page/pageSize、paging=false）")
    router.add_api_route(f"/{_resource}/{{uid}}", _item_route(_resource), methods=["GET"],
                         summary=f"单个{_label}（DHIS2 格式，id 即编码）")


# -- single data values -----------------------------------------------------------------------
def _key(ctx: Ctx, de: str, pe: str, ou: str, co: str | None) -> tuple[str, Period, str, str]:
    if de not in ctx.package.elements:
        raise WeijianError(f"数据项“{de}”不存在")
    check_ou(ctx.package, ctx.user, ou)
    period = Period.parse(pe)
    return de, period, ou, "" if co in (None, "", DEFAULT_OPTION) else co


@router.get("/dataValues", summary="单个数据值（DHIS2 dataValues：de、pe、ou、co）")
def get_value(de: str, pe: str, ou: str, co: str | None = None, ctx: Ctx = Depends(need("view"))):
    de, period, ou, co = _key(ctx, de, pe, ou, co)
    with ctx.workspaces.reader() as ws:
        found = [v for v in ws.store.read_values([ou], period.start, period.end, [de])
                 if v.period == period.id and (v.categoryoptioncombo or "") == co]
    if not found:
        return json_response({"httpStatus": "Not Found", "httpStatusCode": 404, "status": "ERROR",
                              "message": "没有这个数据值"}, 404)
    return json_response([format_number(found[0].value)])  # DHIS2 answers the value as a one-item list


@router.post("/dataValues", summary="保存单个数据值（JSON 体或 de/pe/ou/co/value 查询参数）")
async def set_value(request: Request, ctx: Ctx = Depends(need("enter"))):
    params = dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        params.update({"de": body.get("dataElement"), "pe": body.get("period"), "ou": body.get("orgUnit"),
                       "co": body.get("categoryOptionCombo"), "value": body.get("value"),
                       "comment": body.get("comment")})
    for name in ("de", "pe", "ou"):
        if not params.get(name):
            raise WeijianError(f"缺少参数 {name}（数据项 de、期间 pe、机构 ou）")
    de, period, ou, co = _key(ctx, params["de"], params["pe"], params["ou"], params.get("co"))
    record = RawRecord("dataValues", 1, {"dataelement": de, "period": period.id, "orgunit": ou,
                                         "categoryoptioncombo": co or None, "value": params.get("value"),
                                         "comment": params.get("comment")}, {})
    row = Validator(ctx.package, ctx.scope).validate(record)
    if isinstance(row, list):
        return _conflicts([p.message for p in row])
    summary = await run_in_threadpool(ctx.workspaces.write_cells, [row], user=ctx.user.name, source="接口 dataValues")
    return json_response({"httpStatus": "Created", "httpStatusCode": 201, "status": "OK",
                          "message": "已保存", "importCount": {"imported": summary.created,
                                                             "updated": summary.updated, "ignored": summary.unchanged,
                                                             "deleted": 0}}, 201)


@router.delete("/dataValues", summary="删除单个数据值（de、pe、ou、co）")
async def delete_value(de: str, pe: str, ou: str, co: str | None = None, ctx: Ctx = Depends(need("enter"))):
    de, period, ou, co = _key(ctx, de, pe, ou, co)
    deleted = await run_in_threadpool(ctx.workspaces.write, lambda ws: ws.store.delete_values(
        [(de, period.id, ou, co, "")], user=ctx.user.name, source="接口 dataValues"), touches="all")
    if not deleted:
        return json_response({"httpStatus": "Not Found", "httpStatusCode": 404, "status": "ERROR",
                              "message": "没有这个数据值"}, 404)
    return Response(status_code=204)


def _conflicts(messages: list[str]):
    return json_response({"httpStatus": "Conflict", "httpStatusCode": 409, "status": "ERROR",
                          "message": "；".join(messages),
                          "response": {"responseType": "ImportSummary", "status": "ERROR",
                                       "conflicts": [{"object": "value", "value": m} for m in messages]}}, 409)


# -- complete data set registrations (上报) -------------------------------------------------------
REGISTRATION_SOURCE = "接口 completeDataSetRegistrations"


def _registration_units(ctx: Ctx, children: bool) -> list[str]:
    wanted = {u.code for u in ctx.units}
    if children:
        wanted = {c for c, u in ctx.package.orgunits.items() if wanted & set(u.path)} & ctx.scope
    return sorted(wanted)


@router.get("/completeDataSetRegistrations",
            summary="报表上报登记（DHIS2 completeDataSetRegistrations：dataSet、period 或 startDate/endDate、"
                    "orgUnit 可重复，children=true 含下级）")
def get_registrations(dataSet: list[str] = Query(default=[]), period: list[str] = Query(default=[]),
                      startDate: str | None = None, endDate: str | None = None, children: bool = False,
                      ctx: Ctx = Depends(need("view"))):
    """``period`` matches exactly; ``startDate``/``endDate`` take every period lying within them."""
    from weijian.web.views.api import _month_of

    unknown = [d for d in dataSet if d not in ctx.package.datasets]
    if unknown:
        raise WeijianError(f"报表编码“{'、'.join(unknown)}”不存在")
    exact = [Period.parse(p) for p in period]
    spans = [(p.start, p.end) for p in exact]
    if startDate or endDate:
        if not (startDate and endDate):
            raise WeijianError("startDate 和 endDate 要一起给出，如 startDate=2026-01-01&endDate=2026-06-30")
        spans.append((_month_of(startDate, "startDate"), _month_of(endDate, "endDate")))
    if not spans:
        raise WeijianError("请给出 period 参数（可多个），或 startDate 和 endDate，如 period=202405")
    ids = {p.id for p in exact}
    within = spans[len(exact):]
    units = _registration_units(ctx, children)
    with ctx.workspaces.reader() as ws:
        found = ws.store.registrations(units, min(s for s, _ in spans), max(e for _, e in spans),
                                       dataSet or None)
    rows = []
    for r in found:
        p = Period.parse(r.period)
        if r.period in ids or any(start <= p.start and p.end <= end for start, end in within):
            rows.append({"dataSet": r.dataset, "period": r.period, "organisationUnit": r.orgunit,
                         "attributeOptionCombo": DEFAULT_OPTION, "completed": True,
                         "date": r.completed_at.isoformat(timespec="seconds"), "storedBy": r.completed_by,
                         "lastUpdated": r.completed_at.isoformat(timespec="seconds"),
                         "lastUpdatedBy": r.completed_by})
    return json_response({"completeDataSetRegistrations": rows})


def _registration_conflict(ctx: Ctx, item, completed_default: bool = True):
    """(key, completed, conflict message, forbidden): one item of a POST checked as 上报 would be."""
    from weijian.web.auth import AuthError
    from weijian.web.views.entry import report_key, report_rules

    if not isinstance(item, dict):
        return None, True, "每一项应为对象：{dataSet, period, organisationUnit, completed}", False
    ds, pe, ou = item.get("dataSet"), item.get("period"), item.get("organisationUnit")
    if isinstance(ds, dict):
        ds = ds.get("id")
    if isinstance(ou, dict):
        ou = ou.get("id")
    missing = [name for name, value in (("dataSet", ds), ("period", pe), ("organisationUnit", ou)) if not value]
    if missing:
        return None, True, f"缺少 {'、'.join(missing)}", False
    completed = item.get("completed", completed_default) not in (False, "false", "FALSE", 0)
    ds, pe, ou = str(ds), str(pe), str(ou)
    try:
        check_ou(ctx.package, ctx.user, ou)
    except AuthError as error:
        return None, completed, error.message, error.status == 403
    try:
        dataset, period = report_key(ctx, ds, pe, ou)
    except WeijianError as error:
        return None, completed, str(error), False
    with ctx.workspaces.reader() as ws:
        cover = ws.store.is_locked(ou, period.start, period.end)
    if cover is not None:
        return None, completed, (f"{ctx.package.orgunits[ou].name} {period.label} 的数据已由 {cover.approved_by} "
                                 f"审核锁定（{cover.orgunit} {cover.period}），不能{'上报' if completed else '撤销上报'}"), False
    if completed:
        errors, _ = report_rules(ctx, dataset, period, ou)
        if errors:
            return None, completed, (f"{ctx.package.orgunits[ou].name} {period.label} {dataset.name}不能上报，"
                                     "审核规则未通过：" + "；".join(e["message"] for e in errors)), False
    return (dataset.code, period, ou), completed, None, False


def _registration_summary(status: str, count: dict, conflicts: list[dict], description: str, http: int):
    inner = {"responseType": "ImportSummary", "status": status, "importCount": count, "conflicts": conflicts,
             "description": description}
    return json_response({**inner, "httpStatus": "OK" if http == 200 else ("Forbidden" if http == 403 else "Conflict"),
                          "httpStatusCode": http, "message": description, "response": inner}, http)


@router.post("/completeDataSetRegistrations",
             summary="上报登记（DHIS2 JSON：{completeDataSetRegistrations:[{dataSet, period, organisationUnit, "
                     "completed}]}）；先检查审核规则，有任何问题则全部不登记；dryRun")
async def post_registrations(request: Request, dryRun: bool = False, ctx: Ctx = Depends(need("enter"))):
    """All or nothing, like every import here: any item refused (unknown data set or unit, a
    unit outside the user's, a locked period, a broken rule of importance 高) and none is
    registered (409, one conflict per item; 403 when a unit lies outside the user's).
    ``completed: false`` withdraws (撤销上报) under the entry form's rules."""
    from weijian.web.views.entry import may_uncomplete

    if not request.headers.get("content-type", "").startswith("application/json"):
        raise WeijianError("请求体应为 application/json：{\"completeDataSetRegistrations\": [{\"dataSet\": …, "
                           "\"period\": …, \"organisationUnit\": …, \"completed\": true}]}")
    try:
        body = await request.json()
    except ValueError:
        raise WeijianError("请求体不是有效的 JSON") from None
    items = body.get("completeDataSetRegistrations") if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise WeijianError("请求体应含 completeDataSetRegistrations 列表（至少一项）")
    if len(items) > 5000:
        raise WeijianError("一次最多登记 5000 份报表，请分批提交")

    def work():
        keys, withdraw, conflicts, forbidden = [], [], [], False
        for index, item in enumerate(items):
            key, completed, problem, refused = _registration_conflict(ctx, item)
            if problem is None and not completed:
                with ctx.workspaces.reader() as ws:
                    found = [r for r in ws.store.registrations([key[2]], key[1].start, key[1].end, [key[0]])
                             if r.period == key[1].id]
                if found and not may_uncomplete(ctx, found[0].completed_by):
                    problem = f"只有审核员、管理员或上报人（{found[0].completed_by}）本人可以撤销上报"
                elif not found:
                    key = None  # nothing to withdraw: ignored
            if problem is not None:
                forbidden = forbidden or refused
                conflicts.append({"object": f"completeDataSetRegistrations[{index}]", "value": problem,
                                  "errorCode": "E7600" if not refused else "E7617"})
            elif key is not None:
                (keys if completed else withdraw).append(key)
        zero = {"imported": 0, "updated": 0, "ignored": len(items), "deleted": 0}
        if conflicts:
            return _registration_summary("ERROR", zero, conflicts,
                                         f"{len(conflicts)} 项有问题，全部未登记", 403 if forbidden else 409)
        if dryRun:
            count = {"imported": len(keys), "updated": 0, "ignored": len(items) - len(keys) - len(withdraw),
                     "deleted": len(withdraw)}
            return _registration_summary("SUCCESS", count, [], "试登记（未写入）", 200)

        def write(ws):
            new = ws.store.register_complete(keys, user=ctx.user.name, source=REGISTRATION_SOURCE) if keys else 0
            for ds, period, ou in withdraw:
                ws.store.unregister_complete(ds, period, ou, user=ctx.user.name, source=REGISTRATION_SOURCE)
            return new
        new = ctx.workspaces.write(write, touches="all")
        for ds, period, ou in keys + withdraw:
            ctx.workspaces.write(lambda ws, ds=ds, period=period, ou=ou: ws.store.log_event(
                ctx.user.name, "complete" if (ds, period, ou) in keys else "uncomplete", orgunit=ou,
                period=period.id, detail=ds, address=ctx.address()))
        count = {"imported": new, "updated": 0, "ignored": len(items) - new - len(withdraw),
                 "deleted": len(withdraw)}
        return _registration_summary("SUCCESS", count, [], f"登记 {new} 份，撤销 {len(withdraw)} 份", 200)
    return await run_in_threadpool(work)


@router.delete("/completeDataSetRegistrations", summary="撤销上报（DHIS2：ds、pe、ou）")
async def delete_registration(ds: str, pe: str, ou: str, ctx: Ctx = Depends(need("enter"))):
    from weijian.web.views.entry import uncomplete_report

    await run_in_threadpool(uncomplete_report, ctx, ds, pe, ctx.ou.code, source=REGISTRATION_SOURCE)
    return Response(status_code=204)
