"""Writing numbers, changes, dates and periods the way a 工作总结 writes them.

Every function here is pure: Decimal (or int/str/float, converted through
``to_decimal``) in, Chinese text out. Rounding is always half-up on Decimal
(``1137.225`` → ``1137.23``), never float ``round``.

Conventions (see /work/shared/domain/indicators.md, "number-writing"):

* Counts are plain Arabic digits without thousands separators: ``110786人次``.
* Large counts and money go to 万/亿 (``format_wan_yi``). There, trailing
  zeros after rounding are stripped (``1.90万`` → ``1.9万``, ``42.00万`` →
  ``42万``): ``decimals`` is the *maximum* number of decimals shown.
* Rates (%, ‰, /10万, 性别比) keep exactly ``decimals`` decimals
  (``6.00%``), because their precision comes from indicator metadata.
* 余 means "at least": the figure is truncated, never rounded up, and 余 is
  written only when something was cut off. 近 means "almost": the figure is
  rounded up and 近 is written only when the true value is below it. 约 rounds
  half-up and is written only when the figure is not exact.
* Differences of rates are in 个百分点 / 千分点 with 上升/下降; relative
  changes of counts are in % with 增长/下降; a change that rounds to zero is 持平.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from weijian.analytics.rounding import round_half_up, to_decimal
from weijian.model.periods import Period

__all__ = [
    "Change",
    "completion_rate",
    "completion_word",
    "describe_change",
    "format_change",
    "format_completion",
    "format_count",
    "format_date",
    "format_indicator_value",
    "format_month_day",
    "format_per_100k",
    "format_percent",
    "format_permille",
    "format_ratio",
    "format_target",
    "format_wan_yi",
    "period_phrase",
    "rank_phrase",
    "until_phrase",
]

_WAN = Decimal(10000)
_YI = Decimal(100000000)
_CN_QUARTER = "一二三四"
QUALIFIERS = (None, "余", "近", "约")
INDICATOR_KINDS = ("percent", "permille", "per_100k", "ratio", "plain")
CHANGE_UNITS = ("%", "个百分点", "千分点")


# -- helpers -----------------------------------------------------------------------


def _dec(value: object, what: str = "数值") -> Decimal:
    """A finite Decimal, or ValueError (None/NaN are the caller's business)."""
    if isinstance(value, bool):
        raise ValueError(f"{what}应为数字，而不是 {value!r}")
    try:
        number = to_decimal(value)  # type: ignore[arg-type]
    except (ArithmeticError, TypeError, ValueError):
        raise ValueError(f"{what}应为数字，而不是 {value!r}") from None
    if number is None or not number.is_finite():
        raise ValueError(f"{what}应为有限数字，而不是 {value!r}")
    return number


def _check_decimals(decimals: int) -> None:
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise ValueError(f"小数位数应为非负整数，而不是 {decimals!r}")


def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def _fixed(number: Decimal, decimals: int) -> str:
    """Half-up to exactly ``decimals`` places, no exponent, no "-0"."""
    _check_decimals(decimals)
    rounded = round_half_up(number, decimals)
    assert rounded is not None
    if rounded == 0:
        rounded = abs(rounded)
    return format(rounded, "f")


def _strip(number: Decimal) -> str:
    """Plain digits with trailing fractional zeros removed: 1.90 → 1.9, 42.00 → 42."""
    if number == 0:
        return "0"
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# -- counts, 万 and 亿 -----------------------------------------------------------------


def format_count(value: object, unit: str = "") -> str:
    """An integral count without separators: ``format_count(110786, "人次")`` → "110786人次".

    A non-integral value is an error rather than silently rounded.
    """
    number = _dec(value, "计数")
    if number != number.to_integral_value():
        raise ValueError(f"计数应为整数，而不是 {value!r}")
    return f"{int(number)}{unit}"


def format_wan_yi(
    value: object,
    unit: str = "",
    decimals: int = 2,
    qualifier: str | None = None,
) -> str:
    """Write a large figure in 万/亿: 23660 → "2.37万", 126000000 → "1.26亿".

    Rules:

    * ``|value| < 10000`` stays plain (rounded to at most ``decimals``);
      ``10000 ≤ |value| < 1亿`` goes to 万; larger goes to 亿. If rounding
      pushes the figure to 10000 of a unit, the next unit is used
      (99999999 → "1亿", 9999.996 → "1万").
    * At most ``decimals`` decimals are shown; trailing zeros are stripped
      ("1.9万", "42万"), so the text never claims more precision than it has
      while staying as short as possible.
    * ``qualifier``: None rounds half-up and adds nothing. "余" truncates
      (never rounds up) and adds 余 after the number (and 万/亿) and before the
      unit noun only if something was cut: 19347 → "1.9万余" (decimals=1),
      420000 → "42万". "近" rounds up and prefixes 近 only if the true value is
      below the figure: 19800 → "近2万" (decimals=0). "约" rounds half-up and
      prefixes 约 only if the figure is not exact. Qualifiers need value ≥ 0.
    """
    number = _dec(value)
    _check_decimals(decimals)
    if qualifier not in QUALIFIERS:
        raise ValueError(f"限定词应为 余、近、约 或 None，而不是 {qualifier!r}")
    if qualifier is not None and number < 0:
        raise ValueError(f"“{qualifier}”只用于非负数，而不是 {value!r}")
    rounding = {"余": ROUND_DOWN, "近": ROUND_CEILING}.get(qualifier, ROUND_HALF_UP)  # type: ignore[arg-type]
    magnitude = abs(number)

    scales = [(Decimal(1), ""), (_WAN, "万"), (_YI, "亿")]
    index = 2 if magnitude >= _YI else 1 if magnitude >= _WAN else 0
    while True:
        multiplier, suffix = scales[index]
        shown = (magnitude / multiplier).quantize(_quantum(decimals), rounding=rounding)
        if shown >= _WAN and index < 2:
            index += 1  # rounding reached 10000 of this unit: use the next one
            continue
        break

    exact = shown * multiplier == magnitude
    sign = "-" if number < 0 and shown != 0 else ""
    figure = f"{sign}{_strip(shown)}{suffix}"
    if qualifier == "余" and not exact:
        return f"{figure}余{unit}"
    if qualifier in ("近", "约") and not exact:
        return f"{qualifier}{figure}{unit}"
    return f"{figure}{unit}"


# -- rates -------------------------------------------------------------------------


def format_percent(value: object, decimals: int = 2) -> str:
    """89.4736 → "89.47%" (exactly ``decimals`` decimals, half-up)."""
    return f"{_fixed(_dec(value), decimals)}%"


def format_permille(value: object, decimals: int = 2) -> str:
    """6.925 → "6.93‰"."""
    return f"{_fixed(_dec(value), decimals)}‰"


def format_per_100k(value: object, decimals: int = 2) -> str:
    """153.895 → "153.90/10万"."""
    return f"{_fixed(_dec(value), decimals)}/10万"


def format_ratio(value: object, decimals: int = 2) -> str:
    """性别比 (female = 100) is a bare number: 113.275 → "113.28"."""
    return _fixed(_dec(value), decimals)


def format_indicator_value(value: object, kind: str, decimals: int, unit: str | None = None) -> str:
    """Dispatch on the indicator's kind: percent, permille, per_100k, ratio or plain.

    ``unit`` is appended only for "plain" (e.g. 次均费用 "235.60元"); the rate
    kinds carry their own sign. Plain values keep exactly ``decimals`` decimals.
    """
    if kind == "percent":
        # a rate of exactly 100 is written "100%" (管理率100%), never "100.00%"
        text = format_percent(value, decimals)
        return "100%" if _dec(text[:-1]) == 100 else text
    if kind == "permille":
        return format_permille(value, decimals)
    if kind == "per_100k":
        return format_per_100k(value, decimals)
    if kind == "ratio":
        return format_ratio(value, decimals)
    if kind == "plain":
        return f"{_fixed(_dec(value), decimals)}{unit or ''}"
    raise ValueError(f"未知的指标类型“{kind}”：应为 {'、'.join(INDICATOR_KINDS)}")


def format_target(value: object, kind: str | None, decimals: int) -> str:
    """A target as documents state it, without trailing zeros: "90%", "107",
    "6.6‰" (at most the indicator's ``decimals``)."""
    number = _dec(value, "目标值")
    exponent = number.normalize().as_tuple().exponent
    shown = min(decimals, max(0, -exponent)) if isinstance(exponent, int) else decimals
    return format_indicator_value(number, kind or "plain", shown)


# -- changes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change split into its verb and its amount: ("增长", "6.00%")."""

    word: str  # 增长 / 下降 / 上升 / 持平
    amount_text: str  # "" when 持平

    def __str__(self) -> str:
        return f"{self.word}{self.amount_text}"


def format_change(change: object, unit: str, decimals: int = 2) -> Change:
    """Split a signed change into verb and amount.

    ``unit="%"`` is a relative change of a count or amount: 增长/下降.
    ``unit="个百分点"`` or ``"千分点"`` is a difference of two rates: 上升/下降.
    A change that rounds to zero at ``decimals`` is 持平 with empty amount.
    """
    if unit not in CHANGE_UNITS:
        raise ValueError(f"变化单位应为 {'、'.join(CHANGE_UNITS)}，而不是 {unit!r}")
    number = _dec(change, "变化量")
    amount = _fixed(abs(number), decimals)
    if Decimal(amount) == 0:
        return Change("持平", "")
    if number > 0:
        word = "增长" if unit == "%" else "上升"
    else:
        word = "下降"
    return Change(word, f"{amount}{unit}")


def describe_change(change: object, unit: str, decimals: int = 2, basis: str = "较去年同期") -> str:
    """"较去年同期增长6.00%", "同比下降0.40个百分点", "与去年同期持平".

    ``basis`` is the comparison phrase ("较去年同期", "同比", "比上年", "较上月").
    For 持平 a "较/比X" basis becomes "与X持平"; any other basis is kept ("同比持平").
    """
    result = format_change(change, unit, decimals)
    if result.word == "持平":
        if basis[:1] in ("较", "比") and len(basis) > 1:
            return f"与{basis[1:]}持平"
        return f"{basis}持平"
    return f"{basis}{result.word}{result.amount_text}"


# -- completion (完成率) ----------------------------------------------------------------


def completion_rate(done: object, target: object, decimals: int = 2) -> Decimal:
    """done / target × 100, half-up to ``decimals``."""
    target_number = _dec(target, "目标任务")
    if target_number <= 0:
        raise ValueError(f"目标任务应为正数，而不是 {target!r}")
    rate = round_half_up(_dec(done, "完成数") * 100 / target_number, decimals)
    assert rate is not None
    return rate


def format_completion(done: object, target: object, decimals: int = 2, task: str = "全年任务") -> str:
    """"完成全年任务的40.82%" (also over 100%: "完成全年任务的111.48%", as real reports write it).

    Use ``completion_word`` for a separate "超额完成全年任务" clause.
    """
    rate = completion_rate(done, target, decimals)
    return f"完成{task}的{_fixed(rate, decimals)}%"


def completion_word(done: object, target: object) -> str:
    """"超额完成" when done ≥ target (completion ≥ 100%), else "完成"."""
    target_number = _dec(target, "目标任务")
    if target_number <= 0:
        raise ValueError(f"目标任务应为正数，而不是 {target!r}")
    return "超额完成" if _dec(done, "完成数") >= target_number else "完成"


# -- dates and periods ---------------------------------------------------------------


def format_date(date: _dt.date) -> str:
    """"2024年7月5日" (GB/T 9704: no leading zeros)."""
    if not isinstance(date, _dt.date):
        raise ValueError(f"应为日期，而不是 {date!r}")
    return f"{date.year}年{date.month}月{date.day}日"


def format_month_day(date: _dt.date) -> str:
    """"7月5日"."""
    if not isinstance(date, _dt.date):
        raise ValueError(f"应为日期，而不是 {date!r}")
    return f"{date.month}月{date.day}日"


def period_phrase(period: Period, style: str = "range") -> str:
    """How a period is named inside a summary of its year.

    year → "全年"; month → "5月"; quarter → "第二季度"; half and other runs of
    months within a year → "1—6月" (em dash). ``style="half"`` writes halves as
    "上半年"/"下半年" (other kinds are unaffected). A span across years keeps
    its years: "2023年11月—2024年2月".
    """
    if style not in ("range", "half"):
        raise ValueError(f"期间写法应为 range 或 half，而不是 {style!r}")
    kind = period.kind
    if kind == "year":
        return "全年"
    if kind == "month":
        return f"{period.start_month}月"
    if kind == "quarter":
        return f"第{_CN_QUARTER[(period.start_month - 1) // 3]}季度"
    if kind == "half" and style == "half":
        return "上半年" if period.start_month == 1 else "下半年"
    if period.start_year != period.year:
        return f"{period.start_year}年{period.start_month}月—{period.year}年{period.end_month}月"
    return f"{period.start_month}—{period.end_month}月"


def until_phrase(period: Period, with_year: bool = False) -> str:
    """"截至6月底" (the period's last month); ``with_year`` → "截至2024年6月底"."""
    year = f"{period.year}年" if with_year else ""
    return f"截至{year}{period.end_month}月底"


def rank_phrase(rank: int, total: int | None = None, scope: str = "全县") -> str:
    """"位居全县第3". Ties are the caller's business; rank must lie in 1..total."""
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        raise ValueError(f"名次应为正整数，而不是 {rank!r}")
    if total is not None and rank > total:
        raise ValueError(f"名次 {rank} 超过参与排名的总数 {total}")
    return f"位居{scope}第{rank}"
