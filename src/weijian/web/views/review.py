"""数据审核: rule violations, outliers, missing and late reports for a subtree and
period; approve (lock) and un-approve (with a reason)."""
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


def review(ctx: Ctx, period_text: str | None, kind: str | None) -> dict:
    period = period_or_latest(ctx, period_text)
    with ctx.workspaces.reader() as ws:
        findings = ws.check(ctx.ou.code, period)
        approvals = [a for a in ws.store.approvals() if a.orgunit in ctx.scope or a.orgunit in ctx.ou.path]
        log_entries = [e for e in ws.store.approval_log() if e.orgunit in ctx.scope][-20:]
        locked = ws.store.is_locked(ctx.ou.code, period.start, period.end)
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
    }


def set_approval(ctx: Ctx, period_text: str, approve: bool, reason: str | None) -> dict:
    period = Period.parse(period_text)
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
    await run_in_threadpool(set_approval, ctx, period, approve, str(form.get("reason") or ""))
    return RedirectResponse(f"/review?ou={ctx.ou.code}&period={period}", status_code=303)


@router.post("/api/approve", tags=["数据审核"], summary="审核锁定机构某期数据（含全部下级）")
def approve_api(body: Approval, ctx: Ctx = Depends(need("approve"))):
    return json_response(set_approval(ctx, body.period, True, None))


@router.post("/api/unapprove", tags=["数据审核"], summary="取消审核（reason 必填）")
def unapprove_api(body: Approval, ctx: Ctx = Depends(need("approve"))):
    return json_response(set_approval(ctx, body.period, False, body.reason))
