"""上报 (complete registration) from the entry form: rules first, then registered; 撤销上报;
locked periods, bad inputs and other people's units refused in Chinese; 上报情况 and 数据审核
count the registration. On a private copy of the demo county (these tests write)."""
from __future__ import annotations

import pytest
from web_fixtures import TOWNSHIP_A, VILLAGE_A, VILLAGE_B, private_web

PERIOD = "202611"  # after the demo's last month: nothing reported yet, and not in the future


@pytest.fixture(scope="module")
def web(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "completion") as app:
        yield app


def _save(client, ou: str, values: dict[str, str], period: str = PERIOD):
    response = client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": ou, "dataset": "BPHS_MONTHLY", "period": period,
        "values": [{"element": e, "value": v} for e, v in values.items()]})
    assert response.status_code == 200, response.text


def _complete(client, ou: str, period: str = PERIOD, dataset: str = "BPHS_MONTHLY", path: str = "/entry/complete"):
    return client.post(path, headers={"X-CSRF-Token": client.csrf},
                       data={"ou": ou, "dataset": dataset, "period": period, "csrf_token": client.csrf})


def _registered(web, ou: str, period: str = PERIOD) -> list:
    with web.workspaces.reader() as ws:
        return [r for r in ws.store.registrations([ou]) if r.period == period]


def test_form_offers_complete_and_rules_of_importance_high_refuse_it(web):
    client = web.client("cun_a")
    form = client.get(f"/api/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period={PERIOD}").json()
    assert form["registration"]["done"] is False and form["can_complete"] is True
    page = client.get(f"/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period={PERIOD}").text
    assert "尚未上报" in page and 'action="/entry/complete"' in page
    _save(client, VILLAGE_A, {"HTN_MANAGED": "40", "HTN_STD_MANAGED": "55"})  # 高: 规范管理 > 管理
    refused = _complete(client, VILLAGE_A)
    assert refused.status_code == 409
    assert "不能上报" in refused.text and "审核规则未通过" in refused.text and "未通过" in refused.text
    assert _registered(web, VILLAGE_A) == []
    _save(client, VILLAGE_A, {"HTN_STD_MANAGED": "30"})
    done = _complete(client, VILLAGE_A)
    assert done.status_code == 200 and "已上报" in done.text and "撤销上报" in done.text
    (found,) = _registered(web, VILLAGE_A)
    assert (found.dataset, found.completed_by, found.source) == ("BPHS_MONTHLY", "cun_a", "网页上报")
    again = _complete(client, VILLAGE_A)
    assert again.status_code == 200 and "此前已上报" in again.text
    with web.workspaces.reader() as ws:
        assert [e["detail"] for e in ws.store.events(user="cun_a", action="complete")] == ["BPHS_MONTHLY"]


def test_warnings_are_shown_but_it_registers(web):
    client = web.client("luru_a")
    village = "YL_GX_C02"
    # 中 (a warning): township-level rules do not run on a village; population rules do
    _save(client, village, {"HEALTH_RECORDS": "10", "EHR_RECORDS": "5", "FD_SIGNED": "99999999"})
    result = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                         json={"ou": village, "dataset": "BPHS_MONTHLY", "period": PERIOD}).json()
    assert result["ok"] is True and result["registered"] is True and result["errors"] == []
    assert all(w["importance"] != "高" for w in result["warnings"])
    assert _registered(web, village)


def test_reporting_and_review_count_the_registration(web):
    admin = web.client("admin")
    _save(web.client("cun_a"), VILLAGE_A, {"HTN_MANAGED": "40"}, period="202612")  # typed, not handed in
    data = admin.get(f"/api/reporting?ou={TOWNSHIP_A}&period={PERIOD}&dataset=BPHS_MONTHLY").json()
    row = next(r for r in data["rows"] if r["ou"] == VILLAGE_A)
    assert row["cells"][0]["reported"] == 1
    missing = admin.get(f"/api/reporting/missing?ou={TOWNSHIP_A}&period={PERIOD}&dataset=BPHS_MONTHLY").json()
    assert VILLAGE_A not in {i["ou"] for i in missing["items"] if i["status"] == "未报"}
    assert "YL_GX_C03" in {i["ou"] for i in missing["items"] if i["status"] == "未报"}  # nothing typed
    # 202611 is not due yet (10 December): 数据审核 lists no 缺报 before the due day


