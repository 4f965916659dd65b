"""Upgrades: a workspace made by the first store schema (migration 001 only) opens
migrated to the latest, values and audit trail intact; metadata files of a newer
format are refused clearly, older ones go through the upgrade steps."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest
from ops_helpers import assert_consistent, small_rows

from weijian.errors import MetadataError
from weijian.metadata import SMALL_PACKAGE, load_package, versions
from weijian.metadata.schemas import SCHEMA_VERSION
from weijian.storage import open_store
from weijian.storage.base import KEY_COLUMNS
from weijian.storage.sql_common import load_migrations
from weijian.workspace import Workspace, WorkspaceConfig

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "schema1"
KEYS = ", ".join(KEY_COLUMNS)
VALUES_SQL = f"SELECT {KEYS}, value, start_month, end_month, storedby, created, lastupdated FROM datavalue ORDER BY {KEYS}"
AUDIT_SQL = f"SELECT id, {KEYS}, old_value, new_value, action, changed_by, changed_at, source, source_row FROM audit ORDER BY id"


def dump_statements() -> list[str]:
    lines = (FIXTURE / "dump.sql").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.startswith("INSERT INTO ")]


def fixture_folder(tmp_path: Path, store: str | None = None, schema: str | None = None) -> Path:
    folder = tmp_path / "旧工作区"
    folder.mkdir()
    shutil.copytree(FIXTURE / "metadata", folder / "metadata")
    if store is None:
        shutil.copy(FIXTURE / "weijian.yaml", folder / "weijian.yaml")
    else:
        WorkspaceConfig(store=store, schema=schema).write(folder)
    return folder


def check_upgraded(folder: Path, values_before: list, audit_before: list) -> None:
    statements = dump_statements()
    assert len(values_before) == sum(s.startswith("INSERT INTO datavalue ") for s in statements) > 100
    assert len(audit_before) == sum(s.startswith("INSERT INTO audit ") for s in statements) > 100
    with Workspace.open(folder) as ws:
        latest = load_migrations(ws.store.dialect)[-1][0]
        assert latest > 1
        assert ws.store.schema_version() == latest
        assert ws.store._db.query(VALUES_SQL) == values_before
        assert ws.store._db.query(AUDIT_SQL) == audit_before
        assert_consistent(ws.store)
        # what later migrations added works on the upgraded store
        ws.approve("YL_GX", "2024S1", "shenhe")
        assert ws.store.is_locked("YL_GX_WSY", 2024 * 12, 2024 * 12) is not None
        ws.store.write_values(small_rows(("202407",)), user="after", source="升级后")
        assert ws.store.audit_history()[-1].changed_by == "after"
        assert ws.store.audit_history()[-1 - len(small_rows(("202407",)))] == ws.store.audit_history()[
            len(audit_before) - 1]
        ws.store.add_user("admin", "管理员", "YL", None, by="test")
        assert ws.query("HTN_MANAGED", "YL_GX", "202401")[0].value is not None
        assert_consistent(ws.store)


def test_a_schema_1_duckdb_file_is_migrated_on_open(tmp_path):
    folder = fixture_folder(tmp_path)
    with gzip.open(FIXTURE / "weijian.duckdb.gz") as src, (folder / "weijian.duckdb").open("wb") as dst:
        shutil.copyfileobj(src, dst)
    with duckdb.connect(str(folder / "weijian.duckdb")) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
        assert not con.execute("SELECT * FROM information_schema.tables WHERE table_name = 'approval'").fetchall()
        values_before = con.execute(VALUES_SQL).fetchall()
        audit_before = con.execute(AUDIT_SQL).fetchall()
    check_upgraded(folder, values_before, audit_before)


def test_a_schema_1_store_is_migrated_on_each_backend(store_url, tmp_path):
    """The fixture's rows loaded into a store made by migration 001 only, then opened."""
    target = store_url.url if store_url.schema else str(tmp_path / "旧工作区" / "weijian.duckdb")
    folder = fixture_folder(tmp_path, store_url.url if store_url.schema else None, store_url.schema)
    old = open_store(target, schema=store_url.schema, migrate_to=1)
    try:
        assert old.schema_version() == 1
        for statement in dump_statements():
            if store_url.schema and statement.startswith("INSERT INTO audit "):  # identity column
                statement = statement.replace(") VALUES (", ") OVERRIDING SYSTEM VALUE VALUES (", 1)
            old._db.execute(statement)
        if store_url.schema:
            old._db.execute("SELECT setval(pg_get_serial_sequence('audit', 'id'), (SELECT max(id) FROM audit))")
        else:
            top = old._db.query("SELECT max(id) FROM audit")[0][0]
            old._db.execute(f"SELECT max(nextval('audit_id_seq')) FROM range({top})")
        values_before = old._db.query(VALUES_SQL)
        audit_before = old._db.query(AUDIT_SQL)
    finally:
        old.close()
    check_upgraded(folder, values_before, audit_before)


# -- metadata package format (schema_version in every YAML file) ------------------------------------

def package_with(tmp_path: Path, file: str, replace: tuple[str, str]) -> Path:
    folder = tmp_path / "元数据"
    shutil.copytree(SMALL_PACKAGE, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert replace[0] in text
    (folder / file).write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return folder


def test_a_newer_metadata_format_is_refused_in_chinese(tmp_path):
    folder = package_with(tmp_path, "elements.yaml", ("schema_version: 1", f"schema_version: {SCHEMA_VERSION + 1}"))
    with pytest.raises(MetadataError) as caught:
        load_package(folder)
    (problem,) = caught.value.problems
    assert problem.file == "elements.yaml" and problem.column == "schema_version"
    assert "高于本程序支持的" in problem.message and "请升级 weijian" in problem.message


def test_an_older_metadata_format_without_an_upgrade_step_is_refused(tmp_path):
    folder = package_with(tmp_path, "targets.yaml", ("schema_version: 1", "schema_version: 0"))
    with pytest.raises(MetadataError, match="过旧"):
        load_package(folder)


def test_upgrade_steps_run_in_order(tmp_path, monkeypatch):
    """The mechanism, with a made-up older layout (there is no real version 0):
    version 0 called the targets list ``goals``; the step renames it."""
    folder = package_with(tmp_path, "targets.yaml", ("schema_version: 1", "schema_version: 0"))
    text = (folder / "targets.yaml").read_text(encoding="utf-8")
    (folder / "targets.yaml").write_text(text.replace("targets:", "goals:", 1), encoding="utf-8")
    seen = []

    def rename_goals(file: str, data: dict) -> dict:
        seen.append((file, data["schema_version"]))
        if "goals" in data:
            data["targets"] = data.pop("goals")
        return data

    monkeypatch.setattr(versions, "UPGRADES", {0: rename_goals})
    package = load_package(folder)
    assert seen == [("targets.yaml", 0)]
    assert package.targets == load_package(SMALL_PACKAGE).targets
