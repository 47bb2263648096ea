"""The audit trail: an append-only chain of records, each holding the hash of the one before.

A record is appended in the same transaction as the event it attests (an item's
transition, an approval, a stage, a login, a report written), so neither exists without the
other. Appenders take the chain's head row first (an UPDATE, which locks it on PostgreSQL
and takes SQLite's write lock), so two robots never fork the chain.

``verify`` walks the chain and names the first record that was changed (its hash no longer
matches its fields), removed (a gap in the sequence, or the head ahead of the last record)
or moved (its ``prev`` is not the hash of the record before it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teller._errors import StateError
from teller.store._tables import AuditHead, AuditRecord, Base

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditProblem",
    "append",
    "ensure_head",
    "record_hash",
    "verify",
]

GENESIS = "0" * 64
_HEAD = Base.metadata.tables["audit_head"]
_RECORDS = Base.metadata.tables["audit"]


@dataclass(frozen=True)
class AuditEntry:
    """What one record says, before it is chained."""

    at: datetime
    actor: str
    what: str
    run_id: str = ""
    item_key: str = ""
    detail: str = ""


@dataclass(frozen=True)
class AuditProblem:
    """The first place the chain is broken, in words an auditor can act on."""

    seq: int
    kind: str  # "changed" | "removed" | "reordered"
    detail: str

    def __str__(self) -> str:
        return f"audit record {self.seq} {self.kind}: {self.detail}"


def record_hash(
    seq: int, at: str, actor: str, run_id: str, item_key: str, what: str, detail: str, prev: str
) -> str:
    """SHA-256 of a record's fields and the previous record's hash, canonically encoded."""
    canonical = json.dumps(
        [seq, at, actor, run_id, item_key, what, detail, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_head(session: Session) -> None:
    """Create the head row of an empty chain (a second store racing to do it is harmless)."""
    if session.get(AuditHead, 1) is None:
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        except IntegrityError:
            pass


def append(session: Session, entries: Iterable[AuditEntry]) -> None:
    """Chain ``entries`` onto the trail inside the caller's transaction."""
    entries = list(entries)
    if not entries:
        return
    # the UPDATE first: it takes the lock before the head is read, so the read is current
    moved = session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + len(entries))
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise StateError("the audit trail has no head row")
    head = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).one()
    seq, prev = head.seq - len(entries), head.hash
    records = []
    for entry in entries:
        seq += 1
        at = entry.at.isoformat(timespec="microseconds")
        digest = record_hash(
            seq, at, entry.actor, entry.run_id, entry.item_key, entry.what, entry.detail, prev
        )
        records.append(
            {
                "seq": seq,
                "at": at,
                "actor": entry.actor,
                "run_id": entry.run_id,
                "item_key": entry.item_key,
                "what": entry.what,
                "detail": entry.detail,
                "prev": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(insert(_RECORDS), records)
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(hash=prev))


def verify(session: Session, *, batch: int = 5_000) -> tuple[int, AuditProblem | None]:
    """Walk the whole chain: how many records are sound, and the first problem if any."""
    expected_seq, prev = 1, GENESIS
    last = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            break
        for record in rows:
            problem = _check(record, expected_seq, prev)
            if problem is not None:
                return expected_seq - 1, problem
            expected_seq, prev, last = record.seq + 1, record.hash, record.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        missing = f"{expected_seq}" if head.seq == expected_seq else f"{expected_seq}-{head.seq}"
        return expected_seq - 1, AuditProblem(
            expected_seq,
            "removed",
            f"the chain's head is at record {head.seq} but the trail ends at "
            f"{expected_seq - 1}: record(s) {missing} are gone",
        )
    return expected_seq - 1, None


def _check(record: AuditRecord, expected_seq: int, prev: str) -> AuditProblem | None:
    if record.seq != expected_seq:
        gone = (
            f"{expected_seq}"
            if record.seq == expected_seq + 1
            else f"{expected_seq}-{record.seq - 1}"
        )
        return AuditProblem(expected_seq, "removed", f"record(s) {gone} are missing")
    if record.prev != prev:
        return AuditProblem(
            record.seq,
            "reordered",
            f"its link to record {record.seq - 1} is broken: record {record.seq - 1} was "
            f"rewritten, or records were moved ({_said(record)})",
        )
    digest = record_hash(
        record.seq,
        record.at,
        record.actor,
        record.run_id,
        record.item_key,
        record.what,
        record.detail,
        record.prev,
    )
    if digest != record.hash:
        return AuditProblem(
            record.seq,
            "changed",
            f"its content no longer matches its hash ({_said(record)})",
        )
    return None


def _said(record: AuditRecord) -> str:
    about = " ".join(p for p in (record.run_id, record.item_key) if p)
    return f"{record.at} {record.actor}: {about} {record.what}".strip()
