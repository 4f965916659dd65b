"""Synthetic monthly reports for a demo county, driven by a profile.

The profile (YAML beside the package) says, per data element, the typical
value per reporting unit, multipliers by unit type, seasonality, yearly
growth, and for numerators the share of their denominator — so rates land in
realistic bands and never exceed 100% unless a problem is planted on purpose.
Everything comes from one seeded RNG: the same profile, seed and end month
give the same county.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from weijian.model import DataElement, MetadataPackage, OrgUnit
from weijian.model.periods import MONTHS_IN, Period


@dataclass
class DemoPlan:
    first_year: int
    last_month: Period
    seed: int = 20240701
    lagging: tuple[str, ...] = ()       # level-2 units whose rates run lower
    planted: list[dict] = field(default_factory=list)  # filled while generating
    generated: dict[tuple, float] = field(default_factory=dict)  # numerators look their denominators up here
    totals: dict[tuple, float] = field(default_factory=dict)  # the same summed over options


def reporting_units(package: MetadataPackage) -> dict[str, list[OrgUnit]]:
    """Which units report each element: by data set, else every leaf unit."""
    leaves = [ou for ou in package.orgunits.values() if not package.children(ou.code)]
    units: dict[str, list[OrgUnit]] = {}
    for dataset in package.datasets.values():
        members = [ou for ou in package.orgunits.values()
                   if (not dataset.orgunit_types or ou.type in dataset.orgunit_types)
                   and (not dataset.levels or ou.level in dataset.levels)]
        for code in dataset.elements:
            units.setdefault(code, [])
            units[code].extend(ou for ou in members if ou not in units[code])
    for code in package.elements:
        units.setdefault(code, leaves)
    return units


def generate_values(package: MetadataPackage, profile: dict, plan: DemoPlan) -> Iterator[dict]:
    """Rows in the DHIS2 dataValueSets CSV layout."""
    rng = random.Random(plan.seed)
    specs = profile.get("elements", {})
    order = _dependency_order(package, specs)
    units = reporting_units(package)
    periods_by_type = _periods(plan)
    silent = _silent_month(units, plan, rng)
    planted = _planted_values(profile.get("planted", {}), units, plan, rng)
    for code in order:
        element = package.elements[code]
        spec = specs.get(code, {})
        for ou in units[code]:
            unit_scale = _unit_scale(spec, ou, rng)
            if unit_scale == 0:
                continue
            for period in periods_by_type[element.period_type]:
                if silent and (ou.code, period.id) == silent:
                    continue
                for option, share in _options(package, element, spec):
                    value = _value(element, spec, ou, period, option, unit_scale, plan, rng)
                    if value is None:
                        continue
                    if (code, ou.code, period.id) in planted:
                        value = planted.pop((code, ou.code, period.id))(value)
                    yield _row(code, period, ou, option, value, element)


def _dependency_order(package: MetadataPackage, specs: dict) -> list[str]:
    """Denominators before the numerators that are a share of them."""
    done: list[str] = []

    def visit(code: str) -> None:
        if code in done:
            return
        parent = specs.get(code, {}).get("share_of")
        if parent:
            visit(parent[0])
        done.append(code)

    for code in package.elements:
        visit(code)
    return done


def _periods(plan: DemoPlan) -> dict[str, list[Period]]:
    start = Period.year_of(plan.first_year).start
    out: dict[str, list[Period]] = {}
    for period_type, months in MONTHS_IN.items():
        out[period_type] = [Period(m, m + months - 1) for m in range(start, plan.last_month.end + 1, months)
                            if m + months - 1 <= plan.last_month.end or period_type == "yearly"]
    return out


def _silent_month(units, plan: DemoPlan, rng: random.Random) -> tuple[str, str] | None:
    """Plant one facility that did not report one month."""
    candidates = sorted({ou.code for members in units.values() for ou in members if ou.level > 2})
    if not candidates:
        return None
    ou = rng.choice(candidates)
    month = Period(plan.last_month.end - 2, plan.last_month.end - 2)
    plan.planted.append({"kind": "missing", "orgunit": ou, "period": month.id,
                         "note": "该机构当月未上报（演示用）"})
    return ou, month.id


def _planted_values(spec: dict, units, plan: DemoPlan, rng: random.Random) -> dict:
    """Choose where the planted data-quality problems go; return value changers."""
    changers = {}
    month = Period(plan.last_month.end - 1, plan.last_month.end - 1)
    if "outlier" in spec:
        code, factor = spec["outlier"]["element"], float(spec["outlier"].get("factor", 10))
        ou = rng.choice(sorted(u.code for u in units[code]))
        changers[(code, ou, month.id)] = lambda v: v * factor
        plan.planted.append({"kind": "outlier", "element": code, "orgunit": ou, "period": month.id,
                             "note": f"数值被放大 {factor:g} 倍（演示用异常值）"})
    if "numerator_above_denominator" in spec:
        code = spec["numerator_above_denominator"]["element"]
        ou = rng.choice(sorted(u.code for u in units[code]))
        changers[(code, ou, month.id)] = lambda v: v * 1.5 + 1
        plan.planted.append({"kind": "rule", "element": code, "orgunit": ou, "period": month.id,
                             "note": "分子超过分母（演示用审核错误）"})
    return changers


def _unit_scale(spec: dict, ou: OrgUnit, rng: random.Random) -> float:
    by_type = spec.get("by_type", {})
    scale = float(by_type.get(ou.type, spec.get("other_types", 1.0)))
    # units differ in size; ±30% keeps rankings interesting without absurd outliers
    return scale * rng.uniform(0.7, 1.3) if scale else 0.0


def _options(package: MetadataPackage, element: DataElement, spec: dict) -> list[tuple[str, float]]:
    if element.category is None:
        return [("", 1.0)]
    shares = spec.get("options", {})
    codes = package.categories[element.category].option_codes()
    return [(c, float(shares.get(c, 1.0 / len(codes)))) for c in codes]


def _value(element, spec, ou, period, option, unit_scale, plan: DemoPlan, rng: random.Random) -> float | None:
    key = (element.code, ou.code, period.id, option)
    if "share_of" in spec:
        parent, low, high = spec["share_of"]
        base = _parent_value(plan, parent, ou.code, period, option)
        if base is None:
            return None
        lag = 0.85 if len(ou.path) > 1 and ou.path[1] in plan.lagging else 1.0
        # a stable share per unit, drifting a little each month
        unit_rng = random.Random(f"{plan.seed}:{element.code}:{ou.code}")
        share = unit_rng.uniform(low, high) * lag * rng.uniform(0.98, 1.02)
        value = base * min(share, 1.0)
    else:
        years = (period.start - Period.year_of(plan.first_year).start) / 12
        growth = (1 + float(spec.get("growth", 0.03))) ** years
        # a disease's own season (流感 in winter, 手足口病 in early summer) beats the element's
        season = _season(spec.get("option_season", {}).get(option) or spec.get("season"), period)
        value = float(spec.get("base", 50)) * unit_scale * growth * season * rng.uniform(0.9, 1.1)
    if option and "share_of" not in spec:
        value *= _options_share(spec, option)
    value = round(value) if element.value_type == "integer" else round(value, 2)
    plan.generated[key] = value
    total_key = (element.code, ou.code, period.id)
    plan.totals[total_key] = plan.totals.get(total_key, 0) + value
    return value


def _parent_value(plan: DemoPlan, parent: str, ou: str, period: Period, option: str) -> float | None:
    """The denominator's value for the same unit: same period and option, or
    the total over its options, or its value for the year (a yearly 常住人口)."""
    memory = plan.generated
    for key_period in (period.id, str(period.year)):
        if (parent, ou, key_period, option) in memory:
            return memory[(parent, ou, key_period, option)]
        if not option and (parent, ou, key_period) in plan.totals:
            return plan.totals[(parent, ou, key_period)]
    return None


def _options_share(spec: dict, option: str) -> float:
    shares = spec.get("options", {})
    return float(shares.get(option, 1.0 / max(len(shares), 1) if shares else 0.5))


def _season(season: dict | None, period: Period) -> float:
    if not season or period.n_months > 1:
        return 1.0
    peak, amplitude = season.get("peak", 1), season.get("amplitude", 0.3)
    return 1 + amplitude * math.cos(2 * math.pi * (period.end_month - peak) / 12)


def _row(code: str, period: Period, ou: OrgUnit, option: str, value: float, element: DataElement) -> dict:
    text = str(int(value)) if element.value_type == "integer" else f"{value:.2f}"
    return {"dataelement": code, "period": period.id, "orgunit": ou.code, "categoryoptioncombo": option,
            "attributeoptioncombo": "", "value": text, "storedby": "demo", "lastupdated": "", "comment": "",
            "followup": ""}
