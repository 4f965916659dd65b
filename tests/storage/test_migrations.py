"""Numbered migrations: applied once, recorded in schema_version, kept in step across dialects."""
from __future__ import annotations

from importlib import resources

import pytest

from weijian.errors import StoreError
from weijian.storage import open_store, sql_common


def latest(store) -> int:
    return sql_common.load_migrations(store.dialect)[-1][0]


def test_migrate_is_idempotent_and_versioned(store):
    assert latest(store) >= 1
    assert store.schema_version() == latest(store)
    assert store.migrate() == latest(store)
    assert store.migrate() == latest(store)
    assert store.schema_version() == latest(store)


def test_reopen_keeps_version_and_data(store_url):
    from weijian.storage import ValueRow

    with open_store(store_url.url, schema=store_url.schema) as first:
        first.write_values([ValueRow("VACC", "202401", "YL_A", 1.0, 1, 1)], user="u", source="s")
        version = first.schema_version()
    with open_store(store_url.url, schema=store_url.schema) as again:
        assert again.schema_version() == version
        assert again.count_values() == 1


def test_new_migration_is_applied_once(store, monkeypatch):
    known = sql_common.load_migrations(store.dialect)
    nxt = known[-1][0] + 1
    monkeypatch.setattr(sql_common, "load_migrations",
                        lambda dialect: [*known, (nxt, "CREATE TABLE wj_extra (x INTEGER)")])
    assert store.migrate() == nxt
    assert store.migrate() == nxt  # would fail if the CREATE TABLE ran twice
    assert store.schema_version() == nxt


def test_database_newer_than_code_is_refused(store, monkeypatch):
    known = sql_common.load_migrations(store.dialect)
    monkeypatch.setattr(sql_common, "load_migrations",
                        lambda dialect: [*known, (known[-1][0] + 1, "CREATE TABLE wj_extra (x INTEGER)")])
    store.migrate()
    monkeypatch.undo()
    with pytest.raises(StoreError, match="升级"):
        store.migrate()


def test_dialects_have_the_same_migration_numbers():
    folder = resources.files("weijian.storage") / "migrations"
    dialects = sorted(entry.name for entry in folder.iterdir() if entry.is_dir())
    numbers = {d: [v for v, _ in sql_common.load_migrations(d)] for d in dialects}
    assert len(dialects) >= 2
    first = numbers[dialects[0]]
    assert first == list(range(1, len(first) + 1))
    assert all(n == first for n in numbers.values())


def test_schema_may_come_from_the_url(store_url):
    if store_url.schema is None:
        pytest.skip("该存储没有 schema 参数")
    url = f"{store_url.url}{'&' if '?' in store_url.url else '?'}schema={store_url.schema}"
    with open_store(url) as opened:
        assert opened.schema_version() >= 1
        assert opened.values_table().count().execute() == 0
