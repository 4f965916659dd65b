"""工作总结: pick period and template → the draft as HTML → download .docx (and PDF
when LibreOffice is installed)."""
from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from markupsafe import Markup
from starlette.background import BackgroundTask

from weijian.errors import NotFoundError, WeijianError
from weijian.model.periods import Period
from weijian.reports.draft import TEMPLATES, Draft
from weijian.reports.html_render import render_html, report_css
from weijian.reports.pdf import libreoffice_path
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.common import log, safe_filename, temp_folder, units_choice

router = APIRouter()
WORKSPACE_TEMPLATES = "报告模板"  # a workspace's own copies of templates


def templates(ctx: Ctx) -> dict[str, Path]:
    """Name → file: the shipped templates, then the workspace's own (``报告模板/*.md.j2``)."""
    found = {p.name: p for p in sorted(TEMPLATES.glob("*.md.j2")) if not p.name.startswith("_")}
    own = ctx.workspaces.folder / WORKSPACE_TEMPLATES
    if own.is_dir():
        found.update({p.name: p for p in sorted(own.glob("*.md.j2")) if not p.name.startswith("_")})
    return found


def default_period(ctx: Ctx) -> Period:
    """The last half-year (or year) that has ended by the latest month with data."""
    latest = ctx.workspaces.latest_month
    year, month = latest.year, latest.end_month
    if month == 12:
        return Period.parse(f"{year}S2")
    return Period.parse(f"{year}S1" if month >= 6 else f"{year - 1}S2")


def draft(ctx: Ctx, period: Period, template: str | None) -> Draft:
    choices = templates(ctx)
    if template and template not in choices:
        raise NotFoundError(f"报告模板“{template}”不存在")
    path = choices[template] if template else None
    key = ("draft", ctx.ou.code, period.id, template or "")
    months = (period.start - 12, period.end)

    def make() -> Draft:
        with ctx.workspaces.reader() as ws:
            return ws.report(period, ctx.ou.code, template=path)
    return ctx.workspaces.cache.get(key, ctx.ou.code, months, make)


def preview(ctx: Ctx, period_text: str | None, template: str | None) -> dict:
    period = Period.parse(period_text) if period_text else default_period(ctx)
    made = draft(ctx, period, template)
    return {"ou": ctx.ou.code, "ou_name": ctx.ou.name, "period": period.id, "period_label": period.label,
            "template": template or "", "templates": list(templates(ctx)), "title": made.document.title,
            "html": render_html(made.document, standalone=False), "figures": made.sidecar()["figures"],
            "pdf": libreoffice_path() is not None, "units": units_choice(ctx, max_level=ctx.package.max_level - 1),
            "_css": Markup(report_css())}


@router.get("/summary", include_in_schema=False)
@router.get("/api/report", tags=["工作总结"], summary="起草工作总结：HTML 正文和每个数字的来源")
def summary_page(request: Request, period: str | None = None, template: str | None = None,
                 ctx: Ctx = Depends(need("view"))):
    data = preview(ctx, period, template or None)
    data["_article"] = Markup(data["html"])  # rendered by weijian.reports (autoescaped there)
    return respond(request, "summary.html", data, ctx.user, page="summary")


@router.get("/summary/download", include_in_schema=False)
@router.get("/api/report/download", tags=["工作总结"],
            summary="下载工作总结：format=docx（默认）、pdf，或 sources（附件：数据来源 .xlsx）")
def download(period: str, template: str | None = None, format: str = "docx", ctx: Ctx = Depends(need("view"))):
    if format not in ("docx", "pdf", "sources"):
        raise WeijianError("格式应为 docx、pdf 或 sources（数据来源附件）")
    if format == "pdf" and libreoffice_path() is None:
        raise WeijianError("服务器未安装 LibreOffice，暂不能生成 PDF，请下载 Word 版")
    made = draft(ctx, Period.parse(period), template or None)
    folder = temp_folder("weijian-report-")
    try:
        written = made_files(made, folder, pdf=format == "pdf", ctx=ctx)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    path = {"pdf": next((p for p in written if p.suffix == ".pdf"), written[-1]),
            "sources": next((p for p in written if "_附件_数据来源" in p.name), written[0])}.get(format, written[0])
    log(ctx, "report-download", ou=ctx.ou.code, period=made.period.id, detail=f"{path.name}")
    media = {".pdf": "application/pdf",
             ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}.get(
        path.suffix, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return FileResponse(path, media_type=media, background=BackgroundTask(shutil.rmtree, folder, True),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(path.name)}"})


def made_files(made: Draft, folder: Path, *, pdf: bool, ctx: Ctx) -> list[Path]:
    with ctx.workspaces.reader() as ws:
        return ws.write_report(made, folder / safe_filename(f"{made.document.title}.docx"), pdf=pdf)
