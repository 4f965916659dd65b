"""Fixtures for the security tests: the real app over copies of the demo county — one as
built, one whose org-unit names and ledger carry hostile text — with a user of every role
bound to the county and to 乡镇 A."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "web"))

from security_fixtures import HOSTILE_NAMES, USERS, add_hostile_ledger_entry, rename_units  # noqa: E402
from web_fixtures import WebApp, add_users  # noqa: E402

from weijian.web import Settings, create_app  # noqa: E402


def _app(folder: Path) -> WebApp:
    add_users(folder, USERS)
    return WebApp(create_app(folder, Settings(readers=2)), folder)


@pytest.fixture(scope="session")
def secure_web(demo_workspace, tmp_path_factory):
    folder = tmp_path_factory.mktemp("security") / "演示县"
    shutil.copytree(demo_workspace, folder)
    web = _app(folder)
    try:
        yield web
    finally:
        web.workspaces.close()


@pytest.fixture(scope="session")
def hostile_web(demo_workspace, tmp_path_factory):
    """The demo county with org-unit names that are HTML, spreadsheet formulas and paths."""
    folder = tmp_path_factory.mktemp("hostile") / "演示县"
    shutil.copytree(demo_workspace, folder)
    rename_units(folder, HOSTILE_NAMES)
    add_hostile_ledger_entry(folder)
    web = _app(folder)
    try:
        yield web
    finally:
        web.workspaces.close()
