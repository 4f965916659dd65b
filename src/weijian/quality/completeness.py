"""Completeness and timeliness of reports (上报率、及时率), from the data sets.

- **应报** (expected): one report per (data set, org unit, period) for every
  unit of the subtree whose type is in the data set's ``orgunit_types`` (and
  whose level is in ``levels`` when given; a data set naming neither expects
  the leaves, where facilities report), and every period of the data set's
  period type lying inside the checked range.
- **实报** (reported): the report is registered complete (上报, DHIS2's complete
  data set registration; table ``registration``, see ``storage.registrations``):
  by the entry form's 上报 button, the API (completeDataSetRegistrations), or an
  import — a file bringing a unit's values for a data set's period is that
  unit's report, registered at the import's recorded time. Values typed in the
  entry form without 上报 are not a report yet, so 上报情况, 数据审核 and the
  approval page, which all read this, agree.
- **及时报** (on time): reported, and registered (the first registration) no
  later than the due date — the data set's ``due_day`` of the month after the
  period ends, to the end of that day (a day past the month's last day means
  its last day).

Where there is no registration table (analytics over a parquet export on
Spark), a report counts as received when the unit stored at least one value of
the data set's elements for the period, at the earliest ``created`` of them
(what registrations replaced).
- **上报率** = 实报 / 应报 × 100; **及时率** = 及时报 / 应报 × 100. Both use
  应报 as denominator, like DHIS2's "reporting rate on time", so 及时率 never
  exceeds 上报率.

A missing report is a finding (kind "missing", 高) only once it is overdue at
``as_of`` (default: now); a report received after its due day is one too
(kind "late", 低). Rates count every expected report of the range.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import ibis

from weijian.analytics import Analytics, round_half_up
from weijian.model import DataSet, MetadataPackage
from weijian.model.periods import MONTHS_IN, Period
from weijian.quality.findings import Finding, json_number, leaves, periods_inside, unit_name


@dataclass(frozen=True)
class ReportStatus:
    """One expected report and what became of it."""

    dataset: str
    ou: str
    period: str
    due: datetime  # the last moment it is on time
    reported: bool
    timely: bool
    first_created: datetime | None  # when it was registered complete (上报)
    completed_by: str | None = None

    @property
    def completed_at(self) -> datetime | None:
        return self.first_created


@dataclass(frozen=True)
class Rates:
    """Counts and rates for one group of expected reports (``key`` names it)."""

    key: str
    name: str
    expected: int
    reported: int
    timely: int

    @property
    def reporting_rate(self) -> Decimal | None:
        """上报率 = 实报 / 应报 × 100 (None when nothing was expected)."""
        return Decimal(self.reported) * 100 / self.expected if self.expected else None

    @property
    def timely_rate(self) -> Decimal | None:
        """及时率 = 及时报 / 应报 × 100."""
        return Decimal(self.timely) * 100 / self.expected if self.expected else None

    def to_dict(self) -> dict:
        """JSON-ready; rates rounded half-up to 2 decimals (应报, 实报, 及时报, 上报率, 及时率)."""
        return {"key": self.key, "name": self.name, "expected": self.expected, "reported": self.reported,
                "timely": self.timely, "reporting_rate": json_number(round_half_up(self.reporting_rate, 2)),
                "timely_rate": json_number(round_half_up(self.timely_rate, 2))}


@dataclass(frozen=True)
class Completeness:
    """Every expected report of a subtree and range, and roll-ups of them."""

    package: MetadataPackage
    reports: tuple[ReportStatus, ...]

    def total(self, dataset: str | None = None) -> Rates:
        rows = self._of(dataset)
        name = self.package.datasets[dataset].name if dataset else "全部报表"
        return _rates(dataset or "*", name, rows)

    def by_dataset(self) -> list[Rates]:
        return [self.total(code) for code in self.package.datasets if any(r.dataset == code for r in self.reports)]

    def by_orgunit(self, level: int | None = None, dataset: str | None = None) -> list[Rates]:
        """Per reporting unit, or per ancestor at ``level`` (2: 乡镇 totals)."""
        groups: dict[str, list[ReportStatus]] = defaultdict(list)
        for row in self._of(dataset):
            groups[self._ancestor(row.ou, level)].append(row)
        order = {code: i for i, code in enumerate(self.package.orgunits)}
        return [_rates(code, unit_name(self.package, code), groups[code])
                for code in sorted(groups, key=lambda c: order.get(c, len(order)))]

    def by_period(self, dataset: str | None = None) -> list[Rates]:
        groups: dict[str, list[ReportStatus]] = defaultdict(list)
        for row in self._of(dataset):
            groups[row.period].append(row)
        ordered = sorted(groups, key=lambda p: (Period.parse(p).n_months, Period.parse(p).start))
        return [_rates(p, Period.parse(p).label, groups[p]) for p in ordered]

    def missing(self) -> list[ReportStatus]:
        return [r for r in self.reports if not r.reported]

    def missing_findings(self, as_of: datetime | None = None) -> list[Finding]:
        """Missing reports already overdue at ``as_of`` (default now): a report
        not yet due is not missing."""
        as_of = as_of or datetime.now()
        return [missing_finding(self.package, r) for r in self.missing() if r.due < as_of]

    def late_findings(self) -> list[Finding]:
        return [late_finding(self.package, r) for r in self.reports
                if r.reported and not r.timely and r.first_created is not None]

    def _of(self, dataset: str | None) -> list[ReportStatus]:
        return [r for r in self.reports if dataset is None or r.dataset == dataset]

    def _ancestor(self, code: str, level: int | None) -> str:
        if level is None:
            return code
        unit = self.package.orgunits[code]
        if unit.level < level:
            return code
        return unit.path[len(unit.path) - 1 - (unit.level - level)]


def completeness(analytics: Analytics, units: Sequence[str], period: Period,
                 datasets: Iterable[str] | None = None, *, registrations=None) -> Completeness:
    """Expected, reported and on-time reports of ``units`` for every period of
    each data set's type inside ``period``. ``registrations``: the Ibis table of
    complete registrations (default: the ``registration`` table next to the
    analytics' values; none there: values stand in, see the module doc)."""
    package = analytics.package
    chosen = [package.datasets[c] for c in (package.datasets if datasets is None else datasets)]
    expected = {(ds.code, ou, p.start): p for ds in chosen for ou in expected_units(package, ds, units)
                for p in periods_inside(period, ds.period_type)}
    if not expected:
        return Completeness(package, ())
    wanted_units = sorted({ou for _, ou, _ in expected})
    table = registrations if registrations is not None else registration_table(analytics)
    if table is None:
        first_created = {key: (at, None) for key, at in _first_created(analytics, chosen, wanted_units, period).items()}
    else:
        first_created = _registered(table, chosen, wanted_units, period, expected)
    by_code = {ds.code: ds for ds in chosen}
    reports = []
    for (code, ou, start), p in expected.items():
        key = (code, ou, start)
        due = due_moment(by_code[code], p)
        created, by = first_created.get(key, (None, None))
        reported = key in first_created
        reports.append(ReportStatus(dataset=code, ou=ou, period=p.id, due=due, reported=reported,
                                    timely=reported and created is not None and created <= due,
                                    first_created=created, completed_by=by))
    return Completeness(package, tuple(reports))


def registration_table(analytics: Analytics):
    """The ``registration`` table of the database the analytics' values live in, or None
    (values from parquet, or a store from before registrations)."""
    values = analytics.values
    try:
        backend = values.get_backend()
        namespace = values.op().namespace
        database = namespace.database if namespace is not None else None
        return backend.table("registration", database=database)
    except Exception:  # noqa: BLE001 — no such table (parquet, Spark) or a derived values table
        return None


def _registered(table, datasets: list[DataSet], units: list[str], period: Period,
                expected: dict) -> dict[tuple[str, str, int], tuple[datetime | None, str | None]]:
    """(data set, unit, period start) → (registered at, by) for every expected report registered."""
    r = table.filter(table.dataset.isin([ds.code for ds in datasets]), table.start_month >= period.start,
                     table.end_month <= period.end)
    if len(units) <= 5000:
        r = r.filter(r.orgunit.isin(units))
    frame = r.select("dataset", "orgunit", "start_month", "end_month", "completed_at", "completed_by").execute()
    found = {}
    for row in frame.itertuples(index=False):
        key = (row.dataset, row.orgunit, int(row.start_month))
        wanted = expected.get(key)
        if wanted is not None and wanted.end == int(row.end_month):
            found[key] = (_datetime(row.completed_at), row.completed_by)
    return found


def missing_reports(analytics: Analytics, units: Sequence[str], period: Period,
                    datasets: Iterable[str] | None = None, *, as_of: datetime | None = None) -> list[Finding]:
    """Expected reports not received and already overdue at ``as_of`` (default now)."""
    return completeness(analytics, units, period, datasets).missing_findings(as_of)


def late_reports(analytics: Analytics, units: Sequence[str], period: Period,
                 datasets: Iterable[str] | None = None) -> list[Finding]:
    """Reports received after their due day (迟报)."""
    return completeness(analytics, units, period, datasets).late_findings()


def missing_finding(package: MetadataPackage, report: ReportStatus) -> Finding:
    name = unit_name(package, report.ou)
    dataset = package.datasets[report.dataset]
    return Finding(
        kind="missing", ou=report.ou, ou_name=name, period=report.period, importance="高",
        dataset=report.dataset, due=report.due.date().isoformat(),
        message=f"{name} {Period.parse(report.period).label}：{dataset.name}未上报（应于{_day(report.due)}前报送）",
    )


def late_finding(package: MetadataPackage, report: ReportStatus) -> Finding:
    name = unit_name(package, report.ou)
    dataset = package.datasets[report.dataset]
    days = (report.first_created.date() - report.due.date()).days
    return Finding(
        kind="late", ou=report.ou, ou_name=name, period=report.period, importance="低",
        dataset=report.dataset, due=report.due.date().isoformat(), late=days,
        message=(f"{name} {Period.parse(report.period).label}：{dataset.name}迟报 {days} 天"
                 f"（应于{_day(report.due)}前报送，{_day(report.first_created)}报送）"),
    )


def _day(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def expected_units(package: MetadataPackage, dataset: DataSet, units: Sequence[str]) -> list[str]:
    """The units of ``units`` that owe ``dataset`` a report."""
    if not dataset.orgunit_types and not dataset.levels:
        return leaves(package, units)
    return [code for code in units
            if (not dataset.orgunit_types or package.orgunits[code].type in dataset.orgunit_types)
            and (not dataset.levels or package.orgunits[code].level in dataset.levels)]


def due_moment(dataset: DataSet, period: Period) -> datetime:
    """The end of the due day in the month after ``period`` ends."""
    following = period.end + 1
    year, month = following // 12, following % 12 + 1
    day = min(dataset.due_day, calendar.monthrange(year, month)[1])
    return datetime.combine(date(year, month, day), time.max)


def _first_created(analytics: Analytics, datasets: list[DataSet], units: list[str],
                   period: Period) -> dict[tuple[str, str, int], datetime | None]:
    """(data set, unit, period start) → earliest ``created`` of its values,
    for every report with at least one value."""
    mapping = ibis.memtable(
        [{"dataset": ds.code, "dataelement": code, "n_months": MONTHS_IN[ds.period_type]}
         for ds in datasets for code in ds.elements],
        schema={"dataset": "string", "dataelement": "string", "n_months": "int64"},
    )
    v = analytics.values
    v = v.filter(v.orgunit.isin(units), v.start_month >= period.start, v.end_month <= period.end)
    j = v.join(mapping, v.dataelement == mapping.dataelement)
    # a report's period has the data set's length and starts on its boundary
    j = j.filter(j.end_month - j.start_month + 1 == j.n_months, j.start_month % j.n_months == 0)
    grouped = j.group_by(["dataset", "orgunit", "start_month"]).aggregate(first_created=j.created.min())
    frame = grouped.execute()
    return {(row.dataset, row.orgunit, int(row.start_month)): _datetime(row.first_created)
            for row in frame.itertuples(index=False)}


def _datetime(value) -> datetime | None:
    if value is None or value != value:  # NaT / NaN from pandas mean "no stamp"
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _rates(key: str, name: str, rows: list[ReportStatus]) -> Rates:
    return Rates(key=key, name=name, expected=len(rows), reported=sum(r.reported for r in rows),
                 timely=sum(r.timely for r in rows))
