"""Translate an expression into a row-wise ibis value (float64) for SQL backends."""
from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from weijian.expressions.parser import BinOp, Expr, Neg, Number, Operand, operands

_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def to_ibis(expr: Expr, column_for: Callable[[Operand], ir.NumericValue]) -> ir.NumericValue:
    """ibis value of ``expr`` with the same missing-value rules as ``evaluate``.

    ``column_for`` maps each operand to a numeric column (or scalar); the
    result is meant for ``table.mutate(...)``. Missing operands count as 0
    unless all are NULL; division by zero gives NULL.
    """
    columns = {
        operand: column_for(operand).cast("float64")
        for operand in sorted(operands(expr), key=str)
    }
    value = _build(expr, columns)
    if not columns:
        return value
    all_missing = functools.reduce(operator.and_, (c.isnull() for c in columns.values()))
    return ibis.ifelse(all_missing, ibis.null("float64"), value)


def _build(expr: Expr, columns: dict[Operand, ir.NumericValue]) -> ir.NumericValue:
    match expr:
        case Number(value):
            # A float literal is printed as NUMERIC on PostgreSQL; a cast string stays float8.
            return ibis.literal(repr(float(value))).cast("float64")
        case Operand():
            return columns[expr].coalesce(0)
        case Neg(inner):
            return -_build(inner, columns)
        case BinOp("/", left, right):
            # NULLIF rather than CASE: PostgreSQL may fold a constant x/0 inside CASE and raise.
            return _build(left, columns) / _build(right, columns).nullif(0)
        case BinOp(op, left, right):
            return _ARITHMETIC[op](_build(left, columns), _build(right, columns))
    raise TypeError(f"not an expression: {expr!r}")