def test_reporting_and_review_agree(web):
    """The demo's planted silent month: 上报情况's 未报 are exactly 数据审核's 缺报 (both read registrations)."""
    admin = web.client("admin")
    missing = admin.get("/api/reporting/missing?ou=YL_MDY&period=202608").json()
    unreported = {(i["ou"], i["dataset"]) for i in missing["items"] if i["status"] == "未报"}
    review = admin.get("/api/check?ou=YL_MDY&period=202608&kind=missing").json()
    assert unreported and unreported == {(f["ou"], f["dataset"]) for f in review["findings"]}
    assert review["counts"]["missing"] == len(unreported)


def test_withdraw_own_or_as_reviewer_but_not_others(web):
    _save(web.client("luru_a"), "YL_GX_C03", {"HEALTH_RECORDS": "10"})
    assert _complete(web.client("luru_a"), "YL_GX_C03").status_code == 200
    other = web.client("cun_a")  # a village clinic's user: not their unit
    assert _complete(other, "YL_GX_C03", path="/entry/uncomplete").status_code == 403
    outsider = web.client("luru_b")
    refused = _complete(outsider, "YL_GX_C03", path="/entry/uncomplete")
    assert refused.status_code == 403 and "无权访问" in refused.text
    reviewer = web.client("shenhe_a")
    done = _complete(reviewer, "YL_GX_C03", path="/entry/uncomplete")
    assert done.status_code == 200 and "已撤销上报" in done.text
    assert _registered(web, "YL_GX_C03") == []
    again = _complete(reviewer, "YL_GX_C03", path="/entry/uncomplete")
    assert again.status_code == 400 and "尚未上报，无需撤销" in again.text
    with web.workspaces.reader() as ws:
        assert [e.action for e in ws.store.registration_log("YL_GX_C03") if e.period == PERIOD] == [
            "complete", "uncomplete"]


def test_a_data_entry_user_cannot_withdraw_someone_elses(web):
    _save(web.client("luru_a"), "YL_GX_C04", {"HEALTH_RECORDS": "10"})
    assert _complete(web.client("shenhe_a"), "YL_GX_C04").status_code == 200
    refused = _complete(web.client("luru_a"), "YL_GX_C04", path="/entry/uncomplete")
    assert refused.status_code == 400 and "上报人（shenhe_a）本人" in refused.text
    assert _registered(web, "YL_GX_C04")


