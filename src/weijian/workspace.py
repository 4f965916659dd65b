"""A workspace: one folder holding a metadata package, a config and (by
default) the DuckDB file. This is the library API the CLI and web call.

    ws = Workspace.open("县卫健局")
    ws.import_files(["1-5月.csv"])
    ws.query("HTN_STD_RATE", "YL", "2024S1")
"""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from weijian.errors import MetadataError, NotFoundError, WeijianError
from weijian.metadata import DEFAULT_PACKAGE, load_package
from weijian.metadata.load import load_package_cached
from weijian.model import MetadataPackage
from weijian.model.periods import Period
from weijian.storage import Store, open_store

if TYPE_CHECKING:  # the heavy layers load only when a command uses them (weijian --help answers at once)
    from weijian.analytics import Analytics, Result
    from weijian.exchange import ImportReport
    from weijian.ledger import Ledger
    from weijian.reports.draft import Draft

CONFIG_FILE = "weijian.yaml"
METADATA_DIR = "metadata"
CACHE_DIR = ".cache"  # what can be made again: the metadata read, kept query templates
MAPPINGS_DIR = "mappings"  # the county's sheet profiles (weijian sheets suggest), kept with the workspace
DEFAULT_STORE = "weijian.duckdb"
_SYNC_MARK = ".orgunits.sha256"


