"""The import check shows the stored values a file would change (old → new, with facility,
element and period) and names the facility, element and period of every problem."""
from __future__ import annotations

import pytest
from web_fixtures import VILLAGE_A, private_web


@pytest.fixture(scope="module")
def web(demo_workspace, tmp_path_factory):
    with private_web(demo_workspace, tmp_path_factory, "import-preview") as app:
        yield app


def _stored(web, element: str, ou: str, period: str) -> int:
    with web.workspaces.reader() as ws:
        return int(ws.query(element, ou, period)[0].value)


def test_the_check_lists_old_and_new_values_with_facility_element_and_period(web):
    client = web.client("luru_a")
    old = _stored(web, "VILLAGE_VISITS", VILLAGE_A, "202610")
    lines = ["dataelement,period,orgunit,value",
             f"VILLAGE_VISITS,202610,{VILLAGE_A},{old + 7}",  # changes a stored value
             f"VILLAGE_VISITS,202610,YL_GX_C02,{_stored(web, 'VILLAGE_VISITS', 'YL_GX_C02', '202610')}"]  # same
    response = client.post("/api/import", headers={"X-CSRF-Token": client.csrf},
                           files={"files": ("10月.csv", "\n".join(lines) + "\n", "text/csv")})
    assert response.status_code == 200, response.text[:400]
    changes = response.json()["report"]["changes"]
    assert changes["count"] == 1 and changes["more"] == 0
    [change] = changes["items"]
    assert change["ou_name"] == "官庄镇米家口村卫生室" and change["field"] == "村卫生室诊疗人次"
    assert change["period_label"] == "2026年10月"
    assert (change["old"], change["new"]) == (str(old), str(old + 7))
    page = client.post("/import", headers={"X-CSRF-Token": client.csrf},
                       files={"files": ("10月.csv", "\n".join(lines) + "\n", "text/csv")}).text
    assert 'id="import-changes"' in page and "官庄镇米家口村卫生室" in page and f"→ {old + 7}" in page
    assert _stored(web, "VILLAGE_VISITS", VILLAGE_A, "202610") == old  # a check writes nothing


def test_only_the_first_changes_are_listed_the_rest_counted(web, tmp_path):
    from weijian.web.views import import_preview

    client = web.client("luru_a")
    units = [f"YL_GX_C0{n}" for n in range(1, 6)]
    lines = ["dataelement,period,orgunit,value"]
    for unit in units:
        for period in ("202608", "202609", "202610"):
            lines.append(f"VILLAGE_VISITS,{period},{unit},{_stored(web, 'VILLAGE_VISITS', unit, period) + 1}")
    path = tmp_path / "三个月.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with web.workspaces.reader() as ws:
        found = import_preview.changes(ws, [path], None, limit=4)
    assert found["count"] == 15 and len(found["items"]) == 4 and found["more"] == 11
    response = client.post("/import", headers={"X-CSRF-Token": client.csrf},
                           files={"files": ("三个月.csv", "\n".join(lines) + "\n", "text/csv")})
    assert "将修改的已有数值（15 个）" in response.text


def test_problems_name_the_facility_element_and_period(web):
    client = web.client("luru_a")
    body = ("dataelement,period,orgunit,value\n"
            f"VILLAGE_VISITS,202610,{VILLAGE_A},三十\n"
            "VILLAGE_VISITS,202610,YL_GX_C02,abc\n")
    response = client.post("/api/import", headers={"X-CSRF-Token": client.csrf},
                           files={"files": ("10月.csv", body, "text/csv")})
    assert response.status_code == 422
    problems = response.json()["report"]["problems"]
    assert [p["ou_name"] for p in problems] == ["官庄镇米家口村卫生室", "官庄镇石门园村卫生室"]
    assert all(p["field"] == "村卫生室诊疗人次" and p["period_label"] == "2026年10月" for p in problems)
    page = client.post("/import", headers={"X-CSRF-Token": client.csrf},
                       files={"files": ("10月.csv", body, "text/csv")}).text
    assert "<th>机构</th>" in page and "官庄镇石门园村卫生室" in page


def test_problems_in_the_system_template_name_the_facility(web, tmp_path):
    """The wide Excel template (rows: facilities, columns: elements): a bad cell's problem names
    the facility of its row and the element of its column."""
    import io

    from openpyxl import load_workbook

    client = web.client("luru_a")
    template = client.get("/import/template?ou=YL_GX&period=202611&level=3")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book[book.sheetnames[0]]
    header = [c.value for c in sheet[1]]
    first = None
    for r in range(1, sheet.max_row + 1):
        if sheet.cell(r, 1).value == VILLAGE_A or sheet.cell(r, 2).value == VILLAGE_A:
            first = r
            break
    assert first is not None, [[c.value for c in row] for row in sheet.iter_rows(max_row=4)]
    column = next(i for i, h in enumerate(header, start=1) if h and "村卫生室诊疗人次" in str(h))
    sheet.cell(first, column).value = "三十"
    path = tmp_path / "模板.xlsx"
    book.save(path)
    response = client.post("/api/import", headers={"X-CSRF-Token": client.csrf},
                           files={"files": ("模板.xlsx", path.read_bytes(), "application/octet-stream")})
    assert response.status_code == 422
    [problem] = response.json()["report"]["problems"]
    assert problem["ou_name"] == "官庄镇米家口村卫生室" and problem["field"] == "村卫生室诊疗人次"
    assert problem["period_label"] == "2026年11月"
