"""The web app on every backend (DuckDB file and PostgreSQL): a small county, users,
cell saves through the single writer, approval, the org-unit check, dataValueSets."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_fixtures import PASSWORD

from weijian.metadata import DEFAULT_PACKAGE
from weijian.web import Settings, create_app
from weijian.web.users import add_user
from weijian.workspace import Workspace

SMALL = DEFAULT_PACKAGE.parent / "small"
VILLAGE, OTHER_VILLAGE = "YL_GX_JTYC", "YL_MX_SJPC"


@pytest.fixture
def small_app(store_url, tmp_path):
    folder = tmp_path / "小县"
    with Workspace.init(folder, SMALL, store=store_url.url, schema=store_url.schema) as ws:
        csv = tmp_path / "10月.csv"
        csv.write_text(f"dataelement,period,orgunit,value\nHTN_MANAGED,202610,{VILLAGE},40\n"
                       f"HTN_MANAGED,202610,{OTHER_VILLAGE},30\n", encoding="utf-8")
        assert ws.import_files([csv], user="test").ok
        add_user(ws, "luru", "录入员", "YL_GX", PASSWORD, by="test")
        add_user(ws, "shenhe", "审核员", "YL", PASSWORD, by="test")
    app = create_app(folder, Settings(readers=1))
    try:
        yield app
    finally:
        app.state.workspaces.close()


def _login(app, name: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 303
    client.headers["X-CSRF-Token"] = client.get("/api/me").json()["csrf"]
    return client


def test_entry_approval_and_scope_on_every_backend(small_app):
    luru = _login(small_app, "luru")
    saved = luru.post("/api/entry", json={"ou": VILLAGE, "period": "202610", "values": [
        {"element": "HTN_STD_MANAGED", "value": "45"}, {"element": "HTN_MANAGED", "value": "41"}]})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["summary"] == {"created": 1, "updated": 1, "unchanged": 0, "deleted": 0}
    assert [f["rule"] for f in body["rules"]["findings"]] == ["HTN_STD_LE_MANAGED"]
    got = luru.get(f"/api/dataValueSets?orgUnit={VILLAGE}&period=202610").json()["dataValues"]
    assert {(v["dataElement"], v["value"], v["storedBy"]) for v in got} == {
        ("HTN_MANAGED", "41", "luru"), ("HTN_STD_MANAGED", "45", "luru")}
    assert luru.get(f"/api/entry?ou={OTHER_VILLAGE}").status_code == 403
    assert luru.post("/api/entry", json={"ou": OTHER_VILLAGE, "period": "202610",
                                         "values": [{"element": "HTN_MANAGED", "value": "1"}]}).status_code == 403
    shenhe = _login(small_app, "shenhe")
    # nothing handed in (上报) yet: the lock takes an explicit confirmation
    first = shenhe.post("/api/approve", json={"ou": "YL_GX", "period": "202610"})
    assert first.status_code == 409 and first.json()["needs_confirmation"] is True
    assert shenhe.post("/api/approve", json={"ou": "YL_GX", "period": "202610", "confirm": True}).status_code == 200
    locked = luru.post("/api/entry", json={"ou": VILLAGE, "period": "202610",
                                           "values": [{"element": "HTN_MANAGED", "value": "50"}]})
    assert locked.status_code == 422 and "审核锁定" in locked.text
    with small_app.state.workspaces.reader() as ws:
        assert {e["action"] for e in ws.store.events()} >= {"login", "approve"}
        assert ws.value("HTN_MANAGED", VILLAGE, "202610") == 41
