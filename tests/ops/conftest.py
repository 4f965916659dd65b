"""Fixtures of the operations tests (backup, upgrades, crashes, concurrency)."""
from __future__ import annotations

import pytest

from weijian.metadata import SMALL_PACKAGE

def _small(folder, store_url):
    from ops_helpers import init_workspace, small_rows

    ws = init_workspace(folder, store_url, SMALL_PACKAGE)
    ws.store.write_values(small_rows(), user="lisi", source="一季度.csv")
    ws.store.write_values(small_rows(("202401",), offset=0.5), user="zhangsan", source="网页录入")
    first = small_rows()[0]
    ws.store.delete_values([first.key], user="zhangsan", source="网页录入")
    return ws


@pytest.fixture
def small_workspace(tmp_path, store_url):
    """A small-package workspace on each backend, with some values, one update and one delete."""
    ws = _small(tmp_path / "小县", store_url)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def small_duckdb(tmp_path):
    """The same on DuckDB only (for what does not depend on the backend)."""
    from types import SimpleNamespace

    ws = _small(tmp_path / "小县", SimpleNamespace(url=None, schema=None))
    try:
        yield ws
    finally:
        ws.close()
