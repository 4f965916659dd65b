"""The same indicator definitions on Apache Spark (issue #8): a parquet export of the
tiny county, read by Spark local[*], gives exactly DuckDB's figures — roll-ups,
indicators, 同比, 完成率, ranking, and the CLI's ``--engine spark --data``.

Marked ``spark`` (``pytest -m spark`` runs them alone); one Spark session is
started for the module (~10 s of JVM start on an idle machine)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyspark")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from tiny_county import tiny_package, tiny_rows  # noqa: E402

from weijian.analytics import Analytics, OrgUnitSelection  # noqa: E402
from weijian.metadata import dump_package  # noqa: E402
from weijian.model.periods import Period  # noqa: E402
from weijian.storage import open_store  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
KEYS = ["code", "orgunit", "period"]
# every path: stocks, flows, a yearly denominator, options, an average element, a non-linear-free ratio
CODES = ["HTN_RATE", "INCIDENCE", "B_INCIDENCE", "SEX_RATIO", "VACC_PER_STAFF", "CASES.CLASS_C", "STAFF"]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """(DuckDB analytics, Spark analytics, workspace folder, parquet folder) on the same data."""
    from weijian.analytics.spark import spark_analytics, stop_spark
    from weijian.workspace import Workspace

    root = tmp_path_factory.mktemp("spark")
    package = tiny_package()
    metadata = dump_package(package, root / "package")
    ws = Workspace.init(root / "ws", metadata=metadata)
    assert not ws.store.write_values(tiny_rows(), user="test", source="tiny").conflicts
    export = ws.export_parquet(root / "parquet")
    assert export.values == len(tiny_rows()) and export.partitions == 4
    duck = Analytics(ws.store.values_table(), ws.store.orgunits_table(), ws.package)
    spark, session = spark_analytics(root / "parquet")
    try:
        yield duck, spark, root / "ws", root / "parquet"
    finally:
        ws.close()
        stop_spark(session)


def test_export_layout(engines):
    _, _, _, folder = engines
    assert (folder / "_SUCCESS").exists() and (folder / "metadata" / "indicators.yaml").exists()
    assert sorted(p.relative_to(folder / "values").as_posix() for p in (folder / "values").glob("*/*")) == [
        "year=2023/l2=T1", "year=2023/l2=T2", "year=2024/l2=T1", "year=2024/l2=T2"]
    import pyarrow.parquet as pq

    orgunits = pq.read_table(folder / "orgunits" / "orgunits.parquet")
    assert {"code", "level", "l1", "l2", "l3"} <= set(orgunits.column_names)


def test_bulk_tables_are_identical(engines):
    levels = [1, 2, 3]
    periods = ["202406", "2024Q1", "2024S1", "2024", "2023S1", "202401..202405"]
    duck, spark, _, _ = engines
    selection = OrgUnitSelection.of_levels(levels)
    wanted = [Period.parse(p) for p in periods]
    a = duck.table(CODES, selection, wanted).execute().sort_values(KEYS).reset_index(drop=True)
    b = spark.table(CODES, selection, wanted).execute().sort_values(KEYS).reset_index(drop=True)
    assert len(a) > 0
    assert list(a[KEYS].itertuples(index=False)) == list(b[KEYS].itertuples(index=False))
    for column in ("numerator", "denominator", "value"):
        assert np.allclose(a[column].to_numpy(float), b[column].to_numpy(float), rtol=1e-12, atol=0, equal_nan=True)


def test_figures_with_yoy_completion_and_rank_are_identical(engines):
    duck, spark, _, _ = engines
    period = Period.parse("2024S1")
    codes, units = ["INCIDENCE", "VACC", "SEX_RATIO"], ["C", "T1", "T2"]
    assert duck.figures(codes, units, period) == spark.figures(codes, units, period)
    assert duck.ranked(duck.query("INCIDENCE", ["T1", "T2"], period)) == spark.ranked(
        spark.query("INCIDENCE", ["T1", "T2"], period))


def test_cli_query_engine_spark(engines):
    from typer.testing import CliRunner

    from weijian.cli import app

    _, _, ws, folder = engines
    runner = CliRunner()
    base = ["query", "--indicator", "HTN_RATE", "--ou", "children:C", "--period", "2024S1", "--json"]
    local = runner.invoke(app, [*base, "-w", str(ws)])
    on_spark = runner.invoke(app, [*base, "-w", str(ws), "--engine", "spark", "--data", str(folder)])
    parquet_only = runner.invoke(app, [*base, "-w", str(folder / "nowhere"), "--engine", "spark", "--data", str(folder)])
    for result in (local, on_spark, parquet_only):
        assert result.exit_code == 0, result.output
    assert json.loads(local.stdout) == json.loads(on_spark.stdout) == json.loads(parquet_only.stdout)


def test_cli_refuses_spark_without_data(engines):
    from typer.testing import CliRunner

    from weijian.cli import app

    _, _, ws, _ = engines
    result = CliRunner().invoke(app, ["query", "--indicator", "HTN_RATE", "--ou", "C", "--period", "2024S1",
                                      "-w", str(ws), "--engine", "spark"])
    assert result.exit_code == 2 and "--data" in result.output
