"""A real DHIS2 client library from PyPI (dhis2-client) against our DHIS2 Web API subset
(issue #18), over HTTP to a uvicorn server: ApiToken and Basic auth, system info, me,
paged metadata with fields/filter, single data values, dataValueSets with repeated
parameters and import strategies, ImportSummary conflicts (409), analytics dimensions."""
from __future__ import annotations

import pytest
from web_fixtures import PASSWORD, VILLAGE_A, private_web, served

from weijian.web.users import new_token
from weijian.workspace import Workspace

dhis2_client = pytest.importorskip("dhis2_client")


@pytest.fixture(scope="module")
def server(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "dhis2", readers=1) as web:
        with Workspace.open(web.folder) as ws:
            token = new_token(ws, "luru_a", "dhis2-client 测试")
        with served(web.app) as url:
            yield url, token


@pytest.fixture(scope="module")
def token_client(server):
    url, token = server
    client = dhis2_client.DHIS2Client(url, token=token, retries=0)  # sends "Authorization: ApiToken …"
    yield client
    client.close()


@pytest.fixture(scope="module")
def basic_client(server):
    url, _ = server
    client = dhis2_client.DHIS2Client(url, username="admin", password=PASSWORD, retries=0)
    yield client
    client.close()


def test_system_info_and_me(token_client, basic_client):
    assert token_client.get_system_info()["version"].startswith("2.")
    me = basic_client.get_current_user()
    assert me["username"] == "admin" and me["organisationUnits"][0]["id"] == "YL"
    assert token_client.get_current_user()["username"] == "luru_a"


def test_metadata_pages_fields_and_filters(token_client, basic_client):
    units = list(token_client.get_organisation_units(fields="id,displayName,level"))
    assert units and all(u["id"].startswith("YL_GX") for u in units)  # only the user's own subtree
    assert set(units[0]) == {"id", "displayName", "level"}
    found = list(basic_client.get_organisation_units(filter="displayName:ilike:官庄", fields="id,name"))
    assert {u["id"] for u in found} >= {"YL_GX", "YL_GX_WSY"}
    elements = basic_client.fetch_all("/api/dataElements", params={"filter": "id:in:[HTN_MANAGED,VACC_DOSES]"})
    assert sorted(e["id"] for e in elements) == ["HTN_MANAGED", "VACC_DOSES"]
    everything = basic_client.get("/api/dataSets", params={"paging": "false", "fields": ":all"})
    assert "pager" not in everything and any(d["id"] == "BPHS_MONTHLY" for d in everything["dataSets"])
    assert basic_client.get("/api/organisationUnits/YL_GX")["displayName"] == "官庄镇"


def test_single_data_values(token_client):
    token_client.set_data_value("VILLAGE_VISITS", "202610", VILLAGE_A, 37, co="default")
    assert token_client.get_data_value("VILLAGE_VISITS", "202610", VILLAGE_A) == ["37"]
    token_client.delete_data_value("VILLAGE_VISITS", "202610", VILLAGE_A, co="default")
    with pytest.raises(dhis2_client.errors.DHIS2HTTPError) as gone:
        token_client.get_data_value("VILLAGE_VISITS", "202610", VILLAGE_A)
    assert gone.value.status_code == 404


def test_data_value_sets_with_repeated_parameters_and_strategies(token_client):
    got = token_client.get_data_value_set({"dataSet": "BPHS_MONTHLY", "orgUnit": VILLAGE_A,
                                           "period": ["202609", "202610"]})
    assert {v["period"] for v in got["dataValues"]} == {"202609", "202610"}
    ranged = token_client.get_data_value_set({"dataSet": "BPHS_MONTHLY", "orgUnit": VILLAGE_A,
                                              "startDate": "2026-09-01", "endDate": "2026-10-31"})
    assert len(ranged["dataValues"]) == len(got["dataValues"])
    payload = {"dataSet": "BPHS_MONTHLY", "orgUnit": VILLAGE_A, "period": "202611",
               "dataValues": [{"dataElement": "VILLAGE_VISITS", "categoryOptionCombo": "default", "value": "8"}]}
    created = token_client.post_data_value_set(payload)
    assert created["status"] == "SUCCESS" and created["importCount"]["imported"] == 1
    again = token_client.post("/api/dataValueSets", params={"importStrategy": "CREATE"}, json=payload)
    assert again["importCount"]["ignored"] == 1 and again["importCount"]["imported"] == 0
    deleted = token_client.post("/api/dataValueSets", params={"importStrategy": "DELETE"}, json=payload)
    assert deleted["importCount"]["deleted"] == 1
    since = token_client.get_data_value_set({"orgUnit": VILLAGE_A, "period": "202611",
                                             "lastUpdated": "2000-01-01"})
    assert not [v for v in since["dataValues"] if v["dataElement"] == "VILLAGE_VISITS"]


def test_a_bad_value_answers_409_with_conflicts(token_client):
    payload = {"orgUnit": VILLAGE_A, "period": "202611",
               "dataValues": [{"dataElement": "VILLAGE_VISITS", "value": "三十"}]}
    with pytest.raises(dhis2_client.errors.DHIS2HTTPError) as refused:
        token_client.post_data_value_set(payload)
    assert refused.value.status_code == 409
    body = refused.value.payload if hasattr(refused.value, "payload") else refused.value.args[-1]
    assert body["status"] == "ERROR" and body["conflicts"] and "数字" in body["conflicts"][0]["value"]


def test_analytics_dimensions(basic_client):
    result = basic_client.get_analytics_data(dx=["HTN_STD_RATE", "VACC_DOSES"], ou="YL", pe="2026S1")
    assert [h["name"] for h in result["headers"]] == ["dx", "ou", "pe", "value"]
    assert {row[0] for row in result["rows"]} == {"HTN_STD_RATE", "VACC_DOSES"}
    assert result["metaData"]["items"]["YL"]["name"] == "沅陵县"


def test_complete_data_set_registrations(token_client):
    """上报 through the client: POST registers (rules checked first), GET lists, DELETE withdraws."""
    item = {"dataSet": "BPHS_MONTHLY", "period": "202611", "organisationUnit": VILLAGE_A, "completed": True}
    done = token_client.post("/api/completeDataSetRegistrations", json={"completeDataSetRegistrations": [item]})
    assert done["status"] == "SUCCESS" and done["importCount"]["imported"] == 1
    query = {"dataSet": "BPHS_MONTHLY", "period": ["202610", "202611"], "orgUnit": VILLAGE_A}
    got = token_client.get("/api/completeDataSetRegistrations", params=query)["completeDataSetRegistrations"]
    assert {(r["period"], r["storedBy"]) for r in got} == {("202610", "demo"), ("202611", "luru_a")}
    token_client.delete("/api/completeDataSetRegistrations",
                        params={"ds": "BPHS_MONTHLY", "pe": "202611", "ou": VILLAGE_A})
    got = token_client.get("/api/completeDataSetRegistrations", params=query)["completeDataSetRegistrations"]
    assert [r["period"] for r in got] == ["202610"]
    with pytest.raises(dhis2_client.errors.DHIS2HTTPError) as refused:
        token_client.post("/api/completeDataSetRegistrations",
                          json={"completeDataSetRegistrations": [{**item, "dataSet": "NOPE"}]})
    assert refused.value.status_code == 409
