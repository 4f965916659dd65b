"""Backup and restore of a whole workspace: one zip archive.

    backup_workspace(ws, "2026-06-30.wjbak")          # also while the web app serves ws
    restore_workspace("2026-06-30.wjbak", "新工作区")  # DuckDB file, or store="postgresql://…"

The archive holds ``manifest.json`` (format, schema versions, every file's
SHA-256 and every table's row count), the workspace config and metadata package
under ``workspace/``, and one Parquet file per table under ``tables/`` (read in
one snapshot: ``storage.table_dump``). A restore verifies the manifest before it
touches anything, loads the tables in one transaction into a store at the
backup's schema version, then applies newer migrations: a backup made by an
older weijian restores into a newer one, DuckDB and PostgreSQL alike.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from weijian import __version__
from weijian.errors import StoreError, WeijianError
from weijian.metadata.schemas import SCHEMA_VERSION as METADATA_SCHEMA_VERSION
from weijian.storage import open_store
from weijian.storage.table_dump import TableFile, dump_tables, file_sha256, load_tables, nonempty_tables
from weijian.storage.sql_common import load_migrations
from weijian.workspace import CONFIG_FILE, DEFAULT_STORE, METADATA_DIR, Workspace, WorkspaceConfig

FORMAT = "weijian-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# workspace files copied besides the metadata package
EXTRA_FILES = (CONFIG_FILE, "demo_manifest.yaml")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    manifest: dict

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())

    def describe_zh(self) -> str:
        tables = self.manifest["tables"]
        return (f"{len(tables)} 张表共 {self.rows} 行（数值 {tables.get('datavalue', {}).get('rows', 0)}、"
                f"修改记录 {tables.get('audit', {}).get('rows', 0)}），数据库结构版本 "
                f"{self.manifest['store_schema_version']}，元数据格式版本 {self.manifest['metadata_schema_version']}")


def backup_workspace(ws: Workspace, out: str | Path) -> BackupInfo:
    """Write ``ws`` (config, metadata, every table in one snapshot) to the archive ``out``."""
    out = Path(out)
    if not hasattr(ws.store, "dialect"):
        raise WeijianError("此存储不支持备份")
    with tempfile.TemporaryDirectory(prefix="weijian-backup-") as tmp:
        version, tables = dump_tables(ws.store, Path(tmp) / "tables")
        files = {}
        for path in _workspace_files(ws.folder):
            files[f"workspace/{path.relative_to(ws.folder).as_posix()}"] = path
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "weijian_version": __version__,
            "created_at": datetime.now().isoformat(timespec="seconds"),
            "backend": ws.store.dialect, "store_schema_version": version,
            "metadata_schema_version": METADATA_SCHEMA_VERSION,
            "analytics_tables": bool(ws.analytics_tables_status()["enabled"]),
            "files": {name: file_sha256(path) for name, path in files.items()},
            "tables": {t.name: {"file": f"tables/{t.name}.parquet", "rows": t.rows, "sha256": t.sha256,
                                "columns": [list(c) for c in t.columns]} for t in tables},
        }
        partial = out.with_name(out.name + ".part")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for name, path in files.items():
                archive.write(path, name, compress_type=zipfile.ZIP_DEFLATED)
            for t in tables:  # parquet is compressed already
                archive.write(t.path, f"tables/{t.name}.parquet", compress_type=zipfile.ZIP_STORED)
        partial.replace(out)
    return BackupInfo(out, manifest)


def _workspace_files(folder: Path) -> list[Path]:
    found = [folder / name for name in EXTRA_FILES if (folder / name).is_file()]
    found += sorted(p for p in (folder / METADATA_DIR).rglob("*") if p.is_file())
    return found


def read_manifest(archive: str | Path) -> dict:
    """The manifest of a backup archive; WeijianError when it is not one."""
    if not Path(archive).is_file():
        raise WeijianError(f"备份文件“{archive}”不存在")
    try:
        with zipfile.ZipFile(archive) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise WeijianError(f"“{archive}”不是 weijian 备份文件或已损坏（{type(exc).__name__}）") from exc
    if manifest.get("format") != FORMAT:
        raise WeijianError(f"“{archive}”不是 weijian 备份文件（缺少备份清单）")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise WeijianError(f"备份文件格式版本 {manifest['format_version']} 高于本程序支持的 {FORMAT_VERSION}，请升级 weijian")
    return manifest


def verify_archive(archive: str | Path, into: Path) -> dict:
    """Extract ``archive`` into ``into`` checking every file's SHA-256 and every
    table's row count against the manifest; return the manifest."""
    manifest = read_manifest(archive)
    expected = dict(manifest["files"])
    expected.update({t["file"]: t["sha256"] for t in manifest["tables"].values()})
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist()) - {MANIFEST}
        missing, extra = sorted(set(expected) - names), sorted(names - set(expected))
        if missing or extra:
            raise WeijianError(f"备份文件与清单不符：缺少 {missing or '无'}，多出 {extra or '无'}")
        for name in sorted(expected):
            target = into / name
            if ".." in Path(name).parts or Path(name).is_absolute():
                raise WeijianError(f"备份文件含有非法路径“{name}”")
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(name) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if file_sha256(target) != expected[name]:
                raise WeijianError(f"备份文件已损坏：“{name}”的校验和与清单不符")
    for table, info in manifest["tables"].items():
        rows = pq.ParquetFile(into / info["file"]).metadata.num_rows
        if rows != info["rows"]:
            raise WeijianError(f"备份文件已损坏：表 {table} 有 {rows} 行，清单记为 {info['rows']} 行")
    return manifest


