"""What a query returns: one figure with everything a sentence needs."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from weijian.analytics.rounding import round_half_up


@dataclass(frozen=True)
class Result:
    code: str
    name: str
    subject: str  # "indicator" | "element"
    ou: str
    ou_name: str
    period: str
    period_label: str
    value: Decimal | None
    decimals: int
    unit: str
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    reason: str | None = None
    previous: Decimal | None = None
    change: Decimal | None = None
    change_unit: str | None = None
    target: Decimal | None = None
    target_kind: str | None = None
    completion: Decimal | None = None
    meets_target: bool | None = None
    rank: int | None = None
    rank_of: int | None = None

    @property
    def rounded(self) -> Decimal | None:
        return round_half_up(self.value, self.decimals)

    def to_dict(self) -> dict:
        """JSON-ready: figures rounded half-up for display, as numbers."""
        out = asdict(self)
        out["value"] = _number(self.rounded)
        out["previous"] = _number(round_half_up(self.previous, self.decimals))
        for key in ("numerator", "denominator", "target"):
            out[key] = _number(out[key])
        out["change"] = _number(round_half_up(self.change, 2))
        out["completion"] = _number(round_half_up(self.completion, 2))
        return out


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
