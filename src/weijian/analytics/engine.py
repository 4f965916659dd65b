"""The analytics engine: one interface over any Ibis backend.

``Analytics(values, orgunits, package)`` takes Ibis tables (from a Store, or
parquet read by Spark) and never a connection string. ``table`` builds the
expression for any codes × org units × periods; ``query`` turns it into
``Result`` objects with 同比, 完成率 and ranking.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from weijian.analytics.comparisons import competition_ranks, completion, ratio_decimal, year_on_year
from weijian.analytics.results import Result
from weijian.analytics.rounding import to_decimal
from weijian.analytics.selection import OrgUnitSelection
from weijian.errors import NotFoundError
from weijian.expressions import Operand
from weijian.model import MetadataPackage
from weijian.model.periods import Period


COLUMNS = ["code", "orgunit", "period", "numerator", "denominator", "value"]


class Deferred:
    """A part opened on first use (an Ibis table, the analytics tables'
    reader): a query that a kept template answers never loads Ibis."""

    def __init__(self, open_part):
        self.open = open_part


class Analytics:
    def __init__(self, values, orgunits, package: MetadataPackage, aggregates=None, prepared=None):
        """``aggregates``: an ``aggregate_reads.AggregateSource`` when the store
        has pre-aggregated analytics tables; roll-ups then read those where
        they cover the request (same results, see aggregates.py).
        ``prepared``: a ``prepared.PreparedQueries`` answering from templates
        an earlier process compiled. Any part may be ``Deferred``."""
        self._parts = {"values": values, "orgunits": orgunits, "aggregates": aggregates}
        self.package = package
        self.prepared = prepared
        self._compiled: OrderedDict[tuple, tuple[object, str]] = OrderedDict()

    def _part(self, name: str):
        part = self._parts[name]
        if isinstance(part, Deferred):
            part = self._parts[name] = part.open()
        return part

    @property
    def values(self):
        return self._part("values")

    @property
    def orgunits(self):
        return self._part("orgunits")

    @property
    def aggregates(self):
        return self._part("aggregates")

    # -- expressions -----------------------------------------------------
    def table(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]):
        """Ibis table (code, orgunit, period, numerator, denominator, value).

        Elements (``E`` or ``E.O``) give their rolled-up value in ``value``
        with numerator = value and no denominator."""
        import ibis

        from weijian.analytics.indicators import compile_indicator, indicator_table
        from weijian.analytics.rollups import operand_label, rollup_operands

        periods = list(dict.fromkeys(periods))  # a period asked twice must not count twice
        indicators = [compile_indicator(self._indicator(c)) for c in codes if c in self.package.indicators]
        elements = [self._element_operand(c) for c in codes if c not in self.package.indicators]
        wanted = set(elements)
        for item in indicators:
            wanted |= item.operands
        if self.aggregates is not None:
            operand_values = self.aggregates.operand_values(self.values, self.orgunits, self.package, wanted,
                                                            periods, selection)
        else:
            operand_values = rollup_operands(self.values, self.orgunits, self.package, wanted, periods, selection)
        if operand_values is None:
            return None
        pieces = []
        if indicators:
            t = indicator_table(operand_values, indicators)
            pieces.append(t.select(code=t.indicator, orgunit=t.orgunit, period=t.period,
                                   numerator=t.numerator, denominator=t.denominator, value=t.value))
        if elements:
            labels = [operand_label(op) for op in elements]
            t = operand_values.filter(operand_values.operand.isin(labels))
            pieces.append(t.select(code=t.operand, orgunit=t.orgunit, period=t.period, numerator=t.value,
                                   denominator=ibis.null("float64"), value=t.value))
        return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]

    def frame(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]):
        """``table(...)`` executed (a pandas DataFrame, or None when nothing is
        asked). With analytics tables, the usual requests run a compiled
        template instead (same rows, without ~100 ms of compiling)."""
        if self.aggregates is not None:
            for code in codes:  # unknown codes are refused as table() refuses them
                if code not in self.package.indicators:
                    self._element_operand(code)
            found = self.aggregates.frame(list(codes), selection, periods)
            if found is not None:
                return found
        table = self.table(list(codes), selection, periods)
        return table.execute() if table is not None else None

    def rows(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]) -> list[tuple]:
        """``frame(...)`` as tuples in ``COLUMNS`` order; a kept template
        answers without compiling (or loading Ibis) when it can."""
        if self.prepared is not None:
            for code in codes:  # unknown codes are refused as table() refuses them
                if code not in self.package.indicators:
                    self._element_operand(code)
            found = self.prepared.rows(codes, selection, periods)
            if found is not None:
                return found
        if self.aggregates is not None:
            for code in codes:
                if code not in self.package.indicators:
                    self._element_operand(code)
            frame = self.aggregates.frame(codes, selection, periods)  # a template, when one fits
            if frame is not None:
                return list(frame[COLUMNS].itertuples(index=False, name=None))
        return self._compiled_rows(codes, selection, periods)

    _KEEP_COMPILED = 64

    def _compiled_rows(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]) -> list[tuple]:
        """Rows of ``table(...)``. The SQL compiled for a request is kept for
        the next time it is asked (every draft of a report asks the same ones):
        compiling costs more than running it on a county's data."""
        tables = None
        if self.aggregates is not None:  # the SQL reads the analytics tables: refreshed, and as built
            self.aggregates.ensure_fresh()
            tables = self.aggregates.built_state()
        key = (tuple(codes), tuple(sorted(selection.codes_by_level.items())), selection.whole_levels,
               tuple(p.id for p in periods), tables)
        entry = self._compiled.pop(key, None)
        if entry is None:
            table = self.table(codes, selection, periods)
            if table is None:
                return []
            backend = table._find_backend()
            if backend.name not in ("duckdb", "postgres"):  # Spark: as Ibis runs it
                return list(table.execute()[COLUMNS].itertuples(index=False, name=None))
            backend._register_in_memory_tables(table)  # the maps live as long as the entry
            entry = (table, backend.compile(table))
        self._compiled[key] = entry
        while len(self._compiled) > self._KEEP_COMPILED:
            self._compiled.popitem(last=False)
        table, sql = entry
        backend = table._find_backend()
        if backend.name == "duckdb":
            found = backend.con.execute(sql).fetchall()
        else:
            with backend.raw_sql(sql) as cursor:
                found = cursor.fetchall()
        return [(code, orgunit, period, _float(num), _float(den), _float(value))
                for code, orgunit, period, num, den, value in found]

    def bulk(self, levels: list[int], periods: list[Period], codes: list[str] | None = None):
        """Every indicator for every org unit at ``levels`` and every period."""
        codes = list(self.package.indicators) if codes is None else codes
        return self.table(codes, OrgUnitSelection.of_levels(levels), periods)

    # -- figures ------------------------------------------------------------
    def query(self, code: str, orgunits: list[str], period: Period, rank: bool = False) -> list[Result]:
        """One figure per org unit with 同比 and 完成率; ranked among the given
        units when ``rank`` (they should be siblings)."""
        found = self.figures([code], orgunits, period)
        results = [found[(code, ou)] for ou in orgunits]
        if rank:
            results = self._ranked(code, results)
        return results

    def figures(self, codes: list[str], orgunits: list[str], period: Period) -> dict[tuple[str, str], Result]:
        """Every code × org unit for ``period`` (with 同比 and 完成率) from one
        query: what a report asks before it writes a sentence."""
        for ou in orgunits:
            if ou not in self.package.orgunits:
                raise NotFoundError(f"机构编码“{ou}”不存在")
        previous, to_date = period.previous_year(), period.year_to_date()
        periods = [period, previous]
        # the year to date (1—9月) only where an annual task asks how much is done
        if any(self._has_annual_task(code, ou, period.year) for code in codes for ou in orgunits):
            periods.append(to_date)
        rows = self.rows(list(codes), OrgUnitSelection.of_codes(self.package, orgunits), list(dict.fromkeys(periods)))
        found: dict[str, dict] = {code: {} for code in codes}
        for code, orgunit, period_id, numerator, denominator, value in rows:
            found[code][(orgunit, period_id)] = (to_decimal(numerator), to_decimal(denominator), to_decimal(value))
        return {(code, ou): self._result(code, ou, period, previous, to_date, found[code])
                for code in codes for ou in orgunits}

    def ranked(self, results: list[Result]) -> list[Result]:
        """Results of one code for sibling units, in rank order with rank/rank_of set."""
        return self._ranked(results[0].code, results) if results else []

    def value(self, code: str, orgunit: str, period: Period) -> Decimal | None:
        return self.query(code, [orgunit], period)[0].value

    # -- helpers --------------------------------------------------------------
    def _indicator(self, code: str):
        return self.package.indicators[code]

    def _element_operand(self, code: str) -> Operand:
        element, _, option = code.partition(".")
        if element not in self.package.elements:
            raise NotFoundError(f"指标或数据项编码“{code}”不存在")
        if option and option not in self.package.options_of(element):
            raise NotFoundError(f"数据项“{self.package.elements[element].name}”没有分类选项“{option}”")
        return Operand(element, option or None)

    def _result(self, code, ou, period, previous, to_date, found) -> Result:
        unit = self.package.orgunits[ou]
        subject = self._subject(code)
        current = self._figure(subject, found.get((ou, period.id)))
        before = self._figure(subject, found.get((ou, previous.id)))
        change, change_unit = year_on_year(current["value"], before["value"], subject["kind"])
        target = self._target(code, ou, period.year)
        done = completion_value = meets = None
        if target is not None and target.kind == "annual_task":
            done = self._figure(subject, found.get((ou, to_date.id)))["value"]
            completion_value = completion(done, target.value)
        elif target is not None and current["value"] is not None:
            higher = subject["direction"] != "lower_better"
            meets = current["value"] >= target.value if higher else current["value"] <= target.value
        return Result(
            code=code, name=subject["name"], subject=subject["subject"], ou=ou, ou_name=unit.name,
            period=period.id, period_label=period.label, value=current["value"], decimals=subject["decimals"],
            unit=subject["unit"], numerator=current["numerator"], denominator=current["denominator"],
            reason=current["reason"], previous=before["value"], change=change, change_unit=change_unit,
            target=target.value if target else None, target_kind=target.kind if target else None,
            completion=completion_value, meets_target=meets,
        )

    def _has_annual_task(self, code: str, ou: str, year: int) -> bool:
        if ou not in self.package.orgunits:
            return False
        target = self._target(code, ou, year)
        return target is not None and target.kind == "annual_task"

    def _target(self, code: str, ou: str, year: int):
        """The subject's own target; a plain indicator that is one element
        (门急诊人次) also answers to that element's annual task."""
        target = self.package.target_for(code.partition(".")[0], ou, year)
        indicator = self.package.indicators.get(code)
        if target is None and indicator is not None and indicator.kind == "plain" and indicator.denominator.strip() == "1":
            element = indicator.numerator.strip()
            if element.startswith("#{") and element.endswith("}") and "." not in element:
                target = self.package.target_for(element[2:-1], ou, year)
        return target

    def _subject(self, code: str) -> dict:
        if code in self.package.indicators:
            ind = self.package.indicators[code]
            unit = {"percent": "%", "permille": "‰", "per_100k": "/10万", "ratio": ""}.get(ind.kind, ind.unit or "")
            return {"subject": "indicator", "name": ind.name, "kind": ind.kind, "decimals": ind.decimals,
                    "unit": unit, "direction": ind.direction, "factor": ind.factor}
        operand = self._element_operand(code)
        element = self.package.elements[operand.element]
        name = element.name
        if operand.option:
            option = next(o for o in self.package.categories[element.category].options if o.code == operand.option)
            name = f"{name}（{option.name}）"
        return {"subject": "element", "name": name, "kind": None, "unit": element.unit, "direction": "higher_better",
                "decimals": 0 if element.value_type == "integer" else 2, "factor": None}

    @staticmethod
    def _figure(subject: dict, row) -> dict:
        if row is None:
            return {"value": None, "numerator": None, "denominator": None, "reason": "无数据"}
        numerator, denominator, value = row
        if subject["subject"] == "element":
            return {"value": value, "numerator": None, "denominator": None, "reason": None}
        exact, reason = ratio_decimal(numerator, denominator, subject["factor"])
        return {"value": exact, "numerator": numerator, "denominator": denominator, "reason": reason}

    def _ranked(self, code: str, results: list[Result]) -> list[Result]:
        higher = self._subject(code)["direction"] != "lower_better"
        ranks = competition_ranks([r.rounded for r in results], higher)
        ranked = sorted(zip(ranks, results), key=lambda p: (p[0] is None, p[0] or 0, p[1].ou))
        total = sum(1 for r in ranks if r is not None)
        return [Result(**{**r.__dict__, "rank": k, "rank_of": total}) for k, r in ranked]


def _float(value) -> float | None:
    return None if value is None else float(value)