def restore_workspace(archive: str | Path, folder: str | Path, *, store: str | None = None,
                      force: bool = False) -> BackupInfo:
    """Restore ``archive`` into a new workspace ``folder`` (its store: a DuckDB file
    there, or ``store``, a postgresql:// URL). Refuses a non-empty folder or a
    PostgreSQL schema holding data unless ``force`` (which replaces them)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not force:
        raise WeijianError(f"目标目录“{folder}”不是空的；确实要覆盖其中的工作区请加 --force")
    with tempfile.TemporaryDirectory(prefix="weijian-restore-") as tmp:
        staged = Path(tmp)
        manifest = verify_archive(archive, staged)
        version = int(manifest["store_schema_version"])
        pg = store is not None and "://" in store
        latest = load_migrations("postgres" if pg else "duckdb")[-1][0]
        if version > latest:
            raise WeijianError(f"备份的数据库结构版本为 {version}，高于本程序支持的 {latest}：请先升级 weijian 再恢复")
        created = not folder.exists()
        try:
            _prepare_folder(folder, staged / "workspace", store)
            target = store if pg else str(folder / (store or DEFAULT_STORE))
            _load_store(target, manifest, staged, version, force)
            with Workspace.open(folder) as ws:  # migrated to the latest version; org units in step
                if manifest.get("analytics_tables"):
                    ws.build_analytics_tables()
        except BaseException:
            if created:
                shutil.rmtree(folder, ignore_errors=True)
            raise
    return BackupInfo(Path(archive), manifest)


def _prepare_folder(folder: Path, source: Path, store: str | None) -> None:
    """The workspace files from the backup; the config pointing at the new store."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / METADATA_DIR).exists():
        shutil.rmtree(folder / METADATA_DIR)
    for stale in (".orgunits.sha256", DEFAULT_STORE, DEFAULT_STORE + ".wal"):
        (folder / stale).unlink(missing_ok=True)
    shutil.copytree(source, folder, dirs_exist_ok=True)
    if store and "://" not in store:
        for stale in (store, store + ".wal"):
            (folder / stale).unlink(missing_ok=True)
    WorkspaceConfig(store=store or DEFAULT_STORE).write(folder)


def _load_store(target: str, manifest: dict, staged: Path, version: int, force: bool) -> None:
    opened = open_store(target, migrate_to=version)
    try:
        busy = nonempty_tables(opened)
        if busy and not force:
            raise WeijianError(f"目标数据库已有数据（{'、'.join(busy)}）；确实要覆盖请加 --force")
        if busy:  # PostgreSQL with --force: start from an empty schema
            opened.close()
            _drop_schema(opened)
            opened = open_store(target, migrate_to=version)
        if opened.schema_version() > version:
            raise StoreError(f"目标数据库的结构版本 {opened.schema_version()} 与备份的 {version} 不同，请恢复到新的空数据库")
        tables = [TableFile(name, [tuple(c) for c in info["columns"]], info["rows"], info["sha256"],
                            staged / info["file"]) for name, info in manifest["tables"].items()]
        load_tables(opened, tables)
        opened.migrate()
    finally:
        opened.close()


def _drop_schema(store) -> None:
    import psycopg

    from weijian.storage.postgres_store import quote_ident

    with psycopg.connect(store._conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {quote_ident(store.schema)} CASCADE")
