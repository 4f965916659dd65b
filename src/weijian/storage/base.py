"""The Store interface: the only door through which data are written.

Every backend (DuckDB file, PostgreSQL server) implements this one abstract
class; the shared test suite in ``tests/storage`` runs against each. Analytics
never writes: it asks for Ibis tables (``values_table`` / ``orgunits_table``)
and builds expressions on them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from weijian.model import OrgUnit
from weijian.model.periods import Period

# Columns of the stored values, in DHIS2 dataValueSets order plus the two
# period bounds analytics filters on (month ordinals, see model.periods).
VALUE_COLUMNS = (
    "dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo",
    "value", "storedby", "lastupdated", "comment", "followup",
)
KEY_COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo")
MAX_LEVELS = 6  # orgunit table has ancestor columns l1..l6
# What the work ledger (工作台账) holds; see ``Store.write_ledger``.
LEDGER_KINDS = ("entry", "document", "project", "progress", "honour")
LEDGER_ACTIONS = ("add", "update", "delete")
# Roles of web users (see ``Store.add_user``); what each may do is weijian.web's business.
USER_ROLES = ("录入员", "审核员", "管理员", "只读")


@dataclass(frozen=True)
class ValueRow:
    """One validated value ready to store. Options are '' when not disaggregated."""

    dataelement: str
    period: str
    orgunit: str
    value: float
    start_month: int
    end_month: int
    categoryoptioncombo: str = ""
    attributeoptioncombo: str = ""
    comment: str | None = None
    followup: bool = False
    source_row: int | None = None  # row in the source file, kept in the audit trail
    # who entered it, when one write carries several people's values (the web app's group commit);
    # None: the writing session's user
    stored_by: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.dataelement, self.period, self.orgunit,
                self.categoryoptioncombo, self.attributeoptioncombo)


@dataclass(frozen=True)
class StoredValue:
    dataelement: str
    period: str
    orgunit: str
    categoryoptioncombo: str
    attributeoptioncombo: str
    value: float
    storedby: str | None
    lastupdated: datetime | None
    comment: str | None
    followup: bool


@dataclass(frozen=True)
class AuditEntry:
    dataelement: str
    period: str
    orgunit: str
    categoryoptioncombo: str
    attributeoptioncombo: str
    old_value: float | None
    new_value: float | None
    action: str  # create | update | delete
    changed_by: str
    changed_at: datetime
    source: str | None
    source_row: int | None


@dataclass(frozen=True)
class Conflict:
    """Two rows of one import with the same key but different values."""

    key: tuple[str, str, str, str, str]
    rows: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class Approval:
    """An org unit's period approved (审核) by a 审核员: locked until un-approved."""

    orgunit: str
    period: str  # period id, e.g. 2024S1
    approved_by: str
    approved_at: datetime


@dataclass(frozen=True)
class ApprovalLogEntry:
    """One approve or unapprove, kept forever (the log is append-only)."""

    orgunit: str
    period: str
    action: str  # approve | unapprove
    by_user: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class Registration:
    """A unit's report of a data set for a period, registered complete (上报; DHIS2's
    completeDataSetRegistration): the first registration's time and user."""

    dataset: str
    period: str
    orgunit: str
    completed_by: str
    completed_at: datetime
    source: str | None


@dataclass(frozen=True)
class RegistrationLogEntry:
    """One registration or withdrawal (撤销上报), kept forever."""

    dataset: str
    period: str
    orgunit: str
    action: str  # complete | uncomplete
    by_user: str
    at: datetime
    source: str | None


@dataclass(frozen=True)
class LockedRow:
    """A staged row that would change a value an approval locks."""

    key: tuple[str, str, str, str, str]
    source_row: int | None
    approval: Approval


@dataclass(frozen=True)
class LedgerRef:
    """A value in a ledger change's row: the id made by the ``index``-th change
    of the same batch (a progress record of a project added in that batch)."""

    index: int


