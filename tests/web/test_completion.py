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
