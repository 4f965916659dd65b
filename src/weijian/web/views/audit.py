"""报告核查: upload a work summary (.docx/.txt/.md), or paste its text → its figures checked
against its own arithmetic and against the data of the user's org units → the annotated view."""
from __future__ import annotations

import shutil

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from weijian.errors import WeijianError
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.common import log, save_upload, temp_folder

router = APIRouter()
SUFFIXES = (".docx", ".txt", ".md")


class ScopedFigures:
    """What the audit may ask of the data: the workspace's figures, inside the user's units only."""

    def __init__(self, workspace, scope: frozenset[str]):
        self.package = workspace.package
        self._workspace = workspace
        self._scope = scope

    def query(self, code: str, ou: str, period):
        unit = ou.removeprefix("children:")
        if unit not in self._scope:
            raise WeijianError(f"“{unit}”不在您的机构范围内，不与数据核对")
        return self._workspace.query(code, ou, period)


PASTED = "粘贴的文字"


def audit_upload(ctx: Ctx, upload: UploadFile) -> dict:
    from weijian.audit import audit_file, render_html

    folder = temp_folder("weijian-audit-")
    try:
        path = save_upload(upload, folder, ctx.settings.upload_mb, SUFFIXES)
        with ctx.workspaces.reader() as ws:
            report = audit_file(path, workspace=ScopedFigures(ws, ctx.scope))
        annotated = render_html(report, title=path.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    log(ctx, "audit-upload", ou=ctx.user.orgunit, detail=path.name)
    return _result(path.name, report, annotated)


def audit_pasted(ctx: Ctx, text: str) -> dict:
    """The same audit of text pasted into the page (a summary copied out of Word or a chat)."""
    from weijian.audit import audit_text, render_html

    with ctx.workspaces.reader() as ws:
        report = audit_text(text, workspace=ScopedFigures(ws, ctx.scope), source=PASTED)
    log(ctx, "audit-upload", ou=ctx.user.orgunit, detail=PASTED)
    return _result(PASTED, report, render_html(report, title=PASTED))


def _result(name: str, report, annotated: str) -> dict:
    from weijian.audit import VERDICT_NAMES

    out = report.to_dict()
    counts = report.counts()
    # the three grades stay apart: 部分核对 checked only a bound, it is not 一致
    return {"file": name, "counts": counts, "figures": len(report.figures),
            "verdicts": [{"verdict": v, "name": VERDICT_NAMES[v], "count": n} for v, n in counts.items()],
            "inconsistent": [{"quote": f.quote, "message": f.message} for f in report.inconsistent],
            "partial": [{"quote": f.quote, "message": f.message} for f in report.findings if f.verdict == "partial"],
            "report": out, "annotated_html": annotated}


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, ctx: Ctx = Depends(need("view"))):
    return respond(request, "audit.html", {"file": None, "suffixes": SUFFIXES}, ctx.user, page="audit")


@router.post("/audit", include_in_schema=False)
@router.post("/api/audit", tags=["报告核查"],
             summary="上传工作总结（file）或粘贴其文字（text），核对其中的数字（并与本人机构的数据核对）")
async def audit_post(request: Request, file: UploadFile | None = File(None), text: str | None = Form(None),
                     ctx: Ctx = Depends(need("view"))):
    if file is not None and file.filename:
        result = await run_in_threadpool(audit_upload, ctx, file)
    elif text and text.strip():
        result = await run_in_threadpool(audit_pasted, ctx, text)
    else:
        raise WeijianError("请上传工作总结文件，或把总结的文字粘贴到文本框中")
    return respond(request, "audit.html", {**result, "suffixes": SUFFIXES, "text": text or ""}, ctx.user,
                   page="audit")
