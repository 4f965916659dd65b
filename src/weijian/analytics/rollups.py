"""Roll stored values up over time and over the org-unit tree (DESIGN §3).

Input: the store's values table and org-unit table (Ibis tables on any
backend). Output: an Ibis table ``(orgunit, period, operand, value)`` where
``operand`` is ``E`` (total over options) or ``E.O`` (one option).

The semantics: first over time per facility (sum adds months; last takes the
latest month the facility reported in the range; average/max/min), then over
org units (summed; average elements averaged).

The plan (issue #20): where the way over time and the way over units are the
same associative reduction (sum, max, min: the bulk of the elements) the order
does not change the result, so the stored values are first combined over org
units at their own grain (selected ancestor × stored period: fewer rows the
higher the level), and only those rows are joined to the requested periods:
each raw value is joined once, not once per period length. Stocks (``last``) are summed over units the
same way once each value knows the end of the facility's next one
(``latest_first``). A requested period that is exactly one stored value of an
element (a month of a monthly element, any period inside the year of a yearly
常住人口) takes the ancestors' rows at the stored grain as they are: no group-by
after the join, and for stocks no next value's end (``_whole_periods``).
Averages need each facility's own figure for the period first, so they keep the
facility-first plan (``facility_operands`` then ``rollup_over_orgunits``).
"""
from __future__ import annotations

from collections import defaultdict

import ibis

from weijian.analytics.prepared import operand_label  # noqa: F401 (shared, Ibis-free)
from weijian.analytics.selection import OrgUnitSelection, element_months, period_map_rows
from weijian.expressions import Operand
from weijian.model import MetadataPackage
from weijian.model.periods import Period

_OU_AGG = {"sum": "sum", "last": "sum", "average": "mean", "max": "max", "min": "min"}
# reductions for which "over time, then over units" equals "over units, then over time"
UNITS_FIRST = ("sum", "max", "min")


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
    by_element = _by_element(operands)
    if not by_element or not periods:
        return None
    ancestors = ancestor_map(orgunits, selection)
    groups = _group_elements(package, by_element)
    pieces = [units_first(values, package, by_element, codes, aggregation, ancestors, periods, period_map)
              for aggregation, codes in groups.items() if aggregation in UNITS_FIRST]
    stocks: dict[int, list[str]] = defaultdict(list)
    for code in groups.get("last", []):
        stocks[element_months(package.elements[code].period_type)].append(code)
    pieces += [latest_first(values, package, by_element, codes, months, ancestors, periods, period_map)
               for months, codes in sorted(stocks.items())]
    # averages (a mean of means is not the mean): each facility's figure for the period
    # first, then one join against (unit → selected ancestor) and one group-by per way
    facility_first = {op for op in operands if package.elements[op.element].aggregation not in (*UNITS_FIRST, "last")}
    per_facility = facility_operands(values, package, facility_first, periods, period_map)
    pieces += [rollup_over_orgunits(rows, ancestors, how) for how, rows in per_facility.items()]
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]


def facility_operands(values, package: MetadataPackage, operands, periods: list[Period], period_map=None) -> dict:
    """The first half of the facility-first plan: over time, per reporting unit.

    {how units combine ("sum", "mean", "max", "min"): Ibis table (orgunit,
    period, value, operand)}, a unit possibly having several rows of one
    operand (a total ``E`` gets one row per option). The analytics tables
    (``aggregates.py``) are built from exactly these rows."""
    by_element = _by_element(operands)
    if not by_element or not periods:
        return {}
    per_facility: dict[str, list] = defaultdict(list)
    for aggregation, codes in _group_elements(package, by_element).items():
        rows = _values_in_periods(values, package, codes, periods, period_map)
        over_time = rollup_over_time(rows, aggregation)
        per_facility[_OU_AGG[aggregation]].append(_as_operands(over_time, by_element, codes))
    return {how: ibis.union(*rows) if len(rows) > 1 else rows[0] for how, rows in per_facility.items()}


