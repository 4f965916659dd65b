"""Backup and restore: every row of every table comes back, across backends;
the manifest is verified; a snapshot taken during writes is consistent."""
from __future__ import annotations

import json
import re
import shutil
import threading
import uuid
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from importlib import resources

import pytest
from ops_helpers import assert_consistent, drop_pg_schema, run, small_rows, store_option

from weijian.backup import backup_workspace, read_manifest, restore_workspace
from weijian.errors import WeijianError
from weijian.metadata import SMALL_PACKAGE
from weijian.storage.table_dump import SKIPPED_TABLES, backed_up, snapshot
from weijian.web.auth import digest, hash_password
from weijian.workspace import Workspace


def all_rows(store) -> dict[str, Counter]:
    """Every backed-up table's rows (columns by name), as multisets."""
    out = {}
    with snapshot(store) as snap:
        for table in snap.tables():
            if not backed_up(table):
                continue
            columns = sorted(snap.columns(table))
            out[table] = Counter(row for batch in snap.batches(table, columns)
                                 for row in zip(*(c.to_pylist() for c in batch.columns)))
    return out


def assert_same_workspace(a: Workspace, b: Workspace) -> None:
    assert list(a.store.read_values()) == list(b.store.read_values())  # every value, in key order
    assert a.store.audit_history() == b.store.audit_history()  # every audit row, in order
    assert a.store.approval_log() == b.store.approval_log()
    rows_a, rows_b = all_rows(a.store), all_rows(b.store)
    assert rows_a.keys() == rows_b.keys()
    for table in rows_a:
        assert rows_a[table] == rows_b[table], table
    assert (b.folder / "metadata" / "orgunits.yaml").read_bytes() == (a.folder / "metadata" / "orgunits.yaml").read_bytes()


@pytest.fixture(scope="module")
def demo_backup(demo_workspace, tmp_path_factory):
    """A copy of the demo county with approvals, users, sessions and app events added, and its backup."""
    folder = tmp_path_factory.mktemp("ops-backup") / "演示县"
    shutil.copytree(demo_workspace, folder)
    with Workspace.open(folder) as ws:
        ws.approve("YL_GX", "2026S1", "shenhe")
        ws.approve("YL_MX", "2026S1", "shenhe")
        ws.unapprove("YL_MX", "2026S1", "shenhe", "数据有误，退回修改")
        ws.store.add_user("admin", "管理员", "YL", hash_password("correct-horse-9"), by="test")
        ws.store.add_token(digest("secret-token"), "admin", "市平台")
        ws.store.add_session(digest("cookie"), "admin", "csrf", datetime.now() + timedelta(hours=1))
        ws.store.log_event("admin", "login", address="127.0.0.1")
        some = next(iter(ws.store.read_values(["YL_YL_C01"])))
        ws.store.delete_values([(some.dataelement, some.period, some.orgunit, some.categoryoptioncombo,
                                 some.attributeoptioncombo)], user="admin", source="网页录入")
        info = backup_workspace(ws, folder.parent / "演示县.wjbak")
    return folder, info


def test_restore_has_every_row(demo_backup, store_url, tmp_path):
    source, info = demo_backup
    assert info.manifest["tables"]["datavalue"]["rows"] > 300_000
    assert "web_session" not in info.manifest["tables"]  # logins end with a restore
    target = tmp_path / "恢复"
    restore_workspace(info.path, target, store=store_option(store_url))
    with Workspace.open(source) as a, Workspace.open(target) as b:
        assert b.store.schema_version() == a.store.schema_version()
        assert_same_workspace(a, b)
        assert b.store.user("admin")["password_hash"] == a.store.user("admin")["password_hash"]
        assert b.store.session(digest("cookie")) is None
        assert_consistent(b.store)
        # sequences continue after the restored ids: new audit rows sort last
        last = b.store.audit_history()[-1]
        b.store.write_values(small_rows(("202612",))[:1], user="after", source="恢复后")
        assert b.store.audit_history()[-1].changed_by == "after" and b.store.audit_history()[-2] == last
        before = len(b.store.events())
        b.store.log_event("after", "login")
        assert len(b.store.events()) == before + 1
    if store_url.schema is None:
        return
    # PostgreSQL → DuckDB: back up the restored PostgreSQL workspace, restore it into a file
    again = tmp_path / "再恢复"
    with Workspace.open(target) as b:
        b.store.delete_values([small_rows(("202612",))[0].key], user="after", source="恢复后")
        pg_info = backup_workspace(b, tmp_path / "pg.wjbak")
    assert pg_info.manifest["backend"] == "postgres"
    restore_workspace(pg_info.path, again)
    with Workspace.open(target) as b, Workspace.open(again) as c:
        assert_same_workspace(b, c)


