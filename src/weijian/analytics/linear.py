"""Split an expression into Σ coefficient × operand + constant when it is linear.

Most indicator numerators and denominators are sums of operands
(``#{CASES.CLASS_B} + #{CASES.CLASS_C}``); those are evaluated by one join
against an operand map, which is much faster at scale than pivoting every
operand into a column. Non-linear expressions take the pivot path.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from weijian.expressions import BinOp, Neg, Number, Operand


@dataclass(frozen=True)
class LinearForm:
    terms: dict[Operand, Decimal]
    constant: Decimal


def linearize(expr) -> LinearForm | None:
    if isinstance(expr, Number):
        return LinearForm({}, expr.value)
    if isinstance(expr, Operand):
        return LinearForm({expr: Decimal(1)}, Decimal(0))
    if isinstance(expr, Neg):
        inner = linearize(expr.operand)
        return None if inner is None else _scale(inner, Decimal(-1))
    if isinstance(expr, BinOp):
        left, right = linearize(expr.left), linearize(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "+":
            return _add(left, right, Decimal(1))
        if expr.op == "-":
            return _add(left, right, Decimal(-1))
        if expr.op == "*":
            if not left.terms:
                return _scale(right, left.constant)
            if not right.terms:
                return _scale(left, right.constant)
            return None
        if expr.op == "/" and not right.terms and right.constant != 0:
            return _scale(left, 1 / right.constant)
        return None
    raise TypeError(f"not an expression node: {expr!r}")


def _scale(form: LinearForm, factor: Decimal) -> LinearForm:
    return LinearForm({op: c * factor for op, c in form.terms.items()}, form.constant * factor)


def _add(left: LinearForm, right: LinearForm, sign: Decimal) -> LinearForm:
    terms = dict(left.terms)
    for op, coef in right.terms.items():
        terms[op] = terms.get(op, Decimal(0)) + sign * coef
    return LinearForm(terms, left.constant + sign * right.constant)
