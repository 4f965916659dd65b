"""The authorisation matrix: a 录入员 of 乡镇 A asking to read or write 乡镇 B (or the
county above it) gets 403 on every endpoint, and nothing changes (values, approvals,
users counted before and after)."""
from __future__ import annotations

import json

import pytest

from web_fixtures import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B

CSV_B = f"dataelement,period,orgunit,value\nHTN_MANAGED,202611,{VILLAGE_B},10\n"
JSON_B = json.dumps({"dataValues": [{"dataElement": "HTN_MANAGED", "period": "202611", "orgUnit": VILLAGE_B,
                                     "value": "10"}]})
JSON_B_TOP = json.dumps({"orgUnit": VILLAGE_B, "dataValues": []})
REGISTRATION = json.dumps({"completeDataSetRegistrations": [
    {"dataSet": "BPHS_MONTHLY", "period": "202610", "organisationUnit": "{ou}", "completed": True}]})
WITHDRAWAL = REGISTRATION.replace("true", "false")

# (method, path, request options): {ou} is the unit asked for; every endpoint of the app that takes one.
ENDPOINTS = [
    ("GET", "/entry?ou={ou}", {}),
    ("GET", "/api/entry?ou={ou}", {}),
    ("GET", "/entry/rules?ou={ou}&period=202610", {}),
    ("GET", "/api/entry/rules?ou={ou}&period=202610", {}),
    ("POST", "/entry/cell", {"data": {"ou": "{ou}", "period": "202611", "v:HTN_MANAGED:": "5"}}),
    ("POST", "/entry", {"data": {"ou": "{ou}", "period": "202611", "v:HTN_MANAGED:": "5"}}),
    ("POST", "/api/entry", {"json": {"ou": "{ou}", "period": "202611",
                                     "values": [{"element": "HTN_MANAGED", "value": "5"}]}}),
    ("GET", "/import/template?ou={ou}&period=202611", {}),
    ("GET", "/api/template?ou={ou}&period=202611", {}),
    ("POST", "/import", {"files": {"files": ("b.csv", CSV_B, "text/csv")}}),
    ("POST", "/api/import?dry_run=false", {"files": {"files": ("b.csv", CSV_B, "text/csv")}}),
    ("POST", "/import?ou={ou}", {"files": {"files": ("x.csv", CSV_B, "text/csv")}}),
    ("GET", "/reporting?ou={ou}", {}),
    ("GET", "/api/reporting?ou={ou}&period=202601..202610", {}),
    ("GET", "/reporting/missing?ou={ou}&period=202608", {}),
    ("GET", "/api/reporting/missing?ou={ou}&period=202608", {}),
    ("GET", "/review?ou={ou}&period=202610", {}),
    ("GET", "/api/check?ou={ou}&period=202610", {}),
    ("POST", "/review/approve", {"data": {"ou": "{ou}", "period": "202610"}}),
    ("POST", "/review/unapprove", {"data": {"ou": "{ou}", "period": "202610", "reason": "更正"}}),
    ("POST", "/api/approve", {"json": {"ou": "{ou}", "period": "202610"}}),
    ("POST", "/api/unapprove", {"json": {"ou": "{ou}", "period": "202610", "reason": "更正"}}),
    ("GET", "/dashboard?ou={ou}", {}),
    ("GET", "/api/dashboard?ou={ou}&indicator=HTN_STD_RATE&period=2026S1", {}),
    ("GET", "/dashboard/export.xlsx?ou={ou}", {}),
    ("GET", "/api/dashboard/export.xlsx?ou={ou}", {}),
    ("GET", "/summary?ou={ou}&period=2026S1", {}),
    ("GET", "/api/report?ou={ou}&period=2026S1", {}),
    ("GET", "/summary/download?ou={ou}&period=2026S1", {}),
    ("GET", "/api/report/download?ou={ou}&period=2026S1", {}),
    ("POST", "/audit?ou={ou}", {"files": {"file": ("总结.txt", "全县共有卫生院21个。".encode(), "text/plain")}}),
    ("POST", "/api/audit?ou={ou}", {"files": {"file": ("总结.txt", "全县共有卫生院21个。".encode(), "text/plain")}}),
    ("GET", "/metadata?ou={ou}", {}),
    ("GET", "/api/metadata?ou={ou}&tab=targets", {}),
    ("GET", "/api/dataValueSets?orgUnit={ou}&period=202610", {}),
    ("GET", "/api/dataValueSets?orgUnit={ou}&period=202610&children=true&format=csv", {}),
    ("POST", "/api/dataValueSets", {"content": JSON_B, "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/dataValueSets", {"content": JSON_B_TOP, "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/dataValueSets?dryRun=true", {"content": CSV_B, "headers": {"Content-Type": "text/csv"}}),
    ("GET", "/api/analytics?indicator=HTN_STD_RATE&ou={ou}&period=2026S1", {}),
    ("GET", "/api/analytics?indicator=HTN_STD_RATE&ou=children:{ou}&period=2026S1", {}),
    ("GET", "/api/analytics?indicator=HTN_STD_RATE&ou=" + TOWNSHIP_A + ",{ou}&period=2026S1", {}),
    ("GET", "/api/me?ou={ou}", {}),
    ("GET", "/?ou={ou}", {}),
    # 上报 (complete registrations): the entry form's, and DHIS2's completeDataSetRegistrations
    ("POST", "/entry/complete", {"data": {"ou": "{ou}", "dataset": "BPHS_MONTHLY", "period": "202610"}}),
    ("POST", "/entry/uncomplete", {"data": {"ou": "{ou}", "dataset": "BPHS_MONTHLY", "period": "202610"}}),
    ("POST", "/api/entry/complete", {"json": {"ou": "{ou}", "dataset": "BPHS_MONTHLY", "period": "202610"}}),
    ("POST", "/api/entry/uncomplete", {"json": {"ou": "{ou}", "dataset": "BPHS_MONTHLY", "period": "202610"}}),
    ("GET", "/api/completeDataSetRegistrations?orgUnit={ou}&period=202610", {}),
    ("GET", "/api/completeDataSetRegistrations?orgUnit={ou}&period=202610&children=true", {}),
    ("POST", "/api/completeDataSetRegistrations", {"content": REGISTRATION,
                                                   "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/completeDataSetRegistrations", {"content": WITHDRAWAL,
                                                   "headers": {"Content-Type": "application/json"}}),
    ("DELETE", "/api/completeDataSetRegistrations?ds=BPHS_MONTHLY&pe=202610&ou={ou}", {}),
]
# Units outside 乡镇 A: 乡镇 B, one of its facilities, and the county above A.
OUTSIDE = [TOWNSHIP_B, VILLAGE_B, "YL"]


def _fill(value, ou: str):
    if isinstance(value, str):
        return value.replace("{ou}", ou)
    if isinstance(value, dict):
        return {k: _fill(v, ou) for k, v in value.items()}
    return value


def _call(client, method: str, path: str, options: dict, ou: str, *, csrf: bool = True):
    options = _fill(options, ou)
    headers = dict(options.pop("headers", {}))
    if csrf and client.csrf:
        headers["X-CSRF-Token"] = client.csrf
    return client.request(method, _fill(path, ou), headers=headers, **options)


def _state(web) -> tuple:
    """What a forbidden request must not change: values, the value audit of B's units, approvals."""
    with web.workspaces.reader() as ws:
        return (ws.store.count_values(), len(ws.store.audit_history(orgunit=VILLAGE_B)),
                len(ws.store.audit_history(orgunit=TOWNSHIP_B)), tuple(ws.store.approvals()),
                len(ws.store.approval_log()), tuple(ws.store.registrations()), len(ws.store.registration_log()))


@pytest.fixture(scope="module")
def township_a(web):
    return web.client("luru_a")


@pytest.fixture(scope="module")
def bearer_a(web):
    from weijian.web.users import new_token

    token = web.workspaces.write(lambda ws: new_token(ws, "shenhe_a"))  # 审核员 of 乡镇 A
    client = web.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.mark.parametrize("ou", OUTSIDE)
@pytest.mark.parametrize(("method", "path", "options"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_outside_the_users_units_is_forbidden_and_changes_nothing(web, township_a, method, path, options, ou):
    if "{ou}" not in path and "{ou}" not in json.dumps(options) and ou != VILLAGE_B and "dataValueSets" not in path \
            and "import" not in path:
        pytest.skip("this request names no unit of its own; covered with the facility of B")
    before = _state(web)
    response = _call(township_a, method, path, options, ou)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert _state(web) == before


@pytest.mark.parametrize(("method", "path", "options"),
                         [e for e in ENDPOINTS if e[0] == "POST" or "dataValueSets" in e[1] or "analytics" in e[1]],
                         ids=lambda e: str(e) if isinstance(e, str) else None)
def test_bearer_token_of_township_a_is_scoped_too(web, bearer_a, method, path, options):
    before = _state(web)
    response = _call(bearer_a, method, path, options, TOWNSHIP_B, csrf=False)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert _state(web) == before


@pytest.mark.parametrize(("method", "path", "options"),
                         [("GET", "/api/entry?ou={ou}", {}), ("GET", "/api/dashboard?ou={ou}", {}),
                          ("GET", "/api/dataValueSets?orgUnit={ou}&period=202610", {}),
                          ("GET", "/api/check?ou={ou}&period=202610", {})])
def test_inside_the_users_units_is_allowed(web, township_a, method, path, options):
    assert _call(township_a, method, path, options, VILLAGE_A).status_code == 200


ROLE_CASES = [
    ("viewer", "POST", "/api/entry", {"json": {"ou": VILLAGE_A, "period": "202611",
                                               "values": [{"element": "HTN_MANAGED", "value": "5"}]}}),
    ("viewer", "POST", "/api/dataValueSets", {"content": JSON_B, "headers": {"Content-Type": "application/json"}}),
    ("viewer", "POST", "/api/import", {"files": {"files": ("b.csv", CSV_B, "text/csv")}}),
    ("luru_a", "POST", "/api/approve", {"json": {"ou": VILLAGE_A, "period": "202610"}}),
    ("luru_a", "POST", "/review/approve", {"data": {"ou": VILLAGE_A, "period": "202610"}}),
    ("luru_a", "POST", "/api/unapprove", {"json": {"ou": VILLAGE_A, "period": "202610", "reason": "x"}}),
]


@pytest.mark.parametrize(("name", "method", "path", "options"), ROLE_CASES)
def test_roles_without_the_permission_are_forbidden(web, name, method, path, options):
    client = web.client(name)
    before = _state(web)
    response = _call(client, method, path, options, VILLAGE_A)
    assert response.status_code == 403, response.text[:300]
    assert "角色" in response.text
    assert _state(web) == before


def test_state_changing_cookie_requests_need_the_csrf_token(web, township_a):
    before = _state(web)
    for method, path, options in ENDPOINTS:
        if method != "POST":
            continue
        response = _call(township_a, method, path, options, VILLAGE_A, csrf=False)
        assert response.status_code == 403, (path, response.text[:200])
        assert "CSRF" in response.text
    assert _state(web) == before


def test_anonymous_requests_are_refused(web):
    client = web.client()
    for method, path, options in ENDPOINTS:
        response = _call(client, method, path, options, VILLAGE_A)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code in (303, 401), path
