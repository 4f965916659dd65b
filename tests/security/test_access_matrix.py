"""Every route × every role, found by enumerating the app: the route needs a login and a
permission; a role without the permission gets 403 on it, a user of 乡镇 A gets 403 for
乡镇 B and the county whatever the route, and nothing changes in the store."""
from __future__ import annotations

import pytest
from security_fixtures import (
    PERMISSIONS_OF, PUBLIC, TOWNSHIP_B, TOWNSHIP_USERS, USERS, VILLAGE_A, RouteInfo, routes,
)

from weijian.web import create_app

# Not a period: a request that passes the access check then stops at parsing it (400), so the
# matrix stays fast and writes nothing; the access check itself runs before any parsing.
PERIOD = "不是期间"


def _app_routes() -> list[RouteInfo]:
    import tempfile

    from weijian.metadata import SMALL_PACKAGE
    from weijian.workspace import Workspace

    with tempfile.TemporaryDirectory() as folder:  # only to list the routes
        Workspace.init(folder, metadata=SMALL_PACKAGE).close()
        app = create_app(folder)
        found = routes(app)
        app.state.workspaces.close()
    return found


ROUTES = _app_routes()
PROTECTED = [r for r in ROUTES if (r.method, r.path) not in PUBLIC and r.path != "/logout"]


def test_every_route_but_login_needs_a_permission():
    assert len(ROUTES) > 40 and any(r.unsafe for r in ROUTES)
    assert {(r.method, r.path) for r in ROUTES if r.permission is None} == PUBLIC
    assert {r.permission for r in ROUTES} == {None, "view", "enter", "approve"}


@pytest.fixture(scope="module")
def clients(secure_web):
    return {name: secure_web.client(name) for name in TOWNSHIP_USERS}


def _state(web) -> tuple:
    """What a refused request must not change: values, approvals, value changes of the units asked for."""
    with web.workspaces.reader() as ws:
        return (ws.store.count_values(), tuple(ws.store.approvals()), len(ws.store.approval_log()),
                *(len(ws.store.audit_history(orgunit=ou)) for ou in (VILLAGE_A, TOWNSHIP_B, "YL")))


def _ask(client, route: RouteInfo, ou: str):
    headers = {"X-CSRF-Token": client.csrf}
    if route.unsafe:
        data = {"ou": ou, "period": PERIOD, "reason": "测试", "csrf_token": client.csrf}
        return client.request(route.method, f"{route.path}?ou={ou}", data=data, headers=headers)
    return client.request(route.method, route.path, params={"ou": ou, "period": PERIOD}, headers=headers)


@pytest.mark.parametrize("name", TOWNSHIP_USERS)
@pytest.mark.parametrize("route", PROTECTED, ids=str)
def test_roles_get_exactly_their_permissions(secure_web, clients, route, name):
    allowed = route.permission in PERMISSIONS_OF[USERS[name][0]]
    before = _state(secure_web) if not allowed else None
    response = _ask(clients[name], route, VILLAGE_A)
    if allowed:  # past the role check (a route may still refuse for its own reasons, never a 500)
        assert response.status_code != 401 and response.status_code < 500, response.text[:300]
        assert not (response.status_code == 403 and "角色" in response.text), response.text[:300]
    else:
        assert response.status_code == 403 and "角色" in response.text, response.text[:300]
        assert _state(secure_web) == before


@pytest.mark.parametrize("name", TOWNSHIP_USERS)
@pytest.mark.parametrize("route", PROTECTED, ids=str)
def test_no_role_reaches_outside_its_units(secure_web, clients, route, name):
    before = _state(secure_web)
    for ou in (TOWNSHIP_B, "YL", f"children:{TOWNSHIP_B}", f"{VILLAGE_A},{TOWNSHIP_B}"):
        response = _ask(clients[name], route, ou)
        assert response.status_code == 403, (ou, response.status_code, response.text[:300])
    assert _state(secure_web) == before


@pytest.mark.parametrize("route", PROTECTED, ids=str)
def test_anonymous_requests_are_refused(secure_web, route):
    response = secure_web.client().request(route.method, route.path, params={"ou": VILLAGE_A})
    expected = (401,) if route.path.startswith("/api/") else (303, 401)
    assert response.status_code in expected, response.text[:300]
