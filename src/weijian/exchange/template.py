"""The wide Excel template: one sheet per period, one row per org unit.

This is the form 录入员 fill in Excel/WPS: row 1 has Chinese headers, row 2
the codes the importer reads (``VACC_DOSES``, ``LIVE_BIRTHS.MALE``), and each
data row one org unit. A hidden sheet ``_weijian`` marks the workbook as this
layout so ``readers`` can tell it from a long (one value per row) file.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from weijian.errors import NotFoundError
from weijian.exchange.escaping import escape_formula
from weijian.model import DataElement, MetadataPackage, OrgUnit
from weijian.model.periods import Period

__all__ = [
    "CODE_ROW", "FIRST_DATA_ROW", "HEADER_ROW", "IGNORED_CODES", "MARKER_KIND", "MARKER_SHEET",
    "ORGUNIT_CODE", "PERIOD_HEADER", "make_template", "split_code",
]

MARKER_SHEET = "_weijian"
MARKER_KIND = "weijian-wide"
HEADER_ROW, CODE_ROW, FIRST_DATA_ROW = 1, 2, 3
ORGUNIT_CODE = "orgunit"
ORGUNIT_NAME_CODE = "orgunit_name"
IGNORED_CODES = frozenset({ORGUNIT_NAME_CODE})
# What problems call the period "column": in this layout it is the sheet title.
PERIOD_HEADER = "工作表名称"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CODE_FONT = Font(color="808080", size=9)
_TYPE_LABELS = {"monthly": "月", "quarterly": "季", "half_yearly": "半年", "yearly": "年"}


def split_code(code: str) -> tuple[str, str]:
    """``LIVE_BIRTHS.MALE`` → (``LIVE_BIRTHS``, ``MALE``); ``VACC_DOSES`` → (``VACC_DOSES``, '')."""
    element, _, option = code.partition(".")
    return element, option


def make_template(
    package: MetadataPackage,
    orgunits: Sequence[str] | int,
    periods: Sequence[Period | str],
    elements: Sequence[str] | None = None,
    *,
    path: str | Path,
) -> Path:
    """Write a wide template for ``orgunits`` (codes, or a level number) and ``periods``.

    Each period gets a sheet with the elements reported at that period type
    (``elements`` narrows the choice; asking for one that does not fit a
    period is a caller error). Example:
    ``make_template(pkg, 3, ["202405"], path="5月报表.xlsx")`` (every level-3 unit).
    """
    units = _select_orgunits(package, orgunits)
    parsed = [p if isinstance(p, Period) else Period.parse(p) for p in periods]
    if not parsed:
        raise ValueError("至少需要一个期间")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for period in parsed:
        _write_sheet(workbook.create_sheet(period.id), package, units, _select_elements(package, period, elements))
    marker = workbook.create_sheet(MARKER_SHEET)
    for row in (("format", MARKER_KIND), ("version", 1), ("periods", ",".join(p.id for p in parsed)),
                ("created", datetime.now().isoformat(timespec="seconds"))):
        marker.append(row)
    marker.sheet_state = "hidden"
    path = Path(path)
    workbook.save(path)
    return path


def _select_orgunits(package: MetadataPackage, orgunits: Sequence[str] | int) -> list[OrgUnit]:
    if isinstance(orgunits, int):
        # Tree order, siblings as declared in the package (not alphabetical codes).
        position = {code: i for i, code in enumerate(package.orgunits)}
        units = sorted((ou for ou in package.orgunits.values() if ou.level == orgunits),
                       key=lambda ou: [position.get(code, -1) for code in ou.path])
        if not units:
            raise NotFoundError(f"没有第 {orgunits} 级的机构")
        return units
    unknown = [code for code in orgunits if code not in package.orgunits]
    if unknown:
        raise NotFoundError(f"未知的机构编码：{'、'.join(unknown)}")
    return [package.orgunits[code] for code in orgunits]


def _select_elements(package: MetadataPackage, period: Period, codes: Sequence[str] | None) -> list[DataElement]:
    if codes is None:
        chosen = [e for e in package.elements.values() if period.is_of_type(e.period_type)]
    else:
        unknown = [code for code in codes if code not in package.elements]
        if unknown:
            raise NotFoundError(f"未知的数据项编码：{'、'.join(unknown)}")
        chosen = [package.elements[code] for code in codes]
        misfits = [e for e in chosen if not period.is_of_type(e.period_type)]
        if misfits:
            names = "、".join(f"{e.name}（按{_TYPE_LABELS[e.period_type]}）" for e in misfits)
            raise ValueError(f"期间 {period.id} 的表中不能放这些数据项：{names}")
    if not chosen:
        raise ValueError(f"没有可在期间 {period.id} 填报的数据项")
    return chosen


def _columns(package: MetadataPackage, elements: list[DataElement]) -> list[tuple[str, str, DataElement]]:
    """(header, code, element) per data column; disaggregated elements get one per option."""
    columns = []
    for element in elements:
        if element.category is None:
            columns.append((element.name, element.code, element))
            continue
        for option in package.categories[element.category].options:
            columns.append((f"{element.name}（{option.name}）", f"{element.code}.{option.code}", element))
    return columns


def _write_sheet(sheet, package: MetadataPackage, units: list[OrgUnit], elements: list[DataElement]) -> None:
    columns = _columns(package, elements)
    # names come from the metadata: one starting with = + - @ must not become a formula
    sheet.append(["机构编码", "机构名称", *(escape_formula(header) for header, _, _ in columns)])
    sheet.append([ORGUNIT_CODE, ORGUNIT_NAME_CODE, *(code for _, code, _ in columns)])
    for unit in units:
        sheet.append([unit.code, escape_formula(unit.name)])
    last_row = FIRST_DATA_ROW + len(units) - 1

    for cell in sheet[HEADER_ROW]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cell in sheet[CODE_ROW]:
        cell.font = _CODE_FONT
    sheet.row_dimensions[HEADER_ROW].height = 36
    for row in range(FIRST_DATA_ROW, last_row + 1):
        sheet.cell(row, 1).number_format = "@"  # numeric codes stay text
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = max(16, min(40, 2 * max((len(u.name) for u in units), default=8) + 2))
    for i, (header, _, _) in enumerate(columns, start=3):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(30, 2 * len(header) + 2))
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)
    if units:
        _add_number_validation(sheet, columns, last_row)


def _add_number_validation(sheet, columns, last_row: int) -> None:
    # Excel checks what it can while typing; the importer still checks everything.
    rules = {
        "integer": DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                  errorTitle="数值无效", error="请填写不小于 0 的整数；不填表示未报告"),
        "number": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                 errorTitle="数值无效", error="请填写不小于 0 的数字；不填表示未报告"),
    }
    used = set()
    for i, (_, _, element) in enumerate(columns, start=3):
        letter = get_column_letter(i)
        kind = "integer" if element.value_type == "integer" else "number"
        rules[kind].add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        used.add(kind)
    for kind in used:
        rules[kind].showErrorMessage = True
        sheet.add_data_validation(rules[kind])
