"""Entry a statistician can trust (issue #18): a refused 全部保存 names each field and keeps what
was typed; locked and read-only cells are marked read-only and look it."""
from __future__ import annotations

import re

import pytest
from web_fixtures import VILLAGE_A, private_web

FORM = {"ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "202611"}


@pytest.fixture(scope="module")
def web(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "entry-trust") as app:
        yield app


def _cell(html: str, name: str) -> str:
    """The <td> of the input ``name``."""
    found = re.search(r'<td class="[^"]*"[^>]*>\s*<input name="' + re.escape(name) + r'".*?</td>', html, re.S)
    assert found, name
    return found.group(0)


def test_a_refused_form_names_each_field_and_keeps_what_was_typed(web):
    client = web.client("cun_a")
    before = web.count_values()
    response = client.post("/entry", data={**FORM, "csrf_token": client.csrf,
                                           "v:HTN_MANAGED:": "x3", "v:HTN_STD_MANAGED:": "27",
                                           "v:HTN_FOLLOWUPS:": "十二"})
    assert response.status_code == 200
    html = response.text
    problems = re.search(r'<ul class="problems".*?</ul>', html, re.S).group(0)
    assert "已管理高血压患者人数：“x3”不是数字" in problems
    assert "高血压患者随访人次" in problems or "随访" in problems  # the second field is named too
    bad = _cell(html, "v:HTN_MANAGED:")
    assert 'value="x3"' in bad and "bad" in bad and "不是数字" in bad
    kept = _cell(html, "v:HTN_STD_MANAGED:")
    assert 'value="27"' in kept and "unsaved" in kept and "未保存" in kept
    assert 'value="十二"' in _cell(html, "v:HTN_FOLLOWUPS:")
    assert web.count_values() == before  # all or nothing: nothing written


def test_the_api_names_the_field_and_returns_the_typed_value(web):
    client = web.client("cun_a")
    response = client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": VILLAGE_A, "dataset": "BPHS_MONTHLY", "period": "202611",
        "values": [{"element": "HTN_MANAGED", "value": "x3"}, {"element": "HTN_STD_MANAGED", "value": "27"}]})
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["field"] == "已管理高血压患者人数" and problem["value"] == "x3"
    assert problem["message"] == "已管理高血压患者人数：“x3”不是数字"


def test_an_option_is_named_with_its_element(web):
    client = web.client("luru_a")
    form = client.get("/api/entry?ou=YL_GX_WSY&dataset=IMMUNIZATION_MONTHLY&period=202611").json()
    row, cell = [(r, c) for s in form["sections"] if s["category"] for r in s["rows"] for c in r["cells"]][0]
    response = client.post("/api/entry", headers={"X-CSRF-Token": client.csrf}, json={
        "ou": "YL_GX_WSY", "dataset": "IMMUNIZATION_MONTHLY", "period": "202611",
        "values": [{"element": row["element"], "option": cell["option"], "value": "abc"}]})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == f"{row['name']}（{cell['label']}）"


def test_locked_and_read_only_cells_are_marked(web):
    reviewer = web.client("shenhe")
    assert reviewer.post("/api/approve", headers={"X-CSRF-Token": reviewer.csrf},
                         json={"ou": "YL_GX", "period": "202608", "confirm": True}).status_code == 200
    locked = web.client("cun_a").get(f"/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202608").text
    cell = _cell(locked, "v:HTN_MANAGED:")
    assert "readonly" in cell and re.search(r'class="cell[^"]* readonly"', cell) and "hx-post" not in cell
    note = re.search(r'<p class="locked".*?</p>', locked, re.S).group(0)
    assert "shenhe" in note and "审核锁定" in note and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", note)
    assert 'class="read-only"' in locked
    viewer = web.client("viewer").get(f"/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611").text
    cell = _cell(viewer, "v:HTN_MANAGED:")
    assert re.search(r'class="cell[^"]* readonly"', cell) and "readonly" in cell and "hx-post" not in cell
    assert "只能查看" in viewer
    open_form = web.client("cun_a").get(f"/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611").text
    assert "readonly" not in _cell(open_form, "v:HTN_MANAGED:")
