"""Import data-value files into a store, all or nothing.

All files of one call share one ImportSession: rows are validated as they
stream in and staged in chunks (memory stays bounded however big the file),
then in-file conflicts and rows that would change approved (locked) data are
looked for. If anything at all is wrong the session is rolled back and the
report lists the problems; otherwise the staged rows are merged (or, for a
dry run, only counted).

A bureau's imported facility file is its report: a committed import registers
each (data set, org unit, period) it brings values for complete (上报), at the
import's recorded time (``recorded_at`` for back-filled archives, else now),
in the same transaction — when the unit owes that data set (by type/level, as
completeness expects it) and the value's period is of the data set's type. An
already registered report keeps its first registration; a report in a locked
(approved) period is not registered.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from pathlib import Path

from weijian.errors import Problem
from weijian.exchange.readers import DEFAULT_JSON_LIMIT, RawRecord, read_records
from weijian.exchange.report import MAX_LISTED_PROBLEMS, ImportReport
from weijian.exchange.validate import Validator, format_number
from weijian.model import DataSet, MetadataPackage
from weijian.model.periods import MONTHS_IN, Period
from weijian.storage.base import Conflict, LockedRow, Store, ValueRow

__all__ = ["CHUNK_SIZE", "backfill_registrations", "import_file", "import_files"]

CHUNK_SIZE = 50_000
_MAX_SOURCE_CHARS = 500
_MAX_OCCURRENCES_SHOWN = 10


def import_files(
    store: Store,
    package: MetadataPackage,
    paths: Iterable[str | Path] | str | Path,
    *,
    user: str = "cli",
    dry_run: bool = False,
    scope: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    json_limit: int = DEFAULT_JSON_LIMIT,
    max_problems: int = MAX_LISTED_PROBLEMS,
    recorded_at: datetime | None = None,
    reader: Callable[[Path], Iterable[RawRecord | Problem]] | None = None,
) -> ImportReport:
    """Validate and store the values in ``paths``; nothing is stored if any row fails.

    ``scope`` is the set of org-unit codes the user may write (None: all);
    ``progress`` is called with the number of rows read so far;
    ``recorded_at`` stamps the stored values and audit entries instead of now
    (loading historical archives); ``reader`` turns a path into records
    (default: the DHIS2 layouts; a county's own sheet reads through its
    mapping profile). A row that would change approved data is a problem
    (code ``locked``), as is any other.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    report = ImportReport(files=[p.name for p in paths], dry_run=dry_run, max_listed=max_problems)
    if not paths:
        report.add(Problem("", "no-files", "没有要导入的文件"))
        return report
    validator = Validator(package, scope)
    if reader is None:
        def reader(path: Path) -> Iterable[RawRecord | Problem]:
            return read_records(path, json_limit=json_limit)
    source = "、".join(report.files)[:_MAX_SOURCE_CHARS]
    reports = ReportsOf(package)
    with store.import_session(user, source) as session:
        chunk: list[ValueRow] = []
        for path in paths:
            for row in _validated_rows(path, validator, report, reader):
                reports.add(row)
                chunk.append(row)
                if len(chunk) >= chunk_size:
                    session.stage(chunk)
                    chunk = []
                    if progress is not None:
                        progress(report.rows_read)
        session.stage(chunk)
        if progress is not None:
            progress(report.rows_read)
        conflicts = session.conflicts()
        # Locked rows beyond what the report lists are only counted.
        locked_total = session.locked_count()
        room = max(report.max_listed - len(report.problems) - len(conflicts), 0)
        locked = session.locked(limit=room) if locked_total and room else []
        if conflicts or locked:
            occurrences = _occurrences({c.key for c in conflicts} | {r.key for r in locked},
                                       paths, validator, reader)
            for problem in _conflict_problems(conflicts, occurrences, package):
                report.add(problem)
            for problem in _locked_problems(locked, occurrences, package):
                report.add(problem)
        report.add_unlisted(locked_total - len(locked))
        if report.problem_count:
            session.rollback()
            return report
        session.register(reports.found())
        report.summary = session.apply(dry_run=dry_run, recorded_at=recorded_at)
        report.registered = getattr(session, "registered", 0)
    return report


