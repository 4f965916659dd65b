"""数据导入 · 本县表格: a county's own sheet through a mapping profile, as a wizard.

upload (or pick a saved profile) → the suggested mapping shown over the sheet,
cells coloured by what they map to, a drop-down per column and row label →
preview of the values a dry run would store and every problem by its cell →
save the profile in the workspace (mappings/) and import. Next month's file of
the same layout imports in one step by choosing its saved profile.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from weijian.errors import WeijianError
from weijian.exchange.sheet_grid import GRID_SUFFIXES, cell_text, column_letter, column_number, read_grid
from weijian.exchange.sheet_names import normalise
from weijian.exchange.sheet_profile import SheetProfile, dump_profile, load_profile
from weijian.exchange.sheet_read import sheet_records
from weijian.exchange.readers import RawRecord
from weijian.web.access import Ctx, need
from weijian.web.render import respond
from weijian.web.views.common import log, save_upload, temp_folder
from weijian.web.views.imports import PENDING
from weijian.workspace import MAPPINGS_DIR

router = APIRouter()
PREVIEW_ROWS = 30
PREVIEW_COLUMNS = 16
PREVIEW_VALUES = 200
_SAFE_NAME = re.compile(r"[^\w\u4e00-\u9fff-]+")


def saved_profiles(ctx: Ctx) -> list[str]:
    folder = ctx.workspaces.folder / MAPPINGS_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _page(ctx: Ctx, **extra) -> dict:
    return {"profiles": saved_profiles(ctx), "suffixes": GRID_SUFFIXES, "step": "upload", "pending": None,
            "grid": None, "profile": None, "values": [], "report": None, **extra}


@router.get("/import/sheets", include_in_schema=False)
def sheets_page(request: Request, ctx: Ctx = Depends(need("enter"))):
    return respond(request, "sheets.html", _page(ctx), ctx.user, page="import")


@router.post("/import/sheets", include_in_schema=False)
@router.post("/api/import/sheets", tags=["数据导入"],
             summary="上传本县格式的表格：给出已存的映射配置名则直接试导入，否则推测映射配置")
async def upload(request: Request, file: UploadFile = File(...), profile: str = Form(""), period: str = Form(""),
                 ctx: Ctx = Depends(need("enter"))):
    folder = temp_folder("weijian-sheet-")
    try:
        path = save_upload(file, folder, ctx.settings.upload_mb, GRID_SUFFIXES)
        if profile:
            found = load_profile(ctx.workspaces.folder / MAPPINGS_DIR / f"{_safe(profile)}.yaml")
        else:
            with ctx.workspaces.reader() as ws:
                found = await run_in_threadpool(lambda: ws.suggest_mapping(path).profile)
        (folder / "profile.yaml").write_text(dump_profile(found), encoding="utf-8")
    except WeijianError as error:
        shutil.rmtree(folder, ignore_errors=True)
        return respond(request, "sheets.html", _page(ctx, error=str(error)), ctx.user, 422, page="import")
    key = PENDING.add(ctx.user.name, folder)
    data, status = await run_in_threadpool(_review, ctx, key, folder, period)
    return respond(request, "sheets.html", data, ctx.user, status, page="import")


@router.post("/import/sheets/preview", include_in_schema=False)
@router.post("/api/import/sheets/preview", tags=["数据导入"], summary="按改过的映射再试导入（不写入）")
async def preview(request: Request, ctx: Ctx = Depends(need("enter"))):
    form = await request.form()
    key, folder = _pending(ctx, form)
    try:
        profile = _edited(load_profile(folder / "profile.yaml"), form, ctx)
        (folder / "profile.yaml").write_text(dump_profile(profile), encoding="utf-8")
    except WeijianError as error:
        shutil.rmtree(folder, ignore_errors=True)
        return respond(request, "sheets.html", _page(ctx, error=str(error)), ctx.user, 422, page="import")
    key = PENDING.add(ctx.user.name, folder)
    data, status = await run_in_threadpool(_review, ctx, key, folder, str(form.get("period") or ""))
    return respond(request, "sheets.html", data, ctx.user, status, page="import")


@router.post("/import/sheets/confirm", include_in_schema=False)
@router.post("/api/import/sheets/confirm", tags=["数据导入"], summary="保存映射配置（供下月使用）并导入")
async def confirm(request: Request, ctx: Ctx = Depends(need("enter"))):
    form = await request.form()
    _, folder = _pending(ctx, form)
    try:
        profile = load_profile(folder / "profile.yaml")
        name = _safe(str(form.get("name") or profile.name))
        profile = replace(profile, name=name)
        target = ctx.workspaces.folder / MAPPINGS_DIR / f"{name}.yaml"
        period = str(form.get("period") or "") or None
        sheet = _sheet_file(folder)

        def work(ws):
            report = ws.import_files([sheet], user=ctx.user.name, scope=ctx.scope, mapping=folder / "profile.yaml",
                                     period=period)
            if report.ok:  # the layout is kept only once it has imported cleanly
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(dump_profile(profile), encoding="utf-8")
            return report
        report = await run_in_threadpool(ctx.workspaces.write, work, touches="all")
    except WeijianError as error:
        return respond(request, "sheets.html", _page(ctx, error=str(error)), ctx.user, 422, page="import")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    await run_in_threadpool(log, ctx, "import", ou=ctx.user.orgunit,
                            detail=f"{sheet.name}（映射配置 {name}）：{'成功' if report.ok else f'{report.problem_count} 个问题'}")
    out = {**report.to_dict(), "message": report.describe_zh()}
    data = _page(ctx, step="done", report=out, saved=name if report.ok else None)
    return respond(request, "sheets.html", data, ctx.user, 200 if report.ok else 422, page="import")


def _pending(ctx: Ctx, form) -> tuple[str, Path]:
    key = str(form.get("pending") or "")
    return key, PENDING.take(ctx.user.name, key)


def _safe(name: str) -> str:
    cleaned = _SAFE_NAME.sub("_", name).strip("_")[:60]
    if not cleaned:
        raise WeijianError("映射配置的名称应为中文、字母或数字")
    return cleaned


def _sheet_file(folder: Path) -> Path:
    return next(p for p in sorted(folder.iterdir()) if p.name != "profile.yaml")


def _edited(profile: SheetProfile, form, ctx: Ctx) -> SheetProfile:
    """The profile with the user's drop-downs: col_D = element (or org unit), row_官庄 = code; '' = not imported."""
    package = ctx.package
    columns = []
    for column in profile.columns:
        chosen = form.get(f"col_{column.column}")
        if chosen is None:
            columns.append(column)
            continue
        chosen = str(chosen)
        if profile.rows_are == "orgunits":
            if chosen and chosen.split(".")[0] not in package.elements:
                raise WeijianError(f"{column.column} 列：没有数据项“{chosen}”")
            columns.append(replace(column, element=chosen or None, note=""))
        else:
            if chosen and chosen not in ctx.scope:
                raise WeijianError(f"{column.column} 列：机构“{chosen}”不在您的范围内")
            columns.append(replace(column, orgunit=chosen or None, note=""))
    rows = dict(profile.rows)
    for index, label in enumerate(list(rows)):
        chosen = form.get(f"row_{index}")
        if chosen is not None:
            rows[label] = str(chosen) or None
    return replace(profile, columns=columns, rows=rows, unsure=[], name=str(form.get("name") or profile.name))


