"""Which org units and periods a computation is for.

An ``OrgUnitSelection`` is either explicit codes (grouped by their level, so
each level is one group-by on its ancestor column) or whole levels (every unit
at those levels: the bulk case the benchmark and dashboards use).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from weijian.model import MetadataPackage
from weijian.model.periods import MONTHS_IN, Period


@dataclass(frozen=True)
class OrgUnitSelection:
    codes_by_level: dict[int, tuple[str, ...]] = field(default_factory=dict)
    whole_levels: tuple[int, ...] = ()

    @classmethod
    def of_codes(cls, package: MetadataPackage, codes: list[str] | tuple[str, ...]) -> OrgUnitSelection:
        by_level: dict[int, list[str]] = {}
        for code in codes:
            by_level.setdefault(package.orgunits[code].level, []).append(code)
        return cls(codes_by_level={k: tuple(v) for k, v in sorted(by_level.items())})

    @classmethod
    def of_levels(cls, levels: list[int] | tuple[int, ...]) -> OrgUnitSelection:
        return cls(whole_levels=tuple(sorted(set(levels))))

    def levels(self) -> list[int]:
        return sorted(set(self.codes_by_level) | set(self.whole_levels))

    def codes_at(self, level: int) -> tuple[str, ...] | None:
        """Codes to keep at ``level``; None means every unit of that level."""
        if level in self.whole_levels:
            return None
        return self.codes_by_level.get(level, ())


def period_map_rows(element_codes_by_months: dict[int, list[str]], periods: list[Period]) -> list[dict]:
    """Rows (dataelement, period, key_month, period_end) telling which stored
    values count for which requested period.

    A value counts when it lies inside the period; an element reported less
    often than the period is long (a yearly 常住人口 under a half-year rate)
    takes the value of its own period that contains the period's last month.
    """
    rows: list[dict] = []
    for element_months, codes in element_codes_by_months.items():
        for period in periods:
            if element_months < period.n_months:
                keys = [m for m in range(period.start, period.end + 1) if m % element_months == 0]
                end = period.end
            else:
                key = period.end - period.end % element_months
                keys, end = [key], key + element_months - 1
            for code in codes:
                for key in keys:
                    rows.append({"dataelement": code, "period": period.id, "key_month": key, "period_end": end})
    return rows


def element_months(period_type: str) -> int:
    return MONTHS_IN[period_type]
