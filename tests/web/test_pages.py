"""Every page and its JSON twin, in-process on the demo county, and the flows behind them."""
from __future__ import annotations

import io

import pytest

from web_fixtures import VILLAGE_A

PAGES = [
    ("/", "/api/me"),
    (f"/entry?ou={VILLAGE_A}", f"/api/entry?ou={VILLAGE_A}"),
    ("/import", None),
    ("/reporting", "/api/reporting"),
    ("/review?ou=YL_GX&period=202609", "/api/check?ou=YL_GX&period=202609"),
    ("/dashboard", "/api/dashboard"),
    ("/summary?period=2026S1", "/api/report?period=2026S1"),
    ("/audit", None),
    *[(f"/metadata?tab={t}", f"/api/metadata?tab={t}")
      for t in ("orgunits", "elements", "indicators", "targets", "datasets", "rules")],
]


@pytest.fixture(scope="module")
def admin(web):
    return web.client("admin")


@pytest.mark.parametrize(("page", "api"), PAGES)
def test_page_and_its_json_twin(admin, page, api):
    response = admin.get(page)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "卫健" in response.text and "退出" in response.text
    twin = admin.get(page + ("&" if "?" in page else "?") + "format=json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    if api:
        assert admin.get(api).json() == twin.json()


def test_login_logout_and_cookie_flags(web):
    client = web.client()
    assert client.get("/entry").headers["location"].startswith("/login?next=")
    assert client.get("/api/me").status_code == 401
    response = client.post("/login", data={"name": "viewer", "password": "correct-horse-9", "next": "/dashboard"})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    me = client.get("/api/me").json()
    assert (me["name"], me["role"], me["ou"]) == ("viewer", "只读", "YL")
    assert client.post("/logout", headers={"X-CSRF-Token": me["csrf"]}).status_code == 303
    assert client.get("/api/me").status_code == 401


def test_secure_cookie_behind_https(web):
    from fastapi.testclient import TestClient

    client = TestClient(web.app, base_url="https://weijian.test", follow_redirects=False)
    response = client.post("/login", data={"name": "viewer", "password": "correct-horse-9"})
    assert "secure" in response.headers["set-cookie"].lower()


def test_never_redirects_off_site_after_login(web):
    client = web.client()
    response = client.post("/login", data={"name": "viewer", "password": "correct-horse-9",
                                           "next": "https://evil.example/"})
    assert response.headers["location"] == "/"


def test_login_from_another_site_is_refused(web):
    client = web.client()
    response = client.post("/login", headers={"Origin": "https://evil.example"},
                           data={"name": "viewer", "password": "correct-horse-9"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_login_failures_are_rate_limited(web):
    client = web.client()
    for _ in range(5):
        response = client.post("/login", data={"name": "nobody", "password": "wrong"})
        assert response.status_code == 401 and "用户名或密码不正确" in response.text
    response = client.post("/login", data={"name": "nobody", "password": "wrong"})
    assert response.status_code == 429 and "登录失败次数过多" in response.text
    with web.workspaces.reader() as ws:
        assert len([e for e in ws.store.events(user="nobody") if e["action"] == "login-failed"]) == 5


def test_security_headers(admin):
    headers = admin.get("/").headers
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert "script-src 'self'" in headers["content-security-policy"]


def test_openapi_documents_the_api(admin):
    paths = admin.get("/api/openapi.json").json()["paths"]
    for path in ("/api/dataValueSets", "/api/analytics", "/api/check", "/api/approve", "/api/unapprove",
                 "/api/report", "/api/audit", "/api/dashboard", "/api/entry", "/api/import"):
        assert path in paths


def test_static_assets_are_vendored(admin):
    assert "htmx" in admin.get("/static/vendor/htmx.min.js").text[:2000]
    assert admin.get("/static/vendor/echarts.min.js").status_code == 200


def test_api_docs_load_nothing_from_outside(admin):
    """/api/docs works on an offline intranet: every script and style it names is served here."""
    import re

    page = admin.get("/api/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert admin.get(source).status_code == 200, source


def test_entry_cell_save_shows_the_rule_violation(web):
    client = web.client("cun_a")
    form = client.get(f"/api/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611").json()
    assert form["dataset"]["code"] == "BPHS_MONTHLY" and form["locked"] is None
    assert any(r["element"] == "HTN_MANAGED" for s in form["sections"] for r in s["rows"])
    headers = {"X-CSRF-Token": client.csrf, "HX-Request": "true"}
    for element, value in (("HTN_MANAGED", "40"), ("HTN_STD_MANAGED", "55")):
        response = client.post("/entry/cell", headers=headers, data={
            "ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "202611", f"v:{element}:": value})
        assert response.status_code == 200 and "已保存" in response.text
        assert response.headers["HX-Trigger"] == "cell-saved"
    bad = client.post("/entry/cell", headers=headers, data={
        "ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "202611", "v:HTN_FOLLOWUPS:": "十二"})
    assert "bad" in bad.text and "已保存" not in bad.text
    rules = client.get(f"/api/entry/rules?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611").json()
    assert any(f["rule"] == "HTN_STD_LE_MANAGED" for f in rules["findings"])
    with web.workspaces.reader() as ws:
        history = ws.history("HTN_STD_MANAGED", VILLAGE_A, "202611")
    assert history[-1].changed_by == "cun_a" and history[-1].new_value == 55
    cleared = client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": VILLAGE_A, "period": "202611", "values": [{"element": "HTN_STD_MANAGED", "value": ""},
                                                        {"element": "HTN_MANAGED", "value": ""}]})
    assert cleared.status_code == 200 and cleared.json()["summary"]["deleted"] == 2


def test_import_preview_then_confirm(web):
    client = web.client("luru_a")
    good = f"dataelement,period,orgunit,value\nVILLAGE_VISITS,202611,{VILLAGE_A},31\n"
    bad = good + f"VILLAGE_VISITS,202611,{VILLAGE_A}X,2\n"
    headers = {"X-CSRF-Token": client.csrf}
    before = web.count_values()
    response = client.post("/import", headers=headers, files={"files": ("月报.csv", bad, "text/csv")})
    assert response.status_code == 422 and "未知的机构编码" in response.text and "月报.csv" in response.text
    response = client.post("/import", headers=headers, files={"files": ("月报.csv", good, "text/csv")})
    assert response.status_code == 200 and "确认导入" in response.text
    assert web.count_values() == before  # a dry run writes nothing
    pending = response.text.split('name="pending" value="')[1].split('"')[0]
    other = web.client("luru_b")
    assert other.post("/import/confirm", headers={"X-CSRF-Token": other.csrf},
                      data={"pending": pending}).status_code == 400
    done = client.post("/import/confirm", headers=headers, data={"pending": pending})
    assert done.status_code == 200 and "导入成功" in done.text
    assert web.count_values() == before + 1
    template = client.get("/import/template?ou=YL_GX&period=202611&level=3")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_approve_locks_the_form_and_unapprove_needs_a_reason(web):
    reviewer = web.client("shenhe")
    headers = {"X-CSRF-Token": reviewer.csrf}
    assert reviewer.post("/api/approve", headers=headers, json={"ou": "YL_GX", "period": "202609"}).status_code == 200
    form = web.client("luru_a").get(f"/api/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202609").json()
    assert form["locked"]["by"] == "shenhe" and form["can_enter"] is False
    writer = web.client("luru_a")
    saved = writer.post("/api/entry", headers={"X-CSRF-Token": writer.csrf}, json={
        "ou": VILLAGE_A, "period": "202609", "values": [{"element": "HTN_MANAGED", "value": "1"}]})
    assert saved.status_code == 422 and "审核锁定" in saved.json()["problems"][0]["message"]
    missing = reviewer.post("/api/unapprove", headers=headers, json={"ou": "YL_GX", "period": "202609", "reason": " "})
    assert missing.status_code == 400 and "原因" in missing.json()["error"]
    assert reviewer.post("/api/unapprove", headers=headers,
                         json={"ou": "YL_GX", "period": "202609", "reason": "乡镇更正"}).status_code == 200
    with web.workspaces.reader() as ws:
        actions = [e["action"] for e in ws.store.events(user="shenhe")]
    assert "approve" in actions and "unapprove" in actions


def test_dashboard_figures_match_the_library(web, admin):
    data = admin.get("/api/dashboard?ou=YL&indicator=HTN_STD_RATE&period=2026S1").json()
    with web.workspaces.reader() as ws:
        expected = ws.query("HTN_STD_RATE", "YL", "2026S1")[0].to_dict()
        ranked = [r.to_dict() for r in ws.query("HTN_STD_RATE", "children:YL", "2026S1")]
    assert data["selected"] == expected
    assert data["ranking"] == ranked
    assert len(data["trend"]) == 24 and data["trend"][-1]["period"] == "202606"
    export = admin.get("/dashboard/export.xlsx?ou=YL&indicator=HTN_STD_RATE&period=2026S1")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_reporting_heatmap_and_drill_down(admin):
    data = admin.get("/api/reporting?ou=YL&period=202601..202610").json()
    assert len(data["months"]) == 10 and data["rows"]
    row = next(r for r in data["rows"] if r["ou"] == "YL_MDY")
    august = next(c for c in row["cells"] if c["period"] == "202608")
    assert august["reported"] < august["expected"]  # the demo's planted missing report
    drill = admin.get("/api/reporting/missing?ou=YL_MDY&period=202608").json()
    assert any(i["ou"] == "YL_MDY_C12" and i["status"] == "未报" for i in drill["items"])


def test_summary_download_and_audit_of_it(web, admin):
    response = admin.get("/summary/download?period=2026S1")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    audited = admin.post("/api/audit", headers={"X-CSRF-Token": admin.csrf},
                         files={"file": ("上半年工作总结.docx", io.BytesIO(response.content),
                                         "application/octet-stream")})
    assert audited.status_code == 200, audited.text[:300]
    body = audited.json()
    assert body["figures"] > 20 and "annotated_html" in body
    assert [v["name"] for v in body["verdicts"]] == ["一致", "部分核对", "不一致", "无法核对"]
    assert not body["inconsistent"] and all(f["message"] for f in body["partial"])
    with web.workspaces.reader() as ws:
        actions = {e["action"] for e in ws.store.events(user="admin")}
    assert {"login", "report-download", "audit-upload"} <= actions


def test_data_value_sets_round_trip(web):
    client = web.client("luru_a")
    got = client.get(f"/api/dataValueSets?orgUnit={VILLAGE_A}&period=202610&dataSet=BPHS_MONTHLY").json()
    assert got["dataValues"] and all(v["orgUnit"] == VILLAGE_A for v in got["dataValues"])
    body = {"dataValues": [{"dataElement": "VILLAGE_VISITS", "period": "202612", "orgUnit": VILLAGE_A,
                            "value": "12"}]}
    headers = {"X-CSRF-Token": client.csrf}
    dry = client.post("/api/dataValueSets?dryRun=true", headers=headers, json=body).json()
    assert dry["status"] == "SUCCESS" and dry["importCount"]["imported"] == 1
    before = web.count_values()
    done = client.post("/api/dataValueSets", headers=headers, json=body).json()
    assert done["importCount"]["imported"] == 1 and web.count_values() == before + 1
    csv_body = f"dataelement,period,orgunit,value\nVILLAGE_VISITS,202612,{VILLAGE_A},abc\n"
    bad = client.post("/api/dataValueSets", headers={**headers, "Content-Type": "text/csv"}, content=csv_body)
    assert bad.status_code == 409 and bad.json()["status"] == "ERROR" and bad.json()["problems"][0]["row"] == 2
    assert bad.json()["conflicts"][0]["value"]  # DHIS2 clients read the ImportSummary's conflicts
    as_csv = client.get(f"/api/dataValueSets?orgUnit=YL_GX&children=true&period=202612&format=csv")
    assert as_csv.text.splitlines()[0].startswith("dataelement,period,orgunit")
    assert "VILLAGE_VISITS,202612," + VILLAGE_A in as_csv.text


def test_analytics_api(admin):
    rows = admin.get("/api/analytics?indicator=HTN_STD_RATE,VACC_DOSES&ou=YL,children:YL&period=2026S1").json()["rows"]
    assert {r["code"] for r in rows} == {"HTN_STD_RATE", "VACC_DOSES"}
    assert any(r["rank"] == 1 for r in rows)


def test_bearer_token_needs_no_csrf(web):
    from weijian.web.users import new_token

    token = web.workspaces.write(lambda ws: new_token(ws, "luru_a", "测试"))
    client = web.client()
    response = client.post("/api/dataValueSets?dryRun=true", headers={"Authorization": f"Bearer {token}"},
                           json={"dataValues": [{"dataElement": "VILLAGE_VISITS", "period": "202612",
                                                 "orgUnit": VILLAGE_A, "value": "13"}]})
    assert response.status_code == 200 and response.json()["ok"]
    assert client.get("/api/me", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_template_with_every_level_downloads(admin):
    response = admin.get("/import/template?ou=YL_GX&period=202610&level=")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_bad_parameters_are_answered_in_chinese(admin):
    response = admin.get("/api/dataValueSets?period=202610&children=maybe")
    assert response.status_code == 422
    assert "参数“children”应为是或否" in response.json()["error"]


def test_the_sources_appendix_downloads(admin):
    response = admin.get("/summary/download?ou=YL&period=2026S1&format=sources")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "%E9%99%84%E4%BB%B6" in response.headers["content-disposition"]  # 附件 in the file name


def test_entry_cell_warns_about_an_unusual_value_and_refuses_an_impossible_one(web):
    client = web.client("cun_a")
    with web.workspaces.reader() as ws:
        usual = int(ws.query("VILLAGE_VISITS", VILLAGE_A, "202610")[0].value)
    assert usual > 0
    headers = {"X-CSRF-Token": client.csrf, "HX-Request": "true"}

    def save(value: str):
        return client.post("/entry/cell", headers=headers, data={
            "ou": VILLAGE_A, "period": "202611", "v:VILLAGE_VISITS:": value})

    ordinary = save(str(usual))
    assert "已保存" in ordinary.text and "warn" not in ordinary.text
    unusual = save(str(usual * 20 + 100))  # kept, with the unit's usual range beside it
    assert "saved warn" in unusual.text and "与以往差别很大" in unusual.text and "请核实" in unusual.text
    assert unusual.headers["HX-Trigger"] == "cell-saved"
    impossible = save("99999999999")  # beyond the ceiling: refused, the field and the limit named
    assert "bad" in impossible.text and "已保存" not in impossible.text and "上限" in impossible.text
    with web.workspaces.reader() as ws:
        assert ws.query("VILLAGE_VISITS", VILLAGE_A, "202611")[0].value == usual * 20 + 100
    api = client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": VILLAGE_A, "period": "202611", "values": [{"element": "VILLAGE_VISITS", "value": str(usual * 30)}]})
    assert api.status_code == 200 and [w["element"] for w in api.json()["warnings"]] == ["VILLAGE_VISITS"]
    assert client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": VILLAGE_A, "period": "202611", "values": [{"element": "VILLAGE_VISITS", "value": ""}]}).status_code == 200
