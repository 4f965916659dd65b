"""Hostile expression texts: ``parse`` returns an expression that prints and parses back
to itself, or raises ExpressionError (with a Chinese message) — nothing else."""
from __future__ import annotations

import pytest
from fuzzing import fuzz, modes, pieces
from hypothesis import strategies as st

from weijian.errors import ExpressionError
from weijian.expressions import operands, parse, to_text

FRAGMENTS = ("#{", "}", "#{HTN_MANAGED}", "#{CASES.CLASS_B}", "HTN", "_", ".", "(", ")", "+", "-", "*", "/",
             "1", "0", "2.5", "1.", " ", "#", "{", "a", "中", "\t", "\x00", "9" * 40, "((((", "))))", "--",
             "#{A.}", "#{.B}", "#{a}", "１", "÷")
TEXTS = st.one_of(pieces(*FRAGMENTS), st.text(max_size=200))


def check(text: str) -> None:
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert str(error).startswith("表达式")
        return
    assert parse(to_text(expression)) == expression
    operands(expression)


@pytest.mark.parametrize("examples", modes(ci=400))
def test_parse_never_crashes(examples):
    fuzz(TEXTS, check, examples)


@pytest.mark.parametrize("text", [
    "(" * 5000 + "1" + ")" * 5000,
    "-" * 100_000 + "1",
    " + ".join(["#{A}"] * 20_000),
    "1" + "*1" * 50_000,
    "#{" + "A" * 1_000_000 + "}",
])
def test_deep_or_long_expressions_are_refused_not_crashed(text):
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert "表达式" in str(error)
    else:
        assert parse(to_text(expression)) == expression
