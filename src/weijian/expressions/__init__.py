"""Indicator and validation-rule expressions: parse, inspect, evaluate, translate to ibis."""
from __future__ import annotations

from weijian.expressions.evaluate import evaluate
from weijian.expressions.parser import BinOp, Expr, Neg, Number, Operand, operands, parse, to_text


def __getattr__(name: str):
    # to_ibis loads ibis (a quarter of a second): only the commands that compute pay for it
    if name == "to_ibis":
        from weijian.expressions.compile_ibis import to_ibis

        return to_ibis
    raise AttributeError(name)


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
