"""The server store: PostgreSQL, data in one schema (default ``weijian``)."""
from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg

from weijian.errors import StoreError
from weijian.storage.sql_common import Columns, Db
from weijian.storage.sql_store import SqlStore

DEFAULT_SCHEMA = "weijian"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgDb(Db):
    """A psycopg connection (autocommit off); reads outside a write end their implicit transaction."""

    errors = (psycopg.Error,)

    def __init__(self, connect: Callable[..., psycopg.Connection]):
        super().__init__()
        self._connect = connect
        self.conn = connect()

    def _begin(self) -> None:
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.rollback()  # psycopg opens the transaction at the first statement

    def _commit(self) -> None:
        self.conn.commit()

    def _rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()

    def _end_read(self) -> None:
        if not self.in_transaction:
            self.conn.rollback()

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        if self.in_transaction:
            self.conn.execute(sql, params)
            return
        with self.conn.transaction():  # a lone statement commits (or rolls back) by itself
            self.conn.execute(sql, params)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        finally:
            self._end_read()

    def load(self, table: str, columns: Columns, rows: Sequence[tuple]) -> None:
        names = ", ".join(name for name, _ in columns)
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def stream(self, sql: str, params: dict[str, Any], batch_size: int) -> Iterator[tuple]:
        # A server-side cursor on its own connection: batches, and the store stays usable.
        conn = self._connect()
        try:
            with conn.cursor(name="wj_read") as cursor:
                cursor.itersize = batch_size
                cursor.execute(sql, params)
                yield from cursor
        finally:
            conn.close()

    def close(self) -> None:
        self.conn.close()


class PostgresStore(SqlStore):
    """Values, org units and audit in one PostgreSQL schema (created if absent)."""

    dialect = "postgres"

    def __init__(self, url: str, conninfo: str, schema: str = DEFAULT_SCHEMA, migrate_to: int | None = None):
        self.url = url
        self.schema = schema
        self._conninfo = conninfo
        self._ibis_database = schema
        self._ibis = None
        self._db = PgDb(self._connect)
        try:
            self.migrate(up_to=migrate_to)
        except BaseException:
            self.close()
            raise

    def _connect(self, autocommit: bool = False) -> psycopg.Connection:
        try:
            conn = psycopg.connect(self._conninfo, autocommit=autocommit)
        except psycopg.Error as exc:
            raise StoreError(f"无法连接 PostgreSQL 数据库：{exc}") from exc
        conn.execute(f"SET search_path TO {quote_ident(self.schema)}")
        if not autocommit:
            conn.commit()
        return conn

    def _before_migrate(self, db: Db) -> None:
        # Serialise concurrent first opens of one schema.
        db.execute("SELECT pg_advisory_xact_lock(%(key)s)",
                    {"key": zlib.crc32(f"weijian:{self.schema}".encode())})
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")

    def _session_db(self) -> Db:
        return PgDb(self._connect)  # each import its own connection: imports may run side by side

    def _release_session_db(self, db: Db) -> None:
        db.close()

    def ibis(self):
        if self._ibis is None:
            import ibis

            self._ibis = ibis.postgres.from_connection(self._connect(autocommit=True))
        return self._ibis

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis.disconnect()
            self._ibis = None
        self._db.close()
