"""Helpers the views share: periods, org-unit choices, uploads, the app audit trail."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from weijian.errors import WeijianError
from weijian.model import OrgUnit
from weijian.model.periods import Period
from weijian.web.access import Ctx


def period_or_latest(ctx: Ctx, text: str | None) -> Period:
    return Period.parse(text) if text else ctx.workspaces.latest_month


_CHOICES: dict[tuple[int, str, int | None], list[dict]] = {}


def units_choice(ctx: Ctx, max_level: int | None = None) -> list[dict]:
    """The user's unit and everything below it, indented by level, for a <select> (built once per root)."""
    key = (id(ctx.package), ctx.user.orgunit, max_level)
    if key not in _CHOICES:
        top = ctx.package.orgunits[ctx.user.orgunit].level
        _CHOICES[key] = [{"code": u.code, "name": u.name, "level": u.level, "indent": u.level - top, "type": u.type}
                         for u in ctx.package.orgunits.values()
                         if u.code in ctx.scope and (max_level is None or u.level <= max_level)]
    return _CHOICES[key]


def unit_dict(unit: OrgUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "type": unit.type, "level": unit.level, "parent": unit.parent}


def log(ctx: Ctx, action: str, *, ou: str | None = None, period: str | None = None, detail: str | None = None):
    """One entry in the application audit trail (through the writer, like every write)."""
    ctx.workspaces.write(lambda ws: ws.store.log_event(ctx.user.name, action, orgunit=ou, period=period,
                                                       detail=detail, address=ctx.address()))


def save_upload(upload: UploadFile, folder: Path, limit_mb: float, allowed: tuple[str, ...]) -> Path:
    """Copy an upload into ``folder`` under its own (sanitised) name; WeijianError when too big or wrong type."""
    name = Path(upload.filename or "上传文件").name.replace("\x00", "") or "上传文件"
    if not name.lower().endswith(allowed):
        raise WeijianError(f"不支持的文件类型“{name}”：应为 {'、'.join(allowed)}")
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1 << 20)
    if path.stat().st_size > limit_mb * 1024 * 1024:
        path.unlink()
        raise WeijianError(f"文件超过 {limit_mb:g} MB 上限")
    return path


def temp_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