@dataclass(frozen=True)
class WorkspaceConfig:
    store: str = DEFAULT_STORE
    schema: str | None = None  # PostgreSQL schema; None = the store's default

    @classmethod
    def read(cls, folder: Path) -> WorkspaceConfig:
        path = folder / CONFIG_FILE
        if not path.exists():
            raise WeijianError(f"“{folder}”不是 weijian 工作区（缺少 {CONFIG_FILE}），请先运行 weijian init")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(store=str(data.get("store", DEFAULT_STORE)), schema=data.get("schema"))

    def write(self, folder: Path) -> None:
        data = {"schema_version": 1, "store": self.store}
        if self.schema:
            data["schema"] = self.schema
        (folder / CONFIG_FILE).write_text(
            "# weijian 工作区配置：store 为 DuckDB 文件名（默认）或 postgresql:// 地址\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )


class Workspace:
    def __init__(self, folder: Path, package: MetadataPackage, store: Store):
        self.folder = folder
        self.package = package
        self.store = store
        self._analytics: Analytics | None = None
        self._spark = None  # the Spark session when analytics run on Spark (use_spark)

    # -- lifecycle --------------------------------------------------------------
    @classmethod
    def init(cls, folder: str | Path, metadata: str | Path | None = None, store: str | None = None,
             schema: str | None = None, *, orgunits: str | Path | None = None,
             county: str | None = None) -> Workspace:
        """A new workspace with ``metadata`` (default: the shipped package, whose
        tree is the demo county). ``orgunits`` (机构.xlsx/.csv: 名称, 上级, 类型,
        编码 optional) or ``county`` (a name: the county alone, units added later)
        put the county's own tree in place of the package's."""
        folder = Path(folder)
        source = Path(metadata) if metadata else DEFAULT_PACKAGE
        load_package(source)  # refuse a broken package before touching anything
        if (folder / CONFIG_FILE).exists():
            raise WeijianError(f"“{folder}”已经是 weijian 工作区")
        units = _county_units(orgunits, county)
        folder.mkdir(parents=True, exist_ok=True)
        if units is None:
            shutil.copytree(source, folder / METADATA_DIR, dirs_exist_ok=True)
        else:
            from weijian.metadata.county import write_county_package

            write_county_package(source, folder / METADATA_DIR, units)
            load_package(folder / METADATA_DIR)  # the written tree passes the same checks as a hand-made one
        WorkspaceConfig(store=store or DEFAULT_STORE, schema=schema).write(folder)
        return cls.open(folder)

    @classmethod
    def open(cls, folder: str | Path = ".") -> Workspace:
        folder = Path(folder)
        config = WorkspaceConfig.read(folder)
        package = load_package_cached(folder / METADATA_DIR, folder / CACHE_DIR)
        target = config.store if "://" in config.store else str(folder / config.store)
        store = open_store(target, schema=config.schema)
        workspace = cls(folder, package, store)
        workspace._sync_orgunits()
        if store.registration_backfill_pending():  # once, for a store from before 上报 was recorded
            from weijian.exchange import backfill_registrations

            backfill_registrations(store, package)
        return workspace

    @classmethod
    def open_parquet(cls, data: str | Path, *, master: str | None = None, memory: str | None = None) -> Workspace:
        """A read-only workspace over a parquet export (``weijian export
        --parquet``): its metadata, analytics on Spark, an empty in-memory store
        for everything else (ledger, approvals)."""
        folder = Path(data)
        if not (folder / METADATA_DIR).is_dir():
            raise WeijianError(f"“{folder}”不是 weijian 的 parquet 导出（缺少 {METADATA_DIR}/）")
        package = load_package(folder / METADATA_DIR)
        store = open_store(":memory:")
        store.replace_orgunits(package.orgunits.values())
        workspace = cls(folder, package, store)
        workspace.use_spark(folder, master=master, memory=memory)
        return workspace

    def use_spark(self, data: str | Path, *, master: str | None = None, memory: str | None = None) -> None:
        """Run this workspace's analytics (queries, checks, reports) on Spark over
        the parquet export in ``data`` (local[*] unless ``master`` is a cluster URL)."""
        from weijian.analytics.spark import spark_analytics

        self._analytics, self._spark = spark_analytics(data, self.package, master=master, memory=memory)

    def close(self) -> None:
        if self._spark is not None:
            from weijian.analytics.spark import stop_spark

            stop_spark(self._spark)
            self._spark = None
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def replace_orgunits(self, sheet: str | Path) -> dict[str, list[str]]:
        """Make the org-unit tree the one in ``sheet`` (机构.xlsx/.csv, as for ``init
        --orgunits``); units keep their codes by name. Refused, with nothing changed,
        when a unit that has stored values would go, or the package's targets and
        rules no longer fit. Returns the codes added and removed."""
        import tempfile

        from weijian.exchange.orgunit_sheet import read_orgunit_sheet
        from weijian.metadata.county import write_orgunits
        from weijian.model.metadata import OrgUnit

        known = {}
        for unit in self.package.orgunits.values():
            known.setdefault(unit.name, unit.code)
        tree, problems = read_orgunit_sheet(sheet, known)
        if problems:
            raise MetadataError(problems)
        units = [OrgUnit(code=u.code, name=u.name, type=u.type, parent=u.parent, level=u.level) for u in tree]
        codes, old = {u.code for u in units}, set(self.package.orgunits)
        removed = sorted(old - codes)
        with_values = [code for code in removed if next(iter(self.store.read_values([code])), None) is not None]
        if with_values:
            names = "、".join(f"{self.package.orgunits[c].name}（{c}）" for c in with_values[:5])
            more = f" 等 {len(with_values)} 个" if len(with_values) > 5 else ""
            raise WeijianError(f"新机构表里没有这些已有数据的机构：{names}{more}。机构撤并时请保留原机构"
                               "（可改名称、改上级），数据不会丢失")
        folder = self.folder / METADATA_DIR
        with tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            trial = Path(tmp) / METADATA_DIR
            shutil.copytree(folder, trial)
            write_orgunits(trial, units)
            package = load_package(trial)  # the targets, data sets and rules must still fit the new tree
            (trial / "orgunits.yaml").replace(folder / "orgunits.yaml")
        self.package = package
        self._analytics = None
        self._sync_orgunits()
        return {"added": sorted(codes - old), "removed": removed}

    def _sync_orgunits(self) -> None:
        """Copy the org-unit tree into the store when orgunits.yaml changed."""
        source = (self.folder / METADATA_DIR / "orgunits.yaml").read_bytes()
        digest = hashlib.sha256(source + self.store.url.encode()).hexdigest()
        mark = self.folder / _SYNC_MARK
        if mark.exists() and mark.read_text() == digest:
            return
        self.store.replace_orgunits(self.package.orgunits.values())
        mark.write_text(digest)

    # -- data in and out ------------------------------------------------------------
    def import_files(self, paths, *, dry_run: bool = False, user: str = "cli", progress=None,
                     recorded_at: datetime | None = None, scope=None, mapping: str | Path | None = None,
                     period: str | Period | None = None) -> ImportReport:
        """All-or-nothing import; ``recorded_at`` dates historical loads (default now);
        ``scope`` (org-unit codes) refuses rows outside it (the web app's uploads);
        ``mapping`` reads the county's own sheets through a profile (a path, or a
        name under the workspace's mappings/), ``period`` where the sheet does not say.
        With analytics tables, what the import touched is refreshed right away."""
        from weijian.exchange import import_files

        reader, notes = None, []
        if mapping is not None:
            from functools import partial

            from weijian.exchange.sheet_profile import load_profile
            from weijian.exchange.sheet_read import left_out, sheet_records

            profile = load_profile(self.mapping_path(mapping))
            reader = partial(sheet_records, profile=profile, package=self.package, period=period)
            notes = left_out(profile)
        elif period is not None:
            raise WeijianError("--period 只用于按映射配置导入（--mapping）：标准格式的文件每行自带期间")
        report = import_files(self.store, self.package, [Path(p) for p in paths], user=user, dry_run=dry_run,
                              progress=progress, recorded_at=recorded_at, scope=scope, reader=reader)
        report.notes += notes
        if not dry_run and report.ok:
            self.refresh_analytics_tables()
        return report

    def mapping_path(self, mapping: str | Path) -> Path:
        """A mapping profile: a path as given, or a name kept in the workspace's mappings/."""
        given = Path(mapping)
        if given.exists() or given.suffix in (".yaml", ".yml") and given.parent != Path("."):
            return given
        kept = self.folder / MAPPINGS_DIR / (given.name if given.suffix else f"{given.name}.yaml")
        return kept if kept.exists() else given

    def suggest_mapping(self, path: str | Path, sheet: str | int | None = None, name: str | None = None):
        """A proposed mapping profile for a county's own sheet (``weijian sheets suggest``)."""
        from weijian.exchange.sheet_grid import read_grid
        from weijian.exchange.sheet_suggest import suggest_profile

        return suggest_profile(read_grid(path, sheet), self.package, name=name, sheet=sheet)

    def export(self, ou: str, period: str | Period, path: str | Path) -> int:
        from weijian.exchange import export_values

        return export_values(self.store, self.package, self.subtree(ou), _period(period), Path(path))

    def left_out_of_export(self, ou: str, period: str | Period) -> dict[str, int]:
        """Values an export of ``period`` leaves out because their own period
        sticks out of it (a yearly 常住人口 in 202401..202406), counted per period."""
        p = _period(period)
        return self.store.count_straddling(self.subtree(ou), p.start, p.end)

    def export_parquet(self, folder: str | Path, *, overwrite: bool = False):
        """Every value, the org-unit tree and the metadata as partitioned parquet
        (for ``--engine spark --data``; layout in exchange/parquet.py)."""
        from weijian.exchange.parquet import export_parquet

        return export_parquet(self.store, self.package, folder, overwrite=overwrite)

    def template(self, path: str | Path, periods: list[str], ou: str | None = None, level: int | None = None) -> Path:
        from weijian.exchange import make_template

        units = self.units_at(ou or self.package.root().code, level)
        return make_template(self.package, units, [_period(p) for p in periods], path=Path(path))

    # -- review: checks, approval, history ------------------------------------------
    def check(self, ou: str, period: str | Period, as_of: datetime | None = None):
        """Rule violations, outliers, missing and late reports for ``ou``'s subtree."""
        from weijian import quality

        return quality.check(self.analytics, ou, _period(period), as_of=as_of)

    def reporting(self, ou: str, period: str | Period, dataset: str | None = None):
        """应报/实报/及时报 and 上报率/及时率 for ``ou``'s subtree."""
        if dataset is not None and dataset not in self.package.datasets:
            raise NotFoundError(f"报表编码“{dataset}”不存在")
        from weijian import quality

        return quality.completeness(self.analytics, self.subtree(ou), _period(period),
                                    datasets=[dataset] if dataset else None)

    def approve(self, ou: str, period: str | Period, user: str) -> None:
        """Lock ``ou`` and everything below it for ``period`` (审核锁定)."""
        self._orgunit(ou)
        self.store.approve(ou, _period(period), user)

    def unapprove(self, ou: str, period: str | Period, user: str, reason: str) -> None:
        self._orgunit(ou)
        self.store.unapprove(ou, _period(period), user, reason)

    def history(self, element: str | None = None, ou: str | None = None, period: str | Period | None = None):
        """The audit trail of values (who, when, old → new, source file and row)."""
        if element is not None and element not in self.package.elements:
            raise NotFoundError(f"数据项编码“{element}”不存在")
        if ou is not None:
            self._orgunit(ou)
        period_id = _period(period).id if period is not None else None
        return self.store.audit_history(dataelement=element, orgunit=ou, period=period_id)

    # -- the 工作总结 ------------------------------------------------------------------
    def report(self, period: str | Period, ou: str | None = None, *, template: str | Path | None = None,
               today: date | None = None, placeholders: bool = True) -> Draft:
        """Draft the work summary of ``ou`` (default the county) for ``period``:
        the default template of the period's kind (上半年, 年度, 季度 or 月) unless
        ``template`` names a copy; ``placeholders`` keeps the 【待补充：……】 slots."""
        from weijian import quality
        from weijian.reports.draft import draft_report

        p = _period(period)
        ou = ou or self.package.root().code
        self._orgunit(ou)
        return draft_report(self.analytics, self.package, p, ou, template=template, today=today,
                            reporting=lambda: quality.completeness(self.analytics, self.subtree(ou), p),
                            ledger=self.ledger, placeholders=placeholders)

    def write_report(self, draft: Draft, path: str | Path, *, pdf: bool = False, appendix: str = "xlsx") -> list[Path]:
        """Write .docx/.md/.html (by suffix) with its JSON sidecar, the 数据来源 附件
        (``appendix``: xlsx, docx, inline or none), and a PDF when asked."""
        from weijian.reports.draft import write_report

        return write_report(draft, path, pdf=pdf, appendix=appendix)

    @property
    def ledger(self) -> Ledger:
        """The work ledger (工作台账) kept in this workspace's store."""
        from weijian.ledger import Ledger

        return Ledger(self.store, self.package)

    # -- figures ------------------------------------------------------------------
    @property
    def analytics(self) -> Analytics:
        if self._analytics is None:
            from weijian.analytics.engine import Analytics, Deferred

            source = prepared = None
            writer = self.store.analytics_tables() if hasattr(self.store, "analytics_tables") else None
            if writer is not None and writer.built():
                from weijian.analytics.prepared import PreparedQueries

                # templates compiled by earlier processes: a query starts without Ibis
                prepared = PreparedQueries(writer, self.package, self.folder / CACHE_DIR / "queries")
                source = Deferred(lambda: self._aggregate_source(prepared))
            self._analytics = Analytics(Deferred(self.store.values_table), Deferred(self.store.orgunits_table),
                                        self.package, aggregates=source, prepared=prepared)
        return self._analytics

    def _aggregate_source(self, prepared):
        from weijian.analytics.aggregate_reads import AggregateSource

        return AggregateSource(self._aggregate_tables(), prepared=prepared)

    # -- analytics tables (pre-aggregated roll-ups; docs/scale.md) -------------------------
    def _aggregate_tables(self):
        if not hasattr(self.store, "analytics_tables"):
            return None
        from weijian.analytics.aggregates import AggregateTables

        return AggregateTables(self.store, self.package)

    def build_analytics_tables(self):
        """Build (or rebuild) the analytics tables; queries read them from now on
        and every import refreshes what it touched."""
        tables = self._aggregate_tables()
        if tables is None:
            raise WeijianError("此存储不支持分析表")
        summary = tables.build()
        self._analytics = None
        return summary

    def drop_analytics_tables(self) -> None:
        tables = self._aggregate_tables()
        if tables is not None:
            tables.drop()
        self._analytics = None

    def refresh_analytics_tables(self):
        """Recompute what imports touched since the last refresh (None: nothing
        to do, or no analytics tables)."""
        tables = self._aggregate_tables()
        if tables is None or not tables.enabled:
            return None
        return tables.refresh()

    def analytics_tables_status(self) -> dict:
        tables = self._aggregate_tables()
        if tables is None:
            return {"enabled": False, "tables": [], "pending": 0}
        return {"enabled": tables.enabled, "tables": sorted(tables.built().values()),
                "pending": len(tables.writer.dirty())}

    def query(self, code: str, ou: str, period: str | Period) -> list[Result]:
        """Figures for ``ou``; ``children:CODE`` lists and ranks the children."""
        if ou.startswith("children:"):
            parent = ou.split(":", 1)[1]
            self._orgunit(parent)
            children = [c.code for c in self.package.children(parent)]
            if not children:
                raise NotFoundError(f"机构“{self.package.orgunits[parent].name}”没有下级机构")
            return self.analytics.query(code, children, _period(period), rank=True)
        self._orgunit(ou)
        return self.analytics.query(code, [ou], _period(period))

    def value(self, code: str, ou: str, period: str | Period) -> Decimal | None:
        return self.query(code, ou, period)[0].value

    # -- org units ------------------------------------------------------------------
    def _orgunit(self, code: str):
        if code not in self.package.orgunits:
            raise NotFoundError(f"机构编码“{code}”不存在")
        return self.package.orgunits[code]

    def subtree(self, code: str) -> list[str]:
        root = self._orgunit(code)
        depth = len(root.path)
        return [ou.code for ou in self.package.orgunits.values() if ou.path[:depth] == root.path]

    def units_at(self, code: str, level: int | None) -> list[str]:
        units = self.subtree(code)
        if level is None:
            return units
        return [c for c in units if self.package.orgunits[c].level == level]


def _county_units(orgunits: str | Path | None, county: str | None):
    """The county's own tree as model OrgUnits (root first), or None for the package's."""
    from weijian.model.metadata import OrgUnit

    if orgunits is not None and county is not None:
        raise WeijianError("--orgunits 和 --county 只能给一个：机构表里已有县（区）本身")
    if county is not None:
        name = county.strip()
        if not name:
            raise WeijianError("--county 应为县（区）名称，如 某某县")
        from weijian.exchange.orgunit_sheet import name_initials

        return [OrgUnit(code=name_initials(name, root=True) or "XIAN", name=name, type="县", level=1)]
    if orgunits is None:
        return None
    from weijian.exchange.orgunit_sheet import read_orgunit_sheet

    tree, problems = read_orgunit_sheet(orgunits)
    if problems:
        raise MetadataError(problems)
    return [OrgUnit(code=u.code, name=u.name, type=u.type, parent=u.parent, level=u.level) for u in tree]


def _period(period: str | Period) -> Period:
    return period if isinstance(period, Period) else Period.parse(period)
