"""Evaluate an expression in Decimal arithmetic for one set of operand values."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal

from weijian.expressions.parser import BinOp, Expr, Neg, Number, Operand, operands

# 34 digits (decimal128) keeps sums of many report values exact.
_CONTEXT = Context(prec=34)
_ARITHMETIC = {
    "+": _CONTEXT.add,
    "-": _CONTEXT.subtract,
    "*": _CONTEXT.multiply,
    "/": _CONTEXT.divide,
}


def evaluate(expr: Expr, lookup: Callable[[Operand], Decimal | None]) -> Decimal | None:
    """Value of ``expr``, or None when it is missing.

    Missing operands count as 0 unless every referenced operand is missing;
    a division by zero makes the whole result missing (as NULL does in SQL).
    """
    values = {operand: lookup(operand) for operand in operands(expr)}
    if values and all(value is None for value in values.values()):
        return None
    return _walk(expr, values)


def _walk(expr: Expr, values: dict[Operand, Decimal | None]) -> Decimal | None:
    match expr:
        case Number(value):
            return value
        case Operand():
            value = values[expr]
            if value is None:
                return Decimal(0)
            return value if isinstance(value, Decimal) else Decimal(str(value))
        case Neg(inner):
            result = _walk(inner, values)
            return None if result is None else _CONTEXT.minus(result)
        case BinOp(op, left, right):
            a, b = _walk(left, values), _walk(right, values)
            if a is None or b is None or (op == "/" and b == 0):
                return None
            return _ARITHMETIC[op](a, b)
    raise TypeError(f"not an expression: {expr!r}")