@dataclass(frozen=True)
class LedgerChange:
    """One change to the work ledger, applied by ``Store.write_ledger``.

    ``row`` maps column → value for ``add`` and ``update`` (an update may give
    only the columns it changes). Entries may carry ``counts``: {unit: Decimal}
    (an update with ``counts`` replaces them all). ``id`` names the item for
    ``update`` and ``delete``.
    """

    action: str  # add | update | delete
    kind: str  # one of LEDGER_KINDS
    row: Mapping[str, object] | None = None
    id: int | None = None


@dataclass(frozen=True)
class LedgerAuditEntry:
    """One ledger change, kept forever: the item before and after as JSON-ready
    dicts (dates as ISO text, decimals as exact text); None where absent."""

    kind: str
    item_id: int
    action: str  # add | update | delete
    changed_by: str
    changed_at: datetime
    source: str | None
    before: dict | None
    after: dict | None


@dataclass
class WriteSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


class ImportSession(ABC):
    """One all-or-nothing write: stage rows in chunks (bounded memory), look
    for in-file conflicts, then ``apply`` (commit) or ``rollback``.

    Used as a context manager: leaving the block without ``apply`` rolls back.
    """

    @abstractmethod
    def stage(self, rows: Sequence[ValueRow]) -> None: ...

    def register(self, reports: Iterable[tuple[str, Period, str]]) -> None:
        """Register these (data set, period, org unit) reports complete when ``apply``
        commits, in the same transaction, at its ``recorded_at`` (an import's file is
        its units' report). Already registered ones keep their earliest registration;
        locked ones are skipped. Default: not supported (nothing registered)."""

    @abstractmethod
    def conflicts(self, limit: int = 100) -> list[Conflict]:
        """Staged keys that occur more than once with different values."""

    @abstractmethod
    def locked(self, limit: int = 100) -> list[LockedRow]:
        """Staged rows (first ``limit``, in staging order) that would create or
        update a value locked by an approval. Rows equal to what is stored are
        not listed: re-importing an approved file unchanged is harmless."""

    @abstractmethod
    def locked_count(self) -> int:
        """How many staged rows ``locked`` would list without a limit."""

    @abstractmethod
    def apply(self, dry_run: bool = False, recorded_at: datetime | None = None) -> WriteSummary:
        """Merge the staged rows: insert new, update changed (audited), leave
        equal ones alone. With ``dry_run`` count only and roll back.

        Refuses (StoreError naming the first locked row, everything rolled
        back, dry run or not) if any row would change an approved value.
        ``recorded_at`` stamps created/lastupdated and the audit trail instead
        of now: for loading historical archives."""

    @abstractmethod
    def rollback(self) -> None: ...

    def __enter__(self) -> ImportSession:
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()


