"""Storage: the only place SQL for writes lives (DESIGN §4, §5).

``open_store`` picks the backend from the target: a ``postgresql://`` URL opens
a PostgreSQL schema, anything else is a DuckDB file path.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from weijian.storage.base import (
    KEY_COLUMNS,
    LEDGER_KINDS,
    USER_ROLES,
    VALUE_COLUMNS,
    Approval,
    ApprovalLogEntry,
    AuditEntry,
    Conflict,
    ImportSession,
    LedgerAuditEntry,
    LedgerChange,
    LedgerRef,
    LockedRow,
    Registration,
    RegistrationLogEntry,
    Store,
    StoredValue,
    ValueRow,
    WriteSummary,
)

__all__ = [
    "KEY_COLUMNS", "LEDGER_KINDS", "USER_ROLES", "VALUE_COLUMNS", "Approval", "ApprovalLogEntry", "AuditEntry", "Conflict",
    "ImportSession", "LedgerAuditEntry", "LedgerChange", "LedgerRef", "LockedRow", "Registration", "RegistrationLogEntry", "Store",
    "StoredValue", "ValueRow", "WriteSummary", "open_store",
]

_PG_SCHEMES = ("postgresql", "postgres")


def open_store(target: str | Path, *, schema: str | None = None, migrate_to: int | None = None) -> Store:
    """Open (and migrate) the store at ``target`` (only up to migration
    ``migrate_to`` when given: restoring an old backup, building test fixtures).

    PostgreSQL: ``postgresql://user@host:5432/db?schema=name``; ``schema``
    (argument, else URL parameter, else ``weijian``) holds the tables.
    """
    text = str(target)
    parts = urlsplit(text) if isinstance(target, str) else None
    if parts is not None and parts.scheme in _PG_SCHEMES:
        from weijian.storage.postgres_store import DEFAULT_SCHEMA, PostgresStore

        query = parse_qsl(parts.query, keep_blank_values=True)
        url_schema = next((v for k, v in query if k == "schema"), None)
        conninfo = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))
        return PostgresStore(text, conninfo, schema or url_schema or DEFAULT_SCHEMA, migrate_to=migrate_to)

    from weijian.storage.duckdb_store import DuckDBStore

    return DuckDBStore(text, migrate_to=migrate_to)