def _review(ctx: Ctx, key: str, folder: Path, period: str) -> tuple[dict, int]:
    """The mapping over the sheet, the values a dry run would store, and its problems."""
    profile = load_profile(folder / "profile.yaml")
    sheet = _sheet_file(folder)
    grid = read_grid(sheet, profile.sheet)
    values = []
    names = {c: u.name for c, u in ctx.package.orgunits.items()}
    for item in sheet_records(sheet, profile, ctx.package, period or None):
        if isinstance(item, RawRecord) and len(values) < PREVIEW_VALUES:
            v = item.values
            element = ctx.package.elements.get(v["dataelement"])
            values.append({"cell": item.headers["value"].split("（")[0], "orgunit": names.get(v["orgunit"], v["orgunit"]),
                           "element": (element.name if element else v["dataelement"])
                           + (f"（{v['categoryoptioncombo']}）" if v.get("categoryoptioncombo") else ""),
                           "period": v["period"], "value": cell_text(v["value"])})
    with ctx.workspaces.reader() as ws:
        report = ws.import_files([sheet], user=ctx.user.name, dry_run=True, scope=ctx.scope,
                                 mapping=folder / "profile.yaml", period=period or None)
    out = {**report.to_dict(), "message": report.describe_zh()}
    data = _page(ctx, step="review", pending=key, grid=_grid_view(grid, profile), profile=_profile_view(profile),
                 values=values, report=out, period=period, elements=_element_choices(ctx),
                 units=[{"code": c, "name": names[c]} for c in ctx.package.orgunits if c in ctx.scope])
    return data, 200 if report.ok else 422


