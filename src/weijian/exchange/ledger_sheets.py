"""The Excel layout of the work ledger (工作台账): one sheet per kind of item.

Row 1 holds Chinese headers, each data row one item. The same layout is the
empty template, the export and what the importer reads; ``SHEETS`` declares
it once. Count columns of 工作台账 are one per unit (场次 … 万元): a blank cell
means "none", never zero.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from weijian.exchange.validate import escape_formula
from weijian.ledger import (
    COUNT_UNITS,
    DOMAINS,
    HONOUR_LEVELS,
    KIND_LABELS,
    KINDS,
    PROJECT_STATUSES,
    LedgerEntry,
    LedgerItem,
    kind_of,
)
from weijian.model import MetadataPackage

__all__ = ["HELP_SHEET", "ORGUNIT_LIST_SHEET", "SHEETS", "Column", "Sheet", "header_key", "write_workbook"]

HELP_SHEET = "说明"
ORGUNIT_LIST_SHEET = "机构列表"
VALIDATED_ROWS = 2000  # rows below the header that get drop-down lists and number checks

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the item's field; "orgunit_name" is informational; a unit for count columns
    type: str = "text"  # text | date | number | count | choice
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    width: int = 12
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str
    columns: tuple[Column, ...]
    key_field: str  # the column a duplicate row is reported on

    def column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)


_OU = Column("机构编码", "orgunit", required=True, aliases=("机构代码",), width=14,
             note="机构编码（见“机构列表”）；不填编码时可只填机构名称")
_OU_NAME = Column("机构名称", "orgunit_name", width=24, aliases=("机构", "单位", "单位名称"),
                  note="仅供阅读；机构编码为空时按名称查找机构")
_DEPT = Column("股室", "department", aliases=("科室", "责任股室"), width=12, note="负责的股室，可不填")
_DOMAIN = Column("领域", "domain", "choice", True, DOMAINS, width=10, note="、".join(DOMAINS))

SHEETS: dict[str, Sheet] = {s.kind: s for s in (
    Sheet("entry", KIND_LABELS["entry"], (
        _OU, _OU_NAME, _DEPT, _DOMAIN,
        Column("类型", "kind", "choice", True, KINDS, width=10, note="、".join(KINDS)),
        Column("标题", "title", required=True, aliases=("工作内容", "名称"), width=36,
               note="如：全县基本公共卫生服务项目培训"),
        Column("开始日期", "start", "date", True, aliases=("日期", "起始日期"), width=12,
               note="如 2026-05-03 或 2026年5月3日"),
        Column("结束日期", "end", "date", aliases=("完成日期", "截止日期"), width=12,
               note="工作完成的日期，不填表示当天完成；按结束日期所在期间统计"),
        Column("内容", "text", aliases=("说明", "备注", "具体内容"), width=40, note="可不填"),
        *(Column(unit, unit, "count", width=8, note="不填表示无此项") for unit in COUNT_UNITS),
    ), "title"),
    Sheet("document", KIND_LABELS["document"], (
        _OU, _OU_NAME, _DEPT,
        Column("文号", "number", required=True, aliases=("发文字号", "发文文号"), width=20,
               note="如 沅卫发〔2026〕12号"),
        Column("标题", "title", required=True, aliases=("文件标题", "文件名称"), width=48, note="不加书名号"),
        Column("发文日期", "date", "date", True, aliases=("日期", "印发日期"), width=12),
        _DOMAIN,
    ), "number"),
    Sheet("project", KIND_LABELS["project"], (
        _OU, _OU_NAME, _DEPT,
        Column("项目名称", "name", required=True, aliases=("项目",), width=32),
        Column("领域", "domain", "choice", False, DOMAINS, width=10, note="不填为“综合”"),
        Column("总投资（万元）", "investment", "number", aliases=("总投资", "投资（万元）", "投资额（万元）"),
               width=14, note="单位：万元"),
        Column("资金来源", "funding", width=28, note="如 中央预算内投资、地方政府专项债券"),
        Column("状态", "status", "choice", True, PROJECT_STATUSES, aliases=("项目状态",), width=10,
               note="、".join(PROJECT_STATUSES)),
    ), "name"),
    Sheet("progress", KIND_LABELS["progress"], (
        Column("项目名称", "project", required=True, aliases=("项目",), width=32,
               note="与“建设项目”表中的名称一致"),
        Column("日期", "date", "date", True, aliases=("进度日期", "填报日期"), width=12),
        Column("完成进度（%）", "percent", "number", True, aliases=("完成进度", "进度（%）", "进度"), width=14,
               note="0—100"),
        Column("进展情况", "milestone", aliases=("形象进度", "进展", "里程碑"), width=40,
               note="如 主体封顶、完成土建总工程量的70%"),
        Column("状态", "status", "choice", False, PROJECT_STATUSES, aliases=("项目状态",), width=10,
               note="状态有变化时填写"),
    ), "date"),
    Sheet("honour", KIND_LABELS["honour"], (
        _OU, _OU_NAME, _DEPT,
        Column("荣誉名称", "what", required=True, aliases=("荣誉", "称号"), width=36),
        Column("授予单位", "awarded_by", aliases=("颁发单位",), width=24),
        Column("级别", "level", "choice", True, HONOUR_LEVELS, aliases=("荣誉级别",), width=10,
               note="、".join(HONOUR_LEVELS)),
        Column("授予日期", "date", "date", True, aliases=("日期", "获得日期"), width=12),
        _DOMAIN,
    ), "what"),
)}


def header_key(text: object) -> str:
    """Headers compare after NFKC and without spaces: “完成进度(%)” is “完成进度（%）”."""
    if not isinstance(text, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split())


def write_workbook(path: str | Path, items: Iterable[LedgerItem] = (),
                   package: MetadataPackage | None = None) -> Path:
    """The ledger workbook holding ``items`` (none: the empty template). With
    ``package``, org-unit names are filled in and a 机构列表 sheet lists the codes."""
    by_kind: dict[str, list[LedgerItem]] = {kind: [] for kind in SHEETS}
    for item in items:
        by_kind[kind_of(item)].append(item)
    workbook = Workbook()
    _write_help(workbook.active)
    for kind, sheet in SHEETS.items():
        _write_sheet(workbook.create_sheet(sheet.title), sheet, by_kind[kind], package)
    if package is not None:
        _write_orgunits(workbook.create_sheet(ORGUNIT_LIST_SHEET), package)
    workbook.active = 1  # open on 工作台账
    path = Path(path)
    workbook.save(path)
    return path


def _cells(item: LedgerItem, sheet: Sheet, package: MetadataPackage | None) -> list[object]:
    values = {f: getattr(item, f) for f in ("orgunit", "department", "domain", "kind", "title", "start",
                                            "end", "text", "number", "date", "name", "investment",
                                            "funding", "status", "project", "percent", "milestone",
                                            "what", "awarded_by", "level") if hasattr(item, f)}
    if isinstance(item, LedgerEntry):
        values.update(item.counts)
        if item.end == item.start:
            values["end"] = None  # the template's way of saying "done the same day"
    if package is not None and "orgunit" in values and values["orgunit"] in package.orgunits:
        values["orgunit_name"] = package.orgunits[values["orgunit"]].name
    cells = []
    for column in sheet.columns:
        value = values.get(column.field)
        cells.append(escape_formula(value) if isinstance(value, str) else value)
    return cells


def _write_sheet(ws, sheet: Sheet, items: Sequence[LedgerItem], package: MetadataPackage | None) -> None:
    ws.append([c.header for c in sheet.columns])
    for item in items:
        ws.append(_cells(item, sheet, package))
    last = max(VALIDATED_ROWS, len(items)) + 1
    for i, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(1, i)
        head.font, head.fill = _HEADER_FONT, _REQUIRED_FILL if column.required else _HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{last}"
        if column.type == "date":
            for row in range(2, len(items) + 2):
                ws.cell(row, i).number_format = "yyyy-mm-dd"
        elif column.field in ("orgunit", "number"):
            for row in range(2, len(items) + 2):
                ws.cell(row, i).number_format = "@"  # numeric-looking codes stay text
        rule = _validation(column, package)
        if rule is not None:
            rule.add(cells)
            ws.add_data_validation(rule)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30


def _validation(column: Column, package: MetadataPackage | None) -> DataValidation | None:
    # Excel checks what it can while typing; the importer still checks everything.
    if column.type == "choice":
        return DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle=f"{column.header}无效",
                              error=f"请从下拉列表中选择：{'、'.join(column.choices)}")
    if column.type == "count":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的数字；不填表示无此项")
    if column.field == "percent":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                              showErrorMessage=True, errorTitle="完成进度无效", error="请填写 0—100 之间的数字")
    if column.field == "orgunit" and package is not None:
        # a drop-down only: typing a code not in the list is left to the importer to explain
        return DataValidation(type="list", formula1=f"'{ORGUNIT_LIST_SHEET}'!$A$2:$A${len(package.orgunits) + 1}",
                              allow_blank=True, showErrorMessage=False)
    return None


def _write_orgunits(ws, package: MetadataPackage) -> None:
    ws.append(["机构编码", "机构名称", "类型", "上级机构编码"])
    for ou in package.orgunits.values():
        ws.append([ou.code, escape_formula(ou.name), escape_formula(ou.type), ou.parent or ""])
    for letter, width in zip("ABCD", (16, 28, 14, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _write_help(ws) -> None:
    ws.title = HELP_SHEET
    lines = [
        ("工作台账填报说明", ""),
        ("", ""),
        ("用途", "登记本单位开展的培训、督导检查、执法、宣传、义诊、会议、专项行动、应急演练、考核评审等工作，"
               "以及印发的文件、重点建设项目及其进度、获得的荣誉，供起草工作总结时引用。"),
        ("工作表", "工作台账、发文、建设项目、项目进度、荣誉；不需要的表可以留空或删除。第 1 行为列名，请勿修改；"
                "从第 2 行起每行一条。"),
        ("统计规则", "每条台账按“结束日期”所在的期间统计（结束日期为空时即开始日期）：跨期间的工作只在结束的那个期间计数一次，"
                 "在较早的期间列为“正在开展”。"),
        ("计数列", "工作台账表中每个单位一列（" + "、".join(COUNT_UNITS) + "）；不填表示无此项，"
                "元、万元可有小数，其他单位填整数，不能为负数。"),
        ("日期", "可填 Excel 日期，或文字 2026-05-03、2026/5/3、2026年5月3日。"),
        ("文号", "格式为 机关代字〔年份〕序号号，如 沅卫发〔2026〕12号；方括号 [ ] 会自动改为六角括号 〔 〕。"),
        ("导入", "weijian ledger import 文件.xlsx -w 工作区：任何一行有问题则一条也不写入，并列出工作表、行、列和原因；"
               "重复导入同一文件不会重复登记（相同条目不变，内容有改动的条目按新内容更新）。"),
        ("识别同一条目", "工作台账：机构、类型、标题、开始日期、结束日期；发文：文号；建设项目：项目名称；"
                     "项目进度：项目名称、日期；荣誉：机构、荣誉名称、授予日期。"),
        ("", ""),
        ("各表的列", ""),
    ]
    columns_heading = len(lines)
    for sheet in SHEETS.values():
        for column in sheet.columns:
            mark = "（必填）" if column.required else ""
            lines.append((f"{sheet.title} · {column.header}{mark}", column.note))
    for line in lines:
        ws.append(list(line))
    ws["A1"].font = Font(bold=True, size=14)
    ws.cell(columns_heading, 1).font = _HEADER_FONT
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_row=3):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