def test_bad_inputs_are_refused_in_chinese(web):
    client = web.client("luru_a")
    unknown = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                          json={"ou": VILLAGE_A, "dataset": "NOPE", "period": PERIOD})
    assert unknown.status_code == 400 and "报表编码“NOPE”不存在" in unknown.json()["error"]
    township = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                           json={"ou": TOWNSHIP_A, "dataset": "BPHS_MONTHLY", "period": PERIOD})
    assert township.status_code == 400 and "不需要填报" in township.json()["error"]
    future = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                         json={"ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "203001"})
    assert future.status_code == 400 and "未来" in future.json()["error"]
    wrong_type = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                             json={"ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "2026Q1"})
    assert wrong_type.status_code == 400 and "按月填报" in wrong_type.json()["error"]
    bad_period = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                             json={"ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "不是期间"})
    assert bad_period.status_code == 400
    outside = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                          json={"ou": VILLAGE_B, "dataset": "BPHS_MONTHLY", "period": PERIOD})
    assert outside.status_code == 403 and "无权访问" in outside.json()["error"]
    viewer = web.client("viewer")
    refused = viewer.post("/api/entry/complete", headers={"X-CSRF-Token": viewer.csrf},
                          json={"ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": PERIOD})
    assert refused.status_code == 403 and "角色" in refused.json()["error"]


def test_locked_period_refuses_complete_and_withdraw(web):
    client, reviewer = web.client("luru_a"), web.client("shenhe")
    _save(client, "YL_GX_C05", {"HEALTH_RECORDS": "10"}, period="202610")
    assert _complete(client, "YL_GX_C05", period="202610").status_code == 200
    assert reviewer.post("/api/approve", headers={"X-CSRF-Token": reviewer.csrf},
                         json={"ou": TOWNSHIP_A, "period": "202610", "confirm": True}).status_code == 200
    refused = client.post("/api/entry/complete", headers={"X-CSRF-Token": client.csrf},
                          json={"ou": "YL_GX_C06", "dataset": "BPHS_MONTHLY", "period": "202610"})
    assert refused.status_code == 409 and "审核锁定" in refused.json()["message"]
    page = client.get(f"/entry?ou=YL_GX_C05&dataset=BPHS_MONTHLY&period=202610").text
    assert "已上报" in page and "撤销上报</button>" not in page
    withdraw = _complete(reviewer, "YL_GX_C05", period="202610", path="/entry/uncomplete")
    assert withdraw.status_code == 400 and "审核锁定" in withdraw.text
    assert reviewer.post("/api/unapprove", headers={"X-CSRF-Token": reviewer.csrf},
                         json={"ou": TOWNSHIP_A, "period": "202610", "reason": "测试"}).status_code == 200


def test_review_shows_completeness_and_open_findings(web):
    data = web.client("shenhe").get("/api/check?ou=YL_MDY&period=202608").json()
    c = data["completeness"]
    assert c["missing"] > 0 and c["complete"] is False and c["expected"] == c["reported"] + c["missing"]
    assert {d["code"] for d in c["datasets"]} >= {"BPHS_MONTHLY"}
    assert sum(d["missing"] for d in c["datasets"]) == c["missing"]
    assert c["rules"] == data["counts"]["rule"] and c["outliers"] == data["counts"]["outlier"]
    page = web.client("shenhe").get("/review?ou=YL_MDY&period=202608").text
    assert "已上报 / 应报" in page and "锁定前需再确认一次" in page


def test_approving_an_incomplete_subtree_needs_confirmation(web):
    reviewer = web.client("shenhe")
    headers = {"X-CSRF-Token": reviewer.csrf}
    first = reviewer.post("/api/approve", headers=headers, json={"ou": "YL_MDY", "period": "202608"})
    body = first.json()
    assert first.status_code == 409 and body["needs_confirmation"] is True and body["approved"] is False
    assert "份报表未上报" in body["message"] and "confirm" in body["message"]
    assert body["completeness"]["missing"] > 0
    with web.workspaces.reader() as ws:
        assert ws.store.is_locked("YL_MDY", 24319, 24319) is None  # 202608: nothing locked
    page = reviewer.post("/review/approve", data={"ou": "YL_MDY", "period": "202608", "csrf_token": reviewer.csrf})
    assert page.status_code == 409 and "确认锁定" in page.text and 'name="confirm"' in page.text
    with web.workspaces.reader() as ws:
        assert not [a for a in ws.store.approvals("YL_MDY") if a.period == "202608"]
    done = reviewer.post("/review/approve", data={"ou": "YL_MDY", "period": "202608", "confirm": "1",
                                                  "csrf_token": reviewer.csrf})
    assert done.status_code == 303
    with web.workspaces.reader() as ws:
        assert [a.approved_by for a in ws.store.approvals("YL_MDY") if a.period == "202608"] == ["shenhe"]
    assert reviewer.post("/api/unapprove", headers=headers,
                         json={"ou": "YL_MDY", "period": "202608", "reason": "测试"}).status_code == 200


def test_a_complete_subtree_locks_at_once(web):
    reviewer = web.client("shenhe")
    state = reviewer.get("/api/check?ou=YL_GX_C02&period=202609").json()["completeness"]
    assert state["complete"] is True and state["expected"] > 0
    done = reviewer.post("/api/approve", headers={"X-CSRF-Token": reviewer.csrf},
                         json={"ou": "YL_GX_C02", "period": "202609"})
    assert done.status_code == 200 and done.json()["approved"] is True


# -- DHIS2 /api/completeDataSetRegistrations ------------------------------------------------------
API = "/api/completeDataSetRegistrations"


def _post(client, items, **params):
    return client.post(API, headers={"X-CSRF-Token": client.csrf}, params=params,
                       json={"completeDataSetRegistrations": items})


def test_dhis2_get_lists_registrations_with_repeated_parameters_and_children(web):
    client = web.client("admin")
    one = client.get(API, params={"dataSet": "BPHS_MONTHLY", "period": "202609", "orgUnit": "YL_GX_C02"}).json()
    (row,) = one["completeDataSetRegistrations"]
    assert (row["dataSet"], row["period"], row["organisationUnit"], row["completed"]) == (
        "BPHS_MONTHLY", "202609", "YL_GX_C02", True)
    assert row["storedBy"] == "demo" and row["date"].startswith("2026-10-")  # the demo's import, on time
    both = client.get(f"{API}?dataSet=BPHS_MONTHLY&dataSet=VILLAGE_MONTHLY&period=202608&period=202609"
                      "&orgUnit=YL_GX_C02").json()["completeDataSetRegistrations"]
    assert {(r["dataSet"], r["period"]) for r in both} == {
        (d, p) for d in ("BPHS_MONTHLY", "VILLAGE_MONTHLY") for p in ("202608", "202609")}
    tree = client.get(API, params={"dataSet": "BPHS_MONTHLY", "period": "202609", "orgUnit": TOWNSHIP_A,
                                   "children": "true"}).json()["completeDataSetRegistrations"]
    assert len({r["organisationUnit"] for r in tree}) > 3 and all(r["organisationUnit"].startswith("YL_GX") for r in tree)
    dated = client.get(API, params={"dataSet": "BPHS_MONTHLY", "startDate": "2026-08-01", "endDate": "2026-09-30",
                                    "orgUnit": "YL_GX_C02"}).json()["completeDataSetRegistrations"]
    assert {r["period"] for r in dated} == {"202608", "202609"}


def test_dhis2_get_refuses_bad_input_in_chinese(web):
    client = web.client("luru_a")
    assert "报表编码“NOPE”不存在" in client.get(API, params={"dataSet": "NOPE", "period": "202609"}).json()["error"]
    assert "period" in client.get(API, params={"dataSet": "BPHS_MONTHLY"}).json()["error"]
    outside = client.get(API, params={"period": "202609", "orgUnit": VILLAGE_B})
    assert outside.status_code == 403 and "无权访问" in outside.json()["error"]


def test_dhis2_post_registers_all_or_nothing_and_delete_withdraws(web):
    client = web.client("luru_a")
    _save(client, "YL_GX_C07", {"HEALTH_RECORDS": "10"})
    good = {"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": "YL_GX_C07", "completed": True}
    bad = [{"dataSet": "NOPE", "period": PERIOD, "organisationUnit": "YL_GX_C08"},
           {"dataSet": "BPHS_MONTHLY", "period": "203001", "organisationUnit": "YL_GX_C08"},
           {"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": "NOPE"},
           {"dataSet": "BPHS_MONTHLY", "period": PERIOD}]
    refused = _post(client, [good, *bad])
    body = refused.json()
    assert refused.status_code == 409 and body["status"] == "ERROR" and body["response"]["responseType"] == "ImportSummary"
    messages = [c["value"] for c in body["conflicts"]]
    assert len(messages) == 4 and "报表编码“NOPE”不存在" in messages[0] and "未来" in messages[1]
    assert "机构编码“NOPE”不存在" in messages[2] and "缺少 organisationUnit" in messages[3]
    assert body["importCount"]["imported"] == 0 and _registered(web, "YL_GX_C07") == []
    dry = _post(client, [good], dryRun="true")
    assert dry.status_code == 200 and dry.json()["importCount"]["imported"] == 1 and _registered(web, "YL_GX_C07") == []
    done = _post(client, [good])
    assert done.status_code == 200 and done.json()["status"] == "SUCCESS"
    assert done.json()["importCount"] == {"imported": 1, "updated": 0, "ignored": 0, "deleted": 0}
    (found,) = _registered(web, "YL_GX_C07")
    assert (found.completed_by, found.source) == ("luru_a", "接口 completeDataSetRegistrations")
    assert _post(client, [good]).json()["importCount"]["ignored"] == 1  # already registered
    gone = client.delete(API, params={"ds": "BPHS_MONTHLY", "pe": PERIOD, "ou": "YL_GX_C07"},
                         headers={"X-CSRF-Token": client.csrf})
    assert gone.status_code == 204 and _registered(web, "YL_GX_C07") == []
    again = client.delete(API, params={"ds": "BPHS_MONTHLY", "pe": PERIOD, "ou": "YL_GX_C07"},
                          headers={"X-CSRF-Token": client.csrf})
    assert again.status_code == 400 and "尚未上报" in again.json()["error"]


def test_dhis2_post_refuses_rules_locks_outsiders_and_roles(web):
    client = web.client("luru_a")
    _save(client, "YL_GX_C08", {"EHR_RECORDS": "50", "HEALTH_RECORDS": "40"})  # 高: 电子档案 > 档案
    broken = _post(client, [{"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": "YL_GX_C08"}])
    assert broken.status_code == 409 and "审核规则未通过" in broken.json()["conflicts"][0]["value"]
    outside = _post(client, [{"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": VILLAGE_B}])
    assert outside.status_code == 403 and "无权访问" in outside.json()["conflicts"][0]["value"]
    viewer = web.client("viewer")
    assert _post(viewer, [{"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": VILLAGE_A}]).status_code == 403
    not_json = client.post(API, headers={"X-CSRF-Token": client.csrf}, data={"ou": VILLAGE_A})
    assert not_json.status_code == 400 and "application/json" in not_json.json()["error"]
    reviewer = web.client("shenhe")
    assert reviewer.post("/api/approve", headers={"X-CSRF-Token": reviewer.csrf},
                         json={"ou": "YL_GX_C09", "period": PERIOD, "confirm": True}).status_code == 200
    locked = _post(client, [{"dataSet": "BPHS_MONTHLY", "period": PERIOD, "organisationUnit": "YL_GX_C09"}])
    assert locked.status_code == 409 and "审核锁定" in locked.json()["conflicts"][0]["value"]


def test_an_imported_file_is_its_units_report(web):
    client = web.client("luru_a")
    csv = "dataelement,period,orgunit,value\nVILLAGE_VISITS,202611,YL_GX_C10,31\nHTN_MANAGED,202611,YL_GX_C10,4\n"
    headers = {"X-CSRF-Token": client.csrf}
    checked = client.post("/import", headers=headers, files={"files": ("11月.csv", csv, "text/csv")})
    assert checked.status_code == 200 and _registered(web, "YL_GX_C10") == []  # a dry run registers nothing
    pending = checked.text.split('name="pending" value="')[1].split('"')[0]
    done = client.post("/import/confirm", headers=headers, data={"pending": pending})
    assert done.status_code == 200 and "登记上报 2 份报表" in done.text
    assert {(r.dataset, r.completed_by, r.source) for r in _registered(web, "YL_GX_C10")} == {
        ("VILLAGE_MONTHLY", "luru_a", "11月.csv"), ("BPHS_MONTHLY", "luru_a", "11月.csv")}
