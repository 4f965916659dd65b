"""A .docx table with a 合计 row or column is checked like any other total and its parts."""
from __future__ import annotations

import docx

from weijian.audit import audit_file


def _table_doc(path, rows):
    document = docx.Document()
    document.add_paragraph("某县卫生健康局2024年度工作总结")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("以上为各乡镇情况。")
    document.save(path)
    return path


ROWS = [["乡镇", "建档人数", "签约人数", "签约率"],
        ["东岭镇", "1200", "800", "66.7%"],
        ["西湾乡", "900", "650", "72.2%"],
        ["合计", "2100", "1450", "69.0%"]]


def test_docx_total_row_is_checked(tmp_path):
    report = audit_file(_table_doc(tmp_path / "表.docx", ROWS))
    sums = [f for f in report.findings if f.kind == "sum"]
    assert [(f.verdict, report.figures[f.focus].text) for f in sums] == [("consistent", "2100"), ("consistent", "1450")]
    assert not report.inconsistent


def test_docx_total_row_error_is_found_on_its_cell(tmp_path):
    rows = [row[:] for row in ROWS]
    rows[3][2] = "1460"
    report = audit_file(_table_doc(tmp_path / "表.docx", rows))
    [finding] = report.inconsistent
    assert report.figures[finding.focus].text == "1460" and "合计" in finding.message and "少10" in finding.message


def test_rates_in_a_total_row_are_never_summed(tmp_path):
    report = audit_file(_table_doc(tmp_path / "表.docx", ROWS))
    assert not any(report.figures[f.focus].text == "69.0%" for f in report.findings if f.kind == "sum")


def test_total_column(tmp_path):
    rows = [["单位", "门诊人次", "住院人次", "合计"], ["县医院", "52000", "6100", "58100"],
            ["中医院", "31000", "2900", "34900"]]
    report = audit_file(_table_doc(tmp_path / "表.docx", rows))
    assert [report.figures[f.focus].text for f in report.inconsistent] == ["34900"]
    assert any(f.verdict == "consistent" and report.figures[f.focus].text == "58100" for f in report.findings)
