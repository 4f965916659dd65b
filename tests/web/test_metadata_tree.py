"""An admin replaces the org-unit tree from the 元数据 page (issue #17): the
app serves the new tree at once; a tree that would drop units with data, or a
broken sheet, changes nothing; nobody else may do it."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from web_fixtures import private_web



@pytest.fixture(scope="module")
def tree_web(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "tree") as web:
        yield web


def sheet(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def current_rows(package, drop=()):
    return [("名称", "上级", "类型", "编码")] + [
        (u.name, u.parent or "", u.type, u.code) for u in package.orgunits.values() if u.code not in drop]


def upload(client, content: bytes):
    return client.post("/metadata/orgunits", data={"csrf_token": client.csrf},
                       files={"file": ("机构.xlsx", content)}, headers={"X-CSRF-Token": client.csrf})


def test_admin_adds_a_village_and_every_page_sees_it(tree_web):
    admin = tree_web.client("admin")
    package = tree_web.workspaces.package
    rows = current_rows(package) + [("官庄镇新建村卫生室", "YL_GX", "村卫生室", "")]
    response = upload(admin, sheet(rows))
    assert response.status_code == 200, response.text[:800]
    assert "新增 1 个" in response.text
    listed = admin.get("/api/metadata?tab=orgunits").json()["items"]
    new = [u for u in listed if u["name"] == "官庄镇新建村卫生室"]
    assert new and new[0]["code"].startswith("YL_GX_")
    assert {u["code"] for u in listed} >= set(package.orgunits)  # every old code kept
    with tree_web.workspaces.reader() as ws:
        assert new[0]["code"] in ws.package.orgunits


def test_a_tree_without_a_unit_that_has_data_changes_nothing(tree_web):
    admin = tree_web.client("admin")
    before = (tree_web.folder / "metadata" / "orgunits.yaml").read_text(encoding="utf-8")
    response = upload(admin, sheet(current_rows(tree_web.workspaces.package, drop={"YL_GX_C01"})))
    assert response.status_code == 422
    assert "已有数据的机构" in response.text and "YL_GX_C01" in response.text
    assert (tree_web.folder / "metadata" / "orgunits.yaml").read_text(encoding="utf-8") == before


def test_a_broken_sheet_names_row_and_column(tree_web):
    admin = tree_web.client("admin")
    response = upload(admin, sheet([("名称", "上级", "类型"), ("沅陵县", "", "县"), ("官庄镇", "不存在的县", "乡镇")]))
    assert response.status_code == 422
    assert "第 3 行" in response.text and "上级“不存在的县”不在表中" in response.text


def test_only_a_county_admin_may_replace_the_tree(tree_web):
    for name in ("shenhe", "luru_a"):
        client = tree_web.client(name)
        assert upload(client, sheet(current_rows(tree_web.workspaces.package))).status_code == 403
