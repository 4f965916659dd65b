"""What an import check shows beyond counts: the stored values the file would change (old → new,
with facility, element and option, period) and, for each problem, the facility, element and
period of its row. Read-only: the files are read again and compared with the store; nothing is
written (the importer's dry run has already said whether the import may go ahead)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from weijian.exchange import Validator
from weijian.exchange.readers import RawRecord, read_records
from weijian.exchange.validate import format_number
from weijian.model.periods import Period
from weijian.quality.findings import element_label
from weijian.storage.base import ValueRow

LISTED_CHANGES = 50  # changes listed one by one; the rest are counted


def changes(ws, paths: Iterable[Path], scope, limit: int = LISTED_CHANGES) -> dict:
    """``{"items": [...first ``limit`` changes...], "count": n, "more": n - listed}``: values in
    the files that differ from stored ones (the same record twice: the last counts, as on import)."""
    package = ws.package
    validator = Validator(package, scope)
    rows: dict[tuple, ValueRow] = {}
    for path in paths:
        for item in read_records(path):
            if isinstance(item, RawRecord):
                row = validator.validate(item)
                if isinstance(row, ValueRow):
                    rows[(row.dataelement, row.period, row.orgunit, row.categoryoptioncombo,
                          row.attributeoptioncombo)] = row
    if not rows:
        return {"items": [], "count": 0, "more": 0}
    units = sorted({r.orgunit for r in rows.values()})
    elements = sorted({r.dataelement for r in rows.values()})
    start = min(r.start_month for r in rows.values())
    end = max(r.end_month for r in rows.values())
    found = []
    for stored in ws.store.read_values(units, start, end, elements):
        key = (stored.dataelement, stored.period, stored.orgunit, stored.categoryoptioncombo,
               stored.attributeoptioncombo)
        new = rows.get(key)
        if new is not None and float(new.value) != float(stored.value):
            found.append((stored, new))
    found.sort(key=lambda pair: (pair[1].period, pair[1].orgunit, pair[1].dataelement,
                                 pair[1].categoryoptioncombo))
    items = [{"ou": new.orgunit, "ou_name": _unit(package, new.orgunit),
              "element": new.dataelement, "option": new.categoryoptioncombo,
              "field": element_label(package, new.dataelement, new.categoryoptioncombo),
              "period": new.period, "period_label": _period(new.period),
              "old": format_number(float(old.value)), "new": format_number(float(new.value)),
              "source_row": new.source_row}
             for old, new in found[:limit]]
    return {"items": items, "count": len(found), "more": max(len(found) - limit, 0)}


def locate_problems(package, paths: Iterable[Path], problems: list[dict]) -> None:
    """Add to each problem (a dict of ImportReport) the facility, element and period its row names,
    as written in the file, with the names when the codes are known."""
    wanted = {(p.get("file"), p.get("row")) for p in problems if p.get("row") is not None}
    if not wanted:
        return
    records: dict[tuple, list[RawRecord]] = {}
    for path in paths:
        for item in read_records(path):
            if isinstance(item, RawRecord) and (item.file, item.row) in wanted:
                records.setdefault((item.file, item.row), []).append(item)
    for problem in problems:
        found = records.get((problem.get("file"), problem.get("row")))
        if not found:
            continue
        record = next((r for r in found if r.headers.get("value") == problem.get("column")), found[0])
        ou = _text(record.values.get("orgunit"))
        element = _text(record.values.get("dataelement"))
        option = _text(record.values.get("categoryoptioncombo"))
        period = _text(record.values.get("period"))
        problem["ou_name"] = _unit(package, ou) if ou else ""
        problem["field"] = (element_label(package, element, option) if element in package.elements
                            else element)
        problem["period_label"] = _period(period) if period else ""


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _unit(package, code: str) -> str:
    unit = package.orgunits.get(code)
    if unit is not None:
        return unit.name
    by_name = next((u for u in package.orgunits.values() if u.name == code), None)
    return by_name.name if by_name is not None else code


def _period(text: str) -> str:
    try:
        return Period.parse(text).label
    except Exception:  # noqa: BLE001 — a bad period is the problem itself: show it as written
        return text

