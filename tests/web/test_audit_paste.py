"""报告核查 takes pasted text as well as a file, and runs the same audit on it."""
from __future__ import annotations

import io

import pytest

TEXT = "全县应接种儿童200人，实际接种180人，接种率为95%。门诊人次同比增长10%，由去年的1000人次增至1100人次。"


@pytest.fixture(scope="module")
def client(web):
    return web.client("shenhe")


def test_pasted_text_is_audited_like_the_same_text_uploaded(client):
    headers = {"X-CSRF-Token": client.csrf}
    pasted = client.post("/api/audit", headers=headers, data={"text": TEXT})
    assert pasted.status_code == 200, pasted.text[:300]
    uploaded = client.post("/api/audit", headers=headers,
                           files={"file": ("总结.txt", io.BytesIO(TEXT.encode()), "text/plain")})
    assert uploaded.status_code == 200
    body, twin = pasted.json(), uploaded.json()
    assert body["file"] == "粘贴的文字"
    assert body["counts"] == twin["counts"] and body["figures"] == twin["figures"] >= 5
    assert body["inconsistent"] == twin["inconsistent"]
    assert any("95%" in f["quote"] for f in body["inconsistent"])  # 180/200 is 90%


def test_the_page_form_with_an_empty_file_field_audits_the_textarea(client):
    """What a browser sends when the file field is left empty: a file part without a name."""
    response = client.post("/audit", data={"csrf_token": client.csrf, "text": TEXT},
                           files={"file": ("", io.BytesIO(b""), "application/octet-stream")})
    assert response.status_code == 200, response.text[:300]
    html = response.text
    assert 'id="audit-result"' in html and "粘贴的文字" in html and "不一致" in html
    assert "<textarea" in html and "实际接种180人" in html  # the text stays in the box


def test_neither_file_nor_text_is_said_in_chinese(client):
    response = client.post("/api/audit", headers={"X-CSRF-Token": client.csrf}, data={"text": "  "})
    assert response.status_code == 400 and "粘贴" in response.json()["error"]


def test_the_audit_page_has_a_paste_box(client):
    page = client.get("/audit").text
    assert '<textarea name="text"' in page and 'type="file"' in page
