"""数据导入: upload Excel/CSV/JSON → the row-level problem report of a dry run → confirm;
and the Excel template for the user's org units.

Imports go through the exchange importer with the user's org-unit scope: a row
for a unit outside it is a problem (``out-of-scope``) and the whole import is
refused with 403; nothing is written unless every row is fine (all or nothing).
"""
from __future__ import annotations

import secrets
import shutil
import threading
import time
from pathlib import Path

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from weijian.errors import WeijianError
from weijian.exchange.readers import SUFFIXES
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.import_preview import changes, locate_problems
from weijian.web.views.common import (
    log, period_or_latest, safe_filename, save_upload, temp_folder, units_choice,
)

router = APIRouter()
_PENDING_SECONDS = 3600


class PendingUploads:
    """Files checked by a dry run, waiting for the same user to confirm (one hour at most)."""

    def __init__(self):
        self._items: dict[str, tuple[str, Path, float]] = {}
        self._lock = threading.Lock()

    def add(self, user: str, folder: Path) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._drop_old()
            self._items[key] = (user, folder, time.monotonic())
        return key

    def take(self, user: str, key: str) -> Path:
        with self._lock:
            self._drop_old()
            found = self._items.get(key)
            if found is None or found[0] != user:
                raise WeijianError("待确认的导入已失效，请重新上传文件")
            del self._items[key]
        return found[1]

    def _drop_old(self) -> None:
        for key, (_, folder, at) in list(self._items.items()):
            if at < time.monotonic() - _PENDING_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                del self._items[key]


PENDING = PendingUploads()


def run_import(ctx: Ctx, paths: list[Path], *, dry_run: bool, preview: bool = False) -> tuple[dict, int]:
    """(ImportReport as a dict, HTTP status): 200 ok, 403 rows outside the user's units, 422 other problems.
    ``preview`` (the import page): a dry run that passes lists the stored values it would change
    (``changes``), and every problem names the facility, element and period of its row."""
    def work(ws):
        return ws.import_files(paths, user=ctx.user.name, dry_run=dry_run, scope=ctx.scope)

    changed = None
    if dry_run:  # a dry run rolls back: any connection will do, the writer stays free
        with ctx.workspaces.reader() as ws:
            report = work(ws)
            if report.ok and preview:  # the stored values it would change, old → new
                changed = changes(ws, paths, ctx.scope)
    else:
        report = ctx.workspaces.write(work, touches="all")
    out = report.to_dict()
    out["message"] = report.describe_zh()
    out["changes"] = changed
    if preview and not report.ok:
        locate_problems(ctx.package, paths, out["problems"])
    if not dry_run or not report.ok:
        log(ctx, "import" if not dry_run else "import-check", ou=ctx.user.orgunit,
            detail=f"{'、'.join(report.files)}：{'成功' if report.ok else f'{report.problem_count} 个问题'}")
    if any(p.code == "out-of-scope" for p in report.problems):
        return out, 403
    return out, 200 if report.ok else 422


@router.get("/import", include_in_schema=False)
def import_page(request: Request, ctx: Ctx = Depends(need("view"))):
    data = {"ou": ctx.ou.code, "units": units_choice(ctx, max_level=ctx.package.max_level - 1),
            "period": ctx.workspaces.latest_month.id, "levels": [lv.level for lv in ctx.package.levels
                                                                  if lv.level >= ctx.ou.level],
            "report": None, "pending": None, "can_enter": ctx.may("enter"), "suffixes": SUFFIXES}
    return respond(request, "import.html", data, ctx.user, page="import")


@router.post("/import", include_in_schema=False)
@router.post("/api/import", tags=["数据导入"],
             summary="上传 CSV / JSON / Excel：dry_run=true 只检查（默认），false 全部无误才写入")
async def upload(request: Request, files: list[UploadFile] = File(...), dry_run: bool = True,
                 ctx: Ctx = Depends(need("enter"))):
    folder = temp_folder("weijian-upload-")
    try:
        paths = [save_upload(f, folder, ctx.settings.upload_mb, SUFFIXES) for f in files]
        report, status = await run_in_threadpool(run_import, ctx, paths, dry_run=dry_run, preview=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    pending = None
    if dry_run and status == 200:
        pending = PENDING.add(ctx.user.name, folder)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    data = {"report": report, "pending": pending, "can_enter": True, "units": units_choice(ctx),
            "ou": ctx.ou.code, "period": ctx.workspaces.latest_month.id, "suffixes": SUFFIXES,
            "levels": [lv.level for lv in ctx.package.levels if lv.level >= ctx.ou.level]}
    return respond(request, "import.html", data, ctx.user, status, page="import")


@router.post("/import/confirm", include_in_schema=False)
async def confirm(request: Request, ctx: Ctx = Depends(need("enter"))):
    form = await request.form()
    folder = PENDING.take(ctx.user.name, str(form.get("pending") or ""))
    try:
        report, status = await run_in_threadpool(run_import, ctx, sorted(folder.iterdir()), dry_run=False,
                                                  preview=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = {"report": report, "pending": None, "can_enter": True, "units": units_choice(ctx), "ou": ctx.ou.code,
            "period": ctx.workspaces.latest_month.id, "suffixes": SUFFIXES,
            "levels": [lv.level for lv in ctx.package.levels if lv.level >= ctx.ou.level]}
    return respond(request, "import.html", data, ctx.user, status, page="import")


@router.get("/import/template", include_in_schema=False)
@router.get("/api/template", tags=["数据导入"], summary="Excel 填报模板（行：机构，列：数据项），限本人机构及下级")
def template(period: str | None = None, level: str | None = None, ctx: Ctx = Depends(need("view"))):
    p = period_or_latest(ctx, period)
    # the form's "全部" sends level= (empty): every level, not an error
    if level is not None and level.strip() and not level.strip().isdigit():
        raise WeijianError(f"层级应为整数，而不是“{level}”")
    level = int(level) if level and level.strip() else None
    folder = temp_folder("weijian-template-")
    path = folder / safe_filename(f"{ctx.ou.name}{p.label}填报模板.xlsx")
    with ctx.workspaces.reader() as ws:
        ws.template(path, [p.id], ou=ctx.ou.code, level=level)
    log(ctx, "template-download", ou=ctx.ou.code, period=p.id)
    return FileResponse(path, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, True),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
