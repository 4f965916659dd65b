"""Units a summary writes after its figures, and which of them add up.

``UNITS`` is tried longest first right after a number (and after 万/亿 and 余).
``family`` groups units that count the same things: a total of 232例 患者 can
be split into 10人 and 222人; 人 and 人次 never mix (people vs visits).
"""
from __future__ import annotations

from decimal import Decimal

__all__ = [
    "ADDITIVE", "FACTORS", "RATE_UNITS", "SKIP_UNITS", "TYPO_UNITS", "UNITS", "family", "is_rate",
]

# factor: how many of the base a rate is "per" (percent ×100 …)
FACTORS = {
    "%": Decimal(100),
    "‰": Decimal(1000),
    "/万": Decimal(10000),
    "/10万": Decimal(100000),
}
RATE_UNITS = frozenset({*FACTORS, "个百分点", "个千分点", "倍", "比"})

_COUNT_UNITS = (
    "人次", "人份", "剂次", "针次", "户次", "车次", "例次", "台次", "家次", "床日", "平方米", "千克", "公斤", "公里",
    "元", "人", "名", "例", "剂", "份", "家", "所", "个", "张", "条", "起", "件", "户", "对", "次", "瓶", "盒", "支",
    "种", "类", "项", "处", "台", "辆", "管", "套", "场", "批", "篇", "座", "间", "吨", "米", "床", "位", "期", "轮", "天",
)
_SPELLINGS = {"个百分点": "个百分点", "百分点": "个百分点", "个千分点": "个千分点", "千分点": "个千分点",
              "/10万": "/10万", "/十万": "/10万", "/100000": "/10万", "/万": "/万", "%": "%", "‰": "‰", "倍": "倍"}
UNITS: tuple[tuple[str, str], ...] = tuple(sorted(
    [(u, u) for u in _COUNT_UNITS] + list(_SPELLINGS.items()), key=lambda pair: -len(pair[0])))

# Words after a number that make it a date, a duration or an age, not a figure.
SKIP_UNITS = ("小时", "分钟", "个月", "周岁", "岁", "年", "月", "日", "号", "周", "时", "秒", "届", "版",
              "点", "级", "型", "代", "楼", "层", "号楼", "米线", "℃", "度")

# Typing slips seen in real documents, accepted only when a neighbour in the list has the right unit.
TYPO_UNITS = {"倒": "例", "列": "例", "人欠": "人次"}

_FAMILIES = {"名": "人", "例": "人", "位": "人", "例次": "人次", "剂": "剂次", "类": "种", "所": "家"}
ADDITIVE = frozenset(u for u in _COUNT_UNITS) - {"平方米", "公里", "米", "千克", "公斤", "吨", "天"}


def family(unit: str | None) -> str | None:
    """The group a unit adds up with; None for rates and for a figure without a unit."""
    if not unit or unit in RATE_UNITS:
        return None
    return _FAMILIES.get(unit, unit)


def is_rate(unit: str | None) -> bool:
    return unit in RATE_UNITS
