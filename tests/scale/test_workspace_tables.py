"""The analytics tables through the library API and the CLI: a workspace with
tables answers as one without, and an import refreshes what it touched."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from tiny_county import tiny_package, tiny_rows  # noqa: E402

from weijian.cli import app  # noqa: E402
from weijian.metadata import dump_package  # noqa: E402
from weijian.workspace import Workspace  # noqa: E402


@pytest.fixture
def workspace(tmp_path):
    metadata = dump_package(tiny_package(), tmp_path / "package")
    with Workspace.init(tmp_path / "ws", metadata=metadata) as ws:
        ws.store.write_values(tiny_rows(), user="test", source="tiny")
    return tmp_path / "ws"


def figures(ws):
    return [ws.query(code, ou, period) for code in ("HTN_RATE", "VACC", "INCIDENCE")
            for ou in ("C", "children:C") for period in ("2024S1", "202403")]


def test_import_refreshes_and_queries_match_raw(workspace, tmp_path):
    with Workspace.open(workspace) as ws:
        before = figures(ws)
        ws.build_analytics_tables()
        assert ws.analytics.aggregates is not None
        assert figures(ws) == before
        csv = tmp_path / "3月补报.csv"
        csv.write_text("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                       "VACC,202403,F2,,,44\nHTN_STD,202403,F3,,,90\nHTN_MANAGED,202403,F3,,,120\n", encoding="utf-8")
        assert ws.import_files([csv], user="test").ok
        assert ws.analytics_tables_status()["pending"] == 0  # refreshed by the import itself
        with_tables = figures(ws)
        ws.drop_analytics_tables()
        assert ws.analytics.aggregates is None
        assert figures(ws) == with_tables != before


def test_cli_analytics_tables(workspace):
    runner = CliRunner()
    built = runner.invoke(app, ["analytics-tables", "-w", str(workspace)])
    assert built.exit_code == 0, built.output
    status = runner.invoke(app, ["analytics-tables", "-w", str(workspace), "--status"])
    assert "已建立" in status.output and "待刷新 0" in status.output
    query = runner.invoke(app, ["query", "-w", str(workspace), "--indicator", "HTN_RATE", "--ou", "C",
                                "--period", "2024S1", "--json"])
    assert query.exit_code == 0 and '"value": 74.36' in query.output
    dropped = runner.invoke(app, ["analytics-tables", "-w", str(workspace), "--drop"])
    assert dropped.exit_code == 0 and "已删除" in dropped.output


def test_cli_export_parquet(workspace, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["export", "-w", str(workspace), "--parquet", str(tmp_path / "pq")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "pq" / "_SUCCESS").exists() and "4 个分区" in done.output
    again = runner.invoke(app, ["export", "-w", str(workspace), "--parquet", str(tmp_path / "pq")])
    assert again.exit_code == 2 and "--force" in again.output
    missing = runner.invoke(app, ["export", "-w", str(workspace), "--ou", "C"])
    assert missing.exit_code == 2
