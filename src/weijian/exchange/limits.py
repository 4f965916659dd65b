"""Size limits that keep a hostile or mistaken file from exhausting memory or disk.

CSV is streamed row by row, so its size is unlimited, but one physical line may
hold at most ``MAX_CSV_LINE`` characters (a file without line breaks would
otherwise be read whole). JSON is parsed whole, so the file is refused above a
size limit (``readers.DEFAULT_JSON_LIMIT``). Excel sheets are loaded whole by
calamine: the file is refused above ``DEFAULT_EXCEL_LIMIT``, and a zip-based
workbook (.xlsx/.xlsm/.ods) whose parts declare more than that uncompressed, or
compress better than ``MAX_ZIP_RATIO`` to one (a "zip bomb"), is refused
before it is opened.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from weijian.errors import Problem

__all__ = ["DEFAULT_EXCEL_LIMIT", "MAX_CSV_LINE", "MAX_ZIP_RATIO", "excel_size_problem", "megabytes"]

DEFAULT_EXCEL_LIMIT = 500 * 1024 * 1024
MAX_CSV_LINE = 1024 * 1024
# Sheet XML compresses 10–50 to one; deflate cannot do better than about 1030 to one,
# which only long runs of one byte reach. Small parts are never a threat.
MAX_ZIP_RATIO = 200
_RATIO_FLOOR = 10 * 1024 * 1024
_ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")


def megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def excel_size_problem(path: Path, limit: int = DEFAULT_EXCEL_LIMIT) -> Problem | None:
    """Why the workbook at ``path`` is too big to open, or None. Reads only the zip directory."""
    name = path.name
    size = path.stat().st_size
    if size > limit:
        return Problem(name, "file-too-large",
                       f"Excel 文件有 {megabytes(size)}，超过上限 {megabytes(limit)}；请按月份或机构拆分后再导入")
    if path.suffix.lower() not in _ZIP_SUFFIXES or not zipfile.is_zipfile(path):
        return None  # .xls, or not a zip at all: calamine reports what is wrong
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        return Problem(name, "file-too-large",
                       f"Excel 文件解压后有 {megabytes(unpacked)}，超过上限 {megabytes(limit)}；"
                       "请按月份或机构拆分后再导入")
    for part in parts:
        if part.file_size > _RATIO_FLOOR and part.file_size > MAX_ZIP_RATIO * max(part.compress_size, 1):
            return Problem(name, "suspicious-file",
                           f"Excel 文件中的“{part.filename}”压缩比异常（{megabytes(part.compress_size)} 解压为 "
                           f"{megabytes(part.file_size)}），可能是恶意构造的文件，已拒绝")
    return None
