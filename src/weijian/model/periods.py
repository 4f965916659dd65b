"""Reporting periods: a month, quarter, half year, year, or any run of months.

A ``Period`` is just an inclusive span of month ordinals (``year*12 + month-1``).
Its kind, id and Chinese label are derived from that span, so ``202401..202406``
and ``2024S1`` are the same value. ``Period.parse`` accepts both the compact
ids used in files and the wording found in Chinese official documents
(``2024年上半年``, ``2024年1—5月``, ``截至2024年5月底`` ...).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from weijian.errors import PeriodError

__all__ = ["MONTHS_IN", "MIN_YEAR", "MAX_TEXT", "MAX_YEAR", "Period", "month_ordinal"]

MONTHS_IN = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}

# Bounds keep 4-digit ids unambiguous and catch typos such as 20245 or 2924.
MIN_YEAR = 1900
MAX_YEAR = 2200
# The longest real wording (截止到2024年12月底..2025年12月底) is far shorter.
MAX_TEXT = 100

_KIND_OF_TYPE = {"monthly": "month", "quarterly": "quarter", "half_yearly": "half", "yearly": "year"}
_CN_QUARTER = "一二三四"
_EXPECTED = "应为 202405、2024Q2、2024S1、2024、202401..202405 或 2024年上半年、2024年1-5月 等"


def month_ordinal(year: int, month: int) -> int:
    """Month ordinal: ``year*12 + (month-1)``; month must be 1-12."""
    if not 1 <= month <= 12:
        raise PeriodError(f"月份应为 1–12，而不是 {month}")
    return year * 12 + (month - 1)


@dataclass(frozen=True, order=True)
class Period:
    start: int  # month ordinal, inclusive
    end: int  # month ordinal, inclusive

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            # bool is an int subclass; it is never a meaningful ordinal.
            if not isinstance(value, int) or isinstance(value, bool):
                raise PeriodError(f"期间的起止月应为整数序号，而不是 {value!r}")
        if self.start > self.end:
            raise PeriodError(f"期间起始（{_month_id(self.start)}）晚于结束（{_month_id(self.end)}）")
        for value in (self.start, self.end):
            year = value // 12
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise PeriodError(f"年份 {year} 超出支持范围 {MIN_YEAR}–{MAX_YEAR}")

    # -- construction -------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        m = month_ordinal(year, month)
        return cls(m, m)

    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(month_ordinal(year, 1), month_ordinal(year, 12))

    @classmethod
    def range(cls, first: Period, last: Period) -> Period:
        return cls(first.start, last.end)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse a period id or Chinese wording; raise PeriodError if not understood."""
        # YAML reads an unquoted 202405 or 2024 as an int; accept those too.
        if isinstance(text, int) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str):
            raise PeriodError(f"无法识别的期间“{text!r}”：{_EXPECTED}")
        if len(text) > MAX_TEXT:
            raise PeriodError(f"无法识别的期间“{text[:20]}…”：文字过长（{len(text)} 个字符，上限 {MAX_TEXT}）")
        s = _normalize(text)
        try:
            result = _parse_range(s) if ".." in s else _parse_single(s)
        except PeriodError as exc:
            raise PeriodError(f"期间“{text}”无效：{exc}") from None
        if result is None:
            raise PeriodError(f"无法识别的期间“{text}”：{_EXPECTED}")
        return result

    # -- derived attributes -------------------------------------------------

    @property
    def n_months(self) -> int:
        return self.end - self.start + 1

    @property
    def start_year(self) -> int:
        return self.start // 12

    @property
    def start_month(self) -> int:
        return self.start % 12 + 1

    @property
    def year(self) -> int:
        return self.end // 12

    @property
    def end_month(self) -> int:
        return self.end % 12 + 1

    @property
    def kind(self) -> str:
        n, first = self.n_months, self.start_month
        if n == 1:
            return "month"
        if n == 3 and first in (1, 4, 7, 10):
            return "quarter"
        if n == 6 and first in (1, 7):
            return "half"
        if n == 12 and first == 1:
            return "year"
        return "range"

    @property
    def id(self) -> str:
        kind, y = self.kind, self.start_year
        if kind == "month":
            return _month_id(self.start)
        if kind == "quarter":
            return f"{y}Q{(self.start_month - 1) // 3 + 1}"
        if kind == "half":
            return f"{y}S{1 if self.start_month == 1 else 2}"
        if kind == "year":
            return str(y)
        return f"{_month_id(self.start)}..{_month_id(self.end)}"

    @property
    def label(self) -> str:
        kind, y = self.kind, self.start_year
        if kind == "month":
            return f"{y}年{self.start_month}月"
        if kind == "quarter":
            return f"{y}年第{_CN_QUARTER[(self.start_month - 1) // 3]}季度"
        if kind == "half":
            return f"{y}年{'上' if self.start_month == 1 else '下'}半年"
        if kind == "year":
            return f"{y}年"
        if self.start_year == self.year:
            return f"{y}年{self.start_month}—{self.end_month}月"
        return f"{y}年{self.start_month}月—{self.year}年{self.end_month}月"

    # -- relations ----------------------------------------------------------

    def previous_year(self) -> Period:
        """The same span one year earlier (basis for 同比)."""
        return Period(self.start - 12, self.end - 12)

    def year_to_date(self) -> Period:
        """January of the end's year through the end (截至X月, basis for 完成率)."""
        return Period(month_ordinal(self.year, 1), self.end)

    def months(self) -> list[Period]:
        return [Period(m, m) for m in range(self.start, self.end + 1)]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def is_of_type(self, period_type: str) -> bool:
        if period_type not in _KIND_OF_TYPE:
            raise PeriodError(f"未知的期间类型“{period_type}”：应为 {'、'.join(_KIND_OF_TYPE)}")
        return self.kind == _KIND_OF_TYPE[period_type]

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"Period({self.id!r})"


