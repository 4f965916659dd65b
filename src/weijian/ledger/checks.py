"""What is wrong with a ledger item, as (field, code, message) triples.

One set of checks serves the API (``Ledger.add_*`` raises LedgerError with
these messages) and the Excel import (each becomes a Problem at its row and
column). Messages are Chinese and name the offending value; they do not say
where it came from, the caller adds that. Count problems use the unit as
their field (the import's column for that unit has the same name).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from weijian.ledger.model import (
    COUNT_UNITS,
    DECIMAL_UNITS,
    DOMAINS,
    HONOUR_LEVELS,
    KINDS,
    PROJECT_STATUSES,
    Honour,
    IssuedDocument,
    LedgerEntry,
    LedgerItem,
    Project,
    ProgressRecord,
)
from weijian.model import MetadataPackage

__all__ = ["DOCUMENT_NUMBER", "FIELD_LABELS", "FieldError", "MAX_DECIMALS", "check_item", "zh_date"]

FieldError = tuple[str, str, str]  # (field, code, message)

# X〔YYYY〕N号: issuer's abbreviation, year, serial number
DOCUMENT_NUMBER = re.compile(r"(?P<prefix>[^〔〕\s]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号")
MAX_DECIMALS = 4  # the tables keep 4 decimal places

FIELD_LABELS = {
    "orgunit": "机构编码", "department": "股室", "domain": "领域", "kind": "类型", "title": "标题",
    "start": "开始日期", "end": "结束日期", "text": "内容", "number": "文号", "date": "日期",
    "name": "项目名称", "status": "状态", "investment": "总投资（万元）", "funding": "资金来源",
    "project": "项目名称", "percent": "完成进度（%）", "milestone": "进展情况", "what": "荣誉名称",
    "awarded_by": "授予单位", "level": "级别",
}


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_item(item: LedgerItem, package: MetadataPackage) -> list[FieldError]:
    """Every problem of ``item`` (empty: it may be stored)."""
    if isinstance(item, LedgerEntry):
        return _entry(item, package)
    if isinstance(item, IssuedDocument):
        return _document(item, package)
    if isinstance(item, Project):
        return _project(item, package)
    if isinstance(item, ProgressRecord):
        return _progress(item)
    if isinstance(item, Honour):
        return _honour(item, package)
    raise TypeError(f"不是台账条目：{item!r}")


def _entry(entry: LedgerEntry, package: MetadataPackage) -> list[FieldError]:
    errors = _orgunit(entry.orgunit, package) + _choice("domain", "领域", entry.domain, DOMAINS)
    errors += _choice("kind", "类型", entry.kind, KINDS)
    errors += _required("title", "标题", entry.title)
    errors += _date("start", "开始日期", entry.start) + _date("end", "结束日期", entry.end)
    if isinstance(entry.start, date) and isinstance(entry.end, date) and entry.end < entry.start:
        errors.append(("end", "end-before-start",
                       f"结束日期（{zh_date(entry.end)}）早于开始日期（{zh_date(entry.start)}）"))
    seen = set()
    for unit, value in entry.counts:
        if unit not in COUNT_UNITS:
            errors.append((unit, "unknown-unit", f"未知的计数单位：“{unit}”（应为 {'、'.join(COUNT_UNITS)}）"))
            continue
        if unit in seen:
            errors.append((unit, "duplicate-unit", f"计数单位“{unit}”出现了两次"))
        seen.add(unit)
        errors += _amount(unit, value, whole=unit not in DECIMAL_UNITS, label=f"“{unit}”")
    return errors


def _document(document: IssuedDocument, package: MetadataPackage) -> list[FieldError]:
    errors = _orgunit(document.orgunit, package) + _choice("domain", "领域", document.domain, DOMAINS)
    errors += _required("title", "标题", document.title) + _date("date", "发文日期", document.date)
    if not document.number:
        errors.append(("number", "blank", "文号为空"))
    elif not DOCUMENT_NUMBER.fullmatch(document.number):
        errors.append(("number", "bad-number", f"文号格式不对：“{document.number}”（应如 沅卫发〔2024〕12号）"))
    return errors


def _project(project: Project, package: MetadataPackage) -> list[FieldError]:
    errors = _orgunit(project.orgunit, package) + _required("name", "项目名称", project.name)
    errors += _choice("domain", "领域", project.domain, DOMAINS)
    errors += _choice("status", "项目状态", project.status, PROJECT_STATUSES)
    if project.investment is not None:
        errors += _amount("investment", project.investment, whole=False, label="总投资")
    return errors


def _progress(record: ProgressRecord) -> list[FieldError]:
    errors = [] if record.project or record.project_id is not None else [("project", "blank", "项目名称为空")]
    errors += _date("date", "日期", record.date)
    amount = _amount("percent", record.percent, whole=False, label="完成进度")
    if amount:
        errors += amount
    elif record.percent > 100:
        errors.append(("percent", "out-of-range", f"完成进度应在 0—100 之间：“{_shown(record.percent)}”"))
    if record.status is not None:
        errors += _choice("status", "项目状态", record.status, PROJECT_STATUSES)
    return errors


def _honour(honour: Honour, package: MetadataPackage) -> list[FieldError]:
    errors = _orgunit(honour.orgunit, package) + _required("what", "荣誉名称", honour.what)
    errors += _choice("level", "荣誉级别", honour.level, HONOUR_LEVELS)
    errors += _date("date", "授予日期", honour.date) + _choice("domain", "领域", honour.domain, DOMAINS)
    return errors


# -- one field ----------------------------------------------------------------------

def _orgunit(code: str, package: MetadataPackage) -> list[FieldError]:
    if not code:
        return [("orgunit", "blank", "机构编码为空")]
    if code in package.orgunits:
        return []
    names = [ou.code for ou in package.orgunits.values() if ou.name == code]
    hint = f"：这是机构名称，编码应为 {names[0]}" if len(names) == 1 else ""
    return [("orgunit", "unknown-orgunit", f"未知的机构编码：“{code}”{hint}")]


def _choice(field: str, label: str, value: str, choices: tuple[str, ...]) -> list[FieldError]:
    if not value:
        return [(field, "blank", f"{label}为空")]
    if value in choices:
        return []
    return [(field, f"unknown-{field}", f"未知的{label}：“{value}”（应为 {'、'.join(choices)}）")]


def _required(field: str, label: str, value: str) -> list[FieldError]:
    return [] if value else [(field, "blank", f"{label}为空")]


def _date(field: str, label: str, value: object) -> list[FieldError]:
    if isinstance(value, date):
        return []
    if value is None:
        return [(field, "blank", f"{label}为空")]
    return [(field, "bad-date", f"{label}不是日期：“{value}”")]


def _amount(field: str, value: object, *, whole: bool, label: str) -> list[FieldError]:
    if value is None:
        return [(field, "blank", f"{label}为空")]
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        return [(field, "not-a-number", f"不是数字：“{_shown(value)}”")]
    if value < 0:
        return [(field, "negative", f"不能为负数：“{_shown(value)}”")]
    if whole and value != value.to_integral_value():
        return [(field, "not-an-integer", f"{label}应为整数：“{_shown(value)}”")]
    if -value.as_tuple().exponent > MAX_DECIMALS and value != round(value, MAX_DECIMALS):
        return [(field, "too-many-decimals", f"最多保留 {MAX_DECIMALS} 位小数：“{_shown(value)}”")]
    return []


def _shown(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return "" if value is None else str(value)
