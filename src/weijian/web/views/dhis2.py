"""The DHIS2 Web API subset standard clients use, in DHIS2's shapes (codes are the ids).

    GET  /api/system/info
    GET  /api/organisationUnits | dataSets | dataElements | categoryOptionCombos   (paged; fields=, filter=)
    GET  /api/dataValues?de=&pe=&ou=[&co=]      POST /api/dataValues      DELETE /api/dataValues?de=&pe=&ou=

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
