"""HTML/JS injection: org-unit names, ledger titles, file names, cell values and summaries
that are markup are shown escaped on every page, never run."""
from __future__ import annotations

import pytest
from security_fixtures import LEDGER_TITLE, SCRIPT

ESCAPED_SCRIPT = "&lt;script&gt;alert("
RAW = ("<script>alert(", "<img src=x onerror", "<img src=x")

PAGES = ["/", "/entry?ou=YL_GX_C01", "/entry?ou=YL_GX", "/import", "/reporting?ou=YL_GX&period=2026S1",
         "/reporting/missing?ou=YL_GX&period=202608", "/review?ou=YL_GX&period=202610", "/dashboard?ou=YL_GX",
         "/summary?ou=YL&period=2026S1", "/summary?ou=YL_GX&period=2026S1", "/metadata?tab=orgunits",
         "/metadata?tab=targets", "/audit", "/entry/rules?ou=YL_GX_C01&period=202610"]


def assert_escaped(html: str) -> None:
    for raw in RAW:
        assert raw not in html, html[max(0, html.find(raw) - 200):html.find(raw) + 200]


@pytest.mark.parametrize("path", PAGES)
def test_hostile_names_are_escaped_on_every_page(hostile_web, path):
    response = hostile_web.client("admin").get(path)
    assert response.status_code == 200, response.text[:300]
    assert_escaped(response.text)


def test_the_hostile_name_is_really_shown(hostile_web):
    html = hostile_web.client("admin").get("/metadata?tab=orgunits").text
    assert ESCAPED_SCRIPT in html


def test_ledger_titles_are_escaped_in_the_summary(hostile_web):
    html = hostile_web.client("admin").get("/summary?ou=YL&period=2026S1").text
    assert_escaped(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html, "the hostile ledger entry is in the draft"
    assert LEDGER_TITLE not in html


def test_file_names_and_cell_values_are_escaped_in_the_import_report(hostile_web):
    client = hostile_web.client("admin")
    payload = f"dataelement,period,orgunit,value\nHTN_MANAGED,202001,YL_GX_C01,{SCRIPT}\n"
    response = client.post("/import", data={"csrf_token": client.csrf},
                           files={"files": ('<img src=x onerror=alert(1)>.csv', payload.encode(), "text/csv")})
    assert response.status_code == 422
    assert_escaped(response.text)
    assert ESCAPED_SCRIPT in response.text.replace("&#34;", '"').replace("&quot;", '"')


def test_uploaded_summaries_are_escaped_in_the_audit_view(hostile_web):
    client = hostile_web.client("admin")
    text = f"{SCRIPT}全县共有卫生院21个，其中中心卫生院<img src=x onerror=alert(1)>8个。"
    response = client.post("/audit", data={"csrf_token": client.csrf},
                           files={"file": ("<script>.txt", text.encode(), "text/plain")})
    assert response.status_code == 200, response.text[:300]
    assert_escaped(response.text)


@pytest.mark.parametrize("path", ['/reporting?period=<script>alert(1)</script>',
                                  '/login?next=/"><script>alert(1)</script>',
                                  '/dashboard?indicator=<img src=x onerror=alert(1)>'])
def test_reflected_parameters_are_escaped(hostile_web, path):
    response = hostile_web.client("admin").get(path)
    assert response.status_code < 500
    assert_escaped(response.text)
