"""Helpers the views share: periods, org-unit choices, uploads, the app audit trail."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path, PureWindowsPath

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
    """Copy an upload into ``folder`` under its own (sanitised, unique) name; WeijianError when
    too big or of the wrong type. Copying stops as soon as the limit is passed."""
    name = safe_filename(PureWindowsPath(upload.filename or "").name, "上传文件")
    if not name.lower().endswith(allowed):
        raise WeijianError(f"不支持的文件类型“{name}”：应为 {'、'.join(allowed)}")
    path = _unused(folder / name)
    limit = int(limit_mb * 1024 * 1024)
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                out.close()
                path.unlink()
                raise WeijianError(f"文件“{name}”超过 {limit_mb:g} MB 上限")
            out.write(chunk)
    return path


def _unused(path: Path) -> Path:
    """``path``, or ``name (2).csv`` … when two uploads share a name."""
    n = 1
    found = path
    while found.exists():
        n += 1
        found = path.with_name(f"{path.stem} ({n}){path.suffix}")
    return found


_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_filename(text: str, fallback: str = "文件") -> str:
    """A file name made from ``text`` (an upload's name, an org unit's name) that stays inside its
    folder on any system: no path separators, control or reserved characters, no leading dots."""
    name = _UNSAFE_IN_NAMES.sub("_", text).strip().lstrip(".").strip()
    return name[:150] or fallback


def temp_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
