"""Interactive queries that start at once: compiled templates kept on disk.

``aggregate_reads.QueryTemplates`` compiles a request's SQL once per *shape*
(which levels, whole levels or listed units, which period types) with sentinel
lists in place of the codes, units and periods. Compiling needs Ibis, and a
fresh ``weijian query`` process spent most of its second loading Ibis and
pandas to compile a template it had compiled the day before. So each compiled
template is also written to the workspace (``.cache/queries/``), keyed by
everything its SQL depends on — the metadata's elements and indicators, the
tree's depth, the dialect and the analytics tables built — with its in-memory
indicator maps written into the SQL as VALUES lists. A later process fills the
sentinels and runs it on the store's own connection: no Ibis, no pandas.

Only requests ``QueryTemplates`` itself would answer are served here, and only
while no write awaits a refresh of the tables (the full path refreshes first);
the result is the same rows the template gives, which tests check.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from weijian.analytics.linear import linearize
from weijian.analytics.selection import OrgUnitSelection
from weijian.expressions import Operand, operands, parse
from weijian.model import MetadataPackage
from weijian.model.periods import Period

_FORMAT = 1  # bump when the templates' SQL changes: older files are then ignored
_TYPE_OF_KIND = {"month": "monthly", "quarter": "quarterly", "half": "half_yearly", "year": "yearly"}


def period_type(period: Period) -> str | None:
    """monthly/quarterly/half_yearly/yearly, or None for any other span (1—5月)."""
    return _TYPE_OF_KIND.get(period.kind)


def operand_label(operand: Operand) -> str:
    return operand.element if operand.option is None else f"{operand.element}.{operand.option}"


def linear_operands(package: MetadataPackage) -> dict[str, frozenset[Operand]]:
    """{indicator code: its operands} for every indicator whose numerator and
    denominator are linear (the ones a template computes)."""
    found = {}
    for code, indicator in package.indicators.items():
        numerator, denominator = parse(indicator.numerator), parse(indicator.denominator)
        if linearize(numerator) is not None and linearize(denominator) is not None:
            found[code] = operands(numerator) | operands(denominator)
    return found


def template_request(package: MetadataPackage, linear: dict[str, frozenset[Operand]], codes: list[str],
                     selection: OrgUnitSelection, periods: list[Period], covers) -> tuple[tuple, dict] | None:
    """(shape, sentinel lists) of a request a template answers, or None.

    ``covers(level, kind)``: whether the analytics table of that level and
    period type is built."""
    kinds = {period_type(p) for p in periods}
    if not periods or None in kinds:
        return None
    elements = [c for c in codes if c not in package.indicators]
    indicators = [c for c in codes if c in package.indicators]
    if any(c not in linear for c in indicators):
        return None
    levels = selection.levels()
    if not all(covers(level, kind) for level in levels for kind in kinds):
        return None
    wanted: set[Operand] = set()
    for code in indicators:
        wanted |= linear[code]
    for code in elements:
        element, _, option = code.partition(".")
        wanted.add(Operand(element, option or None))
    shape = (tuple((level, selection.codes_at(level) is None) for level in levels), tuple(sorted(kinds)))
    lists = {"CODES": indicators, "ELEMS": elements, "OPS": sorted(operand_label(op) for op in wanted)}
    for level in levels:
        codes_at = selection.codes_at(level)
        if codes_at is not None:
            lists[f"OU{level}"] = list(codes_at)
    for kind in kinds:
        lists[f"P_{kind}"] = [p.id for p in periods if period_type(p) == kind]
    return shape, lists


def metadata_fingerprint(package: MetadataPackage) -> str:
    """What a template's SQL depends on in the metadata."""
    elements = [(code, e.aggregation, e.period_type, package.options_of(code))
                for code, e in sorted(package.elements.items())]
    indicators = [(code, i.numerator, i.denominator, str(i.factor))
                  for code, i in sorted(package.indicators.items())]
    return hashlib.sha256(repr((elements, indicators, package.max_level)).encode()).hexdigest()[:16]


class PreparedQueries:
    """The templates of one workspace's store, read from and written to ``folder``."""

    def __init__(self, tables, package: MetadataPackage, folder: Path):
        """``tables``: the store's ``AnalyticsTableStore``."""
        self.tables = tables
        self.package = package
        self.folder = folder
        self._metadata = metadata_fingerprint(package)
        self._linear: dict[str, frozenset[Operand]] | None = None
        self._loaded: tuple[str, dict[str, str]] | None = None

    @property
    def linear(self) -> dict[str, frozenset[Operand]]:
        if self._linear is None:
            self._linear = linear_operands(self.package)
        return self._linear

    def rows(self, codes: list[str], selection: OrgUnitSelection, periods: list[Period]) -> list[tuple] | None:
        """Rows (code, orgunit, period, numerator, denominator, value) from a
        kept template, or None: not of the templated kind, not compiled yet,
        or writes waiting for a refresh."""
        built = self.tables.built()
        if not built or self.tables.dirty():
            return None
        request = template_request(self.package, self.linear, codes, selection, periods,
                                   lambda level, kind: self._covers(built, level, kind))
        if request is None:
            return None
        shape, lists = request
        sql = self._templates(built).get(_shape_key(shape))
        if sql is None:
            return None
        from weijian.storage.analytics_tables import fill

        return [(code, orgunit, period, _float(num), _float(den), _float(value))
                for code, orgunit, period, num, den, value in self.tables.select(fill(sql, lists))]

    def keep(self, shape: tuple, sql: str) -> None:
        """Write a freshly compiled template (memory tables already inlined)."""
        built = self.tables.built()
        templates = dict(self._templates(built))
        templates[_shape_key(shape)] = sql
        path = self._path(built)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(templates, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, path)  # readers never see half a file
        except OSError:
            return  # a read-only workspace still answers, compiling each time
        self._loaded = (path.name, templates)

    # -- helpers -------------------------------------------------------------------
    def _covers(self, built: dict, level: int, kind: str) -> bool:
        return (0 if level == self.package.max_level else level, kind) in built

    def _path(self, built: dict) -> Path:
        key = repr((_FORMAT, self.tables.dialect, self._metadata, sorted(built.items())))
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"

    def _templates(self, built: dict) -> dict[str, str]:
        path = self._path(built)
        if self._loaded is None or self._loaded[0] != path.name:
            try:
                self._loaded = (path.name, json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                self._loaded = (path.name, {})
        return self._loaded[1]


def _shape_key(shape: tuple) -> str:
    return repr(shape)


def _float(value) -> float | None:
    return None if value is None else float(value)