def units_first(values, package: MetadataPackage, by_element: dict[str, list[Operand]], codes: list[str],
                aggregation: str, ancestors, periods: list[Period], period_map=None):
    """(orgunit, period, operand, value) of elements whose way over time and over
    units is the same ``aggregation`` (sum, max, min): over units at the stored
    grain first, then the requested periods from those rows."""
    v = values.filter(values.dataelement.isin(codes))
    stored = _stored_grain_operands(_under_ancestors(v, ancestors), by_element, codes, aggregation)
    mapping = _period_map(package, codes, periods, period_map)
    monthly = [c for c in codes if element_months(package.elements[c].period_type) == 1]
    if not monthly:
        return _in_periods(stored, mapping, aggregation)
    # a month of a monthly element is one stored row per unit (start and end month equal): no group-by
    whole_map, part_map = _whole_periods(mapping, mapping.dataelement.isin(monthly), 1)
    # (a view: two joins of the same table as their first would read it twice, Ibis making no CTE of it)
    whole = _mapped(stored.view(), whole_map).select("orgunit", "period", "operand", "value")
    return ibis.union(whole, _in_periods(stored, part_map, aggregation))


def _whole_periods(mapping, eligible, months: int):
    """``mapping`` split into the rows of periods that are exactly one stored value of
    an ``eligible`` element (one key month, ending where that value ends) and the rest."""
    n_keys = mapping.key_month.count().over(ibis.window(group_by=[mapping.dataelement, mapping.period]))
    whole = eligible & (n_keys == 1) & (mapping.period_end == mapping.key_month + (months - 1))
    mapping = mapping.mutate(whole=whole)
    return mapping.filter(mapping.whole).drop("whole"), mapping.filter(~mapping.whole).drop("whole")


def latest_first(values, package: MetadataPackage, by_element: dict[str, list[Operand]], codes: list[str],
                 months: int, ancestors, periods: list[Period], period_map=None):
    """(orgunit, period, operand, value) of stocks stored every ``months`` months:
    each facility's latest value in the period, summed over units, without a
    group-by per facility and period.

    A facility's stored value r (inside period P) is its latest in P when its
    next stored value (same element and option) does not end inside P: values
    of a series start on multiples of ``months`` and never overlap, so the next
    one either counts for P too or none after it does. The values are therefore
    summed over units per (stored period, end of the next one), and the periods
    found from those few rows; a yearly 常住人口 thus meets each period once, at
    the ancestors. A series holding a value off that grid or an empty value
    (which the facility-first plan handles its own way) keeps that plan."""
    series = ["orgunit", "dataelement", "categoryoptioncombo"]
    v = values.filter(values.dataelement.isin(codes))
    odd = (v.end_month != v.start_month + (months - 1)) | v.value.isnull()
    if months > 1:
        odd = odd | (v.start_month % months != 0)
    v = v.mutate(next_end=v.end_month.lead().over(ibis.window(group_by=series, order_by=v.start_month)),
                 odd_series=ibis.ifelse(odd, 1, 0).max().over(ibis.window(group_by=series)))
    regular = v.filter(v.odd_series == 0)
    under = _under_ancestors(regular, ancestors, "next_end")
    mapping = _period_map(package, codes, periods, period_map)
    # a period that is one stored value of the element (a yearly 常住人口 in any month, quarter, half or
    # year of its year; a monthly stock in a month) takes that value from every regular series: its next
    # value ends after it. Those periods need neither the next value's end nor a group-by after the join
    whole_map, part_map = _whole_periods(mapping, ibis.literal(True), months)
    stored = _stored_grain_operands(under, by_element, codes, "sum", ["next_end"])
    at_grain = stored.group_by(["orgunit", "dataelement", "start_month", "end_month", "operand"]).aggregate(
        value=stored.value.sum())
    whole = _mapped(at_grain, whole_map).select("orgunit", "period", "operand", "value")
    latest = _mapped(stored, part_map).filter(lambda t: t.next_end.isnull() | (t.next_end > t.period_end))
    others = v.filter(v.odd_series == 1).drop("next_end", "odd_series")
    ops = [op for c in codes for op in by_element[c]]
    per_facility = facility_operands(others, package, ops, periods, period_map)["sum"]
    joined = per_facility.join(ancestors, per_facility.orgunit == ancestors.code)
    odd = joined.select(orgunit=joined.ancestor, period=joined.period, operand=joined.operand, value=joined.value)
    # the whole periods' rows stand alone unless an odd series adds to them (rare); the rest is summed in
    # one group-by: the odd series are few, the regular rows many
    keys = ["orgunit", "period", "operand"]
    rows = ibis.union(latest.select(*keys, "value"), whole.semi_join(odd, keys), odd)
    summed = rows.group_by(keys).aggregate(value=rows.value.sum())
    return ibis.union(whole.view().anti_join(odd, keys), summed)