class Store(ABC):
    """A transactional home for values, org-unit structure and the audit trail."""

    url: str

    @abstractmethod
    def migrate(self, up_to: int | None = None) -> int:
        """Apply numbered migrations not yet applied (only those numbered up to
        ``up_to`` when given: a restore loads an old backup at its own version);
        return the schema version."""

    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def replace_orgunits(self, orgunits: Iterable[OrgUnit]) -> None:
        """Replace the org-unit structure table (code, name, type, parent, level,
        path, l1..l6 ancestor codes) in one transaction."""

    @abstractmethod
    def import_session(self, user: str, source: str) -> ImportSession: ...

    def write_values(self, rows: Iterable[ValueRow], *, user: str, source: str,
                     recorded_at: datetime | None = None) -> WriteSummary:
        """Convenience: stage everything and apply in one transaction
        (StoreError if any row would change an approved value)."""
        with self.import_session(user, source) as session:
            session.stage(list(rows))
            conflicts = session.conflicts()
            if conflicts:
                return WriteSummary(conflicts=conflicts)
            return session.apply(recorded_at=recorded_at)

    @abstractmethod
    def delete_values(self, keys: Iterable[tuple[str, str, str, str, str]], *, user: str, source: str) -> int:
        """Delete the stored values with these keys (audited); return how many.
        Refuses (StoreError, nothing deleted) if any of them is approved."""

    # approval (审核) -------------------------------------------------------------
    @abstractmethod
    def approve(self, orgunit: str, period: Period, user: str, *,
                recorded_at: datetime | None = None) -> None:
        """Approve ``orgunit`` for ``period``: from now on no import, entry or
        delete may change a value of that unit or any unit below it whose
        period lies within ``period`` (approving 2024S1 locks 202401..202406,
        2024Q1 and 2024S1 values, not 2024). Approving again is a no-op and is
        logged once. StoreError for an org unit the store does not know."""

    @abstractmethod
    def unapprove(self, orgunit: str, period: Period, user: str, reason: str, *,
                  recorded_at: datetime | None = None) -> None:
        """Lift the approval of exactly (``orgunit``, ``period``), logging
        ``reason``. StoreError if the reason is blank or it is not approved."""

    @abstractmethod
    def approvals(self, orgunit: str | None = None) -> list[Approval]:
        """Current approvals recorded on ``orgunit`` itself (None: all), by unit
        and period start."""

    @abstractmethod
    def approval_log(self, orgunit: str | None = None) -> list[ApprovalLogEntry]:
        """Every approve and unapprove of ``orgunit`` (None: all), oldest first."""

    @abstractmethod
    def is_locked(self, orgunit: str, start_month: int, end_month: int) -> Approval | None:
        """The approval (on the unit or an ancestor, covering the months)
        that locks a value of ``orgunit`` for [start_month, end_month], if any."""

    # complete registrations (上报) ----------------------------------------------------
    @abstractmethod
    def register_complete(self, reports: Iterable[tuple[str, Period, str]], *, user: str,
                          source: str | None = None, recorded_at: datetime | None = None) -> int:
        """Register (data set, period, org unit) reports complete, in one transaction; return
        how many were new (one already registered keeps its earliest registration time). StoreError,
        nothing registered, for an org unit the store does not know or a report whose period
        an approval locks. The caller checks data set codes."""

    @abstractmethod
    def unregister_complete(self, dataset: str, period: Period, orgunit: str, *, user: str,
                            source: str | None = None, recorded_at: datetime | None = None) -> None:
        """Withdraw a registration (撤销上报), logged. StoreError if it is not registered
        or its period is locked."""

    @abstractmethod
    def registrations(self, orgunits: Sequence[str] | None = None, start_month: int | None = None,
                      end_month: int | None = None, datasets: Sequence[str] | None = None,
                      ) -> list[Registration]:
        """Current registrations of ``orgunits`` (None: all) whose period lies within
        [start_month, end_month], by unit, period, data set."""

    @abstractmethod
    def registration_log(self, orgunit: str | None = None) -> list[RegistrationLogEntry]:
        """Every registration and withdrawal (of ``orgunit``), oldest first."""

    @abstractmethod
    def registration_backfill_pending(self) -> bool:
        """Whether the store holds values from before registrations, not yet registered
        (``backfill_registrations``)."""

    @abstractmethod
    def backfill_registrations(self, element_datasets: Sequence[tuple[str, str, int]],
                               owing: Sequence[tuple[str, str]]) -> int:
        """Register, once, the reports values stored before registrations belong to:
        ``element_datasets`` (element, data set, months per period), ``owing`` (data set,
        org unit); each at its values' first ``created``. Clears the pending mark."""

    @abstractmethod
    def read_values(
        self,
        orgunits: Sequence[str] | None = None,
        start_month: int | None = None,
        end_month: int | None = None,
        dataelements: Sequence[str] | None = None,
    ) -> Iterator[StoredValue]:
        """Stored values whose org unit is in ``orgunits`` (None = all) and whose
        period lies within [start_month, end_month], ordered by key."""

    @abstractmethod
    def count_values(self) -> int: ...

    @abstractmethod
    def count_straddling(self, orgunits: Sequence[str] | None, start_month: int, end_month: int) -> dict[str, int]:
        """Values overlapping [start_month, end_month] without lying inside it
        (a yearly value in a month range), counted per period: what an export leaves out."""

    @abstractmethod
    def audit_history(
        self, dataelement: str | None = None, orgunit: str | None = None, period: str | None = None,
    ) -> list[AuditEntry]: ...

    # work ledger (工作台账) ------------------------------------------------------------
    @abstractmethod
    def write_ledger(self, changes: Sequence[LedgerChange], *, user: str, source: str | None = None,
                     recorded_at: datetime | None = None) -> list[dict]:
        """Apply ``changes`` in order, in one transaction (all or nothing), each
        logged in the append-only ledger audit with the item before and after.

        Returns the stored row after each change (for a delete, the row that
        went). Deleting a project deletes its progress records too (each
        logged). StoreError, everything rolled back, for an unknown id, a
        progress record of an unknown project, or an item whose natural key
        another item already has (entry: org unit, kind, title, start, end;
        document: number; project: name; progress: project, date; honour:
        org unit, what, date). The caller validates values (domains, units,
        dates); the tables only refuse what would corrupt them."""

    @abstractmethod
    def read_ledger(self, kind: str, *, ids: Sequence[int] | None = None,
                    orgunits: Iterable[str] | None = None, since: date | None = None,
                    until: date | None = None, where: Mapping[str, object] | None = None) -> list[dict]:
        """Ledger rows of ``kind`` as dicts: ``id``, the columns, ``created_by``,
        ``created_at``; entries also ``counts`` ({unit: Decimal}), progress records
        also ``project`` (the project's name) and ``orgunit`` (the project's).

        Filters: ``ids``; ``orgunits`` (a progress record by its project's unit);
        ``since``/``until`` on the kind's dates — an entry when its span
        [start_date, end_date] overlaps them, a document, progress record or
        honour when its date lies within them (projects have no date: refused);
        ``where`` column = value. Ordered by date, then id. Decimals come back
        without trailing zeros."""

    @abstractmethod
    def ledger_history(self, kind: str | None = None, item_id: int | None = None) -> list[LedgerAuditEntry]:
        """The ledger audit log (of one kind, of one item), oldest first."""

    # web users, sessions, API tokens, application audit (migration 004) ------------------
    @abstractmethod
    def add_user(self, name: str, role: str, orgunit: str, password_hash: str | None, *, by: str) -> dict:
        """A new web user (role one of USER_ROLES) bound to ``orgunit``; StoreError if the name is taken.
        Returns the stored row: name, role, orgunit, password_hash, active, created_by, created_at, updated_at."""

    @abstractmethod
    def update_user(self, name: str, *, role: str | None = None, orgunit: str | None = None,
                    password_hash: str | None = None, active: bool | None = None) -> dict:
        """Change the given fields; a new password or deactivation ends the user's sessions."""

    @abstractmethod
    def user(self, name: str) -> dict | None: ...

    @abstractmethod
    def users(self) -> list[dict]: ...

    @abstractmethod
    def add_session(self, id_hash: str, user: str, csrf: str, expires_at: datetime) -> None: ...

    @abstractmethod
    def session(self, id_hash: str) -> dict | None:
        """The unexpired session stored under ``id_hash`` (a hash of the cookie, never the cookie)."""

    @abstractmethod
    def delete_session(self, id_hash: str) -> None: ...

    @abstractmethod
    def delete_expired_sessions(self) -> None: ...

    @abstractmethod
    def add_token(self, token_hash: str, user: str, label: str = "") -> None: ...

    @abstractmethod
    def token_user(self, token_hash: str) -> str | None: ...

    @abstractmethod
    def delete_tokens(self, user: str) -> int: ...

    @abstractmethod
    def log_event(self, user: str, action: str, *, orgunit: str | None = None, period: str | None = None,
                  detail: str | None = None, address: str | None = None, at: datetime | None = None) -> None:
        """Append one entry to the application audit trail (logins, approvals, uploads, downloads)."""

    @abstractmethod
    def events(self, user: str | None = None, action: str | None = None) -> list[dict]:
        """The application audit trail, oldest first."""

    @abstractmethod
    def ibis(self):
        """The Ibis backend on this store's own database."""

    @abstractmethod
    def values_table(self):
        """Ibis table: dataelement, period, orgunit, categoryoptioncombo,
        attributeoptioncombo, value (float64), start_month, end_month (int)."""

    @abstractmethod
    def orgunits_table(self):
        """Ibis table: code, name, type, parent, level, path, l1..l6."""

    @abstractmethod
    def close(self) -> None: ...
