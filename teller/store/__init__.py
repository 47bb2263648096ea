"""The store of runs, work items and events (SQLAlchemy 2: SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from teller.store._audit import AuditEntry, AuditProblem, TrailVerdict
from teller.store._audit import append as append_audit
from teller.store._states import FINAL, TODO, TRANSITIONS, State, allowed
from teller.store._store import Held, Lease, NewItem, Store, content_hash, now, open_store
from teller.store._tables import (
    AuditRecord,
    Event,
    Item,
    LoginSession,
    Run,
    SchedulePause,
    User,
)

__all__ = [
    "AuditEntry",
    "AuditProblem",
    "AuditRecord",
    "FINAL",
    "TODO",
    "TRANSITIONS",
    "User",
    "append_audit",
    "Event",
    "Held",
    "Item",
    "Lease",
    "LoginSession",
    "NewItem",
    "Run",
    "SchedulePause",
    "State",
    "Store",
    "TrailVerdict",
    "allowed",
    "content_hash",
    "now",
    "open_store",
]
