"""Validation rules (审核规则): ``left operator right`` for every unit and period.

A rule is evaluated in bulk by the analytics engine, exactly like an indicator
whose numerator is the left side and denominator the right side (factor 1):
both sides are rolled up over time and org units by DESIGN §3, with the same
missing-value rule as indicators — missing operands count 0 unless every
operand of that side is missing, and then the side is missing.

Which units and periods:
- every period of the rule's ``period_type`` lying inside the checked range (a
  monthly rule over 2026S1 runs for each of 202601..202606; a yearly rule over
  1—10月 runs for none);
- a rule with ``levels`` runs for the subtree's units at those levels (a
  township total, 乡镇汇总); a rule without ``levels`` runs for the reporting
  units, i.e. the leaves of the subtree, on their own figures;
- only where at least one operand has data.

A rule with a side missing is skipped, not violated: "no data" is the
completeness check's business (rules.yaml has no field to say "missing counts
as 0", so there is no such option). Both sides are rounded half-up to six
decimals before comparing, so float sums such as 0.1 + 0.2 == 0.3 hold.
"""
from __future__ import annotations

import operator as op
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

import ibis

from weijian.analytics import Analytics, OrgUnitSelection
from weijian.analytics.indicators import CompiledIndicator, indicator_table
from weijian.analytics.rollups import rollup_operands
from weijian.analytics.rounding import round_half_up, to_decimal
from weijian.expressions import Operand, operands, parse
from weijian.model import Indicator, MetadataPackage, ValidationRule
from weijian.model.periods import Period
from weijian.quality.findings import FIGURE_DECIMALS, Finding, format_figure, leaves, periods_inside, unit_name

OPERATORS = {"==": op.eq, "!=": op.ne, "<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}
# Rows whose float sides are this close to breaking the rule are re-checked
# exactly in Decimal; the database only drops rows that clearly hold.
_SLACK = 1e-6


def run_rules(analytics: Analytics, units: Sequence[str], period: Period,
              rules: Iterable[ValidationRule] | None = None) -> list[Finding]:
    """Violations of ``rules`` (default: every rule of the package) among
    ``units`` (a subtree's codes) in every period of each rule's type inside
    ``period``."""
    package = analytics.package
    chosen = list(package.rules.values()) if rules is None else list(rules)
    for rule in chosen:
        if rule.operator not in OPERATORS:
            raise ValueError(f"审核规则“{rule.code}”的运算符“{rule.operator}”无效")
    tables = list(_violation_tables(analytics, list(units), period, chosen))
    if not tables:
        return []
    frame = (ibis.union(*tables) if len(tables) > 1 else tables[0]).execute()
    by_code = {rule.code: rule for rule in chosen}
    findings = []
    for row in frame.itertuples(index=False):
        rule = by_code[row.indicator]
        left = round_half_up(to_decimal(row.numerator), FIGURE_DECIMALS)
        right = round_half_up(to_decimal(row.denominator), FIGURE_DECIMALS)
        if left is None or right is None or OPERATORS[rule.operator](left, right):
            continue
        findings.append(rule_finding(package, rule, row.orgunit, Period.parse(row.period), left, right))
    return findings


def rule_finding(package: MetadataPackage, rule: ValidationRule, ou: str, period: Period,
                 left: Decimal, right: Decimal) -> Finding:
    name = unit_name(package, ou)
    detail = rule.message.replace("{left}", format_figure(left)).replace("{right}", format_figure(right))
    return Finding(
        kind="rule", ou=ou, ou_name=name, period=period.id, importance=rule.importance,
        element=_left_element(rule), rule=rule.code, left=left, right=right,
        message=f"{name} {period.label}：{detail}",
    )


def _left_element(rule: ValidationRule) -> str | None:
    """The element a violation is about: the left side's only element, if any."""
    elements = {operand.element for operand in operands(parse(rule.left))}
    return elements.pop() if len(elements) == 1 else None


def _violation_tables(analytics: Analytics, units: list[str], period: Period, rules: list[ValidationRule]):
    """One Ibis table (indicator=rule code, orgunit, period, numerator,
    denominator) per group of rules sharing period type and levels."""
    package = analytics.package
    groups: dict[tuple[str, tuple[int, ...]], list[ValidationRule]] = defaultdict(list)
    for rule in rules:
        groups[(rule.period_type, tuple(sorted(rule.levels)))].append(rule)
    for (period_type, levels), members in groups.items():
        periods = periods_inside(period, period_type)
        if levels:
            targets = [code for code in units if package.orgunits[code].level in levels]
        else:
            targets = leaves(package, units)
        if not periods or not targets:
            continue
        compiled = [_compiled(rule) for rule in members]
        wanted: set[Operand] = set()
        for item in compiled:
            wanted |= item.operands
        selection = OrgUnitSelection.of_codes(package, targets)
        values = rollup_operands(analytics.values, analytics.orgunits, package, wanted, periods, selection)
        if values is None:
            continue
        table = indicator_table(values, compiled)
        yield _possible_violations(table, members).select("indicator", "orgunit", "period", "numerator", "denominator")


def _compiled(rule: ValidationRule) -> CompiledIndicator:
    # a rule is an indicator with numerator = left, denominator = right, factor 1
    as_indicator = Indicator(rule.code, rule.name, rule.left, rule.right, kind="plain", decimals=FIGURE_DECIMALS)
    return CompiledIndicator(as_indicator, parse(rule.left), parse(rule.right))


def _possible_violations(table, rules: list[ValidationRule]):
    """Rows with both sides present that may break their rule."""
    left, right = table.numerator, table.denominator
    may_break = {
        "<=": left > right - _SLACK, "<": left > right - _SLACK,
        ">=": left < right + _SLACK, ">": left < right + _SLACK,
        "!=": (left - right).abs() < _SLACK, "==": ibis.literal(True),
    }
    by_operator: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        by_operator[rule.operator].append(rule.code)
    condition = ibis.or_(*(table.indicator.isin(codes) & may_break[operator]
                           for operator, codes in by_operator.items()))
    return table.filter(left.notnull(), right.notnull(), condition)
