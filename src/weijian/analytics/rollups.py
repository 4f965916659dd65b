"""Roll stored values up over time and over the org-unit tree (DESIGN §3).

Input: the store's values table and org-unit table (Ibis tables on any
backend). Output: an Ibis table ``(orgunit, period, operand, value)`` where
``operand`` is ``E`` (total over options) or ``E.O`` (one option).

Order matters and is the semantics: first over time per facility (sum adds
months; last takes the latest month the facility reported in the range;
average/max/min), then over org units (summed; average elements averaged).
"""
from __future__ import annotations

from collections import defaultdict

import ibis

from weijian.analytics.selection import OrgUnitSelection, element_months, period_map_rows
from weijian.expressions import Operand
from weijian.model import MetadataPackage
from weijian.model.periods import Period

_OU_AGG = {"sum": "sum", "last": "sum", "average": "mean", "max": "max", "min": "min"}


def operand_label(operand: Operand) -> str:
    return operand.element if operand.option is None else f"{operand.element}.{operand.option}"


def rollup_operands(
    values,
    orgunits,
    package: MetadataPackage,
    operands: set[Operand] | frozenset[Operand],
    periods: list[Period],
    selection: OrgUnitSelection,
    period_map=None,
):
    """Aggregated operand values for every selected org unit and period.

    ``period_map``: a table of ``selection.period_map_rows`` to use instead of
    the one made from ``periods`` (the analytics tables' refresh passes its
    parameter table, so the compiled SQL does not depend on the periods)."""
    per_facility = facility_operands(values, package, operands, periods, period_map)
    if not per_facility:
        return None
    # one join against (unit → selected ancestor) and one group-by per way of
    # combining units: each row is grouped once, whatever the number of levels
    ancestors = ancestor_map(orgunits, selection)
    pieces = [rollup_over_orgunits(rows, ancestors, how) for how, rows in per_facility.items()]
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]


def facility_operands(values, package: MetadataPackage, operands, periods: list[Period], period_map=None) -> dict:
    """The first half of a roll-up: over time, per reporting unit.

    {how units combine ("sum", "mean", "max", "min"): Ibis table (orgunit,
    period, value, operand)}, a unit possibly having several rows of one
    operand (a total ``E`` gets one row per option). The analytics tables
    (``aggregates.py``) are built from exactly these rows."""
    by_element: dict[str, list[Operand]] = defaultdict(list)
    for operand in operands:
        by_element[operand.element].append(operand)
    if not by_element or not periods:
        return {}
    per_facility: dict[str, list] = defaultdict(list)
    for aggregation, codes in _group_elements(package, by_element).items():
        rows = _values_in_periods(values, package, codes, periods, period_map)
        over_time = rollup_over_time(rows, aggregation)
        per_facility[_OU_AGG[aggregation]].append(_as_operands(over_time, by_element, codes))
    return {how: ibis.union(*rows) if len(rows) > 1 else rows[0] for how, rows in per_facility.items()}


def how_units_combine(package: MetadataPackage, element: str) -> str:
    """"sum", "mean", "max" or "min": how an element's values combine over org units."""
    return _OU_AGG[package.elements[element].aggregation]


def _group_elements(package: MetadataPackage, by_element: dict[str, list[Operand]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for code in sorted(by_element):
        groups[package.elements[code].aggregation].append(code)
    return groups


def _values_in_periods(values, package: MetadataPackage, codes: list[str], periods: list[Period], period_map=None):
    if period_map is None:
        by_months: dict[int, list[str]] = defaultdict(list)
        for code in codes:
            by_months[element_months(package.elements[code].period_type)].append(code)
        period_map = ibis.memtable(period_map_rows(by_months, periods))
    mapping = period_map.rename(target_period="period")
    v = values.filter(values.dataelement.isin(codes))
    joined = v.join(
        mapping,
        [v.dataelement == mapping.dataelement, v.start_month == mapping.key_month],
    ).filter(lambda t: t.end_month <= t.period_end)
    return joined.select(
        "orgunit", "dataelement", period=joined.target_period, option=joined.categoryoptioncombo,
        value=joined.value.cast("float64"), start_month=joined.start_month,
    )


def rollup_over_time(rows, aggregation: str):
    """One row per (orgunit, period, element, option)."""
    keys = ["orgunit", "period", "dataelement", "option"]
    if aggregation == "sum":
        reduced = rows.value.sum()
    elif aggregation == "last":
        # stocks (在管患者, 建档人数) are people, not visits: the latest month counts
        reduced = rows.value.argmax(rows.start_month)
    elif aggregation == "average":
        reduced = rows.value.mean()
    elif aggregation == "max":
        reduced = rows.value.max()
    else:
        reduced = rows.value.min()
    return rows.group_by(keys).aggregate(value=reduced)


def _as_operands(rows, by_element: dict[str, list[Operand]], codes: list[str]):
    """Label each row with the operand it feeds; a row may feed both the
    element total ``E`` and its option ``E.O``."""
    parts = []
    totals = [c for c in codes if any(op.option is None for op in by_element[c])]
    if totals:
        t = rows.filter(rows.dataelement.isin(totals))
        parts.append(t.select("orgunit", "period", "value", operand=t.dataelement))
    options = sorted({operand_label(op) for c in codes for op in by_element[c] if op.option is not None})
    if options:
        # label only the rows of elements asked for by option: concat is not free on millions of rows
        split = sorted({op.element for c in codes for op in by_element[c] if op.option is not None})
        t = rows.filter(rows.dataelement.isin(split))
        t = t.mutate(operand=t.dataelement.concat(ibis.literal("."), t.option))
        t = t.filter(t.operand.isin(options))
        parts.append(t.select("orgunit", "period", "value", "operand"))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def ancestor_map(orgunits, selection: OrgUnitSelection):
    """(code, ancestor): each unit paired with every selected unit above or at it."""
    pieces = []
    for level in selection.levels():
        t = orgunits.select(code=orgunits.code, ancestor=orgunits[f"l{level}"])
        codes = selection.codes_at(level)
        pieces.append(t.filter(t.ancestor.notnull() if codes is None else t.ancestor.isin(codes)))
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]


def rollup_over_orgunits(rows, ancestors, how: str):
    """Combine the units under each selected ancestor (sum, or mean/max/min)."""
    joined = rows.join(ancestors, rows.orgunit == ancestors.code)
    reducer = getattr(joined.value, how)
    return joined.group_by(orgunit=joined.ancestor, period=joined.period, operand=joined.operand).aggregate(
        value=reducer())

