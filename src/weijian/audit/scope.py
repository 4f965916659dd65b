"""The period and the place each figure speaks of.

A summary states its year in the title ("沅陵县卫生健康局2022年度工作总结",
"2024年上半年…") and then narrows it sentence by sentence: "截至11月10日",
"1-5月份", "上半年", "今年以来". A figure takes the last period named before
it in its sentence, else in its paragraph, else the document's own period.
Places work the same way: 全县/全区 is the whole jurisdiction; a township's
name (given the workspace's org units) narrows it.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from weijian.errors import PeriodError
from weijian.model.periods import Period

__all__ = ["DocumentPeriod", "PeriodMarker", "document_period", "period_markers", "scope_markers"]

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DASH = r"(?:-|—|–|~|至|到)"
_UNTIL = re.compile(r"截[至止](?:到|至)?(?:(\d{4})年)?(\d{1,2})月(?:份)?(?:(\d{1,2})日|底|末)?")
_SPAN = re.compile(rf"(?:(\d{{4}})年)?(?:今年)?(\d{{1,2}})月?{_DASH}(\d{{1,2}})月(?:份)?")
_HALF = re.compile(r"(?:(\d{4})年)?(?:今年)?([上下])半年")
_QUARTER = re.compile(r"(?:(\d{4})年)?(?:今年)?第([一二三四1-4])季度")
_MONTH = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:份)?(?!\d|日)")
_YEAR = re.compile(r"(\d{4})年(?:度)?(?!\d{1,2}月|[上下]半年|第)")
_THIS_YEAR = re.compile(r"今年以来|年初以来|今年来|本年度|今年(?!\d)(?![上下]半年)|全年(?!任务|目标|计划|应)")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年")

_SCOPE = re.compile(r"全(?:县|区|市|旗|镇|乡|州|盟)(?!级)")


@dataclass(frozen=True)
class DocumentPeriod:
    year: int | None
    period: Period | None
    label: str | None


@dataclass(frozen=True)
class PeriodMarker:
    start: int
    end: int
    period: Period | None
    text: str
    partial: bool = False  # "截至11月10日": a cut-off inside a month, not a whole-month period


def document_period(text: str) -> DocumentPeriod:
    """The year and period a summary covers, from its title or first lines."""
    head_lines = [line for line in text[:4000].split("\n") if line.strip()][:4]
    head = "\n".join(head_lines)
    match = _TITLE_YEAR.search(head) or _TITLE_YEAR.search(text[:20000])
    if not match:
        return DocumentPeriod(None, None, None)
    year = int(match.group(1))
    for line in head_lines:
        for marker in period_markers(line, year):
            if marker.period is not None and not marker.partial:
                return DocumentPeriod(year, marker.period, marker.text)
    return DocumentPeriod(year, None, None)


def period_markers(text: str, year: int | None) -> list[PeriodMarker]:
    """Every period named in ``text`` (folded), in order; overlapping forms keep the longest."""
    found: list[PeriodMarker] = []
    for pattern, build in ((_UNTIL, _until), (_SPAN, _span), (_HALF, _half), (_QUARTER, _quarter),
                           (_MONTH, _month), (_YEAR, _year), (_THIS_YEAR, _this_year)):
        for match in pattern.finditer(text):
            try:
                period, partial = build(match, year)
            except (PeriodError, ValueError):
                period, partial = None, False
            found.append(PeriodMarker(match.start(), match.end(), period, match.group(), partial))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[PeriodMarker] = []
    for marker in found:
        if kept and marker.start < kept[-1].end:
            continue
        kept.append(marker)
    return kept


def scope_markers(text: str, names: dict[str, str] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, scope) for 全县/全区… (scope "root") and for each org-unit name given."""
    found = [(m.start(), m.end(), "root") for m in _SCOPE.finditer(text)]
    if names:
        pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
        found += [(m.start(), m.end(), names[m.group()]) for m in pattern.finditer(text)]
    return sorted(found)


def _year_or(match_year: str | None, year: int | None) -> int:
    if match_year:
        return int(match_year)
    if year is None:
        raise ValueError("no year")
    return year


def _until(match: re.Match, year: int | None) -> tuple[Period, bool]:
    y, month = _year_or(match.group(1), year), int(match.group(2))
    day = match.group(3)
    partial = day is not None and int(day) < calendar.monthrange(y, month)[1] if 1 <= month <= 12 else False
    return Period.month(y, month).year_to_date(), partial


def _span(match: re.Match, year: int | None) -> tuple[Period, bool]:
    y = _year_or(match.group(1), year)
    return Period.parse(f"{y}年{int(match.group(2))}-{int(match.group(3))}月"), False


def _half(match: re.Match, year: int | None) -> tuple[Period, bool]:
    y = _year_or(match.group(1), year)
    return Period.parse(f"{y}S{1 if match.group(2) == '上' else 2}"), False


def _quarter(match: re.Match, year: int | None) -> tuple[Period, bool]:
    y = _year_or(match.group(1), year)
    return Period.parse(f"{y}Q{_CN_DIGITS[match.group(2)]}"), False


def _month(match: re.Match, year: int | None) -> tuple[Period, bool]:
    y = _year_or(match.group(1), year)
    return Period.month(y, int(match.group(2))), False


def _year(match: re.Match, year: int | None) -> tuple[Period, bool]:
    return Period.year_of(int(match.group(1))), False


def _this_year(match: re.Match, year: int | None) -> tuple[Period | None, bool]:
    if year is None:
        raise ValueError("no year")
    if match.group() in ("全年", "本年度"):
        return Period.year_of(year), False
    # "今年以来" ends when the document does: the caller substitutes the document's period.
    return None, False
