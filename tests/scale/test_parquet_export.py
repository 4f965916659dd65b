"""``weijian export --parquet``: from either store backend, a partitioned export that
an engine reading the parquet (here DuckDB's reader) rolls up to the store's figures."""
from __future__ import annotations

import sys
from pathlib import Path

import ibis
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from tiny_county import tiny_package, tiny_rows  # noqa: E402

from weijian.analytics import Analytics, OrgUnitSelection  # noqa: E402
from weijian.errors import WeijianError  # noqa: E402
from weijian.exchange.parquet import export_parquet  # noqa: E402
from weijian.model.periods import Period  # noqa: E402

KEYS = ["code", "orgunit", "period"]


def test_export_reads_back_to_the_same_figures(store, tmp_path):
    package = tiny_package()
    store.replace_orgunits(package.orgunits.values())
    store.write_values(tiny_rows(), user="test", source="tiny")
    done = export_parquet(store, package, tmp_path / "pq")
    assert done.values == len(tiny_rows()) and done.orgunits == 6 and done.partitions == 4
    con = ibis.duckdb.connect()
    values = con.read_parquet(str(tmp_path / "pq" / "values" / "**" / "*.parquet"), hive_partitioning=True)
    orgunits = con.read_parquet(str(tmp_path / "pq" / "orgunits" / "orgunits.parquet"))
    assert values.count().execute() == len(tiny_rows())
    selection = OrgUnitSelection.of_levels([1, 2, 3])
    periods = [Period.parse(p) for p in ("2024S1", "2024", "202403", "202401..202405")]
    codes = [*package.indicators, *package.elements]
    a = Analytics(store.values_table(), store.orgunits_table(), package).table(codes, selection, periods).execute()
    b = Analytics(values, orgunits, package).table(codes, selection, periods).execute()
    a, b = (f.sort_values(KEYS).reset_index(drop=True) for f in (a, b))
    assert list(a[KEYS].itertuples(index=False)) == list(b[KEYS].itertuples(index=False))
    for column in ("numerator", "denominator", "value"):
        assert np.allclose(a[column].to_numpy(float), b[column].to_numpy(float), rtol=1e-12, equal_nan=True)


def test_export_never_overwrites_a_foreign_folder(store, tmp_path):
    package = tiny_package()
    store.replace_orgunits(package.orgunits.values())
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(WeijianError, match="不是 weijian"):
        export_parquet(store, package, tmp_path / "mine")
    export_parquet(store, package, tmp_path / "pq")
    with pytest.raises(WeijianError, match="--force"):
        export_parquet(store, package, tmp_path / "pq")
    assert export_parquet(store, package, tmp_path / "pq", overwrite=True).values == 0
