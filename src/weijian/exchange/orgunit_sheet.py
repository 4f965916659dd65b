"""Read a county's own org-unit list (机构.xlsx / .csv) into a tree.

One row per unit; columns 名称, 上级, 类型 and, optionally, 编码. 上级 names the
parent by name (or code); the one row with a blank 上级 is the county itself.
Blank codes are generated from the names' pinyin initials under the parent's
code (官庄镇 under YL → YL_GZZ), so codes stay short and guessable.
Problems are returned, naming the file, row and column; nothing is written here.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from weijian.errors import Problem
from weijian.exchange.encoding import detect_encoding

COLUMNS = {
    "名称": "name", "机构名称": "name", "单位名称": "name",
    "上级": "parent", "上级机构": "parent", "上级单位": "parent", "所属": "parent",
    "类型": "type", "机构类型": "type", "单位类型": "type",
    "编码": "code", "机构编码": "code", "代码": "code",
}
REQUIRED = ("name", "parent", "type")
LABELS = {"name": "名称", "parent": "上级", "type": "类型", "code": "编码"}
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
# suffixes left out of generated codes: 官庄镇卫生院 → GZZ under 官庄镇's code, not GZZWSY
_CODE_SUFFIXES = ("中心卫生院", "卫生院", "村卫生室", "卫生室", "社区卫生服务中心", "社区卫生服务站")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class SheetUnit:
    row: int
    name: str
    parent: str | None
    type: str
    code: str | None


@dataclass(frozen=True)
class TreeUnit:
    code: str
    name: str
    type: str
    parent: str | None
    level: int


def read_orgunit_sheet(path: str | Path, known: dict[str, str] | None = None,
                       ) -> tuple[list[TreeUnit], list[Problem]]:
    """The units of ``path`` as a tree (root first, parents before children), or problems.
    ``known`` (name → code, a workspace's units) gives a row with a blank code the code
    its unit already has, so re-reading the tree keeps every code that data refers to."""
    path = Path(path)
    rows, problems = _read_rows(path)
    if problems:
        return [], problems
    units, problems = _units(path.name, rows)
    if problems:
        return [], problems
    if known:
        units = [u if u.code or u.name not in known else SheetUnit(u.row, u.name, u.parent, u.type, known[u.name])
                 for u in units]
    return _tree(path.name, units)


def _read_rows(path: Path) -> tuple[list[tuple[int, list]], list[Problem]]:
    if not path.exists():
        return [], [Problem(file=path.name, code="missing-file", message=f"文件“{path}”不存在")]
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
            from python_calamine import CalamineWorkbook

            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
            return [(n, list(cells)) for n, cells in enumerate(sheet, start=1)][:MAX_ROWS + 5], []
        if suffix in (".csv", ".txt"):
            with path.open(encoding=detect_encoding(path), newline="") as handle:
                return [(n, cells) for n, cells in enumerate(csv.reader(handle), start=1) if n <= MAX_ROWS + 5], []
    except (OSError, ValueError, UnicodeError, csv.Error) as error:
        return [], [Problem(file=path.name, code="unreadable", message=f"无法读取：{error}")]
    except Exception as error:  # calamine raises its own types for broken workbooks
        return [], [Problem(file=path.name, code="unreadable", message=f"无法读取（文件损坏或不是 Excel 文件）：{error}")]
    return [], [Problem(file=path.name, code="unsupported-format",
                        message=f"不支持的文件类型“{suffix or '无扩展名'}”：请用 .xlsx 或 .csv")]


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _units(name: str, rows: list[tuple[int, list]]) -> tuple[list[SheetUnit], list[Problem]]:
    header_at, columns = None, {}
    for index, (number, cells) in enumerate(rows[:10]):
        found = {COLUMNS[_text(c)]: col for col, c in enumerate(cells) if _text(c) in COLUMNS}
        if "name" in found:
            header_at, columns = index, found
            break
    if header_at is None:
        return [], [Problem(file=name, row=1, code="missing-column",
                            message="前 10 行中找不到表头：应有“名称”“上级”“类型”三列（“编码”可选）")]
    missing = [LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        return [], [Problem(file=name, row=rows[header_at][0], code="missing-column",
                            message=f"缺少必需的列：{'、'.join(missing)}（应有“名称”“上级”“类型”，“编码”可选）")]
    units, problems = [], []
    body = rows[header_at + 1:]
    if len(body) > MAX_ROWS:
        return [], [Problem(file=name, code="too-many-rows", message=f"机构超过 {MAX_ROWS} 个：请分县导入")]
    for number, cells in body:
        values = {key: _text(cells[col]) if col < len(cells) else "" for key, col in columns.items()}
        if not any(values.values()):
            continue
        for key in ("name", "type"):
            if not values[key]:
                problems.append(Problem(file=name, row=number, column=LABELS[key], code="missing-value",
                                        message=f"{LABELS[key]}为空"))
        code = values.get("code") or None
        if code is not None:
            code = code.upper()
            if not CODE_PATTERN.match(code):
                problems.append(Problem(file=name, row=number, column="编码", code="bad-code",
                                        message=f"编码“{values['code']}”应由大写字母、数字和下划线组成，以字母开头（可留空自动生成）"))
        units.append(SheetUnit(number, values["name"], values["parent"] or None, values["type"], code))
    if not units and not problems:
        problems.append(Problem(file=name, code="empty", message="表中没有机构"))
    return units, problems


def _tree(name: str, units: list[SheetUnit]) -> tuple[list[TreeUnit], list[Problem]]:
    problems: list[Problem] = []
    roots = [u for u in units if u.parent is None]
    if len(roots) != 1:
        rows = "、".join(str(u.row) for u in roots[:5])
        message = ("没有“上级”为空的行：县（区）本身应有一行，其上级留空" if not roots
                   else f"“上级”为空的行有 {len(roots)} 个（第 {rows} 行）：只有县（区）本身的上级留空")
        return [], [Problem(file=name, column="上级", code="root", message=message)]
    by_name: dict[str, list[SheetUnit]] = {}
    by_code: dict[str, SheetUnit] = {}
    for u in units:
        by_name.setdefault(u.name, []).append(u)
        if u.code:
            if u.code in by_code:
                problems.append(Problem(file=name, row=u.row, column="编码", code="duplicate",
                                        message=f"编码“{u.code}”与第 {by_code[u.code].row} 行重复"))
            by_code[u.code] = u
    parent_of: dict[int, SheetUnit] = {}
    for u in units:
        if u.parent is None:
            continue
        candidates = by_name.get(u.parent) or ([by_code[u.parent.upper()]] if u.parent.upper() in by_code else [])
        if not candidates:
            problems.append(Problem(file=name, row=u.row, column="上级", code="unknown-parent",
                                    message=f"上级“{u.parent}”不在表中（应填上级机构的名称或编码）"))
        elif len(candidates) > 1:
            rows = "、".join(str(c.row) for c in candidates)
            problems.append(Problem(file=name, row=u.row, column="上级", code="ambiguous-parent",
                                    message=f"上级“{u.parent}”有重名（第 {rows} 行）：请给这些机构填编码，上级填编码"))
        else:
            parent_of[u.row] = candidates[0]
    if problems:
        return [], problems
    children: dict[int, list[SheetUnit]] = {}
    for u in units:
        if u.row in parent_of:
            children.setdefault(parent_of[u.row].row, []).append(u)
    # breadth-first from the root: parents get their codes before their children
    root = roots[0]
    taken = set(by_code)
    codes = {root.row: root.code or _unique(name_initials(root.name, root=True) or "XIAN", taken)}
    taken.add(codes[root.row])
    tree: list[TreeUnit] = [TreeUnit(codes[root.row], root.name, root.type, None, 1)]
    queue = [(root, 1)]
    while queue:
        unit, level = queue.pop(0)
        seen: set[str] = set()
        for child in children.get(unit.row, []):
            if child.name in seen:
                problems.append(Problem(file=name, row=child.row, column="名称", code="duplicate",
                                        message=f"“{unit.name}”下有两个“{child.name}”"))
                continue
            seen.add(child.name)
            code = child.code or _unique(f"{codes[unit.row]}_{name_initials(child.name) or 'U'}", taken)
            taken.add(code)
            codes[child.row] = code
            tree.append(TreeUnit(code, child.name, child.type, codes[unit.row], level + 1))
            queue.append((child, level + 1))
    unreached = [u for u in units if u.row not in codes]
    for u in unreached:
        problems.append(Problem(file=name, row=u.row, column="上级", code="cycle",
                                message=f"“{u.name}”的上级关系形成循环，到不了县（区）本身"))
    return ([], problems) if problems else (tree, [])


def name_initials(name: str, *, root: bool = False) -> str:
    from pypinyin import Style, lazy_pinyin

    stem = name
    for suffix in _CODE_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    if root and len(stem) > 2 and stem[-1] in "县区市旗":
        stem = stem[:-1]
    letters = "".join(p[0] for p in lazy_pinyin(stem, style=Style.FIRST_LETTER, errors="ignore") if p)
    letters = re.sub(r"[^A-Za-z0-9]", "", letters).upper()
    return letters if letters[:1].isalpha() else ("U" + letters if letters else "")


def _unique(code: str, taken: set[str]) -> str:
    if code not in taken:
        return code
    n = 2
    while f"{code}{n}" in taken:
        n += 1
    return f"{code}{n}"
