"""The analytics engine on Apache Spark, for data that outgrow one machine.

The same ``Analytics`` (the same Ibis expressions, the same indicator
definitions) runs through Ibis' PySpark backend on a parquet export
(``weijian export --parquet DIR``, see ``exchange/parquet.py``)::

    analytics, session = spark_analytics("导出/省")                      # local[*]
    analytics, session = spark_analytics("hdfs:///weijian/省", master="spark://head:7077")
    analytics.query("HTN_STD_RATE", ["P01"], Period.parse("2025S1"))
    stop_spark(session)

``master`` is any Spark master URL (``local[*]``, ``spark://host:7077``,
``yarn``, ``k8s://…``); the folder must be readable by every executor (HDFS,
S3, a shared file system) when it is not local. Install with
``pip install 'weijian[spark]'``; Spark 4.0 needs Java 17 or 21.
"""
from __future__ import annotations

import os
from pathlib import Path

from weijian.analytics.engine import Analytics
from weijian.errors import WeijianError
from weijian.model import MetadataPackage

DEFAULT_MASTER = "local[*]"
MASTER_ENV = "WEIJIAN_SPARK_MASTER"
MEMORY_ENV = "WEIJIAN_SPARK_MEMORY"


def spark_session(master: str | None = None, memory: str | None = None, app: str = "weijian"):
    """A Spark session (reused if one runs in this process) tuned for weijian's
    roll-ups: few shuffle partitions in local mode, adaptive execution, UTC."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise WeijianError("Spark 引擎需要 pyspark：pip install 'weijian[spark]'（并安装 Java 17）") from exc
    master = master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    local = master.startswith("local")
    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.adaptive.enabled", "true")
               # partition folders are codes (l2=T0001, year=2024): keep them strings/ints as written
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if local:
        cores = os.cpu_count() or 2
        builder = (builder.config("spark.sql.shuffle.partitions", str(max(4, 4 * cores)))
                   .config("spark.ui.enabled", "false")
                   .config("spark.driver.memory", memory or os.environ.get(MEMORY_ENV) or "2g"))
    elif memory or os.environ.get(MEMORY_ENV):
        builder = builder.config("spark.executor.memory", memory or os.environ[MEMORY_ENV])
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_analytics(data: str | Path, package: MetadataPackage | None = None, *, master: str | None = None,
                    memory: str | None = None, session=None) -> tuple[Analytics, object]:
    """``Analytics`` over the parquet export in ``data`` (its own metadata
    package unless ``package`` is given), and the Spark session this call
    started (None when it reused one already running: not ours to stop)."""
    import ibis

    text = str(data)
    is_local = "://" not in text
    if is_local and not (Path(text) / "values").exists():
        raise WeijianError(f"“{text}”不是 weijian 的 parquet 导出（缺少 values/ 目录）：先运行 weijian export --parquet")
    if package is None:
        if not is_local:
            raise WeijianError("远程数据目录请同时给出元数据包（工作区的 metadata/）")
        from weijian.metadata import load_package

        package = load_package(Path(text) / "metadata")
    started = None
    if session is None:
        from pyspark.sql import SparkSession

        running = SparkSession.getActiveSession()
        session = spark_session(master, memory)
        started = None if running is not None else session
    con = ibis.pyspark.connect(session)
    base = text.rstrip("/")
    # the whole folder: Spark discovers the year=/l2= partitions and prunes them
    values = con.read_parquet(f"{base}/values", table_name="weijian_values")
    orgunits = con.read_parquet(f"{base}/orgunits", table_name="weijian_orgunits")
    return Analytics(values, orgunits, package), started


def stop_spark(session) -> None:
    if session is not None:
        session.stop()
