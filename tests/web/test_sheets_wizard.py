"""数据导入 · 本县表格 (issue #19): upload → the suggested mapping over the sheet → fix a
drop-down → preview → save the profile and import; next month one step with it."""
from __future__ import annotations

import re

import pytest
from openpyxl import Workbook
from web_fixtures import private_web



@pytest.fixture(scope="module")
def sheet_web(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "sheetweb") as web:
        yield web


def workbook(month: int) -> bytes:
    import io

    book = Workbook()
    book.active.title = f"2026年{month}月"
    for row in (["乡镇", "高血压患者管理数", "糖尿病规范管理人数"], ["官庄镇", 1301 + month, 700 + month],
                ["凉水井", 1107 + month, 655 + month], ["合计", 2408 + 2 * month, 1355 + 2 * month]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pending_of(html: str) -> str:
    return re.search(r'name="pending" value="([^"]+)"', html).group(1)


def test_wizard_suggests_corrects_previews_saves_and_imports(sheet_web):
    client = sheet_web.client("admin")
    assert client.get("/import/sheets").status_code == 200
    first = client.post("/import/sheets", data={"csrf_token": client.csrf},
                        files={"file": ("慢病月报2026年11月.xlsx", workbook(11))})
    assert first.status_code == 200, first.text[:600]
    assert "可能是 HTN_MANAGED" in first.text and "高血压患者管理数" in first.text
    assert 'class="unmapped"' in first.text and "<td class=\"mapped\">官庄镇</td>" in first.text
    fixed = client.post("/import/sheets/preview", data={"csrf_token": client.csrf, "pending": pending_of(first.text),
                                                         "col_B": "HTN_MANAGED", "col_C": "DM_STD_MANAGED"})
    assert fixed.status_code == 200, fixed.text[:600]
    assert "已管理高血压患者人数" in fixed.text and "2026年11月!B2" in fixed.text and "1312" in fixed.text
    before = sheet_web.count_values()
    done = client.post("/import/sheets/confirm", data={"csrf_token": client.csrf, "pending": pending_of(fixed.text),
                                                       "name": "慢病月报"})
    assert done.status_code == 200, done.text[:600]
    assert "映射配置已保存为“慢病月报”" in done.text
    assert sheet_web.count_values() == before + 4
    assert (sheet_web.folder / "mappings" / "慢病月报.yaml").exists()
    # next month: the saved profile, one step to the preview, then import
    again = client.post("/import/sheets", data={"csrf_token": client.csrf, "profile": "慢病月报"},
                        files={"file": ("慢病月报2026年12月.xlsx", workbook(12))})
    assert again.status_code == 200 and "可能是" not in again.text and "将新增 4 条" in again.text
    final = client.post("/import/sheets/confirm", data={"csrf_token": client.csrf, "pending": pending_of(again.text)})
    assert final.status_code == 200 and sheet_web.count_values() == before + 8


def test_a_wrong_total_is_shown_by_its_cell_and_blocks_the_import(sheet_web):
    import io

    client = sheet_web.client("admin")
    book = Workbook()
    book.active.title = "2026年11月"
    for row in (["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", 4], ["合计", 9]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post("/import/sheets", data={"csrf_token": client.csrf},
                           files={"file": ("讲座.xlsx", buffer.getvalue())})
    assert response.status_code == 422
    assert "2026年11月!B4" in response.text and "保存配置并导入" not in response.text


def test_readers_may_not_import_sheets(sheet_web):
    viewer = sheet_web.client("viewer")
    assert viewer.get("/import/sheets").status_code == 403
