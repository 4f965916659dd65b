"""The app's workspace connections: one writer, a few readers, and the analytics cache.

DuckDB allows one writer per file, so every write goes through one thread
(``Writer``) that owns the writer workspace. Cell saves arriving together are
group-committed: the writer drains the queue and stores everyone's pending
cells in one transaction (each row naming its user), not one transaction per cell. Reads
(pages, dashboards, checks) use their own workspaces on their own
connections, so a long query never holds up a save and a save never waits for
a dashboard.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from weijian.errors import StoreError
from weijian.exchange import backfill_registrations
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.storage import ValueRow, WriteSummary
from weijian.workspace import Workspace

_STOP = object()
logger = logging.getLogger("weijian.web")


@dataclass
class _CellJob:
    rows: list[ValueRow]
    user: str
    source: str
    future: Future = field(default_factory=Future)


@dataclass
class _Job:
    action: Callable[[Workspace], object]
    touches: str | None  # "all": clears the analytics cache afterwards
    future: Future = field(default_factory=Future)


class AnalyticsCache:
    """Computed figures keyed by what was asked, dropped when a write touches
    a unit of the asked subtree in the asked months.

    Each entry remembers its root org unit and the month span it read; a write
    to unit U in months [a, b] drops the entries whose root is U or one of its
    ancestors and whose span overlaps [a, b]. A result computed while such a
    write committed is returned but not kept.
    """

    def __init__(self, package: MetadataPackage, enabled: bool, max_entries: int = 512):
        self.package = package
        self.enabled = enabled
        self.max_entries = max_entries
        self._entries: dict[tuple, tuple[object, str, int, int]] = {}
        self._recent: deque[tuple[int, frozenset[str] | None, int, int]] = deque(maxlen=4096)
        self._generation = 0
        self._running: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, ou: str, months: tuple[int, int], compute: Callable[[], object]) -> object:
        if not self.enabled:
            return compute()
        while True:
            with self._lock:
                if key in self._entries:
                    return self._entries[key][0]
                running = self._running.get(key)
                if running is None:  # compute it here; others asking meanwhile wait for it
                    running = self._running[key] = threading.Event()
                    started = self._generation
                    break
            running.wait()
        try:
            value = compute()
            with self._lock:
                if not self._touched_since(started, ou, months):
                    if len(self._entries) >= self.max_entries:
                        self._entries.pop(next(iter(self._entries)))
                    self._entries[key] = (value, ou, *months)
            return value
        finally:
            with self._lock:
                self._running.pop(key).set()

    def invalidate(self, touched: Iterable[tuple[str, int, int]]) -> None:
        """``touched``: (org unit, start month, end month) of written values."""
        with self._lock:
            for unit, start, end in touched:
                above = frozenset(self.package.orgunits[unit].path) if unit in self.package.orgunits else None
                self._generation += 1
                self._recent.append((self._generation, above, start, end))
                for key, (_, ou, first, last) in list(self._entries.items()):
                    if (above is None or ou in above) and first <= end and start <= last:
                        del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._recent.append((self._generation, None, -(10 ** 9), 10 ** 9))
            self._entries.clear()

    def _touched_since(self, generation: int, ou: str, months: tuple[int, int]) -> bool:
        if self._generation == generation:
            return False
        if self._recent and self._recent[0][0] > generation + 1:
            return True  # the log no longer reaches back that far
        return any(g > generation and (above is None or ou in above) and months[0] <= end and start <= months[1]
                   for g, above, start, end in self._recent)


class Workspaces:
    """What the app holds open for one workspace folder."""

    def __init__(self, folder: str | Path, *, readers: int = 2, cache: str = "auto"):
        self.folder = Path(folder)
        self._writer_ws = Workspace.open(self.folder)
        self.package = self._writer_ws.package
        # a store from before 上报 registrations: its values' reports registered once (exchange.importer)
        backfill_registrations(self._writer_ws.store, self.package)
        self._readers: queue.Queue[Workspace] = queue.Queue()
        for _ in range(max(readers, 1)):
            self._readers.put(Workspace.open(self.folder))
        enabled = cache == "on" or (cache == "auto" and "://" not in self._writer_ws.store.url)
        self._data_month = _latest_month(self._writer_ws)
        self.cache = AnalyticsCache(self.package, enabled)
        self._jobs: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="weijian-writer", daemon=True)
        self._thread.start()

    @property
    def latest_month(self) -> Period:
        """The month pages open on: the current reporting month — the latest whose first monthly
        reports are due by today — but never past the latest month with data
        (an archive that ends earlier opens on its own last month). An early value typed for a
        month not yet due moves nothing."""
        due = reporting_month(self.package, date.today())
        return due if due.start <= self._data_month.start else self._data_month

    @property
    def root(self) -> str:
        return self.package.root().code

    @contextmanager
    def reader(self) -> Iterator[Workspace]:
        ws = self._readers.get()
        try:
            yield ws
        finally:
            self._readers.put(ws)

    def replace_orgunits(self, sheet: Path) -> dict[str, list[str]]:
        """A new org-unit tree (metadata page, admins): written by the writer, then
        every reader reopens on it and the cached figures are dropped."""
        change = self.write(lambda ws: ws.replace_orgunits(sheet), touches="all")
        self.package = self._writer_ws.package
        fresh = [Workspace.open(self.folder) for _ in range(self._readers.qsize())]
        for ws in fresh:
            old = self._readers.get()
            self._readers.put(ws)
            old.close()
        self.cache = AnalyticsCache(self.package, self.cache.enabled)
        return change

    # -- writes: all through the writer thread ------------------------------------------
    def write(self, action: Callable[[Workspace], object], *, touches: str | None = None) -> object:
        """Run ``action(workspace)`` on the writer, after the writes queued before it."""
        job = _Job(action, touches)
        self._jobs.put(job)
        return job.future.result()

    def write_cells(self, rows: list[ValueRow], *, user: str, source: str) -> WriteSummary:
        """Store entered values as ``user``; may share one transaction with other people's saves
        (the returned summary is then that transaction's)."""
        job = _CellJob(list(rows), user, source)
        self._jobs.put(job)
        return job.future.result()

    def close(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join(timeout=30)
        self._writer_ws.close()
        while not self._readers.empty():
            self._readers.get().close()

    def _run(self) -> None:
        while True:
            try:
                if self._step():
                    return
            except BaseException:  # never let the writer die: every later write would wait forever
                logger.exception("写入线程出错")

    def _step(self) -> bool:
        """Run the next job (or batch of cell saves); True when told to stop."""
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return True
            if isinstance(job, _Job):
                self._run_job(job)
                return False
            batch, following = [job], None
            while following is None:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if isinstance(nxt, _CellJob):
                    batch.append(nxt)
                else:
                    following = nxt  # keep order: cells queued before it are stored first
            self._store_cells(batch)
            if following is _STOP:
                return True
            if following is not None:
                self._run_job(following)
            return False

    def _run_job(self, job: _Job) -> None:
        try:
            result = job.action(self._writer_ws)
        except BaseException as exc:  # handed to the waiting request
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)
        finally:
            if job.touches == "all":
                self.cache.clear()
                try:
                    self._data_month = _latest_month(self._writer_ws)
                except Exception:  # the pages' default month only: keep the old one
                    logger.exception("无法确定最近有数据的月份")

    def _store_cells(self, batch: list[_CellJob]) -> None:
        for group in _groups(batch):
            try:
                # one transaction for everyone's cells: each row names its own user (audit, storedby)
                summary = self._writer_ws.store.write_values(
                    [replace(row, stored_by=job.user) for job in group for row in job.rows],
                    user=group[0].user, source=group[0].source)
                if summary.conflicts:
                    raise StoreError("同一数据值在一次保存中出现了不同的数值")
            except Exception:
                if len(group) == 1:
                    self._store_one(group[0])
                    continue
                for job in group:  # find whose cell failed (a lock, a conflict): one by one
                    self._store_cells([job])
                continue
            self._written([row for job in group for row in job.rows])
            for job in group:
                job.future.set_result(summary)

    def _store_one(self, job: _CellJob) -> None:
        try:
            summary = self._writer_ws.store.write_values(job.rows, user=job.user, source=job.source)
        except BaseException as exc:
            job.future.set_exception(exc)
            return
        self._written(job.rows)
        job.future.set_result(summary)

    def _written(self, rows: list[ValueRow]) -> None:
        # latest_month stays: one clinic's first cell of a new month must not move everyone's default pages
        self.cache.invalidate({(r.orgunit, r.start_month, r.end_month) for r in rows})


def reporting_month(package: MetadataPackage, today: date) -> Period:
    """The latest month whose first monthly reports are due on or before ``today`` (data sets
    due on the 10th make May the reporting month from 10 June; one due later still shows as
    not yet due on its own pages)."""
    due_day = min((d.due_day for d in package.datasets.values() if d.period_type == "monthly"), default=1)
    month = today.year * 12 + today.month - 1  # this month, as a month ordinal
    month -= 1 if today.day >= due_day else 2  # last month once its due day has come, else the one before
    return Period(month, month)


def _latest_month(ws: Workspace) -> Period:
    """The last month with monthly values (pages open on it), or last month when there are none."""
    values = ws.analytics.values
    found = values.filter(values.start_month == values.end_month).start_month.max().execute()
    if found is None or found != found:
        today = date.today()
        found = today.year * 12 + today.month - 2
    return Period(int(found), int(found))


def _groups(batch: list[_CellJob]) -> list[list[_CellJob]]:
    """Jobs of one source together, in order, whoever sent them; a key saved twice starts a
    new group (both values are stored, one after the other, so the audit trail keeps both)."""
    groups: list[list[_CellJob]] = []
    open_groups: dict[str, tuple[list[_CellJob], set]] = {}
    for job in batch:
        keys = {row.key for row in job.rows}
        owner = job.source
        found = open_groups.get(owner)
        if found is None or found[1] & keys:
            found = ([], set())
            groups.append(found[0])
            open_groups[owner] = found
        found[0].append(job)
        found[1].update(keys)
    return groups