def _profile_view(profile: SheetProfile) -> dict:
    return {"name": profile.name, "rows_are": profile.rows_are, "label_column": profile.label_column,
            "header_rows": profile.header_rows, "first_row": profile.first_row, "element": profile.element,
            "period": profile.period.source, "unsure": profile.unsure,
            "columns": [{"column": c.column, "element": c.element, "orgunit": c.orgunit, "period": c.period,
                         "header": c.header, "note": c.note, "scale": str(c.scale)} for c in profile.columns],
            "rows": [{"index": i, "label": label, "code": code, "total": _is_total(profile, label)}
                     for i, (label, code) in enumerate(profile.rows.items())]}


def _is_total(profile: SheetProfile, label: str) -> bool:
    key = normalise(label)
    return any(normalise(word) and normalise(word) in key for word in profile.totals)


def _grid_view(grid, profile: SheetProfile) -> dict:
    """The first rows and columns of the sheet, each cell with the class saying what it maps to."""
    mapped = {c.column: bool(c.element or c.orgunit or c.period or profile.element) for c in profile.columns}
    label = column_number(profile.label_column)
    rows = []
    for r in range(1, min(grid.height, PREVIEW_ROWS) + 1):
        cells = []
        for c in range(1, min(grid.width, PREVIEW_COLUMNS) + 1):
            letter = column_letter(c)
            text = grid.text(r, c)
            if r in profile.header_rows:
                kind = "mapped" if mapped.get(letter) else ("label" if c == label else "unmapped" if letter in mapped else "")
            elif r >= profile.first_row and c == label:
                code = profile.rows.get(text, "?")
                kind = "mapped" if code not in (None, "?") else ("total" if text and code is None else "unmapped")
            elif r >= profile.first_row:
                kind = "value" if mapped.get(letter) else ""
            else:
                kind = "title"
            cells.append({"text": text, "kind": kind})
        rows.append({"number": r, "cells": cells})
    return {"file": grid.file, "sheet": grid.sheet,
            "letters": [column_letter(c) for c in range(1, min(grid.width, PREVIEW_COLUMNS) + 1)], "rows": rows}


_ELEMENT_CHOICES: dict[int, list[dict]] = {}


def _element_choices(ctx: Ctx) -> list[dict]:
    """Every element and element.option, by name, for the column drop-downs (built once per package)."""
    key = id(ctx.package)
    if key not in _ELEMENT_CHOICES:
        choices = []
        for element in ctx.package.elements.values():
            choices.append({"code": element.code, "name": f"{element.name}（{element.unit}）"})
            if element.category:
                for option in ctx.package.categories[element.category].options:
                    choices.append({"code": f"{element.code}.{option.code}", "name": f"{element.name}：{option.name}"})
        _ELEMENT_CHOICES[key] = choices
    return _ELEMENT_CHOICES[key]
