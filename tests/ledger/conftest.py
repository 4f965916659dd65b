"""Ledger fixtures: the small package's org units, a Ledger on each backend's store."""
from __future__ import annotations

import pytest

from weijian.ledger import Ledger
from weijian.metadata import SMALL_PACKAGE, load_package


@pytest.fixture(scope="session")
def small_package():
    return load_package(SMALL_PACKAGE)


@pytest.fixture
def ledger(store, small_package) -> Ledger:
    return Ledger(store, small_package)


@pytest.fixture
def subtree(small_package):
    """code → the codes of that unit and every unit below it (what callers pass as ``orgunits``)."""
    def codes(code: str) -> set[str]:
        root = small_package.orgunits[code]
        return {ou.code for ou in small_package.orgunits.values() if ou.path[:len(root.path)] == root.path}
    return codes
