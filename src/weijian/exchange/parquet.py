"""Export for engines beyond one machine: values, org units and metadata as parquet.

    export_parquet(store, package, "导出/省")        # weijian export --parquet 导出/省

Layout (read by ``weijian.analytics.spark``, or any parquet reader)::

    DIR/values/year=2024/l2=T0001/*.parquet   the stored values, every column of the store's
                                              datavalue table; partitioned by the year of the
                                              value's first month and its level-2 unit (a value
                                              of the root itself: l2=_), so a query of one
                                              county and year reads one folder
    DIR/orgunits/orgunits.parquet             code, name, type, parent, level, path, l1..l6
                                              (one ancestor column per level)
    DIR/metadata/*.yaml                       the metadata package the values belong to
    DIR/manifest.json                         counts, levels, partitions, when
    DIR/_SUCCESS                              written last: the export is complete
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import ibis

from weijian.errors import WeijianError
from weijian.metadata import dump_package
from weijian.model import MetadataPackage

ROOT_PARTITION = "_"  # the l2 partition of values stored on the level-1 unit itself
MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
MARK = ".weijian-parquet"


@dataclass(frozen=True)
class ParquetExport:
    folder: Path
    values: int
    orgunits: int
    partitions: int
    seconds: float


def export_parquet(store, package: MetadataPackage, folder: str | Path, *, overwrite: bool = False) -> ParquetExport:
    """Write everything ``store`` holds (values, org units) and ``package`` into ``folder``."""
    return export_parquet_from(store.values_table(), store.orgunits_table(), folder, package=package,
                               overwrite=overwrite)


def export_parquet_from(values, orgunits, folder: str | Path, *, package: MetadataPackage | None = None,
                        overwrite: bool = True) -> ParquetExport:
    """The same from any Ibis values and org-unit tables (the benchmarks' synthetic data)."""
    start = datetime.now()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARK).exists():  # never delete a folder an export did not make
            raise WeijianError(f"目录“{folder}”已存在且不是 weijian 的 parquet 导出，请换一个目录")
        if not overwrite:
            raise WeijianError(f"目录“{folder}”已有导出；加 --force 覆盖")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARK).write_text("weijian parquet export\n")

    ou = orgunits.select(code=orgunits.code, l2=orgunits.l2.coalesce(ibis.literal(ROOT_PARTITION)))
    joined = values.left_join(ou, values.orgunit == ou.code)
    table = joined.select(*[joined[c] for c in values.columns],
                          year=(joined.start_month // 12).cast("int32"),
                          l2=joined.l2.coalesce(ibis.literal(ROOT_PARTITION)))
    backend = table._find_backend()
    target = folder / "values"
    if backend.name == "duckdb":
        # DuckDB writes the partitions itself, in parallel, without going through Python
        sql = backend.compile(table)
        backend._register_in_memory_tables(table)
        backend.con.execute(f"COPY ({sql}) TO '{_sql_path(target)}' "
                            f"(FORMAT parquet, PARTITION_BY (year, l2), COMPRESSION zstd)")
    else:
        import pyarrow.dataset as ds

        batches = table.to_pyarrow_batches()
        ds.write_dataset(batches, target, format="parquet", partitioning=["year", "l2"],
                         partitioning_flavor="hive", existing_data_behavior="overwrite_or_ignore")
    (folder / "orgunits").mkdir(exist_ok=True)
    orgunits.to_parquet(folder / "orgunits" / "orgunits.parquet")
    if package is not None:
        dump_package(package, folder / "metadata")
    count = int(values.count().execute())
    units = int(orgunits.count().execute())
    partitions = sum(1 for p in target.glob("year=*/l2=*") if p.is_dir())
    result = ParquetExport(folder, count, units, partitions, (datetime.now() - start).total_seconds())
    manifest = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}
    manifest.update(exported_at=datetime.now().isoformat(timespec="seconds"), layout="values/year=YYYY/l2=CODE")
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / SUCCESS).write_text("")
    return result


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
