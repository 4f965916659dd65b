"""Formula injection: every Excel or CSV file the system writes — the data template, the
dashboard export, the value export, the ledger export, the DHIS2 CSV — turns texts starting
with = + - @ (org-unit names, comments, who stored a value) into plain text."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from security_fixtures import FORMULA, HOSTILE_NAMES, VILLAGE_A

from weijian.exchange.ledger_io import export_ledger
from weijian.workspace import Workspace

STARTS = ("=", "+", "-", "@")


def assert_no_formulas(data: bytes) -> list[str]:
    """Every text cell of the workbook; none is a formula or starts like one."""
    book = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(STARTS), (sheet.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


@pytest.mark.parametrize("path", ["/api/dashboard/export.xlsx?ou=YL_GX&indicator=HTN_STD_RATE&period=2026S1",
                                  "/api/dashboard/export.xlsx?ou=YL&indicator=HTN_STD_RATE&period=2026S1",
                                  "/api/template?ou=YL_GX&period=202610",
                                  "/api/template?ou=YL_LSJ&period=202610"])
def test_web_excel_downloads_neutralise_formulas(hostile_web, path):
    response = hostile_web.client("admin").get(path)
    assert response.status_code == 200, response.text[:300]
    texts = assert_no_formulas(response.content)
    assert any(t.startswith("'") and t[1:].startswith(STARTS) for t in texts), "a hostile name was written"


def test_value_and_ledger_exports_neutralise_formulas(hostile_web, tmp_path):
    with Workspace.open(hostile_web.folder) as ws:
        ws.export("YL_GX", "202610", tmp_path / "值.xlsx")
        export_ledger(ws.ledger, tmp_path / "台账.xlsx", start=date(2026, 1, 1), end=date(2026, 12, 31))
    values = assert_no_formulas((tmp_path / "值.xlsx").read_bytes())
    assert "'" + HOSTILE_NAMES["YL_GX_WSY"] in values
    ledger = assert_no_formulas((tmp_path / "台账.xlsx").read_bytes())
    assert "'" + FORMULA + "凉水井镇" in ledger


def test_comments_and_users_in_the_csv_export_are_neutralised(secure_web):
    client = secure_web.client("admin")
    payload = "dataelement,period,orgunit,value,comment\n" \
              f'HTN_MANAGED,202004,{VILLAGE_A},7,"=cmd|\' /C calc\'!A0"\n'
    imported = client.post("/api/dataValueSets", content=payload.encode(),
                           headers={"Content-Type": "text/csv", "X-CSRF-Token": client.csrf})
    assert imported.status_code == 200, imported.text[:300]
    exported = client.get(f"/api/dataValueSets?orgUnit={VILLAGE_A}&period=202004&format=csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["comment"] for r in rows] == ["'=cmd|' /C calc'!A0"]
    as_json = client.get(f"/api/dataValueSets?orgUnit={VILLAGE_A}&period=202004").json()
    assert [v["comment"] for v in as_json["dataValues"]] == ["=cmd|' /C calc'!A0"]  # JSON stays exact
