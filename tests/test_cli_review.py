"""approve / unapprove / history from the command line, on a fresh workspace."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from weijian.cli import app
from weijian.metadata import SMALL_PACKAGE

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def ws(tmp_path):
    folder = tmp_path / "县"
    assert run("init", folder, "--metadata", SMALL_PACKAGE).exit_code == 0
    data = tmp_path / "5月.csv"
    data.write_text("dataelement,period,orgunit,value\nVACC_DOSES,202405,YL_GX_WSY,120\n", encoding="utf-8")
    assert run("import", "-w", folder, data).exit_code == 0
    return folder, data


def test_approved_period_refuses_import_until_unapproved(ws, tmp_path):
    folder, _ = ws
    # one value of one month: most of the township's reports are missing, so locking asks to confirm
    refused = run("approve", "-w", folder, "--ou", "YL_GX", "--period", "2024S1", "--user", "张三")
    assert refused.exit_code == 2 and "份报表未上报" in refused.output and "--confirm" in refused.output
    result = run("approve", "-w", folder, "--ou", "YL_GX", "--period", "2024S1", "--user", "张三", "--confirm")
    assert result.exit_code == 0 and "已审核锁定：官庄镇 2024年上半年" in result.output and "未上报" in result.output
    change = tmp_path / "更正.csv"
    change.write_text("dataelement,period,orgunit,value\nVACC_DOSES,202405,YL_GX_WSY,125\n", encoding="utf-8")
    refused = run("import", "-w", folder, change, "--json")
    assert refused.exit_code == 1
    [problem] = json.loads(refused.stdout)["problems"]
    assert (problem["row"], problem["code"]) == (2, "locked") and "张三" in problem["message"]

    no_reason = run("unapprove", "-w", folder, "--ou", "YL_GX", "--period", "2024S1", "--reason", " ")
    assert no_reason.exit_code == 2 and "原因" in no_reason.output
    assert run("unapprove", "-w", folder, "--ou", "YL_GX", "--period", "2024S1", "--reason", "更正剂次",
               "--user", "张三").exit_code == 0
    assert run("import", "-w", folder, change).exit_code == 0

    history = json.loads(run("history", "-w", folder, "--element", "VACC_DOSES", "--ou", "YL_GX_WSY",
                             "--period", "202405", "--json").stdout)
    assert [(h["action"], h["old_value"], h["new_value"], h["source"], h["source_row"]) for h in history] == [
        ("create", None, 120.0, "5月.csv", 2), ("update", 120.0, 125.0, "更正.csv", 2)]


def test_history_unknown_codes(ws):
    folder, _ = ws
    result = run("history", "-w", folder, "--element", "NOPE")
    assert result.exit_code == 2 and "数据项编码“NOPE”不存在" in result.output
    result = run("approve", "-w", folder, "--ou", "NOPE", "--period", "202405")
    assert result.exit_code == 2 and "机构编码“NOPE”不存在" in result.output


def test_archive_import_keeps_its_submission_date(ws, tmp_path):
    folder, _ = ws
    archive = tmp_path / "2024年4月档案.csv"
    archive.write_text("dataelement,period,orgunit,value\nVACC_DOSES,202404,YL_ELX_WSY,80\n", encoding="utf-8")
    assert run("import", "-w", folder, archive, "--recorded-at", "2024-05-08").exit_code == 0
    [entry] = json.loads(run("history", "-w", folder, "--ou", "YL_ELX_WSY", "--json").stdout)
    assert entry["changed_at"].startswith("2024-05-08")
    bad = run("import", "-w", folder, archive, "--recorded-at", "五月八日")
    assert bad.exit_code == 2
