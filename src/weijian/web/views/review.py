"""数据审核: rule violations, outliers, missing and late reports for a subtree and
period; approve (lock) and un-approve (with a reason).

Before locking, the page shows the subtree's completeness — registered (上报) against
expected reports per data set — and the open findings. Approving a subtree where some
reports are not registered takes a second, explicit step: the first request answers
with what is missing (the page: a 确认锁定 form; the API: 409 ``needs_confirmation``)
and locks nothing; the request repeated with ``confirm`` locks."""
from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from weijian.errors import WeijianError
from weijian.model.periods import Period
from weijian.web.access import Ctx, need
from weijian.web.render import json_response, respond
from weijian.web.views.common import log, period_or_latest, units_choice

router = APIRouter()
KIND_NAMES = {"rule": "审核规则", "outlier": "异常值", "missing": "缺报", "late": "迟报"}


class Approval(BaseModel):
    ou: str
    period: str
    reason: str | None = None
    confirm: bool = False  # lock although some reports are not registered (上报)


def approval_state(ctx: Ctx, period: Period, ws=None, findings=None) -> dict:
    """The subtree's completeness per data set (registered / expected reporting units) and its
    open findings (``findings``: the check's, when already made): what the approver sees before locking."""
    if ws is None:
        with ctx.workspaces.reader() as reader:
            return approval_state(ctx, period, reader, findings)
    found = ws.reporting(ctx.ou.code, period)
    datasets = [{"code": r.key, "name": r.name, "expected": r.expected, "reported": r.reported,
                 "missing": r.expected - r.reported, "reporting_rate": r.to_dict()["reporting_rate"]}
                for r in found.by_dataset()]
    total = found.total()
    if findings is None:
        findings = ws.check(ctx.ou.code, period)
    open_counts = Counter(f.kind for f in findings if f.kind in ("rule", "outlier"))
    return {"datasets": datasets, "expected": total.expected, "reported": total.reported,
            "missing": total.expected - total.reported, "complete": total.reported == total.expected,
            "rules": open_counts.get("rule", 0), "outliers": open_counts.get("outlier", 0),
            "high_rules": sum(1 for f in findings if f.kind == "rule" and f.importance == "高")}


def review(ctx: Ctx, period_text: str | None, kind: str | None) -> dict:
    period = period_or_latest(ctx, period_text)
    with ctx.workspaces.reader() as ws:
        findings = ws.check(ctx.ou.code, period)
        approvals = [a for a in ws.store.approvals() if a.orgunit in ctx.scope or a.orgunit in ctx.ou.path]
        log_entries = [e for e in ws.store.approval_log() if e.orgunit in ctx.scope][-20:]
        locked = ws.store.is_locked(ctx.ou.code, period.start, period.end)
        completeness = approval_state(ctx, period, ws, findings)
    counts = Counter(f.kind for f in findings)
    shown = [f.to_dict() for f in findings if kind in (None, "", f.kind)]
    name = {code: unit.name for code, unit in ctx.package.orgunits.items()}
    return {
        "ou": ctx.ou.code, "ou_name": ctx.ou.name, "period": period.id, "period_label": period.label,
        "kind": kind or "", "kinds": KIND_NAMES, "counts": {k: counts.get(k, 0) for k in KIND_NAMES},
        "findings": shown, "units": units_choice(ctx, max_level=ctx.package.max_level),
        "locked": None if locked is None else {"ou": locked.orgunit, "ou_name": name.get(locked.orgunit),
                                               "period": locked.period, "by": locked.approved_by,
                                               "at": locked.approved_at},
        "approvals": [{"ou": a.orgunit, "ou_name": name.get(a.orgunit, a.orgunit), "period": a.period,
                       "by": a.approved_by, "at": a.approved_at} for a in approvals],
        "log": [{"ou": e.orgunit, "ou_name": name.get(e.orgunit, e.orgunit), "period": e.period,
                 "action": "审核" if e.action == "approve" else "取消审核", "by": e.by_user, "at": e.at,
                 "reason": e.reason} for e in reversed(log_entries)],
        "can_approve": ctx.may("approve"),
        "completeness": completeness,
    }


def set_approval(ctx: Ctx, period_text: str, approve: bool, reason: str | None, confirm: bool = False) -> dict:
    period = Period.parse(period_text)
    if approve and not confirm:
        state = approval_state(ctx, period)
        if not state["complete"]:
            return {"ok": False, "needs_confirmation": True, "ou": ctx.ou.code, "period": period.id,
                    "approved": False, "completeness": state,
                    "message": (f"{ctx.ou.name} {period.label} 尚有 {state['missing']} 份报表未上报"
                                f"（应报 {state['expected']}，已上报 {state['reported']}）"
                                + (f"，另有 {state['rules']} 条审核规则未通过" if state["rules"] else "")
                                + "。未锁定；如确要锁定，请确认后再次提交")}
    if approve:
        ctx.workspaces.write(lambda ws: ws.approve(ctx.ou.code, period, ctx.user.name))
    else:
        if not (reason or "").strip():
            raise WeijianError("取消审核必须填写原因")
        ctx.workspaces.write(lambda ws: ws.unapprove(ctx.ou.code, period, ctx.user.name, reason.strip()))
    log(ctx, "approve" if approve else "unapprove", ou=ctx.ou.code, period=period.id, detail=reason)
    return {"ok": True, "ou": ctx.ou.code, "period": period.id, "approved": approve,
            "message": f"{'已审核锁定' if approve else '已取消审核'}：{ctx.ou.name} {period.label}"}


@router.get("/review", include_in_schema=False)
@router.get("/api/check", tags=["数据审核"], summary="审核规则、异常值、缺报、迟报，以及审核锁定情况")
def review_page(request: Request, period: str | None = None, kind: str | None = None,
                ctx: Ctx = Depends(need("view"))):
    return respond(request, "review.html", review(ctx, period, kind), ctx.user, page="review")


@router.post("/review/approve", include_in_schema=False)
@router.post("/review/unapprove", include_in_schema=False)
async def approve_form(request: Request, ctx: Ctx = Depends(need("approve"))):
    form = await request.form()
    approve = request.url.path.endswith("/approve")
    period = str(form.get("period") or "")
    confirm = str(form.get("confirm") or "") in ("1", "true", "on", "yes")
    result = await run_in_threadpool(set_approval, ctx, period, approve, str(form.get("reason") or ""), confirm)
    if result.get("needs_confirmation"):  # the second step: the page again, asking to confirm
        data = await run_in_threadpool(review, ctx, period, None)
        data["confirm"] = result
        return respond(request, "review.html", data, ctx.user, 409, page="review")
    return RedirectResponse(f"/review?ou={ctx.ou.code}&period={period}", status_code=303)


@router.post("/api/approve", tags=["数据审核"],
             summary="审核锁定机构某期数据（含全部下级）；有报表未上报时须 confirm=true 再次提交")
def approve_api(body: Approval, ctx: Ctx = Depends(need("approve"))):
    result = set_approval(ctx, body.period, True, None, body.confirm)
    if result.get("needs_confirmation"):
        result["message"] += "（请求体加 \"confirm\": true）"
        return json_response(result, 409)
    return json_response(result)


@router.post("/api/unapprove", tags=["数据审核"], summary="取消审核（reason 必填）")
def unapprove_api(body: Approval, ctx: Ctx = Depends(need("approve"))):
    return json_response(set_approval(ctx, body.period, False, body.reason))
