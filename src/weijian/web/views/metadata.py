"""元数据: org units (the user's subtree), data elements, indicators with their formula
in Chinese, targets, data sets and validation rules."""
from __future__ import annotations

import re

import shutil

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from weijian.errors import MetadataError, WeijianError
from weijian.model import MetadataPackage
from weijian.web.access import Ctx, Forbidden, need
from weijian.web.render import respond
from weijian.web.views.common import log, save_upload, temp_folder, unit_dict

router = APIRouter()
TABS = {"orgunits": "机构", "elements": "数据项", "indicators": "指标", "targets": "目标任务",
        "datasets": "报表", "rules": "审核规则"}
KIND_WORDS = {"percent": "× 100%", "permille": "× 1000‰", "per_100k": "× 10万", "ratio": "× 100", "plain": ""}
PERIOD_NAMES = {"monthly": "月报", "quarterly": "季报", "half_yearly": "半年报", "yearly": "年报"}
AGGREGATIONS = {"sum": "求和", "last": "取期末值", "average": "平均", "max": "最大值", "min": "最小值"}
_OPERAND = re.compile(r"#\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}")


def in_chinese(package: MetadataPackage, expression: str) -> str:
    """"#{HTN_STD_MANAGED} / #{HTN_MANAGED}" → "规范管理人数 ÷ 已管理人数" (names for codes)."""
    def name(match: re.Match) -> str:
        element = package.elements.get(match.group(1))
        if element is None:
            return match.group(0)
        if match.group(2) and element.category:
            options = {o.code: o.name for o in package.categories[element.category].options}
            return f"{element.name}（{options.get(match.group(2), match.group(2))}）"
        return element.name
    text = _OPERAND.sub(name, expression.strip())
    return text.replace("*", "×").replace("/", "÷")


def can_replace_tree(ctx: Ctx) -> bool:
    return ctx.user.role == "管理员" and ctx.user.orgunit == ctx.package.root().code


def metadata(ctx: Ctx, tab: str) -> dict:
    package = ctx.package
    tab = tab if tab in TABS else "orgunits"
    data: dict = {"tab": tab, "tabs": TABS, "can_replace_tree": can_replace_tree(ctx), "period_names": PERIOD_NAMES}
    if tab == "orgunits":
        names = {c: u.name for c, u in package.orgunits.items()}
        data["items"] = [{**unit_dict(u), "parent_name": names.get(u.parent)} for u in package.orgunits.values()
                         if u.code in ctx.scope]
    elif tab == "elements":
        data["items"] = [{"code": e.code, "name": e.name, "unit": e.unit, "aggregation": AGGREGATIONS[e.aggregation],
                          "period_type": e.period_type, "domain": e.domain,
                          "category": package.categories[e.category].name if e.category else None}
                         for e in package.elements.values()]
    elif tab == "indicators":
        data["items"] = [{"code": i.code, "name": i.name, "kind": i.kind, "direction": i.direction,
                          "formula": f"{in_chinese(package, i.numerator)}"
                                     + ("" if i.denominator.strip() == "1" else f" ÷ {in_chinese(package, i.denominator)}")
                                     + (f" {KIND_WORDS[i.kind]}" if KIND_WORDS[i.kind] else ""),
                          "numerator": i.numerator, "denominator": i.denominator, "synonyms": list(i.synonyms)}
                         for i in package.indicators.values()]
    elif tab == "targets":
        data["items"] = [{"subject": t.subject, "subject_name": _subject_name(package, t.subject),
                          "ou": t.orgunit, "ou_name": package.orgunits[t.orgunit].name if t.orgunit in package.orgunits
                          else t.orgunit, "year": t.year, "value": t.value,
                          "kind": "年度任务" if t.kind == "annual_task" else "目标值"}
                         for t in package.targets if t.orgunit in ctx.scope]
    elif tab == "datasets":
        data["items"] = [{"code": d.code, "name": d.name, "period_type": d.period_type, "due_day": d.due_day,
                          "orgunit_types": list(d.orgunit_types), "elements": len(d.elements)}
                         for d in package.datasets.values()]
    else:
        data["items"] = [{"code": r.code, "name": r.name, "importance": r.importance,
                          "formula": f"{in_chinese(package, r.left)} {r.operator} {in_chinese(package, r.right)}",
                          "message": r.message} for r in package.rules.values()]
    return data


def _subject_name(package: MetadataPackage, code: str) -> str:
    if code in package.indicators:
        return package.indicators[code].name
    element = package.elements.get(code)
    return element.name if element else code


@router.get("/metadata", include_in_schema=False)
@router.get("/api/metadata", tags=["元数据"], summary="机构（本人范围）、数据项、指标（中文公式）、目标、报表、审核规则")
def metadata_page(request: Request, tab: str = "orgunits", ctx: Ctx = Depends(need("view"))):
    return respond(request, "metadata.html", metadata(ctx, tab), ctx.user, page="metadata")


@router.post("/metadata/orgunits", include_in_schema=False)
@router.post("/api/metadata/orgunits", tags=["元数据"],
             summary="上传机构表（.xlsx/.csv：名称、上级、类型、编码可空）替换机构树；限全县管理员")
async def replace_tree(request: Request, file: UploadFile = File(...), ctx: Ctx = Depends(need("view"))):
    if not can_replace_tree(ctx):
        raise Forbidden("只有全县（根机构）的管理员可以替换机构树")
    folder = temp_folder("weijian-tree-")
    status, message, problems = 200, "", []
    try:
        path = save_upload(file, folder, ctx.settings.upload_mb, (".xlsx", ".xls", ".csv"))
        change = await run_in_threadpool(ctx.workspaces.replace_orgunits, path)
        message = f"机构树已更新：新增 {len(change['added'])} 个，移除 {len(change['removed'])} 个"
        await run_in_threadpool(log, ctx, "orgunits", detail=message)
    except MetadataError as error:
        status, message, problems = 422, "机构表有问题，机构树未改动：", [p.describe() for p in error.problems]
    except WeijianError as error:
        status, message = 422, f"机构树未改动：{error}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = {**metadata(ctx, "orgunits"), "message": message, "problems": problems}
    return respond(request, "metadata.html", data, ctx.user, status, page="metadata")
