"""The work ledger (工作台账): the bureau's own work, for the summary's other half.

    from weijian.ledger import Ledger, LedgerEntry
    ledger = Ledger(ws.store, ws.package)
    ledger.add_entry(LedgerEntry("YL", "监督", "督导检查", "医疗机构依法执业专项检查",
                                 date(2026, 4, 1), date(2026, 4, 30), counts={"人次": 90, "家": 56}), user="张三")
    ledger.summarize(date(2026, 1, 1), date(2026, 6, 30), ws.subtree("YL")).totals

Entries (activities with typed counts), documents issued (发文), key projects
(建设项目) with progress records, honours (荣誉); stored in the workspace's
store, every change audited. An entry counts in the period containing its
end date (see ``Ledger.summarize``).
"""
from __future__ import annotations

from weijian.ledger.model import (
    COUNT_UNITS,
    DECIMAL_UNITS,
    DOMAINS,
    HONOUR_LEVELS,
    ITEM_KINDS,
    KIND_LABELS,
    KINDS,
    PROJECT_STATUSES,
    Honour,
    IssuedDocument,
    LedgerEntry,
    LedgerItem,
    LedgerSummary,
    Project,
    ProjectState,
    ProgressRecord,
    kind_of,
    natural_key,
    normalise_number,
)

_LAZY = {"ItemChange": "book", "Ledger": "book", "period_bounds": "book",
         "DOCUMENT_NUMBER": "checks", "FIELD_LABELS": "checks", "check_item": "checks"}


def __getattr__(name: str):
    # the ledger's vocabulary loads at once (the CLI's help names its domains and kinds);
    # the book and its checks only when used
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"weijian.ledger.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "COUNT_UNITS", "DECIMAL_UNITS", "DOCUMENT_NUMBER", "DOMAINS", "FIELD_LABELS", "HONOUR_LEVELS", "ITEM_KINDS",
    "KINDS", "KIND_LABELS", "PROJECT_STATUSES", "Honour", "IssuedDocument", "ItemChange", "Ledger", "LedgerEntry",
    "LedgerItem", "LedgerSummary", "Project", "ProjectState", "ProgressRecord", "check_item", "kind_of", "natural_key",
    "normalise_number", "period_bounds",
]
