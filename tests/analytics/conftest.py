"""Fixtures of the analytics tests: the tiny county of tiny_county.py in a store."""
from __future__ import annotations

import pytest
from tiny_county import tiny_package, tiny_rows

from weijian.analytics import Analytics


@pytest.fixture
def tiny_county(store):
    package = tiny_package()
    store.replace_orgunits(package.orgunits.values())
    summary = store.write_values(tiny_rows(), user="test", source="tiny_county")
    assert not summary.conflicts
    return Analytics(store.values_table(), store.orgunits_table(), package)
