"""Table-level backup and restore of a SQL store: a consistent snapshot of every
table as Parquet, and the load of such files into a fresh store.

``dump_tables`` reads every table inside one snapshot transaction on its own
connection (DuckDB: a transaction on a cursor of the open database, which other
connections keep writing around — MVCC; PostgreSQL: REPEATABLE READ READ ONLY),
so the files agree with each other even while the web app keeps saving.
``load_tables`` writes them into a store whose schema is at the backup's
version, in one transaction, and moves the id sequences past the loaded ids.

Derived and ephemeral tables are not copied: ``schema_version`` (the manifest
records the version), ``web_session`` (logins end with a restore) and the
analytics tables (rebuilt after the restore).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from weijian.errors import StoreError
from weijian.storage.sql_common import Db
from weijian.storage.sql_store import SqlStore

SKIPPED_TABLES = frozenset({"schema_version", "web_session", "analytics_table", "analytics_dirty"})
SKIPPED_PREFIXES = ("analytics_",)
BATCH_ROWS = 50_000

# logical column types (sql_common.SQL_TYPES) as Arrow types
ARROW_TYPES = {"text": pa.string(), "double": pa.float64(), "int": pa.int32(), "bigint": pa.int64(),
               "bool": pa.bool_(), "timestamp": pa.timestamp("us"), "date": pa.date32(),
               "decimal": pa.decimal128(20, 4)}


def logical_type(sql_type: str) -> str:
    """A column's catalogue type (DuckDB or PostgreSQL spelling) as a logical type."""
    t = sql_type.lower()
    if t in ("varchar", "text", "character varying"):
        return "text"
    if t in ("double", "double precision", "float8"):
        return "double"
    if t in ("integer", "int4", "int"):
        return "int"
    if t in ("bigint", "int8"):
        return "bigint"
    if t in ("boolean", "bool"):
        return "bool"
    if t in ("timestamp", "timestamp without time zone"):
        return "timestamp"
    if t == "date":
        return "date"
    if t.startswith(("decimal", "numeric")):
        return "decimal"
    raise StoreError(f"备份不支持的列类型 {sql_type}")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def backed_up(table: str) -> bool:
    return table not in SKIPPED_TABLES and not table.startswith(SKIPPED_PREFIXES)


@dataclass(frozen=True)
class TableFile:
    """One table written by ``dump_tables``."""

    name: str
    columns: list[tuple[str, str]]  # (column, logical type)
    rows: int
    sha256: str
    path: Path


class Snapshot:
    """Reads of one store inside one read-only snapshot transaction."""

    def __init__(self, store: SqlStore, cursor, schema: str):
        self.store = store
        self._cursor = cursor
        self._schema = schema

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._cursor.execute(sql, params).fetchall()

    def tables(self) -> list[str]:
        rows = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                          "AND table_type = 'BASE TABLE' ORDER BY table_name" if self._pg else
                          "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                          "AND table_type = 'BASE TABLE' ORDER BY table_name", (self._schema,))
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[tuple[str, str]]:
        marker = "%s" if self._pg else "?"
        rows = self.query(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = {marker} "
                          f"AND table_name = {marker} ORDER BY ordinal_position", (self._schema, table))
        return [(name, logical_type(kind)) for name, kind in rows]

    @property
    def _pg(self) -> bool:
        return self.store.dialect == "postgres"

    def batches(self, table: str, columns: list[tuple[str, str]]) -> Iterator[pa.RecordBatch]:
        schema = pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])
        names = ", ".join(quote(name) for name, _ in columns)
        sql = f"SELECT {names} FROM {quote(table)}"
        if not self._pg:
            reader = self._cursor.sql(sql).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                yield from pa.Table.from_batches([batch]).cast(schema).to_batches()
            return
        with self._cursor.connection.cursor(name=f"wj_backup_{table}") as cursor:
            cursor.itersize = BATCH_ROWS
            cursor.execute(sql)
            while rows := cursor.fetchmany(BATCH_ROWS):
                data = list(zip(*rows))
                yield pa.RecordBatch.from_arrays(
                    [pa.array(values, type=ARROW_TYPES[kind]) for values, (_, kind) in zip(data, columns)],
                    schema=schema)


