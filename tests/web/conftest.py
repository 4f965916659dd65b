"""Fixtures for the web tests: the real app in-process over a copy of the demo county."""
from __future__ import annotations

import shutil

import pytest
from web_fixtures import WebApp, add_users

from weijian.web import Settings, create_app


@pytest.fixture(scope="session")
def web(demo_workspace, tmp_path_factory):
    """The app over a private copy of the demo county (shared by the web tests)."""
    folder = tmp_path_factory.mktemp("web") / "演示县"
    shutil.copytree(demo_workspace, folder)
    add_users(folder)
    app = create_app(folder, Settings(readers=2))
    try:
        yield WebApp(app, folder)
    finally:
        app.state.workspaces.close()