def test_same_backend_to_a_second_store(small_workspace, store_url, tmp_path):
    """DuckDB → DuckDB and PostgreSQL → PostgreSQL (another schema) with the CLI."""
    archive = tmp_path / "小县.wjbak"
    small_workspace.close()  # a DuckDB file opens in one process at a time
    made = run("backup", "-w", small_workspace.folder, "-o", archive)
    assert made.returncode == 0, made.stderr
    assert "已备份到" in made.stdout and "修改记录" in made.stdout
    other = None if store_url.schema is None else f"wj_test_{uuid.uuid4().hex[:12]}"
    store = None if other is None else f"{store_url.url}?schema={other}"
    try:
        args = ["restore", archive, "-w", tmp_path / "副本"] + (["--store", store] if store else [])
        done = run(*args)
        assert done.returncode == 0, done.stderr
        with Workspace.open(small_workspace.folder) as source, Workspace.open(tmp_path / "副本") as copy:
            assert copy.store.dialect == source.store.dialect
            assert_same_workspace(source, copy)
            assert_consistent(copy.store)
        if store:  # a schema that has data is not overwritten without --force
            refused = run("restore", archive, "-w", tmp_path / "副本2", "--store", store)
            assert refused.returncode == 2 and "已有数据" in refused.stderr, refused.stderr
            assert not (tmp_path / "副本2").exists()
            forced = run("restore", archive, "-w", tmp_path / "副本2", "--store", store, "--force")
            assert forced.returncode == 0, forced.stderr
            with Workspace.open(small_workspace.folder) as source, Workspace.open(tmp_path / "副本2") as copy:
                assert_same_workspace(source, copy)
    finally:
        if other is not None:
            drop_pg_schema(store_url.url, other)


def test_restore_refuses_a_non_empty_folder_and_force_replaces(small_duckdb, tmp_path):
    archive = tmp_path / "小县.wjbak"
    backup_workspace(small_duckdb, archive)
    count = small_duckdb.store.count_values()
    occupied = tmp_path / "已有"
    occupied.mkdir()
    (occupied / "笔记.txt").write_text("别删我")
    refused = run("restore", archive, "-w", occupied)
    assert refused.returncode == 2 and "不是空的" in refused.stderr and "--force" in refused.stderr
    assert (occupied / "笔记.txt").exists()
    done = run("restore", archive, "-w", occupied, "--force")
    assert done.returncode == 0, done.stderr
    assert "已从" in done.stdout and "恢复到" in done.stdout
    with Workspace.open(occupied) as ws:
        assert ws.store.count_values() == count


def _rewrite(archive, out, change) -> None:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, change(item.filename, src.read(item.filename)))


def test_a_damaged_or_newer_backup_is_refused(small_duckdb, tmp_path):
    archive = tmp_path / "小县.wjbak"
    backup_workspace(small_duckdb, archive)
    flipped = tmp_path / "坏.wjbak"

    def flip(name, data):
        if name == "tables/datavalue.parquet":
            middle = len(data) // 2
            return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        return data
    _rewrite(archive, flipped, flip)
    with pytest.raises(WeijianError, match="校验和"):
        restore_workspace(flipped, tmp_path / "不应出现")
    assert not (tmp_path / "不应出现").exists()

    newer = tmp_path / "新版.wjbak"
    _rewrite(archive, newer, lambda name, data: data if name != "manifest.json" else
             json.dumps({**json.loads(data), "store_schema_version": 999}).encode())
    result = run("restore", newer, "-w", tmp_path / "也不应出现")
    assert result.returncode == 2 and "升级 weijian" in result.stderr
    assert not (tmp_path / "也不应出现").exists()

    with pytest.raises(WeijianError, match="不是 weijian 备份文件"):
        read_manifest(SMALL_PACKAGE / "orgunits.yaml")


def test_every_table_of_the_migrations_is_backed_up(small_duckdb, tmp_path):
    created = set()
    for entry in (resources.files("weijian.storage") / "migrations" / "duckdb").iterdir():
        created |= set(re.findall(r"CREATE TABLE (\w+)", entry.read_text(encoding="utf-8")))
    info = backup_workspace(small_duckdb, tmp_path / "小县.wjbak")
    assert set(info.manifest["tables"]) == {t for t in created if backed_up(t)}
    assert created - set(info.manifest["tables"]) == SKIPPED_TABLES - {"schema_version"}
    for name in ("datavalue", "audit", "approval", "approval_log", "ledger_entry", "ledger_audit",
                 "web_user", "web_token", "app_audit", "orgunit"):
        assert name in info.manifest["tables"]


def test_a_backup_during_writes_is_one_consistent_snapshot(small_workspace, store_url, tmp_path):
    """A writer keeps changing 24 values (each change audited) while three backups are taken;
    each restored backup's audit trail matches its values exactly."""
    stop = threading.Event()
    writes = []

    def writer():
        with Workspace.open(small_workspace.folder) as ws:
            n = 0
            while not stop.is_set():
                n += 1
                ws.store.write_values(small_rows(("202404",), offset=n), user=f"w{n}", source="并发写入")
                writes.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        restored = []
        for k in range(3):
            while len(writes) < 3 * (k + 1):
                stop.wait(0.05)
            info = backup_workspace(small_workspace, tmp_path / f"{k}.wjbak")
            restore_workspace(info.path, tmp_path / f"恢复{k}")
            restored.append(info)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    for k, info in enumerate(restored):
        with Workspace.open(tmp_path / f"恢复{k}") as ws:
            found = assert_consistent(ws.store)
            assert found["audit"] == info.manifest["tables"]["audit"]["rows"]
    assert len(writes) >= 9
