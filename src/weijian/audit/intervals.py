"""Interval arithmetic on Decimal for figures that were rounded before printing.

A stated 1.3亿 is any true value in [1.25亿, 1.35亿); a stated 96.58% any rate in
[96.575, 96.585). Qualifiers widen the interval the way bureau writers use
them: 余 (and 多) means "at least, cut off" — 500余人 is [500, 600), 1.9万余 is
[1.9万, 2.0万); 近 means "just under" — 近54万 is [53万, 54万]; 约/左右 allow a
whole last digit either way; 以上/以下 are open-ended. A relation is
consistent when the interval computed from its inputs meets the stated one.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

__all__ = ["Interval", "half_up", "last_digit", "stated_interval", "truncate"]

INF = Decimal("Infinity")


def half_up(value: Decimal, decimals: int) -> Decimal:
    """Half-up rounding, the way statisticians round by hand (1137.225 → 1137.23)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def truncate(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)


def last_digit(number: Decimal) -> Decimal:
    """The place value of the last non-zero digit as written: 500 → 100, 1.9 → 0.1, 291 → 1."""
    if number == 0:
        return Decimal(1)
    sign, digits, exponent = number.normalize().as_tuple()
    return Decimal(1).scaleb(exponent)


@dataclass(frozen=True)
class Interval:
    """[lo, hi] — or [lo, hi) when ``hi_open`` — of possible true values."""

    lo: Decimal
    hi: Decimal
    hi_open: bool = False

    @classmethod
    def point(cls, value: Decimal) -> Interval:
        return cls(value, value)

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi and not self.hi_open

    @property
    def bounded(self) -> bool:
        return self.lo.is_finite() and self.hi.is_finite()

    @property
    def mid(self) -> Decimal:
        if self.is_point:
            return self.lo
        return (self.lo + self.hi) / 2

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi, self.hi_open or other.hi_open)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __mul__(self, other: Interval) -> Interval:
        products = [self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi]
        return Interval(min(products), max(products), self.hi_open or other.hi_open)

    def __truediv__(self, other: Interval) -> Interval | None:
        """None when the divisor may be zero."""
        if other.lo <= 0 <= other.hi:
            return None
        with localcontext() as ctx:
            ctx.prec = 34
            quotients = [self.lo / other.lo, self.lo / other.hi, self.hi / other.lo, self.hi / other.hi]
        return Interval(min(quotients), max(quotients))

    def scaled(self, factor: Decimal) -> Interval:
        return Interval(self.lo * factor, self.hi * factor, self.hi_open)

    def meets(self, other: Interval) -> bool:
        """Do the two intervals share a value? Open upper ends are honoured."""
        return _below(self.lo, other) and _below(other.lo, self)

    def distance(self, other: Interval) -> Decimal:
        """How far apart two intervals are (0 when they meet)."""
        if self.meets(other):
            return Decimal(0)
        return other.lo - self.hi if self.hi < other.lo else self.lo - other.hi


def _below(value: Decimal, interval: Interval) -> bool:
    return value < interval.hi or (value == interval.hi and not interval.hi_open)


def stated_interval(number: Decimal, decimals: int, scale: Decimal, qualifier: str | None, exact: bool) -> Interval:
    """The true values a figure written as ``number`` (× ``scale``) can stand for.

    ``exact``: a whole count such as 12857人 stands for itself; rates, 万/亿
    figures and decimals were rounded half-up at their last written digit.
    """
    value = number * scale
    if qualifier in ("余", "多"):
        return Interval(value, value + last_digit(number) * scale, hi_open=True)
    if qualifier == "近":
        return Interval(value - last_digit(number) * scale, value)
    if qualifier in ("约", "左右", "上下"):
        step = last_digit(number) * scale
        return Interval(value - step, value + step)
    if qualifier in ("以上", "≥", "超过", "逾", "超", "不低于", ">"):
        return Interval(value, INF)
    if qualifier in ("以下", "≤", "以内", "不足", "不到", "不超过", "<"):
        return Interval(-INF, value)
    if exact:
        return Interval.point(value)
    half = Decimal(1).scaleb(-decimals) * scale / 2
    return Interval(value - half, value + half, hi_open=True)
