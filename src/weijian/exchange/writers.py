"""Export stored values as DHIS2 dataValueSets: CSV, JSON, or a long Excel sheet.

Whatever is exported imports back unchanged: the same columns the readers
accept, numbers written without a spurious ``.0``, and comments that look
like spreadsheet formulas prefixed with ``'`` (the importer strips it again).
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

from weijian.exchange.readers import JSON_KEYS
from weijian.exchange.validate import escape_formula, format_number
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.storage.base import VALUE_COLUMNS, Store, StoredValue

__all__ = ["EXPORT_FORMATS", "export_values"]

EXPORT_FORMATS = ("csv", "json", "xlsx")
_NAME_HEADERS = ("数据项名称", "机构名称")  # readers ignore these extra columns


def export_values(
    store: Store,
    package: MetadataPackage,
    orgunit_codes: Sequence[str] | None,
    period: Period | str,
    path: str | Path,
    fmt: str | None = None,
) -> int:
    """Write the values of ``orgunit_codes`` (None: all) within ``period`` to ``path``.

    The format comes from ``fmt`` or the extension (.csv/.json/.xlsx).
    Returns the number of values written.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"不支持的导出格式“{fmt}”：应为 {'、'.join(EXPORT_FORMATS)}")
    if not isinstance(period, Period):
        period = Period.parse(period)
    orgunits = list(orgunit_codes) if orgunit_codes is not None else None
    values = store.read_values(orgunits, period.start, period.end)
    if fmt == "csv":
        return _write_csv(values, path)
    if fmt == "json":
        return _write_json(values, path)
    return _write_xlsx(values, path, package)


def _text_cells(v: StoredValue) -> list[str]:
    """The DHIS2 columns of one value as text, in VALUE_COLUMNS order."""
    return [
        v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo,
        format_number(v.value), escape_formula(v.storedby or ""),
        v.lastupdated.isoformat(timespec="seconds") if v.lastupdated else "",
        escape_formula(v.comment or ""), "true" if v.followup else "false",
    ]


def _write_csv(values: Iterable[StoredValue], path: Path) -> int:
    count = 0
    # The BOM makes Excel/WPS read the file as UTF-8 instead of the ANSI code page.
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(VALUE_COLUMNS)
        for v in values:
            writer.writerow(_text_cells(v))
            count += 1
    return count


def _write_json(values: Iterable[StoredValue], path: Path) -> int:
    count = 0
    # Written item by item so a large export never sits in memory as one list.
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"dataValues": [')
        for v in values:
            item = {
                JSON_KEYS["dataelement"]: v.dataelement, JSON_KEYS["period"]: v.period,
                JSON_KEYS["orgunit"]: v.orgunit,
                JSON_KEYS["categoryoptioncombo"]: v.categoryoptioncombo,
                JSON_KEYS["attributeoptioncombo"]: v.attributeoptioncombo,
                # DHIS2 carries values as strings; the reader accepts both.
                JSON_KEYS["value"]: format_number(v.value),
                JSON_KEYS["storedby"]: v.storedby,
                JSON_KEYS["lastupdated"]: v.lastupdated.isoformat(timespec="seconds") if v.lastupdated else None,
                JSON_KEYS["comment"]: v.comment,
                JSON_KEYS["followup"]: bool(v.followup),
            }
            f.write(("\n  " if count == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
            count += 1
        f.write("\n]}\n")
    return count


def _write_xlsx(values: Iterable[StoredValue], path: Path, package: MetadataPackage) -> int:
    # write_only streams rows to disk: memory stays flat for big exports.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据值")
    sheet.append([*VALUE_COLUMNS, *_NAME_HEADERS])
    count = 0
    value_at = VALUE_COLUMNS.index("value")
    for v in values:
        cells: list[object] = _text_cells(v)
        cells[value_at] = int(v.value) if v.value.is_integer() else v.value
        element = package.elements.get(v.dataelement)
        unit = package.orgunits.get(v.orgunit)
        cells += [escape_formula(element.name) if element else "", escape_formula(unit.name) if unit else ""]
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
