"""The figures a report reads, fetched in bulk and cached.

A template asks for one figure at a time; asking the engine one query per
figure would take seconds per section. ``FigureSource`` fetches every
indicator for the report's unit and its children in one query per period,
then answers from memory; anything else (an element, another unit) is
fetched on first use and cached too.
"""
from __future__ import annotations

from decimal import Decimal

from weijian.analytics import Analytics, Result
from weijian.analytics.rollups import operand_label
from weijian.analytics.selection import OrgUnitSelection
from weijian.analytics.rounding import to_decimal
from weijian.expressions import operands as expression_operands, parse
from weijian.model import MetadataPackage
from weijian.model.periods import Period


class FigureSource:
    def __init__(self, analytics: Analytics, package: MetadataPackage):
        self.analytics = analytics
        self.package = package
        self._results: dict[tuple[str, str, str], Result] = {}
        self._inputs: dict[tuple[str, str, str], dict[str, Decimal | None]] = {}
        self._monthly: dict[tuple[str, str, int], list[Decimal | None]] = {}
        self.queries = 0  # engine round trips, for the benchmark

    # -- results ------------------------------------------------------------------
    def prefetch(self, codes: list[str], orgunits: list[str], period: Period) -> None:
        wanted = [c for c in dict.fromkeys(codes) if any((c, ou, period.id) not in self._results for ou in orgunits)]
        if not wanted:
            return
        # the element operands of the indicators asked ride along in the same query: the
        # draft's sources (every indicator's inputs) then need no query of their own
        wanted += [label for label in dict.fromkeys(l for c in wanted for l in self.operand_labels(c))
                   if label not in wanted and any((label, ou, period.id) not in self._results for ou in orgunits)]
        self.queries += 1
        for (code, ou), result in self.analytics.figures(wanted, orgunits, period).items():
            self._results[(code, ou, period.id)] = result

    def operand_labels(self, code: str) -> list[str]:
        """The element operands (CODE or CODE.OPTION) an indicator is computed from; [] for an element."""
        indicator = self.package.indicators.get(code)
        if indicator is None:
            return []
        return sorted({operand_label(op) for side in (indicator.numerator, indicator.denominator)
                       for op in expression_operands(parse(side))})

    def cached_value(self, code: str, ou: str, period_id: str):
        """(True, value) when ``code`` for ``ou`` and ``period_id`` is already known, else (False, None)."""
        result = self._results.get((code, ou, period_id))
        return (True, result.value) if result is not None else (False, None)

    def result(self, code: str, ou: str, period: Period) -> Result:
        key = (code, ou, period.id)
        if key not in self._results:
            self.prefetch([code], [ou], period)
        return self._results[key]

    def results(self, code: str, orgunits: list[str], period: Period) -> list[Result]:
        self.prefetch([code], orgunits, period)
        return [self._results[(code, ou, period.id)] for ou in orgunits]

    # -- inputs (the element values an indicator came from) ---------------------------
    def inputs(self, code: str, ou: str, period: Period) -> dict[str, Decimal | None]:
        """Element operand → rolled-up value for the indicator ``code``."""
        key = (code, ou, period.id)
        if key in self._inputs:
            return self._inputs[key]
        indicator = self.package.indicators.get(code)
        if indicator is None:
            return {}
        labels = sorted({operand_label(op) for side in (indicator.numerator, indicator.denominator)
                         for op in expression_operands(parse(side))})
        if not labels:
            self._inputs[key] = {}
            return {}
        self.queries += 1
        values: dict[str, Decimal | None] = {label: None for label in labels}
        for code, _, _, _, _, value in self.analytics.rows(labels, OrgUnitSelection.of_codes(self.package, [ou]),
                                                             [period]):
            values[code] = to_decimal(value)
        self._inputs[key] = values
        return values

    # -- monthly series (trend charts) -------------------------------------------------
    def monthly(self, code: str, ou: str, year: int, last_month: int) -> list[Decimal | None]:
        """The value of ``code`` for each month 1..last_month of ``year``."""
        if (code, ou, year) not in self._monthly:
            self.prefetch_monthly([code], ou, year)
        return self._monthly[(code, ou, year)][:last_month]

    def prefetch_monthly(self, codes: list[str], ou: str, *years: int) -> None:
        """Every month of ``years`` for all ``codes`` in one engine query (the
        seasonal profiles of a draft's annual tasks, a trend chart's two years)."""
        pairs = [(c, y) for c in dict.fromkeys(codes) for y in years if (c, ou, y) not in self._monthly]
        if not pairs:
            return
        wanted = list(dict.fromkeys(c for c, _ in pairs))
        spans = sorted({y for _, y in pairs})
        months = [Period.parse(f"{y}{m:02d}") for y in spans for m in range(1, 13)]
        self.queries += 1
        found: dict[tuple[str, str], Decimal | None] = {}
        for code, _, period, _, _, value in self.analytics.rows(wanted, OrgUnitSelection.of_codes(self.package, [ou]),
                                                                  months):
            found[(code, period)] = to_decimal(value)
        for code, year in pairs:
            self._monthly[(code, ou, year)] = [found.get((code, f"{year}{m:02d}")) for m in range(1, 13)]
