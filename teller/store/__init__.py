"""The store of runs, work items and events (SQLAlchemy 2: SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from teller.store._audit import AuditEntry, AuditProblem
from teller.store._states import FINAL, TODO, TRANSITIONS, State, allowed
from teller.store._store import Lease, NewItem, Store, content_hash, now
from teller.store._tables import AuditRecord, Event, Item, Run

__all__ = [
    "AuditEntry",
    "AuditProblem",
    "AuditRecord",
    "FINAL",
    "TODO",
    "TRANSITIONS",
    "Event",
    "Item",
    "Lease",
    "NewItem",
    "Run",
    "State",
    "Store",
    "allowed",
    "content_hash",
    "now",
]
