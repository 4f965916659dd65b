"""The default store: one DuckDB file, one connection (DuckDB allows one writer per file)."""
from __future__ import annotations

import os

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from weijian.errors import StoreBusyError, StoreError
from weijian.storage.sql_common import Columns, Db
from weijian.storage.sql_store import SqlStore

@lru_cache(maxsize=1)
def _arrow_types() -> dict:
    # pyarrow loads only when rows are written: a read-only command starts faster
    import pyarrow as pa

    return {"text": pa.string(), "double": pa.float64(), "int": pa.int32(),
            "bigint": pa.int64(), "bool": pa.bool_(), "timestamp": pa.timestamp("us"),
            "date": pa.date32(), "decimal": pa.decimal128(20, 4)}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=256)
def _dollar_params(sql: str) -> str:
    """psycopg ``%(name)s`` → DuckDB ``$name``."""
    return _PLACEHOLDER.sub(r"$\1", sql)


class DuckDb(Db):
    errors = (duckdb.Error,)

    def __init__(self, con: duckdb.DuckDBPyConnection):
        super().__init__()
        self.con = con

    def _begin(self) -> None:
        self.con.begin()

    def _commit(self) -> None:
        self.con.commit()

    def _rollback(self) -> None:
        try:
            self.con.rollback()
        except duckdb.TransactionException:
            pass  # nothing active: a failed commit already rolled back

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        if params:
            self.con.execute(_dollar_params(sql), params)
        else:
            self.con.execute(sql)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        if params:
            return self.con.execute(_dollar_params(sql), params).fetchall()
        return self.con.execute(sql).fetchall()

    def load(self, table: str, columns: Columns, rows: Sequence[tuple]) -> None:
        # Column-wise Arrow → one set-based INSERT: far faster than executemany.
        data = list(zip(*rows)) if rows else [()] * len(columns)
        import pyarrow as pa

        types = _arrow_types()
        arrow = pa.table({name: pa.array(values, type=types[kind])
                          for (name, kind), values in zip(columns, data)})
        names = ", ".join(name for name, _ in columns)
        self.con.register("wj_chunk", arrow)
        try:
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM wj_chunk")
        finally:
            self.con.unregister("wj_chunk")

    def stream(self, sql: str, params: dict[str, Any], batch_size: int) -> Iterator[tuple]:
        cursor = self.con.cursor()  # own connection: iterating must not block writes
        try:
            if params:
                cursor.execute(_dollar_params(sql), params)
            else:
                cursor.execute(sql)
            while batch := cursor.fetchmany(batch_size):
                yield from batch
        finally:
            cursor.close()

    def close(self) -> None:
        self.con.close()


MEMORY_LIMIT_ENV = "WEIJIAN_DUCKDB_MEMORY_LIMIT"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def open_error(path: str, exc: duckdb.Error) -> StoreError:
    """Why a DuckDB file would not open, in Chinese; a lock held by another
    process (DuckDB allows one process per file) is a StoreBusyError."""
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        holder = _LOCK_HOLDER.search(text)
        who = f"（进程号 {holder.group(2)}）" if holder else ""
        return StoreBusyError(
            f"数据库文件 {path} 正被另一个程序{who}使用，例如正在运行的 weijian serve 或另一个导入。"
            "DuckDB 同一时间只允许一个程序打开同一个文件，请稍后重试；"
            "服务运行期间请通过网页或接口（/api/dataValueSets）导入，备份请用 weijian backup --server")
    return StoreError(f"无法打开数据库文件 {path}：{exc}")


class DuckDBStore(SqlStore):
    """Values, org units and audit in a DuckDB file (created if absent)."""

    dialect = "duckdb"

    def __init__(self, path: str | Path, migrate_to: int | None = None):
        self.url = str(path)
        if self.url != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # a cap makes big imports spill staged rows to disk instead of growing with the file
            con = duckdb.connect(self.url, config={"memory_limit": os.environ.get(MEMORY_LIMIT_ENV, "4GB")})
        except duckdb.Error as exc:
            raise open_error(self.url, exc) from exc
        self._db = DuckDb(con)
        self._ibis = None
        try:
            self.migrate(up_to=migrate_to)
        except BaseException:
            self.close()
            raise

    def ibis(self):
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self._db.con)
        return self._ibis

    def close(self) -> None:
        self._ibis = None
        self._db.close()
