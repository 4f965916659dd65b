"""Shared fixtures: every storage-backed test runs once per backend (DESIGN §5)."""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

from weijian.storage import Store, open_store


@dataclass(frozen=True)
class StoreTarget:
    """Where a test store lives: a DuckDB path, or a PostgreSQL URL plus a fresh schema."""

    url: str
    schema: str | None = None


def _drop_pg_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")  # a leaked reader must not hang the suite
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["duckdb", "postgres"])
def store_url(request, tmp_path):
    if request.param == "duckdb":
        yield StoreTarget(str(tmp_path / "weijian.duckdb"))
        return
    url = os.environ.get("WEIJIAN_TEST_PG")
    if not url:
        pytest.skip("未设置 WEIJIAN_TEST_PG，跳过 PostgreSQL 测试")
    schema = f"wj_test_{uuid.uuid4().hex[:12]}"
    try:
        yield StoreTarget(url, schema)
    finally:
        _drop_pg_schema(url, schema)


@pytest.fixture
def store(store_url) -> Store:
    opened = open_store(store_url.url, schema=store_url.schema)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    """The demo county (fixed end month, so figures are stable), built once."""
    from weijian.demo import build_demo

    folder = tmp_path_factory.mktemp("demo") / "演示县"
    build_demo(folder, last_month="202610").close()
    return folder


# Long runs (fuzzing with 100 000 inputs per target, the long crash test) are
# skipped unless ``-m fuzz`` / ``-m long`` names them; CI runs their short twins.
OPT_IN_MARKERS = {
    "fuzz": "长时间模糊测试：用 pytest -m fuzz 运行（条数见 WEIJIAN_FUZZ_EXAMPLES）",
    "long": "长时间测试：用 pytest -m long 运行",
}


def _selected(config, marker: str) -> bool:
    expression = (config.getoption("markexpr", "") or "").replace(" ", "")
    return marker in expression and f"not{marker}" not in expression


def pytest_collection_modifyitems(config, items):
    for marker, reason in OPT_IN_MARKERS.items():
        if _selected(config, marker):
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)
