"""Plain frozen metadata objects: org units, data elements, indicators, targets.

No I/O here: ``weijian.metadata`` reads YAML into these, storage and analytics
read them. Field meanings follow DESIGN §2 (DHIS2 vocabulary).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

AGGREGATIONS = ("sum", "last", "average", "max", "min")
VALUE_TYPES = ("integer", "number")
PERIOD_TYPES = ("monthly", "quarterly", "half_yearly", "yearly")
INDICATOR_KINDS = {
    "percent": Decimal(100),
    "permille": Decimal(1000),
    "per_100k": Decimal(100000),
    "ratio": Decimal(100),  # 性别比: boys per 100 girls
    "plain": Decimal(1),
}
DIRECTIONS = ("higher_better", "lower_better")
TARGET_KINDS = ("annual_task", "threshold")
SEASONAL_PROFILES = ("last_year", "flat")  # or a list of 12 monthly weights


@dataclass(frozen=True)
class Level:
    level: int
    name: str


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    type: str
    parent: str | None = None
    level: int = 1
    path: tuple[str, ...] = ()  # codes from the root down to and including this unit


@dataclass(frozen=True)
class CategoryOption:
    code: str
    name: str


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    options: tuple[CategoryOption, ...]

    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


# No figure one unit reports for one period reaches ten billion (a county
# hospital's yearly costs in 元 stay near 10^9): above it a value is a typo.
HARD_CEILING = Decimal(10) ** 10


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    unit: str
    aggregation: str = "sum"
    value_type: str = "integer"
    period_type: str = "monthly"
    domain: str | None = None
    category: str | None = None
    synonyms: tuple[str, ...] = ()
    # how an annual task on this element spreads over the year (see SEASONAL below)
    seasonal: str | tuple[Decimal, ...] | None = None
    # the most one unit can report for one period (None: the general ceiling, HARD_CEILING)
    max_value: Decimal | None = None

    @property
    def hard_limit(self) -> Decimal:
        return self.max_value if self.max_value is not None else HARD_CEILING


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: str
    denominator: str = "1"
    kind: str = "percent"
    decimals: int = 2
    direction: str = "higher_better"
    unit: str | None = None  # for plain indicators: 元, 人次 …
    domain: str | None = None
    synonyms: tuple[str, ...] = ()
    description: str | None = None
    # The narrative layer's judgement (docs/metadata.md, docs/reports.md):
    # owner — the department answerable for it when not this bureau (参保率 is
    #   the 医保局's): such context indicators are stated, never praised or blamed;
    # weight — its 考核 priority, ranking 存在问题 (default 1);
    # min_count — the fewest events (people, cases, units) a change must amount
    #   to before it counts as a change rather than noise (default 10);
    # seasonal — how an annual task spreads over the year: "last_year" (last
    #   year's monthly shares, the default), "flat" (linear time) or 12 weights.
    owner: str | None = None
    weight: Decimal = Decimal(1)
    min_count: int | None = None
    seasonal: str | tuple[Decimal, ...] | None = None

    @property
    def factor(self) -> Decimal:
        return INDICATOR_KINDS[self.kind]


@dataclass(frozen=True)
class Target:
    orgunit: str
    year: int
    value: Decimal
    kind: str
    indicator: str | None = None
    element: str | None = None
    source: str | None = None

    @property
    def subject(self) -> str:
        return self.indicator or self.element or ""


@dataclass(frozen=True)
class DataSet:
    code: str
    name: str
    period_type: str
    due_day: int
    elements: tuple[str, ...]
    orgunit_types: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class ValidationRule:
    code: str
    name: str
    left: str
    operator: str
    right: str
    message: str
    importance: str = "中"
    period_type: str = "monthly"
    levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class MetadataPackage:
    """Everything a workspace knows about its world, cross-checked."""

    levels: tuple[Level, ...]
    orgunits: dict[str, OrgUnit]
    elements: dict[str, DataElement]
    categories: dict[str, Category]
    indicators: dict[str, Indicator] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    datasets: dict[str, DataSet] = field(default_factory=dict)
    rules: dict[str, ValidationRule] = field(default_factory=dict)

    def children(self, code: str) -> list[OrgUnit]:
        return [ou for ou in self.orgunits.values() if ou.parent == code]

    def root(self) -> OrgUnit:
        return next(ou for ou in self.orgunits.values() if ou.parent is None)

    def options_of(self, element_code: str) -> tuple[str, ...]:
        element = self.elements[element_code]
        if element.category is None:
            return ()
        return self.categories[element.category].option_codes()

    def target_for(self, subject: str, orgunit: str, year: int) -> Target | None:
        return self._targets_by_key.get((subject, orgunit, year))

    @cached_property
    def _targets_by_key(self) -> dict[tuple[str, str, int], Target]:
        # a report asks for thousands of figures' targets: look them up, not scan
        found: dict[tuple[str, str, int], Target] = {}
        for target in self.targets:
            found.setdefault((target.subject, target.orgunit, target.year), target)  # the first one wins, as before
        return found

    @property
    def max_level(self) -> int:
        return max(ou.level for ou in self.orgunits.values())
