"""CSRF: every state-changing route (enumerated from the app, so a new one is covered) refuses
a cookie request without the session's token, with a wrong one, or with another session's."""
from __future__ import annotations

import pytest
from security_fixtures import PUBLIC, VILLAGE_A
from test_access_matrix import ROUTES

UNSAFE = [r for r in ROUTES if r.unsafe and (r.method, r.path) not in PUBLIC]


def test_the_state_changing_routes_are_found():
    paths = {r.path for r in UNSAFE}
    assert {"/api/entry", "/entry/cell", "/api/import", "/import/confirm", "/api/approve", "/review/unapprove",
            "/api/dataValueSets", "/logout"} <= paths


@pytest.fixture(scope="module")
def two_sessions(secure_web):
    return secure_web.client("admin_a"), secure_web.client("admin_a")


def _state(web) -> tuple:
    with web.workspaces.reader() as ws:
        return ws.store.count_values(), tuple(ws.store.approvals()), len(ws.store.audit_history(orgunit=VILLAGE_A))


@pytest.mark.parametrize("route", UNSAFE, ids=str)
@pytest.mark.parametrize("token", ["none", "wrong", "other-session", "form-of-other-session"])
def test_cookie_requests_without_the_sessions_token_are_refused(secure_web, two_sessions, route, token):
    client, other = two_sessions
    before = _state(secure_web)
    data = {"ou": VILLAGE_A, "period": "202001", "reason": "测试"}
    headers = {}
    if token == "wrong":
        headers["X-CSRF-Token"] = client.csrf[:-2] + "xx"
    elif token == "other-session":
        headers["X-CSRF-Token"] = other.csrf
    elif token == "form-of-other-session":
        data["csrf_token"] = other.csrf
    response = client.request(route.method, route.path, data=data, headers=headers)
    assert response.status_code == 403 and "CSRF" in response.text, response.text[:300]
    assert _state(secure_web) == before
    assert client.get("/api/me").status_code == 200  # still logged in (logout was refused too)


def test_the_token_is_accepted_in_header_and_form(secure_web, two_sessions):
    client, _ = two_sessions
    ok = client.post("/api/approve", json={"ou": VILLAGE_A, "period": "202002", "confirm": True},
                     headers={"X-CSRF-Token": client.csrf})
    assert ok.status_code == 200, ok.text
    form = client.post("/review/unapprove", data={"ou": VILLAGE_A, "period": "202002", "reason": "测试",
                                                  "csrf_token": client.csrf})
    assert form.status_code == 303, form.text


def test_bearer_requests_need_no_csrf_token_and_carry_no_cookie(secure_web):
    from weijian.web.users import new_token

    token = secure_web.workspaces.write(lambda ws: new_token(ws, "admin_a"))
    client = secure_web.client()
    response = client.post("/api/approve", json={"ou": VILLAGE_A, "period": "202003", "confirm": True},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers
    bad = client.post("/api/approve", json={"ou": VILLAGE_A, "period": "202003"},
                      headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_login_from_another_sites_page_is_refused(secure_web):
    client = secure_web.client()
    response = client.post("/login", data={"name": "admin", "password": "correct-horse-9"},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers
