"""Indicators = factor × Σnumerator / Σdenominator over rolled-up operands.

Numerator and denominator are aggregated first (never average rates). A
missing or zero denominator gives no value; ``reason`` says why.
"""
from __future__ import annotations

from dataclasses import dataclass

import ibis

from weijian.analytics.linear import LinearForm, linearize
from weijian.analytics.rollups import operand_label
from weijian.expressions import Operand, operands, parse
from weijian.expressions.compile_ibis import to_ibis
from weijian.model import Indicator


@dataclass(frozen=True)
class CompiledIndicator:
    indicator: Indicator
    numerator: object  # parsed expression
    denominator: object

    @property
    def operands(self) -> frozenset[Operand]:
        return operands(self.numerator) | operands(self.denominator)


def compile_indicator(indicator: Indicator) -> CompiledIndicator:
    return CompiledIndicator(indicator, parse(indicator.numerator), parse(indicator.denominator))


def indicator_table(operand_values, compiled: list[CompiledIndicator]):
    """(indicator, orgunit, period, numerator, denominator, value) for every
    org unit and period where any operand of the indicator has data."""
    linear, other = [], []
    for item in compiled:
        num, den = linearize(item.numerator), linearize(item.denominator)
        (linear if num is not None and den is not None else other).append((item, num, den))
    pieces = []
    if linear:
        pieces.append(_linear_indicators(operand_values, linear))
    pieces.extend(_pivoted_indicator(operand_values, item) for item, _, _ in other)
    table = ibis.union(*pieces) if len(pieces) > 1 else pieces[0]
    # a row with neither side (e.g. x/0 inside a numerator) has nothing to say
    table = table.filter(table.numerator.notnull() | table.denominator.notnull())
    return table.mutate(value=_ratio(table))


def _ratio(t):
    # nullif, not a CASE: PostgreSQL may fold x/0 inside CASE while planning
    return t.factor * t.numerator / t.denominator.nullif(0)


def _linear_indicators(operand_values, items: list[tuple[CompiledIndicator, LinearForm, LinearForm]]):
    """One join against a map (indicator, side, operand, coefficient)."""
    rows, constants = [], []
    for item, num, den in items:
        code = item.indicator.code
        for side, form in (("num", num), ("den", den)):
            for operand, coef in form.terms.items():
                rows.append({"indicator": code, "side": side, "operand": operand_label(operand), "coef": float(coef)})
        constants.append({
            "indicator": code,
            "factor": float(item.indicator.factor),
            "num_const": float(num.constant), "num_has_terms": bool(num.terms),
            "den_const": float(den.constant), "den_has_terms": bool(den.terms),
        })
    mapping = ibis.memtable(rows, schema={"indicator": "string", "side": "string", "operand": "string", "coef": "float64"})
    consts = ibis.memtable(constants)
    j = operand_values.join(mapping, operand_values.operand == mapping.operand)
    term = j.coef * j.value
    grouped = j.group_by(["indicator", "orgunit", "period"]).aggregate(
        num_terms=term.sum(where=j.side == "num"),
        den_terms=term.sum(where=j.side == "den"),
    )
    g = grouped.join(consts, grouped.indicator == consts.indicator)
    return g.select(
        "indicator", "orgunit", "period",
        numerator=_side(g.num_terms, g.num_const, g.num_has_terms),
        denominator=_side(g.den_terms, g.den_const, g.den_has_terms),
        factor=g.factor,
    )


def _side(terms, constant, has_terms):
    # an expression with operands is missing when all of them are; a constant never is
    return ibis.ifelse(has_terms, terms + constant, constant)


def _pivoted_indicator(operand_values, item: CompiledIndicator):
    labels = {op: operand_label(op) for op in item.operands}
    t = operand_values.filter(operand_values.operand.isin(list(labels.values())))
    wide = t.group_by(["orgunit", "period"]).aggregate(
        **{f"o{i}": t.value.max(where=t.operand == label) for i, label in enumerate(labels.values())}
    )
    column = {op: wide[f"o{i}"] for i, op in enumerate(labels)}
    return wide.select(
        indicator=ibis.literal(item.indicator.code),
        orgunit=wide.orgunit,
        period=wide.period,
        numerator=to_ibis(item.numerator, column.__getitem__).cast("float64"),
        denominator=to_ibis(item.denominator, column.__getitem__).cast("float64"),
        factor=ibis.literal(float(item.indicator.factor)),
    )
