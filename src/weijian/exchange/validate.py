"""Check one raw record against the metadata: a ValueRow, or the Problems found.

Every reader feeds this one path, so a CSV row, a JSON item and a cell of the
wide template are judged by the same rules and the same Chinese messages.
Each problem names the file, the row as the user sees it and the column
header as written in the file.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from weijian.errors import PeriodError, Problem
from weijian.exchange.escaping import escape_formula, unescape_formula
from weijian.exchange.readers import RawRecord, is_blank
from weijian.model import DataElement, MetadataPackage
from weijian.model.periods import Period
from weijian.storage.base import ValueRow

__all__ = ["Validator", "cell_text", "escape_formula", "format_number", "parse_number", "unescape_formula"]

_TYPE_LABELS = {"monthly": "月", "quarterly": "季", "half_yearly": "半年", "yearly": "年"}
_KIND_LABELS = {"month": "月", "quarter": "季度", "half": "半年", "year": "年", "range": "跨月区间"}
# DHIS2 exports name the "no disaggregation" combo ``default`` or by its uid.
_DEFAULT_COMBOS = frozenset({"", "default", "hllvx50cxc0"})
_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "√"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", ""})
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_CACHE_LIMIT = 10_000

Error = tuple[str, str, str]  # (canonical column, problem code, Chinese message)


class Validator:
    """Validates records for one package (and optionally one org-unit scope).

    Each column check returns ``(result, error)``; outcomes of the checks
    whose inputs repeat row after row (codes, periods) are cached by the raw
    cell, so a 300 000-row file costs a few dictionary lookups per row.
    """

    def __init__(self, package: MetadataPackage, scope: Collection[str] | None = None):
        self.package = package
        self.scope = frozenset(scope) if scope is not None else None
        self._elements_by_name = _unique_names(package.elements.values())
        self._orgunits_by_name = _unique_names(package.orgunits.values())
        self._options = {
            code: {key: option.code for option in category.options
                   for key in (option.code, option.code.upper(), option.name)}
            for code, category in package.categories.items()
        }
        self._caches: dict[str, dict] = {}

    def validate(self, record: RawRecord) -> ValueRow | list[Problem]:
        values = record.values
        errors: list[Error] = []
        element = self._cached("dataelement", values.get("dataelement"), self._element, errors)
        orgunit = self._cached("orgunit", values.get("orgunit"), self._orgunit, errors)
        # Keyed by element code: hashing the DataElement itself would hash every field.
        element_code = element.code if element is not None else None
        option = self._cached("categoryoptioncombo", (element_code, values.get("categoryoptioncombo")),
                              self._option, errors)
        attribute = self._cached("attributeoptioncombo", values.get("attributeoptioncombo"),
                                 self._attribute, errors)
        period = self._cached("period", (element_code, values.get("period")), self._period, errors)
        value, error = self._value(element, values.get("value"))
        if error is not None:
            errors.append(error)
        followup = self._cached("followup", values.get("followup"), self._followup, errors)
        if errors:
            headers = record.headers
            return [Problem(record.file, code, message, row=record.row, column=headers.get(column, column))
                    for column, code, message in errors]
        period_id, start, end = period
        comment = unescape_formula(cell_text(values.get("comment"))) or None
        return ValueRow(
            dataelement=element.code, period=period_id, orgunit=orgunit, value=value,
            start_month=start, end_month=end, categoryoptioncombo=option,
            attributeoptioncombo=attribute, comment=comment, followup=followup, source_row=record.row,
        )

    def _cached(self, column: str, raw, check, errors: list[Error]):
        cache = self._caches.setdefault(column, {})
        # type in the key: True == 1 must not share an outcome with 1.
        key = (type(raw[1]), raw) if isinstance(raw, tuple) else (type(raw), raw)
        try:
            result, error = cache[key]
        except KeyError:
            result, error = check(raw)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[key] = (result, error)
        except TypeError:  # an unhashable JSON value (list, object)
            result, error = check(raw)
        if error is not None:
            errors.append(error)
        return result

    # -- one check per column: (result, error) -------------------------------------

    def _element(self, raw) -> tuple[DataElement | None, Error | None]:
        text = _code_text(raw)
        element = self.package.elements.get(text) or self.package.elements.get(text.upper())
        if element is not None:
            return element, None
        if not text:
            return None, ("dataelement", "unknown-element", "数据项编码为空")
        if text in self._elements_by_name:
            return None, ("dataelement", "unknown-element",
                          f"未知的数据项编码“{text}”：这是数据项名称，编码应为 {self._elements_by_name[text]}")
        return None, ("dataelement", "unknown-element", f"未知的数据项编码“{text}”")

    def _orgunit(self, raw) -> tuple[str | None, Error | None]:
        text = _code_text(raw)
        unit = self.package.orgunits.get(text) or self.package.orgunits.get(text.upper())
        if unit is None:
            if not text:
                return None, ("orgunit", "unknown-orgunit", "机构编码为空")
            if text in self._orgunits_by_name:
                return None, ("orgunit", "unknown-orgunit",
                              f"未知的机构编码“{text}”：这是机构名称，编码应为 {self._orgunits_by_name[text]}")
            return None, ("orgunit", "unknown-orgunit", f"未知的机构编码“{text}”")
        if self.scope is not None and unit.code not in self.scope:
            return None, ("orgunit", "out-of-scope", f"机构“{unit.name}”（{unit.code}）不在您可以填报的范围内")
        return unit.code, None

    def _option(self, pair) -> tuple[str, Error | None]:
        element, raw = self.package.elements.get(pair[0]), pair[1]
        text = _code_text(raw)
        default = text.lower() in _DEFAULT_COMBOS
        if element is None:
            return "", None
        if element.category is None:
            if default:
                return "", None
            return "", ("categoryoptioncombo", "unknown-option",
                        f"数据项“{element.name}”不分类，不应填写分类选项“{text}”")
        category = self.package.categories[element.category]
        choices = "、".join(category.option_codes())
        if default:
            return "", ("categoryoptioncombo", "unknown-option",
                        f"数据项“{element.name}”按“{category.name}”分类，必须填写分类选项（{choices}）")
        code = self._options[category.code].get(text) or self._options[category.code].get(text.upper())
        if code is None:
            return "", ("categoryoptioncombo", "unknown-option",
                        f"“{text}”不是“{category.name}”的选项（应为 {choices}）")
        return code, None

    def _attribute(self, raw) -> tuple[str, Error | None]:
        text = _code_text(raw)
        if text.lower() in _DEFAULT_COMBOS:
            return "", None
        return "", ("attributeoptioncombo", "unknown-option", f"不支持属性选项“{text}”：本系统不使用属性选项，请留空")

    def _period(self, pair) -> tuple[tuple[str, int, int] | None, Error | None]:
        """(canonical id, start month, end month): ``2024-05`` and ``202405`` are one key."""
        element, raw = self.package.elements.get(pair[0]), pair[1]
        text = _period_text(raw)
        if not text:
            return None, ("period", "bad-period", "期间为空")
        try:
            period = Period.parse(text)
        except PeriodError as exc:
            return None, ("period", "bad-period", str(exc))
        if element is not None and not period.is_of_type(element.period_type):
            return None, ("period", "wrong-period-type",
                          f"数据项“{element.name}”按{_TYPE_LABELS[element.period_type]}报告，"
                          f"期间“{text}”是{_KIND_LABELS[period.kind]}")
        return (period.id, period.start, period.end), None

    def _value(self, element: DataElement | None, raw) -> tuple[float | None, Error | None]:
        if (type(raw) is str and raw.isdigit() and raw.isascii() and len(raw) <= 10
                and (element is None or element.max_value is None)):
            return float(raw), None  # the common case, without Decimal (ten digits stay under the ceiling)
        if is_blank(raw):
            return None, ("value", "blank-value", "数值为空")
        number = parse_number(raw)
        shown = cell_text(raw)
        if number is None:
            return None, ("value", "not-a-number", f"“{shown}”不是数字")
        if number < 0:
            return None, ("value", "negative", f"数值“{shown}”是负数，应不小于 0")
        if element is not None and number > element.hard_limit:
            return None, ("value", "above-limit", f"数值“{shown}”超出“{element.name}”的上限"
                          f"（每个机构每期不超过 {format_number(float(element.hard_limit))}{element.unit}），请核对是否多打了数字")
        if element is not None and element.value_type == "integer" and number != number.to_integral_value():
            return None, ("value", "not-an-integer", f"数据项“{element.name}”应填整数，“{shown}”不是整数")
        return float(number) + 0.0, None  # + 0.0 turns -0.0 into 0.0

    def _followup(self, raw) -> tuple[bool, Error | None]:
        if isinstance(raw, bool):
            return raw, None
        text = cell_text(raw).lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return False, ("followup", "bad-followup", f"“{cell_text(raw)}”不是是/否（应为 true 或 false）")


# -- cell helpers shared with the writers --------------------------------------------

def parse_number(raw: object) -> Decimal | None:
    """A finite number from a cell: 12, 12.0, "1,234", "１２", " 3.5 "; None if not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if not isinstance(raw, str):
        return None
    # NFKC folds full-width digits, signs, points and commas to ASCII.
    text = unicodedata.normalize("NFKC", raw).strip()
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    elif not _PLAIN_NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if math.isfinite(float(number)) else None


def format_number(value: float) -> str:
    """12.0 → "12", 3.25 → "3.25": integers without a trailing .0, no exponent for big counts."""
    if value.is_integer():
        return str(int(value))
    return repr(value)


def cell_text(raw: object) -> str:
    """A cell as the user would read it: 202405.0 → "202405", None → ""."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return format_number(raw) if math.isfinite(raw) else repr(raw)
    if isinstance(raw, (datetime, date)):
        return raw.isoformat()
    return str(raw)


def _code_text(raw: object) -> str:
    return unicodedata.normalize("NFKC", cell_text(raw))


def _period_text(raw: object) -> str:
    # Excel turns a typed "2024-05" into a date; that date means the month.
    if isinstance(raw, (datetime, date)):
        return f"{raw.year}{raw.month:02d}"
    return cell_text(raw)


def _unique_names(items) -> dict[str, str]:
    by_name: dict[str, list[str]] = {}
    for item in items:
        by_name.setdefault(item.name, []).append(item.code)
    return {name: codes[0] for name, codes in by_name.items() if len(codes) == 1}
