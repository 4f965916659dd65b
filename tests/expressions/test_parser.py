from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from weijian.errors import ExpressionError
from weijian.expressions import BinOp, Neg, Number, Operand, operands, parse, to_text

A, B, C = Operand("A"), Operand("B"), Operand("C")


def num(text: str) -> Number:
    return Number(Decimal(text))


def test_operand_forms():
    assert parse("#{HTN_STD_MANAGED}") == Operand("HTN_STD_MANAGED")
    assert parse("#{CASES.CLASS_B}") == Operand("CASES", "CLASS_B")
    assert str(Operand("CASES", "CLASS_B")) == "#{CASES.CLASS_B}"
    assert str(Operand("X1")) == "#{X1}"


def test_numbers():
    assert parse("12") == num("12")
    assert parse("0.5") == num("0.5")
    assert parse("0.5").value == Decimal("0.5")


def test_precedence():
    assert parse("#{A} + #{B} * #{C}") == BinOp("+", A, BinOp("*", B, C))
    assert parse("#{A} * #{B} + #{C}") == BinOp("+", BinOp("*", A, B), C)
    assert parse("(#{A} + #{B}) * #{C}") == BinOp("*", BinOp("+", A, B), C)
    assert parse("(#{A} - #{B}) / 2 * 100") == BinOp(
        "*", BinOp("/", BinOp("-", A, B), num("2")), num("100")
    )


def test_left_associativity():
    assert parse("8 - 2 - 1") == BinOp("-", BinOp("-", num("8"), num("2")), num("1"))
    assert parse("8 / 4 / 2") == BinOp("/", BinOp("/", num("8"), num("4")), num("2"))
    assert parse("8 - (2 - 1)") == BinOp("-", num("8"), BinOp("-", num("2"), num("1")))


def test_unary_minus():
    assert parse("-#{X}") == Neg(Operand("X"))
    assert parse("-2 * 3") == BinOp("*", Neg(num("2")), num("3"))
    assert parse("2 * -3") == BinOp("*", num("2"), Neg(num("3")))
    assert parse("2 - -3") == BinOp("-", num("2"), Neg(num("3")))
    assert parse("--#{A}") == Neg(Neg(A))
    assert parse("-(#{A} + 1)") == Neg(BinOp("+", A, num("1")))


def test_whitespace_anywhere():
    assert parse(" \t(#{A}+#{B.O})\n*2 ") == BinOp("*", BinOp("+", A, Operand("B", "O")), num("2"))


def test_operands():
    expr = parse("#{CASES.CLASS_B} + #{CASES.CLASS_C} - #{CASES.CLASS_B} / 2")
    assert operands(expr) == {Operand("CASES", "CLASS_B"), Operand("CASES", "CLASS_C")}
    assert operands(parse("1 + 2")) == frozenset()


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("#{A}+#{B}*#{C}", "#{A} + #{B} * #{C}"),
        ("((#{A}+#{B}))*#{C}", "(#{A} + #{B}) * #{C}"),
        ("8-(2-1)", "8 - (2 - 1)"),
        ("(8-2)-1", "8 - 2 - 1"),
        ("#{A}*(#{B}*#{C})", "#{A} * (#{B} * #{C})"),
        ("-(#{A}*2)", "-(#{A} * 2)"),
        ("(-#{A})*2", "-#{A} * 2"),
        ("2--3", "2 - -3"),
        ("0.50", "0.50"),
    ],
)
def test_to_text_canonical(text, canonical):
    assert to_text(parse(text)) == canonical


def test_to_text_negative_number_literal():
    assert to_text(BinOp("*", Number(Decimal("-5")), A)) == "-5 * #{A}"


@pytest.mark.parametrize(
    "text, position, fragment",
    [
        ("#{A} + ", 6, "不完整：缺少运算数"),
        ("-", 1, "不完整：缺少运算数"),
        ("(", 1, "不完整：缺少运算数"),
        ("#{A} + * 2", 8, "缺少运算数：“*”"),
        ("()", 2, "缺少运算数：“)”"),
        ("* 2", 1, "缺少运算数：“*”"),
        ("+2", 1, "缺少运算数：“+”"),
        ("#{A} % 2", 6, "无法识别的字符“%”"),
        ("2x", 2, "无法识别的字符“x”"),
        (".5", 1, "无法识别的字符“.”"),
        ("#{A}，#{B}", 5, "无法识别的字符“，”"),
        ("5. + 1", 1, "小数点后缺少数字"),
        ("1 + #{A", 5, "“#{”没有对应的“}”"),
        ("#A", 1, "“#”后应紧跟“{”"),
        ("1 + #", 5, "“#”后应紧跟“{”"),
        ("#{}", 1, "缺少数据元编码"),
        ("#{A.}", 5, "缺少选项编码"),
        ("#{.B}", 3, "缺少数据元编码"),
        ("#{abc}", 3, "应写作“ABC”"),
        ("#{A.b1}", 5, "应写作“B1”"),
        ("#{1A}", 3, "不合规"),
        ("#{A-B}", 3, "不合规"),
        ("#{ A }", 3, "不合规"),
        ("#{A.B.C}", 5, "不合规"),
        ("(#{A} + 1", 1, "“(”没有对应的“)”"),
        ("((1)", 1, "“(”没有对应的“)”"),
        ("#{A})", 5, "“)”没有对应的“(”"),
        ("1 2", 3, "缺少运算符"),
        ("#{A} #{B}", 6, "缺少运算符"),
        ("(1 2)", 4, "缺少运算符"),
        ("2 (3)", 3, "缺少运算符"),
    ],
)
def test_errors_name_expression_and_position(text, position, fragment):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    message = str(info.value)
    assert message.startswith(f"表达式“{text}”第 {position} 个字符处")
    assert fragment in message
    assert info.value.position == position


def test_example_message_exactly():
    with pytest.raises(ExpressionError, match="^表达式“#{A} \\+ ”第 6 个字符处不完整：缺少运算数$"):
        parse("#{A} + ")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty(text):
    with pytest.raises(ExpressionError, match="为空"):
        parse(text)


def test_expression_error_is_value_error():
    with pytest.raises(ValueError):
        parse("1 +")


# --- round trip -----------------------------------------------------------

codes = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True)
numbers = st.builds(
    Number,
    st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False).map(abs),
)
atoms = numbers | st.builds(Operand, codes, st.none() | codes)
exprs = st.recursive(
    atoms,
    lambda children: st.builds(Neg, children)
    | st.builds(BinOp, st.sampled_from("+-*/"), children, children),
    max_leaves=20,
)


@given(exprs)
def test_round_trip(expr):
    text = to_text(expr)
    assert parse(text) == expr
    assert to_text(parse(text)) == text