def _under_ancestors(values, ancestors, *extra: str):
    """Stored values, each once per selected ancestor of its unit (as ``orgunit``)."""
    joined = values.join(ancestors, values.orgunit == ancestors.code)
    return joined.select(orgunit=joined.ancestor, dataelement=joined.dataelement,
                         option=joined.categoryoptioncombo, start_month=joined.start_month,
                         end_month=joined.end_month, value=joined.value.cast("float64"),
                         **{name: joined[name] for name in extra})


def _mapped(stored, mapping):
    """Rows at the stored grain, each once per requested period it counts for."""
    # the key and the filter are the facility-first plan's (_values_in_periods), on far fewer rows
    return stored.join(
        mapping, [stored.dataelement == mapping.dataelement, stored.start_month == mapping.key_month],
    ).filter(lambda t: t.end_month <= t.period_end)


def _in_periods(stored, mapping, aggregation: str):
    """Rows at the stored grain combined into the requested periods."""
    mapped = _mapped(stored, mapping)
    reducer = getattr(mapped.value, aggregation)
    return mapped.group_by(orgunit=mapped.orgunit, period=mapped.period, operand=mapped.operand).aggregate(
        value=reducer())


def _stored_grain_operands(rows, by_element: dict[str, list[Operand]], codes: list[str], aggregation: str,
                           extra: list[str] = ()):
    """(orgunit, dataelement, operand, start_month, end_month, *extra, value): ``rows``
    combined per selected ancestor, stored period (and ``extra`` keys) and operand."""
    keys = ["orgunit", "dataelement", "start_month", "end_month", *extra]
    split = sorted({c for c in codes if any(op.option is not None for op in by_element[c])})
    whole = [c for c in codes if c not in split]
    parts = []
    if whole:  # asked as totals only: the options need not be told apart
        t = rows.filter(rows.dataelement.isin(whole)) if split else rows
        t = t.group_by(keys).aggregate(value=getattr(t.value, aggregation)())
        parts.append(t.mutate(operand=t.dataelement))
    if split:
        t = rows.filter(rows.dataelement.isin(split)) if whole else rows
        t = t.group_by([*keys, "option"]).aggregate(value=getattr(t.value, aggregation)())
        totals = [c for c in split if any(op.option is None for op in by_element[c])]
        if totals:  # the total of the option rows: the same reduction again
            s = t.filter(t.dataelement.isin(totals))
            s = s.group_by(keys).aggregate(value=getattr(s.value, aggregation)())
            parts.append(s.mutate(operand=s.dataelement))
        options = sorted(operand_label(op) for c in split for op in by_element[c] if op.option is not None)
        t = t.mutate(operand=t.dataelement.concat(ibis.literal("."), t.option))
        t = t.filter(t.operand.isin(options)).drop("option")
        parts.append(t)
    parts = [p.select(*keys, "operand", "value") for p in parts]
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def how_units_combine(package: MetadataPackage, element: str) -> str:
    """"sum", "mean", "max" or "min": how an element's values combine over org units."""
    return _OU_AGG[package.elements[element].aggregation]


def _group_elements(package: MetadataPackage, by_element: dict[str, list[Operand]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for code in sorted(by_element):
        groups[package.elements[code].aggregation].append(code)
    return groups


def _by_element(operands) -> dict[str, list[Operand]]:
    by_element: dict[str, list[Operand]] = defaultdict(list)
    for operand in operands:
        by_element[operand.element].append(operand)
    return by_element


def _period_map(package: MetadataPackage, codes: list[str], periods: list[Period], period_map=None):
    """(dataelement, period, key_month, period_end) for ``codes``: the given table or one made from ``periods``."""
    if period_map is None:
        by_months: dict[int, list[str]] = defaultdict(list)
        for code in codes:
            by_months[element_months(package.elements[code].period_type)].append(code)
        period_map = ibis.memtable(period_map_rows(by_months, periods))
    return period_map


def _values_in_periods(values, package: MetadataPackage, codes: list[str], periods: list[Period], period_map=None):
    mapping = _period_map(package, codes, periods, period_map).rename(target_period="period")
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

