"""Tables of the store: runs, items, events. Money is stored as exact decimal text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditHead",
    "AuditRecord",
    "Base",
    "Event",
    "Item",
    "LoginSession",
    "Money",
    "Run",
    "SchedulePause",
    "User",
]


class Money(TypeDecorator[Decimal]):
    """Decimal stored as text, so neither SQLite nor a driver turns it into a float."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40))
    batch_id: Mapped[str] = mapped_column(String(64))
    input_file: Mapped[str] = mapped_column(Text)
    input_sha256: Mapped[str] = mapped_column(String(64))
    # the maker: the signed-in user who ran it, or a schedule's configured owner
    submitted_by: Mapped[str] = mapped_column(String(64))
    # the OS account that owned the input file (a drop folder's file), beside the maker
    file_owner: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="loaded")
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    report_path: Mapped[str | None] = mapped_column(Text, default=None)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the policy the run was gated under (teller.seal.RecordedPolicy): the file's text as it
    # was read, its SHA-256 (inside every seal of the run), where it was read ("" for a
    # policy built in code, whose text is JSON), and the SHA-256 of its watchlist file
    policy_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    policy_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    policy_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    watchlist_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # the console the run works on ("" for a flow on none, or a run older than this column):
    # `teller resume` carries the run on there whatever the configuration says now; sealed
    console: Mapped[str] = mapped_column(String(64), default="", server_default="")
    __table_args__ = (Index("runs_batch", "flow", "batch_id", unique=True),)


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    seq: Mapped[int]
    key: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Money, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="new", index=True)
    decision: Mapped[str | None] = mapped_column(String(20), default=None)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suggestion: Mapped[str | None] = mapped_column(Text, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    # what the gate decided on: sha256 of key, amount and payload; approvals bind to it too
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    approvers_needed: Mapped[int] = mapped_column(Integer, default=0)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # HMAC-SHA256 (keys.seal) of the content, run, decision, approvals and policy hash
    # (teller.seal): "" until the gate decided; a record changed without the key fails it
    seal: Mapped[str] = mapped_column(String(64), default="", server_default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the attempts made when a person last sent the item back (settled "not paid", retried
    # after failed_system): the retry budget counts from here, the attempt numbers go on
    # when the last attempt began (the in_flight move): its request may land until later
    attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    retry_base: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    receipt: Mapped[str | None] = mapped_column(String(64), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # the fencing token: raised by every claim and every move a person makes, so a worker
    # whose lease was taken over cannot move the item (its UPDATE names the old token)
    fence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime]
    # the check before each payment asks for the items paid since a moment (teller.clearance);
    # the Desk pages a run's items in order, all or of one state, and counts them by state
    __table_args__ = (
        Index("items_state_updated", "state", "updated_at"),
        Index("items_run_seq", "run_id", "seq"),
        Index("items_run_state_seq", "run_id", "state", "seq"),
    )


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True, default=None)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(20), default=None)
    target: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    # "" for state transitions and run notes; "stage" for a stage of an item's case
    kind: Mapped[str] = mapped_column(String(10), default="")
    # a stage's figures as its console recorded them (time, reference)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditRecord(Base):
    """One record of the audit trail: append-only, each carrying the MAC of the one before.

    ``hash`` is the HMAC-SHA256 (with the audit key) of the record's fields and ``prev``
    (the unkeyed SHA-256 for records written before the chain was keyed); changing,
    removing, renumbering or reordering a record breaks the chain there
    (``teller audit verify``).
    """

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))  # UTC, ISO 8601 to the microsecond
    actor: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str] = mapped_column(String(40), default="")
    item_key: Mapped[str] = mapped_column(String(80), default="")
    what: Mapped[str] = mapped_column(String(40))  # e.g. "in_flight -> done", "login", "report"
    detail: Mapped[str] = mapped_column(Text, default="")
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last sequence number and MAC, in one row: appenders queue on it."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # the first keyed record (0: none yet). Only tells appenders whether to write the
    # "chain keyed" record; verify never trusts it (it finds the first keyed record itself)
    keyed_from: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(Base):
    """A person who may use Teller: a normalised name, roles, an Argon2 hash, a TOTP seed.

    ``skeleton`` is the name with look-alike letters folded and separators dropped,
    UNIQUE, so two accounts whose names could pass for each other cannot both exist.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    skeleton: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(Text, default="")
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(Text)
    # set by an admin (add, reset-password): the user chooses a password and enrols a
    # second factor at the next login, so the admin never knows the credentials that act
    must_change: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_seed: Mapped[str] = mapped_column(String(64), default="")
    totp_step: Mapped[int] = mapped_column(Integer, default=0)  # last accepted: a code works once
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_set_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    # HMAC of who the account is and may do (name, roles, credentials, state) under a key
    # derived from the audit key (teller.people._seal): a row written or changed outside
    # Teller, or with its MAC blanked, never signs in
    mac: Mapped[str] = mapped_column(String(64), default="", server_default="")


class LoginSession(Base):
    """A signed-in session: only the SHA-256 of its token is kept, never the token."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public: named in the trail
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    os_user: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # HMAC of whose session it is (id, token hash, user, OS user, host, start): a row
    # inserted or moved to another user outside Teller never acts
    mac: Mapped[str] = mapped_column(String(64), default="", server_default="")


class SchedulePause(Base):
    """A schedule paused by an admin: its firings are skipped (and recorded as paused) by
    the scheduler process until the row is removed (``teller.schedule._pause``)."""

    __tablename__ = "schedule_pauses"
    schedule: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused_by: Mapped[str] = mapped_column(String(64))
    paused_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