class ReportsOf:
    """The (data set, period, org unit) reports an import's values belong to."""

    def __init__(self, package: MetadataPackage):
        self._package = package
        self._by_element: dict[tuple[str, int], list[DataSet]] = {}
        for ds in package.datasets.values():
            months = MONTHS_IN[ds.period_type]
            for element in ds.elements:
                self._by_element.setdefault((element, months), []).append(ds)
        self._parents = {ou.parent for ou in package.orgunits.values() if ou.parent}
        self._owes: dict[tuple[str, str], bool] = {}
        self._found: set[tuple[str, int, int, str]] = set()

    def add(self, row: ValueRow) -> None:
        months = row.end_month - row.start_month + 1
        if row.start_month % months:
            return
        for ds in self._by_element.get((row.dataelement, months), ()):
            if self._unit_owes(ds, row.orgunit):
                self._found.add((ds.code, row.start_month, row.end_month, row.orgunit))

    def _unit_owes(self, ds: DataSet, code: str) -> bool:
        """As ``quality.completeness.expected_units``: the types/levels the data set names, else the leaves."""
        key = (ds.code, code)
        if key not in self._owes:
            unit = self._package.orgunits.get(code)
            if unit is None:
                owes = False
            elif not ds.orgunit_types and not ds.levels:
                owes = code not in self._parents
            else:
                owes = ((not ds.orgunit_types or unit.type in ds.orgunit_types)
                        and (not ds.levels or unit.level in ds.levels))
            self._owes[key] = owes
        return self._owes[key]

    def found(self) -> list[tuple[str, Period, str]]:
        return [(code, Period(start, end), ou) for code, start, end, ou in sorted(self._found)]

    def mapping(self) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
        """(element, data set, months) and (data set, owing unit) pairs: the same rules as ``add``, as tables."""
        elements = [(element, ds.code, months) for (element, months), sets in self._by_element.items()
                    for ds in sets]
        owing = [(ds.code, code) for ds in self._package.datasets.values() for code in self._package.orgunits
                 if self._unit_owes(ds, code)]
        return elements, owing


def backfill_registrations(store: Store, package: MetadataPackage) -> int:
    """Once, for a store from before registrations (migration 006 marks it): register every
    report its stored values belong to, at the values' first ``created`` — what counted as
    reported then — so completeness and timeliness do not drop to 0 on upgrade. Returns how
    many were registered (0 when nothing was pending)."""
    if not store.registration_backfill_pending():
        return 0
    elements, owing = ReportsOf(package).mapping()
    return store.backfill_registrations(elements, owing)


def import_file(store: Store, package: MetadataPackage, path: str | Path, **options) -> ImportReport:
    """One file; see ``import_files``."""
    return import_files(store, package, [path], **options)


def _validated_rows(path: Path, validator: Validator, report: ImportReport, reader):
    """Valid rows of one file; its problems go into ``report`` on the way."""
    records = 0
    problems_before = report.problem_count
    for item in reader(path):
        if isinstance(item, Problem):
            report.add(item)
            continue
        records += 1
        report.rows_read += 1
        result = validator.validate(item)
        if isinstance(result, ValueRow):
            yield result
        else:
            for problem in result:
                report.add(problem)
    # A file that could not be read at all already has its problem.
    if records == 0 and report.problem_count == problems_before:
        report.add(Problem(path.name, "empty-file", "文件中没有数据行"))


Occurrences = dict[tuple[str, str, str, str, str], list[tuple[RawRecord, float]]]