# -- parsing helpers --------------------------------------------------------------

# Separators seen between months in documents and typed by users.
_DASH = r"(?:[-‐‑–—―~〜]+|至|到)"
_UNTIL = r"(?:截至|截止(?:到|至)?)"

_ID_YEAR = re.compile(r"(\d{4})")
_ID_MONTH = re.compile(r"(\d{4})-?(\d{2})")
_ID_QUARTER = re.compile(r"(\d{4})Q(\d)")
_ID_HALF = re.compile(r"(\d{4})[SH](\d)")
_CN_UNTIL = re.compile(rf"{_UNTIL}(\d{{4}})年(\d{{1,2}})月[底末]?")
_CN_YEAR = re.compile(r"(\d{4})年(.*)")
# The patterns below match what follows "YYYY年".
_CN_WHOLE = re.compile(r"|度|全年度?")
_CN_HALF = re.compile(r"([上下])半年")
_CN_QUARTER_RE = re.compile(r"第?([1-4一二三四]|\d{1,3})季度?")
_CN_MONTH = re.compile(r"(\d{1,2})月")
_CN_YTD = re.compile(rf"{_UNTIL}(\d{{1,2}})月[底末]?")
_CN_SPAN = re.compile(rf"(\d{{1,2}})月?{_DASH}(\d{{1,2}})月")
_CN_CROSS = re.compile(rf"(\d{{1,2}})月{_DASH}(\d{{4}})年(\d{{1,2}})月")


def _normalize(text: str) -> str:
    # NFKC folds full-width digits, letters and most punctuation (．～－) to ASCII.
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s).upper()
    return s.replace("月份", "月")


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"年份 {year} 超出支持范围 {MIN_YEAR}–{MAX_YEAR}")
    return year


def _month_id(ordinal: int) -> str:
    return f"{ordinal // 12}{ordinal % 12 + 1:02d}"


def _span(year: int, first_month: int, last_month: int) -> Period:
    return Period(month_ordinal(year, first_month), month_ordinal(year, last_month))


def _quarter(year: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError(f"季度应为 1–4，而不是 {q}")
    return _span(year, 3 * q - 2, 3 * q)


def _half(year: int, h: int) -> Period:
    if h not in (1, 2):
        raise PeriodError(f"半年应为 1（上半年）或 2（下半年），而不是 {h}")
    return _span(year, 6 * h - 5, 6 * h)


def _parse_range(s: str) -> Period | None:
    parts = s.split("..")
    if len(parts) != 2:
        return None
    first, last = _parse_single(parts[0]), _parse_single(parts[1])
    if first is None or last is None:
        return None
    if first.start > last.end:
        raise PeriodError(f"起始 {first.id} 晚于结束 {last.id}")
    return Period.range(first, last)


def _parse_single(s: str) -> Period | None:
    if m := _ID_YEAR.fullmatch(s):
        return Period.year_of(_year(m[1]))
    if m := _ID_MONTH.fullmatch(s):
        return Period.month(_year(m[1]), int(m[2]))
    if m := _ID_QUARTER.fullmatch(s):
        return _quarter(_year(m[1]), int(m[2]))
    if m := _ID_HALF.fullmatch(s):
        return _half(_year(m[1]), int(m[2]))
    if m := _CN_UNTIL.fullmatch(s):
        return Period.month(_year(m[1]), int(m[2])).year_to_date()
    if m := _CN_YEAR.fullmatch(s):
        return _parse_chinese(_year(m[1]), m[2])
    return None


def _parse_chinese(year: int, rest: str) -> Period | None:
    if _CN_WHOLE.fullmatch(rest):
        return Period.year_of(year)
    if m := _CN_HALF.fullmatch(rest):
        return _half(year, 1 if m[1] == "上" else 2)
    if m := _CN_QUARTER_RE.fullmatch(rest):
        q = m[1]
        return _quarter(year, _CN_QUARTER.index(q) + 1 if q in _CN_QUARTER else int(q))
    if m := _CN_MONTH.fullmatch(rest):
        return Period.month(year, int(m[1]))
    if m := _CN_YTD.fullmatch(rest):
        return Period.month(year, int(m[1])).year_to_date()
    if m := _CN_SPAN.fullmatch(rest):
        return _span(year, int(m[1]), int(m[2]))
    if m := _CN_CROSS.fullmatch(rest):
        return Period(month_ordinal(year, int(m[1])), month_ordinal(_year(m[2]), int(m[3])))
    return None
