"""Import data-value files into a store, all or nothing.

All files of one call share one ImportSession: rows are validated as they
stream in and staged in chunks (memory stays bounded however big the file),
then in-file conflicts are looked for. If anything at all is wrong the
session is rolled back and the report lists the problems; otherwise the
staged rows are merged (or, for a dry run, only counted).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from weijian.errors import Problem
from weijian.exchange.readers import DEFAULT_JSON_LIMIT, RawRecord, read_records
from weijian.exchange.report import MAX_LISTED_PROBLEMS, ImportReport
from weijian.exchange.validate import Validator, format_number
from weijian.model import MetadataPackage
from weijian.storage.base import Conflict, Store, ValueRow

__all__ = ["CHUNK_SIZE", "import_file", "import_files"]

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
) -> ImportReport:
    """Validate and store the values in ``paths``; nothing is stored if any row fails.

    ``scope`` is the set of org-unit codes the user may write (None: all);
    ``progress`` is called with the number of rows read so far.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    report = ImportReport(files=[p.name for p in paths], dry_run=dry_run, max_listed=max_problems)
    if not paths:
        report.add(Problem("", "no-files", "没有要导入的文件"))
        return report
    validator = Validator(package, scope)
    source = "、".join(report.files)[:_MAX_SOURCE_CHARS]
    with store.import_session(user, source) as session:
        chunk: list[ValueRow] = []
        for path in paths:
            for row in _validated_rows(path, validator, report, json_limit):
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
        if conflicts:
            for problem in _conflict_problems(conflicts, paths, validator, package, json_limit):
                report.add(problem)
        if report.problem_count:
            session.rollback()
            return report
        report.summary = session.apply(dry_run=dry_run)
    return report


def import_file(store: Store, package: MetadataPackage, path: str | Path, **options) -> ImportReport:
    """One file; see ``import_files``."""
    return import_files(store, package, [path], **options)


def _validated_rows(path: Path, validator: Validator, report: ImportReport, json_limit: int):
    """Valid rows of one file; its problems go into ``report`` on the way."""
    records = 0
    problems_before = report.problem_count
    for item in read_records(path, json_limit=json_limit):
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


def _conflict_problems(conflicts: list[Conflict], paths: list[Path], validator: Validator,
                       package: MetadataPackage, json_limit: int) -> list[Problem]:
    """One problem per conflicting key, naming every file and row that carries it.

    Staged rows only know their row number, not their file or sheet, so the
    (rare) failing import reads its files once more to locate the keys.
    """
    wanted = {c.key: [] for c in conflicts}
    for path in paths:
        for item in read_records(path, json_limit=json_limit):
            if isinstance(item, RawRecord):
                row = validator.validate(item)
                if isinstance(row, ValueRow) and row.key in wanted:
                    wanted[row.key].append((item, row.value))
    problems = []
    for key, occurrences in wanted.items():
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


def _describe_key(key: tuple[str, str, str, str, str], package: MetadataPackage) -> str:
    element, period, orgunit, option, _ = key
    name = package.elements[element].name
    option_text = f"（{option}）" if option else ""
    return f"数据项“{name}”{option_text}、机构 {orgunit}、期间 {period} "