def _occurrences(keys: set[tuple[str, str, str, str, str]], paths: list[Path], validator: Validator,
                 reader) -> Occurrences:
    """Every record carrying one of ``keys``, in staging order.

    Staged rows only know their row number, not their file or sheet, so the
    (rare) failing import reads its files once more to locate the keys.
    """
    wanted: Occurrences = {key: [] for key in keys}
    for path in paths:
        for item in reader(path):
            if isinstance(item, RawRecord):
                row = validator.validate(item)
                if isinstance(row, ValueRow) and row.key in wanted:
                    wanted[row.key].append((item, row.value))
    return wanted


def _conflict_problems(conflicts: list[Conflict], found: Occurrences, package: MetadataPackage) -> list[Problem]:
    """One problem per conflicting key, naming every file and row that carries it."""
    problems = []
    for conflict in conflicts:
        key, occurrences = conflict.key, found.get(conflict.key)
        if not occurrences:
            continue
        first = occurrences[0][0]
        several_files = len({record.file for record, _ in occurrences}) > 1
        shown = "，".join(
            f"第 {record.row} 行" + (f"（{record.file}）" if several_files else "") + f"为 {format_number(value)}"
            for record, value in occurrences[:_MAX_OCCURRENCES_SHOWN])
        more = f"等 {len(occurrences)} 处" if len(occurrences) > _MAX_OCCURRENCES_SHOWN else ""
        problems.append(Problem(first.file, "duplicate-conflict",
                                f"{_describe_key(key, package)}出现多次且数值不同：{shown}{more}",
                                row=first.row, column=first.headers.get("value", "value")))
    return problems


def _locked_problems(locked: list[LockedRow], found: Occurrences, package: MetadataPackage) -> list[Problem]:
    """One problem per staged row that would change approved data, at the row
    the store kept for its key (the first occurrence)."""
    problems = []
    for row in locked:
        occurrences = found.get(row.key)
        if not occurrences:  # cannot happen (the row was staged from these files); still count it
            problems.append(Problem("", "locked", _describe_lock(row, package), row=row.source_row,
                                    column="period"))
            continue
        record = occurrences[0][0]
        problems.append(Problem(record.file, "locked", _describe_lock(row, package), row=record.row,
                                column=record.headers.get("period", "period")))
    return problems


def _describe_lock(row: LockedRow, package: MetadataPackage) -> str:
    """沅陵县官庄镇卫生院 2024年5月 的数据已由 张三 于 2024年6月12日 审核锁定，需先取消审核…"""
    element, period, orgunit, option, _ = row.key
    approval = row.approval
    scope = ""
    if (approval.orgunit, approval.period) != (orgunit, period):
        scope = f"（审核范围：{_unit_name(approval.orgunit, package)} {_period_label(approval.period)}）"
    at = approval.approved_at
    return (f"{_unit_name(orgunit, package)} {_period_label(period)} 的数据已由 {approval.approved_by} "
            f"于 {at.year}年{at.month}月{at.day}日 审核锁定{scope}，需先取消审核才能修改"
            f"“{_element_label(element, option, package)}”")


def _unit_name(code: str, package: MetadataPackage) -> str:
    unit = package.orgunits.get(code)
    return unit.name if unit is not None else code


def _period_label(period_id: str) -> str:
    try:
        return Period.parse(period_id).label
    except ValueError:  # PeriodError; stored ids always parse, but never fail a report on it
        return period_id


def _element_label(element: str, option: str, package: MetadataPackage) -> str:
    found = package.elements.get(element)
    name = found.name if found is not None else element
    if not option:
        return name
    category = package.categories.get(found.category) if found is not None and found.category else None
    names = {o.code: o.name for o in category.options} if category is not None else {}
    return f"{name}（{names.get(option, option)}）"


def _describe_key(key: tuple[str, str, str, str, str], package: MetadataPackage) -> str:
    element, period, orgunit, option, _ = key
    name = package.elements[element].name
    option_text = f"（{option}）" if option else ""
    return f"数据项“{name}”{option_text}、机构 {orgunit}、期间 {period} "
