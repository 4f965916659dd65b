from __future__ import annotations

from decimal import Decimal

import pytest

from weijian.expressions import Operand, evaluate, parse


def run(text: str, **values: str | None) -> Decimal | None:
    """Evaluate ``text`` with operands named by element (option joined with '_')."""

    def lookup(operand: Operand) -> Decimal | None:
        key = operand.element if operand.option is None else f"{operand.element}_{operand.option}"
        value = values.get(key)
        return None if value is None else Decimal(value)

    return evaluate(parse(text), lookup)


def test_arithmetic_and_precedence():
    assert run("(#{A} - #{B}) / 2 * 100", A="7", B="3") == Decimal("200")
    assert run("#{A} + #{B} * #{C}", A="1", B="2", C="3") == Decimal("7")
    assert run("8 - 2 - 1") == Decimal("5")
    assert run("8 / 4 / 2") == Decimal("1")
    assert run("-#{X}", X="4") == Decimal("-4")
    assert run("2 - -3") == Decimal("5")


def test_options_are_separate_operands():
    assert run("#{CASES.CLASS_B} + #{CASES.CLASS_C}", CASES_CLASS_B="2", CASES_CLASS_C="5") == 7


def test_decimals_are_exact():
    assert run("0.1 + 0.2") == Decimal("0.3")
    assert run("#{A} + #{B}", A="0.1", B="0.2") == Decimal("0.3")
    assert run("#{A} * 3 - 0.3", A="0.1") == 0


def test_division_uses_34_digits():
    assert run("1 / 3") == Decimal("0." + "3" * 34)
    assert run("2 / 3 * 3") == Decimal("2.000000000000000000000000000000000")


def test_missing_operand_counts_as_zero():
    assert run("#{A} + #{B}", A="5") == Decimal("5")
    assert run("#{A} - #{B}", B="5") == Decimal("-5")
    assert run("#{A} * #{B} + 1", A="5") == Decimal("1")


def test_all_operands_missing_gives_missing():
    assert run("#{A}") is None
    assert run("#{A} + #{B}") is None
    assert run("#{A} + 1") is None
    assert run("-#{A} * 0") is None


def test_zero_is_not_missing():
    assert run("#{A}", A="0") == 0
    assert run("#{A} + #{B}", A="0") == 0


def test_constant_is_never_missing():
    assert run("1") == Decimal("1")
    assert run("-(2 + 3)") == Decimal("-5")


def test_division_by_zero_gives_missing():
    assert run("#{A} / #{B}", A="5", B="0") is None
    assert run("#{A} / #{B}", A="5") is None  # missing B counts as 0
    assert run("#{A} / #{B}", B="0") is None  # 0 / 0
    assert run("1 / 0") is None
    assert run("1 + #{A} / (#{B} - #{B})", A="1", B="2") is None


def test_division_by_nonzero_with_missing_numerator():
    assert run("#{A} / #{B}", B="4") == 0


def test_lookup_called_once_per_distinct_operand():
    calls: list[Operand] = []

    def lookup(operand: Operand) -> Decimal | None:
        calls.append(operand)
        return Decimal(1)

    assert evaluate(parse("#{A} + #{A} * #{A.X}"), lookup) == 2
    assert len(calls) == 2
    assert set(calls) == {Operand("A"), Operand("A", "X")}


@pytest.mark.parametrize("value", [3, 3.5])
def test_non_decimal_lookup_values_are_converted(value):
    assert evaluate(parse("#{A} * 2"), lambda _: value) == Decimal(str(value)) * 2
