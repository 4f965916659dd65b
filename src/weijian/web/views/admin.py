"""Operations for administrators: the workspace backup while the app serves it.

A DuckDB file is locked by this process, so ``weijian backup`` cannot open it
while the app runs; ``weijian backup --server`` downloads this route instead.
The archive is made on a reader connection inside one snapshot transaction:
saves go on meanwhile and the backup is consistent (``weijian.backup``).
Only a 管理员 bound to the root org unit may take it (it holds every unit's data).
"""
from __future__ import annotations

import shutil
from datetime import datetime

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from weijian.backup import backup_workspace
from weijian.web.access import Ctx, Forbidden, need
from weijian.web.views.common import log, temp_folder

router = APIRouter()
ADMIN = "管理员"


@router.get("/api/admin/backup", include_in_schema=False)
async def download_backup(ctx: Ctx = Depends(need("view"))):
    """The whole workspace as a backup archive (manifest, metadata, every table)."""
    if ctx.user.role != ADMIN or ctx.user.orgunit != ctx.package.root().code:
        raise Forbidden("只有全县（根机构）的管理员可以下载备份")
    folder = temp_folder("weijian-backup-")
    name = f"weijian-{datetime.now():%Y%m%d-%H%M%S}.wjbak"

    def make():
        with ctx.workspaces.reader() as ws:
            return backup_workspace(ws, folder / name)
    try:
        info = await run_in_threadpool(make)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    await run_in_threadpool(log, ctx, "backup", detail=f"{info.rows} 行")
    return FileResponse(info.path, media_type="application/zip", filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
