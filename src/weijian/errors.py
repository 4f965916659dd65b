"""Exception types, and Problem: a value describing something wrong in user data.

Problems in user data (a YAML file, an import file, a template) are returned as
``Problem`` values in a report; exceptions are for broken calls and for inputs
that cannot be understood at all (an unparseable period typed on the CLI).
"""
from __future__ import annotations

from dataclasses import dataclass, asdict


class WeijianError(Exception):
    """Base class of every error weijian raises on purpose."""


class PeriodError(WeijianError, ValueError):
    """A period text that cannot be parsed (message in Chinese)."""


class ExpressionError(WeijianError, ValueError):
    """An indicator or rule expression that cannot be parsed (message in Chinese)."""


class MetadataError(WeijianError):
    """A metadata package has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(p.describe() for p in problems[:20])
        more = f"\n……共 {len(problems)} 个问题" if len(problems) > 20 else ""
        super().__init__(f"元数据有 {len(problems)} 个问题：\n{head}{more}")


class NotFoundError(WeijianError, LookupError):
    """An unknown code (element, indicator, org unit) asked for by a caller."""


class StoreError(WeijianError):
    """The store cannot do what was asked (locked, unreachable, wrong schema version)."""


class StoreBusyError(StoreError):
    """Another process holds the store (a DuckDB file open in ``weijian serve``):
    nothing was done; trying again later may work (message in Chinese)."""


class LedgerError(WeijianError, ValueError):
    """A work-ledger item that cannot be stored or a bad ledger call (message in
    Chinese). ``errors`` lists (field, code, message) for each problem found."""

    def __init__(self, message: str, errors: list[tuple[str, str, str]] | None = None):
        self.errors = errors or []
        super().__init__(message)


class ReportError(WeijianError):
    """A report cannot be drafted: a broken template (file and line named), a
    missing CJK font, LibreOffice failing (message in Chinese)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in user data, located as precisely as we can.

    ``file`` is the file name; ``row`` is 1-based as the user sees it in Excel
    (header is row 1) or the item index in YAML; ``column`` is the column header
    or field name; ``code`` is a stable machine key such as ``not-a-number``.
    """

    file: str
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    item: str | None = None

    def describe(self) -> str:
        where = [self.file]
        if self.item is not None:
            where.append(f"条目 {self.item}")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column is not None:
            where.append(f"“{self.column}”列" if self.row is not None else f"字段 {self.column}")
        return "，".join(where) + f"：{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)
