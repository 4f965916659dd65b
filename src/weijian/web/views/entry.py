"""数据录入: a data set's form for one org unit and period; each cell saved as it changes
(htmx), or the whole form at once; the data set's validation rules shown after saving;
approved (locked) periods read-only.

上报 (complete registration, DHIS2's completeDataSetRegistration) hands the form in: the
data set's validation rules run first for the unit and period — a broken rule of
importance 高 refuses it (each listed), others are shown as warnings and it registers.
Values typed without 上报 are not a report: 上报情况, 数据审核 and approval count
registrations. 撤销上报 withdraws one: a 审核员/管理员 any in their units, a 录入员 only
their own; neither on an approved (locked) period."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from weijian.errors import PeriodError, StoreError, WeijianError
from weijian.exchange import RawRecord, Validator
from weijian.exchange.validate import format_number
from weijian.expressions import operands, parse
from weijian.model import DataSet
from weijian.model.periods import Period
from weijian.quality import run_rules
from weijian.quality.findings import element_label
from weijian.quality.outliers import find_outliers
from weijian.quality.completeness import due_moment, expected_units
from weijian.web.access import Ctx, need
from weijian.web.render import json_response, page_response, respond, templates
from weijian.web.views.common import log, units_choice

router = APIRouter()
SOURCE = "网页录入"
COMPLETE_SOURCE = "网页上报"
ERROR_IMPORTANCE = "高"  # a broken rule this important refuses 上报; the others are warnings
_PERIOD_WORDS = {"monthly": "月", "quarterly": "季度", "half_yearly": "半年", "yearly": "年"}


class CellValue(BaseModel):
    element: str
    option: str = ""
    value: str | float | None = None


class FormValues(BaseModel):
    ou: str
    period: str
    dataset: str | None = None
    values: list[CellValue]


def datasets_for(ctx: Ctx, ou: str) -> list[DataSet]:
    return [ds for ds in ctx.package.datasets.values() if expected_units(ctx.package, ds, [ou])]


def default_period(ctx: Ctx, dataset: DataSet) -> Period:
    latest = ctx.workspaces.latest_month
    months = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[dataset.period_type]
    start = latest.start - latest.start % months
    return Period(start, start + months - 1)


def entry_form(ctx: Ctx, dataset_code: str | None, period_text: str | None) -> dict:
    """The form grid: rows = elements, cells = category options, with stored values and the lock."""
    ou = ctx.ou
    choices = datasets_for(ctx, ou.code)
    data = {"ou": ou.code, "ou_name": ou.name, "units": units_choice(ctx),
            "datasets": [{"code": d.code, "name": d.name, "period_type": d.period_type} for d in choices],
            "dataset": None, "period": None, "sections": [], "locked": None, "message": None}
    if not choices:
        data["message"] = f"{ou.name}不需要填报任何报表，请选择填报机构（如卫生院、村卫生室）"
        return data
    dataset = next((d for d in choices if d.code == dataset_code), choices[0])
    period = Period.parse(period_text) if period_text else default_period(ctx, dataset)
    if not period.is_of_type(dataset.period_type):
        raise PeriodError(f"{dataset.name}按{_PERIOD_WORDS[dataset.period_type]}填报，期间“{period.label}”不适用")
    with ctx.workspaces.reader() as ws:
        stored = {(v.dataelement, v.categoryoptioncombo): v.value
                  for v in ws.store.read_values([ou.code], period.start, period.end, list(dataset.elements))
                  if v.period == period.id}
        approval = ws.store.is_locked(ou.code, period.start, period.end)
        registered = ws.store.registrations([ou.code], period.start, period.end, [dataset.code])
    data.update(registration=_registration(ctx, dataset, period, registered, approval is None),
                can_complete=ctx.may("enter") and approval is None and not registered)
    data.update(dataset={"code": dataset.code, "name": dataset.name, "period_type": dataset.period_type},
                period={"id": period.id, "label": period.label},
                locked=None if approval is None else {
                    "ou": approval.orgunit, "ou_name": ctx.package.orgunits[approval.orgunit].name
                    if approval.orgunit in ctx.package.orgunits else approval.orgunit,
                    "period": approval.period, "by": approval.approved_by, "at": approval.approved_at},
                sections=_sections(ctx, dataset, stored),
                can_enter=ctx.may("enter") and approval is None,
                periods=_nearby_periods(period, dataset.period_type))
    return data


def _registration(ctx: Ctx, dataset: DataSet, period: Period, found: list, open_period: bool) -> dict:
    """Whether the form is handed in (上报), by whom and when, and whether this user may withdraw it."""
    due = due_moment(dataset, period)
    mine = next((r for r in found if r.period == period.id), None)
    if mine is None:
        return {"done": False, "due": due, "can_uncomplete": False}
    return {"done": True, "due": due, "by": mine.completed_by, "at": mine.completed_at, "source": mine.source,
            "timely": mine.completed_at <= due,
            "can_uncomplete": open_period and may_uncomplete(ctx, mine.completed_by)}


def may_uncomplete(ctx: Ctx, completed_by: str) -> bool:
    """审核员 and 管理员 withdraw any registration in their units; a 录入员 only their own."""
    return ctx.may("approve") or (ctx.may("enter") and completed_by == ctx.user.name)


def report_key(ctx: Ctx, dataset_code: str | None, period_text: str | None, ou: str) -> tuple[DataSet, Period]:
    """The data set and period of a report of ``ou`` (in the user's units: checked by ``need``),
    or WeijianError in Chinese: unknown data set, a unit that does not report it, a period of
    the wrong type, a future or too old period."""
    if not dataset_code:
        raise WeijianError("请给出报表（dataSet）")
    dataset = ctx.package.datasets.get(dataset_code)
    if dataset is None:
        raise WeijianError(f"报表编码“{dataset_code}”不存在")
    unit = ctx.package.orgunits[ou]
    if not expected_units(ctx.package, dataset, [ou]):
        raise WeijianError(f"{unit.name}不需要填报{dataset.name}，不能上报")
    if not period_text:
        raise WeijianError("请给出期间（period），如 202405")
    period = Period.parse(period_text)
    if not period.is_of_type(dataset.period_type):
        raise PeriodError(f"{dataset.name}按{_PERIOD_WORDS[dataset.period_type]}填报，期间“{period.label}”不适用")
    refused = _period_refusal(period)
    if refused:
        raise WeijianError(refused.replace("填报", "上报"))
    return dataset, period


def report_rules(ctx: Ctx, dataset: DataSet, period: Period, ou: str) -> tuple[list[dict], list[dict]]:
    """(errors, warnings): the data set's rules broken by ``ou``'s figures for ``period``."""
    findings = rule_findings(ctx, dataset, period, ou)
    errors = [f for f in findings if f["importance"] == ERROR_IMPORTANCE]
    return errors, [f for f in findings if f["importance"] != ERROR_IMPORTANCE]


def rule_findings(ctx: Ctx, dataset: DataSet, period: Period, ou: str) -> list[dict]:
    elements = set(dataset.elements)
    rules = [r for r in ctx.package.rules.values()
             if {o.element for o in operands(parse(r.left)) | operands(parse(r.right))} & elements]
    if not rules:
        return []
    with ctx.workspaces.reader() as ws:
        return [f.to_dict() for f in run_rules(ws.analytics, [ou], period, rules=rules)]


def complete_report(ctx: Ctx, dataset_code: str | None, period_text: str | None, ou: str, *,
                    source: str = COMPLETE_SOURCE) -> dict:
    """上报: run the rules, then register (data set, ``ou``, period) complete. Answers
    ``ok``, ``message``, ``errors`` (rules of importance 高 broken: not registered) and
    ``warnings`` (registered all the same). WeijianError for bad input or a locked period."""
    dataset, period = report_key(ctx, dataset_code, period_text, ou)
    unit = ctx.package.orgunits[ou]
    what = f"{unit.name} {period.label} {dataset.name}"
    with ctx.workspaces.reader() as ws:
        cover = ws.store.is_locked(ou, period.start, period.end)
    if cover is not None:
        return {"ok": False, "errors": [], "warnings": [], "registered": False, "locked": True,
                "message": f"不能上报{what}：本期数据已由 {cover.approved_by} 于 {_day(cover.approved_at)} 审核锁定"
                           f"（{_unit_name(ctx, cover.orgunit)} {Period.parse(cover.period).label}），需先取消审核"}
    errors, warnings = report_rules(ctx, dataset, period, ou)
    if errors:
        return {"ok": False, "errors": errors, "warnings": warnings, "registered": False,
                "message": f"不能上报{what}：有 {len(errors)} 条重要程度为“高”的审核规则未通过，请先核实修改"}
    new = ctx.workspaces.write(lambda ws: ws.store.register_complete([(dataset.code, period, ou)],
                                                                     user=ctx.user.name, source=source))
    ctx.workspaces.cache.invalidate([(ou, period.start, period.end)])
    if new:
        log(ctx, "complete", ou=ou, period=period.id, detail=dataset.code)
    message = f"已上报：{what}" if new else f"{what}此前已上报，无需重复上报"
    if warnings:
        message += f"（有 {len(warnings)} 条审核规则提示，请核实）"
    return {"ok": True, "errors": [], "warnings": warnings, "registered": bool(new), "message": message}


def _day(moment) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def _unit_name(ctx: Ctx, code: str) -> str:
    unit = ctx.package.orgunits.get(code)
    return unit.name if unit is not None else code


def uncomplete_report(ctx: Ctx, dataset_code: str | None, period_text: str | None, ou: str, *,
                      source: str = "网页撤销上报") -> dict:
    """撤销上报; WeijianError when not registered, locked, or not this user's to withdraw."""
    if not dataset_code or dataset_code not in ctx.package.datasets:
        raise WeijianError(f"报表编码“{dataset_code or ''}”不存在")
    dataset = ctx.package.datasets[dataset_code]
    period = Period.parse(period_text or "")
    unit = ctx.package.orgunits[ou]
    with ctx.workspaces.reader() as ws:
        found = [r for r in ws.store.registrations([ou], period.start, period.end, [dataset.code])
                 if r.period == period.id]
    if not found:
        raise WeijianError(f"{unit.name} {period.label} {dataset.name}尚未上报，无需撤销")
    if not may_uncomplete(ctx, found[0].completed_by):
        raise WeijianError(f"只有审核员、管理员或上报人（{found[0].completed_by}）本人可以撤销上报")
    ctx.workspaces.write(lambda ws: ws.store.unregister_complete(dataset.code, period, ou, user=ctx.user.name,
                                                                 source=source))
    ctx.workspaces.cache.invalidate([(ou, period.start, period.end)])
    log(ctx, "uncomplete", ou=ou, period=period.id, detail=dataset.code)
    return {"ok": True, "message": f"已撤销上报：{unit.name} {period.label} {dataset.name}"}


def _sections(ctx: Ctx, dataset: DataSet, stored: dict) -> list[dict]:
    """Elements grouped by their category: one table per set of columns."""
    sections: dict[str | None, dict] = {}
    for code in dataset.elements:
        element = ctx.package.elements[code]
        category = ctx.package.categories.get(element.category) if element.category else None
        key = category.code if category else None
        if key not in sections:
            options = [(o.code, o.name) for o in category.options] if category else [("", "数值")]
            sections[key] = {"category": category.name if category else None,
                             "columns": [name for _, name in options], "rows": []}
        options = [(o.code, o.name) for o in category.options] if category else [("", "数值")]
        sections[key]["rows"].append({
            "element": code, "name": element.name, "unit": element.unit,
            "cells": [{"option": option, "label": label, "value": _shown(stored.get((code, option))),
                       "ok": None, "unsaved": False, "message": ""}
                      for option, label in options]})
    return list(sections.values())


def _shown(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _nearby_periods(period: Period, period_type: str) -> list[dict]:
    months = period.n_months
    return [{"id": p.id, "label": p.label} for p in
            (Period(period.start + k * months, period.end + k * months) for k in range(-12, 2))]


def save_values(ctx: Ctx, dataset_code: str | None, period_text: str, cells: list[CellValue]) -> dict:
    """Validate and store ``cells`` (blank deletes) for ``ctx.ou``; per-cell problems are returned."""
    ou, period = ctx.ou, Period.parse(period_text)
    refused = _period_refusal(period)
    if refused:
        return {"ok": False, "problems": [{"element": None, "option": None, "message": refused}],
                "summary": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}}
    allowed = _entry_elements(ctx, dataset_code)
    validator = Validator(ctx.package, ctx.scope)
    rows, deletes, problems = [], [], []

    def problem(cell: CellValue, raw: str, message: str, named: bool = True) -> None:
        """A problem about one cell, said with the field it is about: 数据项名称（分类选项）：原因."""
        field = element_label(ctx.package, cell.element, cell.option)
        problems.append({"element": cell.element, "option": cell.option, "field": field, "value": raw,
                         "message": f"{field}：{message}" if named else message})

    for cell in cells:
        raw = "" if cell.value is None else str(cell.value).strip()
        if cell.element not in ctx.package.elements:
            problem(cell, raw, f"未知的数据项“{cell.element}”", named=False)
            continue
        if cell.element not in allowed:
            name = ctx.package.elements[cell.element].name
            problem(cell, raw, f"“{name}”不在{ou.name}要填报的报表中", named=False)
            continue
        if raw == "":
            deletes.append((cell.element, period.id, ou.code, cell.option, ""))
            continue
        record = RawRecord(SOURCE, 0, {"dataelement": cell.element, "period": period.id, "orgunit": ou.code,
                                       "categoryoptioncombo": cell.option, "value": raw}, {})
        result = validator.validate(record)
        if isinstance(result, list):
            for found in result:
                problem(cell, raw, found.message)
        else:
            rows.append(result)
    saved = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    if problems:
        return {"ok": False, "problems": problems, "summary": saved}
    try:
        if rows:
            summary = ctx.workspaces.write_cells(rows, user=ctx.user.name, source=SOURCE)
            saved.update(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
        if deletes:
            saved["deleted"] = ctx.workspaces.write(
                lambda ws: ws.store.delete_values(deletes, user=ctx.user.name, source=SOURCE))
            ctx.workspaces.cache.invalidate([(ou.code, period.start, period.end)])
    except StoreError as error:
        return {"ok": False, "problems": [{"element": None, "option": None, "message": str(error)}], "summary": saved}
    return {"ok": True, "problems": [], "summary": saved, "warnings": unusual_values(ctx, period, rows)}


def unusual_values(ctx: Ctx, period: Period, rows: list) -> list[dict]:
    """Saved monthly values far from the unit's own history (the outlier rule of
    quality/outliers.py): kept, with the usual range, for the person to check."""
    monthly = sorted({r.dataelement for r in rows if ctx.package.elements[r.dataelement].period_type == "monthly"})
    if not monthly or period.kind != "month":
        return []
    with ctx.workspaces.reader() as ws:
        findings = find_outliers(ws.analytics, [ctx.ou.code], period, elements=monthly)
    saved = {(r.dataelement, r.categoryoptioncombo) for r in rows}
    return [{"element": f.element, "option": f.option or "", "name": element_label(ctx.package, f.element, f.option),
             "message": _usual_text(ctx, f)}
            for f in findings if (f.element, f.option or "") in saved]


def _usual_text(ctx: Ctx, finding) -> str:
    unit = ctx.package.elements[finding.element].unit
    if finding.lower is not None and finding.upper is not None:
        low, high = max(finding.lower, 0), finding.upper
        usual = f"本机构以往通常在 {format_number(float(low))}—{format_number(float(high))}{unit} 之间"
    else:
        usual = f"本机构以往每月约 {format_number(float(finding.expected or 0))}{unit}"
    return f"已保存，但与以往差别很大：{usual}，请核实"


OLDEST_YEARS = 10  # entry reaches back this many years: older figures come in as archive imports


def _period_refusal(period: Period) -> str | None:
    """Entry takes no future period, and nothing older than OLDEST_YEARS (1990 was a typo)."""
    today = date.today()
    this_month = today.year * 12 + today.month - 1
    if period.end > this_month:
        return f"不能填报未来的期间：{period.label}还没有结束"
    if period.start_year < today.year - OLDEST_YEARS:
        return f"期间 {period.label} 太早：网页只能填报近 {OLDEST_YEARS} 年，更早的历史数据请用文件导入"
    return None


def _entry_elements(ctx: Ctx, dataset_code: str | None) -> set[str]:
    """The elements this unit reports: of the named data set when it is assigned to the unit,
    else of every data set assigned to it (a village clinic has no 门急诊人次 to enter)."""
    assigned = datasets_for(ctx, ctx.ou.code)
    if dataset_code:
        assigned = [ds for ds in assigned if ds.code == dataset_code]
    return {code for ds in assigned for code in ds.elements}


def form_rules(ctx: Ctx, dataset_code: str | None, period_text: str | None) -> dict:
    """The data set's validation rules broken for this unit and period (审核规则)."""
    choices = datasets_for(ctx, ctx.ou.code)
    dataset = next((d for d in choices if d.code == dataset_code), choices[0] if choices else None)
    if dataset is None:
        return {"ou": ctx.ou.code, "period": None, "findings": []}
    period = Period.parse(period_text) if period_text else default_period(ctx, dataset)
    elements = set(dataset.elements)
    rules = [r for r in ctx.package.rules.values()
             if {o.element for o in operands(parse(r.left)) | operands(parse(r.right))} & elements]
    with ctx.workspaces.reader() as ws:
        findings = run_rules(ws.analytics, [ctx.ou.code], period, rules=rules)
    return {"ou": ctx.ou.code, "period": period.id, "dataset": dataset.code, "rules_checked": len(rules),
            "findings": [f.to_dict() for f in findings]}


@router.get("/entry", include_in_schema=False)
@router.get("/api/entry", tags=["数据录入"], summary="填报表单：数据项 × 分类选项、已有数值、是否已审核锁定")
def entry_page(request: Request, dataset: str | None = None, period: str | None = None,
               ctx: Ctx = Depends(need("view"))):
    return respond(request, "entry.html", entry_form(ctx, dataset, period), ctx.user, page="entry")


@router.get("/entry/rules", include_in_schema=False)
@router.get("/api/entry/rules", tags=["数据录入"], summary="本机构本期违反的审核规则（该报表涉及的规则）")
def entry_rules(request: Request, dataset: str | None = None, period: str | None = None,
                ctx: Ctx = Depends(need("view"))):
    return respond(request, "_rules.html", form_rules(ctx, dataset, period), ctx.user)


@router.post("/entry/cell", include_in_schema=False, response_class=HTMLResponse)
async def save_cell(request: Request, ctx: Ctx = Depends(need("enter"))):
    """One cell (field ``v:ELEMENT:OPTION``), saved as soon as it changes; answers with the
    cell and tells the rules panel to look again."""
    form = await request.form()
    if not form.get("ou"):
        raise WeijianError("保存时须指明机构（ou）：网页表单会自动带上，接口调用请给出 ou")
    # htmx sends the whole form along with an input inside it: the cell is the one named in hx-vals
    element, option = form.get("element"), str(form.get("option") or "")
    cells = [c for c in _cells(form) if element is None or (c.element, c.option) == (element, option)]
    if len(cells) != 1:
        raise WeijianError("一次只能保存一个格子")
    if cells[0].element not in ctx.package.elements:
        raise WeijianError(f"未知的数据项“{cells[0].element}”")
    result = await run_in_threadpool(save_values, ctx, form.get("dataset"), str(form.get("period") or ""), cells)
    element = ctx.package.elements.get(cells[0].element)
    options = ctx.package.categories[element.category].options if element and element.category else ()
    label = next((o.name for o in options if o.code == cells[0].option), "数值")
    warnings = [w["message"] for w in result.get("warnings", [])]
    cell = {"element": cells[0].element, "option": cells[0].option, "value": cells[0].value, "ok": result["ok"],
            "label": label, "warn": bool(warnings), "name": element.name if element else cells[0].element,
            "message": "；".join(p["message"] for p in result["problems"]) or "；".join(warnings) or "已保存"}
    response = templates.TemplateResponse(request, "_cell.html", {"cell": cell, "can_enter": True})
    if result["ok"]:
        response.headers["HX-Trigger"] = "cell-saved"
    return response


@router.post("/entry", include_in_schema=False)
async def save_form(request: Request, ctx: Ctx = Depends(need("enter"))):
    """The whole form: every ``v:ELEMENT:OPTION`` field, then the page again with the rules."""
    form = await request.form()
    dataset, period = form.get("dataset"), str(form.get("period") or "")

    def work() -> dict:
        cells = _cells(form)
        try:
            result = save_values(ctx, dataset, period, cells)
        except WeijianError as error:
            result = {"ok": False, "problems": [{"message": str(error)}], "summary": {}}
        data = entry_form(ctx, dataset, period)
        data.update(saved=result, rules=form_rules(ctx, dataset, period) if result["ok"] else None)
        if not result["ok"]:
            _keep_typed(data, cells, result["problems"])
        return data
    return page_response(request, "entry.html", await run_in_threadpool(work), ctx.user, page="entry")


@router.post("/entry/complete", include_in_schema=False)
@router.post("/entry/uncomplete", include_in_schema=False)
async def complete_form(request: Request, ctx: Ctx = Depends(need("enter"))):
    """上报 / 撤销上报 from the form: the page again, saying what happened (refused: why)."""
    form = await request.form()
    dataset, period = form.get("dataset"), str(form.get("period") or "")
    withdraw = request.url.path.endswith("/uncomplete")

    def work() -> tuple[dict, int]:
        status = 409
        try:
            if withdraw:
                result = uncomplete_report(ctx, dataset, period, ctx.ou.code)
            else:
                result = complete_report(ctx, dataset, period, ctx.ou.code)
        except WeijianError as error:  # bad input, a lock that slipped in: said on the page
            result, status = {"ok": False, "message": str(error), "errors": [], "warnings": []}, 400
        data = entry_form(ctx, dataset, period)
        data.update(completion=result)
        return data, 200 if result["ok"] else status
    data, status = await run_in_threadpool(work)
    return page_response(request, "entry.html", data, ctx.user, status, page="entry")


class Completion(BaseModel):
    ou: str
    dataset: str
    period: str


@router.post("/api/entry/complete", tags=["数据录入"], summary="上报：先检查审核规则（“高”级未通过则拒绝），再登记报表完成")
def complete_api(body: Completion, ctx: Ctx = Depends(need("enter"))):
    result = complete_report(ctx, body.dataset, body.period, ctx.ou.code, source="接口上报")
    return json_response(result, 200 if result["ok"] else 409)


@router.post("/api/entry/uncomplete", tags=["数据录入"], summary="撤销上报（审核员、管理员，或上报人本人）")
def uncomplete_api(body: Completion, ctx: Ctx = Depends(need("enter"))):
    return json_response(uncomplete_report(ctx, body.dataset, body.period, ctx.ou.code, source="接口撤销上报"))


def _keep_typed(data: dict, cells: list[CellValue], problems: list[dict]) -> None:
    """A refused 全部保存 shows the form as typed, not as stored: each cell with a problem red
    with it, each other changed cell marked 未保存 (nothing of the form was written)."""
    typed = {(c.element, c.option): "" if c.value is None else str(c.value).strip() for c in cells}
    wrong: dict[tuple[str, str], list[str]] = {}
    for found in problems:
        if found.get("element") is not None:
            wrong.setdefault((found["element"], found.get("option") or ""), []).append(found["message"])
    for section in data["sections"]:
        for row in section["rows"]:
            for cell in row["cells"]:
                key = (row["element"], cell["option"])
                if key not in typed:
                    continue
                if key in wrong:
                    cell.update(value=typed[key], ok=False, message="；".join(wrong[key]))
                elif typed[key] != cell["value"]:
                    cell.update(value=typed[key], unsaved=True,
                                message=f"未保存（整表未保存；库中为{cell['value'] or '空'}）")


def _cells(form) -> list[CellValue]:
    return [CellValue(element=key.split(":")[1], option=key.split(":")[2], value=str(value))
            for key, value in form.multi_items() if key.startswith("v:") and key.count(":") == 2]


@router.post("/api/entry", tags=["数据录入"], summary="保存一张表单（空值删除该数据），并返回审核规则结果")
def save_form_api(body: FormValues, ctx: Ctx = Depends(need("enter"))):
    result = save_values(ctx, body.dataset, body.period, body.values)
    if result["ok"]:
        result["rules"] = form_rules(ctx, body.dataset, body.period)
    return json_response(result, 200 if result["ok"] else 422)