@contextmanager
def snapshot(store: SqlStore) -> Iterator[Snapshot]:
    """A consistent read-only view of ``store`` on a connection of its own."""
    if store.dialect == "postgres":
        import psycopg

        conn = store._connect()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            cursor = conn.cursor()
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
            if schema != store.schema:  # the schema does not exist (yet)
                schema = store.schema
            yield Snapshot(store, cursor, schema)
        finally:
            conn.rollback()
            conn.close()
        return
    cursor = store._db.con.cursor()
    try:
        cursor.execute("BEGIN TRANSACTION")
        schema = cursor.execute("SELECT current_schema()").fetchone()[0]
        yield Snapshot(store, cursor, schema)
    finally:
        try:
            cursor.execute("ROLLBACK")
        finally:
            cursor.close()


def dump_tables(store: SqlStore, folder: Path) -> tuple[int, list[TableFile]]:
    """Every backed-up table of ``store`` as ``folder/<table>.parquet``, read in one
    snapshot; returns (schema version, files)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with snapshot(store) as snap:
        version = int(snap.query("SELECT max(version) FROM schema_version")[0][0] or 0)
        for table in snap.tables():
            if not backed_up(table):
                continue
            columns = snap.columns(table)
            path = folder / f"{table}.parquet"
            schema = pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])
            rows = 0
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for batch in snap.batches(table, columns):
                    if batch.num_rows:
                        writer.write_batch(batch)
                        rows += batch.num_rows
            written.append(TableFile(table, columns, rows, file_sha256(path), path))
    return version, written


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def table_names(store: SqlStore) -> list[str]:
    with snapshot(store) as snap:
        return snap.tables()


def nonempty_tables(store: SqlStore) -> list[str]:
    """Tables of ``store`` holding rows (org units aside: opening a workspace fills them)."""
    with snapshot(store) as snap:
        return [t for t in snap.tables() if backed_up(t) and t != "orgunit"
                and snap.query(f"SELECT count(*) FROM {quote(t)}")[0][0]]


def load_tables(store: SqlStore, tables: list[TableFile]) -> None:
    """Load the files into ``store`` (its tables empty, its schema at the backup's
    version) in one transaction; then move each id sequence past the largest id."""
    known = set(table_names(store))
    missing = [t.name for t in tables if t.name not in known]
    if missing:
        raise StoreError(f"目标数据库缺少表 {'、'.join(missing)}：备份与本程序的数据库结构不一致")
    with store._transaction("恢复备份") as db:
        for table in tables:
            if table.name == "orgunit":  # filled from the metadata when the store was opened
                db.execute("DELETE FROM orgunit")
            parquet = pq.ParquetFile(table.path)
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                _load(db, table, batch)
        _advance_sequences(store, db)


def _load(db: Db, table: TableFile, batch: pa.RecordBatch) -> None:
    names = ", ".join(quote(name) for name, _ in table.columns)
    if hasattr(db, "con"):  # DuckDB: set-based INSERT from Arrow
        db.con.register("wj_restore", batch)
        try:
            db.con.execute(f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} FROM wj_restore")
        finally:
            db.con.unregister("wj_restore")
        return
    rows = zip(*(column.to_pylist() for column in batch.columns))
    with db.conn.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


_NEXTVAL = re.compile(r"nextval\('([^']+?)'(?:::regclass)?\)")


def _advance_sequences(store: SqlStore, db: Db) -> None:
    """After loading explicit ids, new rows must get ids above them."""
    pg = store.dialect == "postgres"
    schema = store.schema if pg else db.query("SELECT current_schema()")[0][0]
    rows = db.query("SELECT table_name, column_name, column_default, "
                    + ("is_identity" if pg else "'NO'")
                    + " FROM information_schema.columns WHERE table_schema = %(schema)s", {"schema": schema})
    owners: dict[str, list[tuple[str, str]]] = {}
    for table, column, default, identity in rows:
        if not backed_up(table):
            continue
        match = _NEXTVAL.search(default or "")
        if match:
            owners.setdefault(match.group(1).strip('"'), []).append((table, column))
        elif identity == "YES":
            sequence = db.query("SELECT pg_get_serial_sequence(%(t)s, %(c)s)",
                                {"t": quote(table), "c": column})[0][0]
            owners.setdefault(sequence, []).append((table, column))
    for sequence, columns in owners.items():
        top = max(int(db.query(f"SELECT coalesce(max({quote(c)}), 0) FROM {quote(t)}")[0][0]) for t, c in columns)
        if top <= 0:
            continue
        if pg:
            db.execute("SELECT setval(CAST(%(s)s AS regclass), %(v)s, true)", {"s": sequence, "v": top})
        else:  # DuckDB sequences cannot be set: draw the numbers already used (fresh store)
            db.execute(f"SELECT max(nextval('{sequence}')) FROM range({top})")
