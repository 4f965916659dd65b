"""Helpers of the web tests: users of each role and of two townships (A = 官庄镇 YL_GX,
B = 凉水井镇 YL_LSJ), and a handle on the app that makes logged-in clients."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient

from weijian.web.users import add_user
from weijian.workspace import Workspace

PASSWORD = "correct-horse-9"
# name → (role, org unit)
USERS = {
    "admin": ("管理员", "YL"),
    "shenhe": ("审核员", "YL"),
    "viewer": ("只读", "YL"),
    "luru_a": ("录入员", "YL_GX"),
    "luru_b": ("录入员", "YL_LSJ"),
    "shenhe_a": ("审核员", "YL_GX"),
    "cun_a": ("录入员", "YL_GX_C01"),
}
TOWNSHIP_A, TOWNSHIP_B = "YL_GX", "YL_LSJ"
VILLAGE_A, VILLAGE_B = "YL_GX_C01", "YL_LSJ_C01"


@dataclass
class WebApp:
    app: object
    folder: object

    def client(self, name: str | None = None) -> TestClient:
        """A browser: logged in as ``name`` (None: anonymous); ``client.csrf`` holds its token."""
        client = TestClient(self.app, follow_redirects=False)
        client.csrf = None
        if name is not None:
            response = client.post("/login", data={"name": name, "password": PASSWORD})
            assert response.status_code == 303, response.text
            client.csrf = client.get("/api/me").json()["csrf"]
        return client

    @property
    def workspaces(self):
        return self.app.state.workspaces

    def count_values(self) -> int:
        with self.workspaces.reader() as ws:
            return ws.store.count_values()


def add_users(folder, users=USERS) -> None:
    with Workspace.open(folder) as ws:
        for name, (role, ou) in users.items():
            add_user(ws, name, role, ou, PASSWORD, by="test")


@contextmanager
def private_web(demo_workspace, tmp_path_factory, name: str, readers: int = 2):
    """An app over a private copy of the demo county, for tests whose writes others must not see."""
    import shutil

    from weijian.web import Settings, create_app

    folder = tmp_path_factory.mktemp(name) / "演示县"
    shutil.copytree(demo_workspace, folder)
    add_users(folder)
    app = create_app(folder, Settings(readers=readers))
    try:
        yield WebApp(app, folder)
    finally:
        app.state.workspaces.close()


@contextmanager
def served(app):
    """``app`` under a real uvicorn server on a free local port, in a background thread; yields its URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
