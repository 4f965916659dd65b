"""ImportReport: what an import read, what it found wrong, what it wrote."""
from __future__ import annotations

from dataclasses import dataclass, field

from weijian.errors import Problem
from weijian.storage.base import WriteSummary

__all__ = ["MAX_LISTED_PROBLEMS", "ImportReport"]

# A file with one systematic mistake can yield a problem per row; listing a
# thousand is enough to show the pattern, and the count still tells the size.
MAX_LISTED_PROBLEMS = 1000


@dataclass
class ImportReport:
    """Outcome of one all-or-nothing import of one or more files."""

    files: list[str]
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows_read: int = 0
    summary: WriteSummary | None = None
    max_listed: int = field(default=MAX_LISTED_PROBLEMS, repr=False)
    notes: list[str] = field(default_factory=list)  # what was read but deliberately not imported
    registered: int = 0  # reports (data set × unit × period) newly registered complete (上报) by the import

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and self.summary is not None

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < self.max_listed:
            self.problems.append(problem)

    def add_unlisted(self, count: int) -> None:
        """Count ``count`` more problems found but not fetched (beyond the list's cap)."""
        self.problem_count += max(count, 0)

    def to_dict(self) -> dict:
        summary = None
        if self.summary is not None:
            summary = {"created": self.summary.created, "updated": self.summary.updated,
                       "unchanged": self.summary.unchanged, "deleted": self.summary.deleted}
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "files": list(self.files),
            "rows_read": self.rows_read,
            "problem_count": self.problem_count,
            "problems": [p.to_dict() for p in self.problems],
            "summary": summary,
            "notes": list(self.notes),
            "registered": self.registered,
        }

    def describe_zh(self) -> str:
        lines = [f"读取 {len(self.files)} 个文件，共 {self.rows_read} 行数据"]
        if self.ok:
            s = self.summary
            counts = f"新增 {s.created} 条，更新 {s.updated} 条，未变 {s.unchanged} 条"
            lines.append(f"试导入（未写入）：将{counts}" if self.dry_run else f"导入成功：{counts}")
            return "\n".join(lines + self.notes)
        lines.append(f"导入失败，未写入任何数据：共 {self.problem_count} 个问题")
        lines.extend(p.describe() for p in self.problems)
        hidden = self.problem_count - len(self.problems)
        if hidden > 0:
            lines.append(f"……另有 {hidden} 个问题未列出")
        return "\n".join(lines + self.notes)
