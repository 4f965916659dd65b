"""Expression syntax tree, a hand-written recursive-descent parser, and printing.

Grammar (whitespace allowed between tokens)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | "#{" CODE ("." CODE)? "}" | "(" expr ")"

CODE is ``[A-Z][A-Z0-9_]*``; NUMBER is ``[0-9]+(\\.[0-9]+)?``.
Error positions are 1-based character indexes into the original text.
An expression has at most MAX_LENGTH characters, MAX_TOKENS tokens and
MAX_DEPTH levels of brackets and signs, so every function walking the tree
(printing, evaluating, comparing) stays far from Python's recursion limit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from weijian.errors import ExpressionError

OPERATORS = frozenset("+-*/")
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_NEG_PRECEDENCE = 3
_ATOM_PRECEDENCE = 4
# Real indicator and rule expressions have under 70 tokens and a few brackets.
MAX_LENGTH = 10_000
MAX_TOKENS = 300
MAX_DEPTH = 50


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Operand:
    """A data element total (``option`` None) or one disaggregation option."""

    element: str
    option: str | None = None

    def __str__(self) -> str:
        if self.option is None:
            return f"#{{{self.element}}}"
        return f"#{{{self.element}.{self.option}}}"


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"unknown operator {self.op!r}")


@dataclass(frozen=True)
class Neg:
    operand: Expr


Expr = Number | Operand | BinOp | Neg


def operands(expr: Expr) -> frozenset[Operand]:
    """Every operand referenced anywhere in ``expr``."""
    match expr:
        case Operand():
            return frozenset([expr])
        case Number():
            return frozenset()
        case Neg(inner):
            return operands(inner)
        case BinOp(_, left, right):
            return operands(left) | operands(right)
    raise TypeError(f"not an expression: {expr!r}")


def to_text(expr: Expr) -> str:
    """Canonical text with minimal parentheses; ``parse(to_text(e)) == e``."""
    return _print(expr)[0]


def _print(expr: Expr) -> tuple[str, int]:
    """Text of ``expr`` and the precedence of its outermost construct."""
    match expr:
        case Operand():
            return str(expr), _ATOM_PRECEDENCE
        case Number(value) if value < 0:
            # The parser reads "-5" as Neg(5), so print it that way.
            return _print(Neg(Number(-value)))
        case Number(value):
            return format(value.copy_abs(), "f"), _ATOM_PRECEDENCE
        case Neg(inner):
            return "-" + _wrap(inner, _NEG_PRECEDENCE), _NEG_PRECEDENCE
        case BinOp(op, left, right):
            prec = _PRECEDENCE[op]
            # Left-associative: an equal-precedence right child keeps its parentheses.
            text = f"{_wrap(left, prec)} {op} {_wrap(right, prec + 1)}"
            return text, prec
    raise TypeError(f"not an expression: {expr!r}")


def _wrap(expr: Expr, min_precedence: int) -> str:
    text, prec = _print(expr)
    return f"({text})" if prec < min_precedence else text


class _Token(NamedTuple):
    kind: str  # "number", "operand", "op", "(", ")", "end"
    text: str
    pos: int  # 1-based
    value: Number | Operand | None = None


def parse(text: str) -> Expr:
    """Parse an indicator or rule expression; raise ExpressionError if invalid."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ExpressionError(f"表达式应为文字，而不是 {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"表达式过长（{len(text)} 个字符，上限 {MAX_LENGTH}）")
        self.text = text
        self.tokens = _tokenize(text)
        if len(self.tokens) > MAX_TOKENS + 1:
            raise ExpressionError(f"表达式“{text[:40]}…”过长：有 {len(self.tokens) - 1} 个符号，上限 {MAX_TOKENS}")
        self.index = 0
        self.depth = 0

    def fail(self, pos: int, detail: str) -> ExpressionError:
        return _error(self.text, pos, detail)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def at(self, ops: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in ops

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Expr:
        if len(self.tokens) == 1:
            raise ExpressionError(f"表达式“{self.text}”为空")
        expr = self.expr()
        token = self.peek()
        if token.kind == ")":
            raise self.fail(token.pos, "的“)”没有对应的“(”")
        if token.kind != "end":
            raise self.fail(token.pos, f"缺少运算符：“{token.text}”前应有 + - * / 之一")
        return expr

    def expr(self) -> Expr:
        left = self.term()
        while self.at("+-"):
            op = self.advance().text
            left = BinOp(op, left, self.term())
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.at("*/"):
            op = self.advance().text
            left = BinOp(op, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.at("-"):
            token = self.advance()
            self.descend(token)
            inner = self.unary()
            self.depth -= 1
            return Neg(inner)
        return self.primary()

    def descend(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(token.pos, f"的括号或负号嵌套超过 {MAX_DEPTH} 层")

    def primary(self) -> Expr:
        token = self.advance()
        if token.kind in ("number", "operand"):
            return token.value
        if token.kind == "(":
            self.descend(token)
            inner = self.expr()
            self.depth -= 1
            closing = self.peek()
            if closing.kind == "end":
                raise self.fail(token.pos, "的“(”没有对应的“)”")
            if closing.kind != ")":
                raise self.fail(closing.pos, f"缺少运算符：“{closing.text}”前应有 + - * / 之一")
            self.advance()
            return inner
        if token.kind == "end":
            # Point at the last token, usually the dangling operator.
            raise self.fail(self.tokens[self.index - 2].pos, "不完整：缺少运算数")
        raise self.fail(token.pos, f"缺少运算数：“{token.text}”前应有数字或 #{{编码}}")


def _error(text: str, pos: int, detail: str) -> ExpressionError:
    error = ExpressionError(f"表达式“{text}”第 {pos} 个字符处{detail}")
    error.position = pos
    return error


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in OPERATORS or char in "()":
            tokens.append(_Token("op" if char in OPERATORS else char, char, i + 1))
            i += 1
        elif char.isascii() and char.isdigit():
            i = _read_number(text, i, tokens)
        elif char == "#":
            i = _read_operand(text, i, tokens)
        else:
            raise _error(text, i + 1, f"有无法识别的字符“{char}”")
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _read_number(text: str, start: int, tokens: list[_Token]) -> int:
    match = _NUMBER.match(text, start)
    literal = match.group()
    if literal.endswith("."):
        raise _error(text, start + 1, f"的数字“{literal}”不完整：小数点后缺少数字")
    tokens.append(_Token("number", literal, start + 1, Number(Decimal(literal))))
    return match.end()


def _read_operand(text: str, start: int, tokens: list[_Token]) -> int:
    if not text.startswith("{", start + 1):
        raise _error(text, start + 1, "的“#”后应紧跟“{”")
    close = text.find("}", start + 2)
    if close < 0:
        raise _error(text, start + 1, "的“#{”没有对应的“}”")
    body = text[start + 2 : close]
    whole = text[start : close + 1]
    if not body:
        raise _error(text, start + 1, f"的“{whole}”缺少数据元编码")
    element, dot, option = body.partition(".")
    _check_code(text, start + 3, element, "数据元编码", whole)
    if dot:
        _check_code(text, start + 4 + len(element), option, "选项编码", whole)
    operand = Operand(element, option if dot else None)
    tokens.append(_Token("operand", whole, start + 1, operand))
    return close + 1


def _check_code(text: str, pos: int, code: str, what: str, whole: str) -> None:
    if not code:
        raise _error(text, pos, f"的“{whole}”缺少{what}")
    if _CODE.fullmatch(code.upper()) and not _CODE.fullmatch(code):
        raise _error(text, pos, f"的{what}“{code}”须用大写字母，应写作“{code.upper()}”")
    if not _CODE.fullmatch(code):
        raise _error(
            text, pos, f"的{what}“{code}”不合规：须以大写字母开头，只含大写字母、数字和下划线"
        )
