"""Half-up rounding on Decimal, the way statisticians round by hand.

Python's ``round(1137.225, 2)`` gives 1137.22 (binary float, banker's rule);
a bureau's Excel and its readers expect 1137.23.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_decimal(value: float | int | str | Decimal | None) -> Decimal | None:
    """A float from the database as the Decimal its shortest repr denotes."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if value != value:  # NaN means "no value" coming out of pandas
            return None
        if value.is_integer():
            return Decimal(int(value))  # counts print as 988, not 988.0
        return Decimal(repr(value))
    return Decimal(value)


def round_half_up(value: Decimal | float | int | None, decimals: int) -> Decimal | None:
    number = to_decimal(value)
    if number is None:
        return None
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
