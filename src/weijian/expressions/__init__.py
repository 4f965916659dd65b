"""Indicator and validation-rule expressions: parse, inspect, evaluate, translate to ibis."""
from __future__ import annotations

from weijian.expressions.evaluate import evaluate
from weijian.expressions.parser import BinOp, Expr, Neg, Number, Operand, operands, parse, to_text
from weijian.expressions.to_ibis import to_ibis

__all__ = [
    "BinOp",
    "Expr",
    "Neg",
    "Number",
    "Operand",
    "evaluate",
    "operands",
    "parse",
    "to_ibis",
    "to_text",
]
