"""The audit trail: an append-only chain of records, each keyed to the one before.

A record is appended in the same transaction as the event it attests (an item's
transition, an approval, a stage, a login, a report written), so neither exists without the
other. Appenders take the chain's head row first (an UPDATE, which locks it on PostgreSQL
and takes SQLite's write lock), so two robots never fork the chain.

**Keyed.** Each record's ``hash`` is an HMAC-SHA256, with a key derived from the audit key
(``keys.audit``, never in the database), over its fields and the MAC of the record before.
Someone who can write to the database but does not hold the key cannot make a record
that verifies: not a changed one, not a renumbered one, not a new tail.

**Upgraded stores.** Records written before the chain was keyed carry an unkeyed SHA-256.
The first keyed append to such a store writes a ``chain keyed`` record first, keyed, whose
``prev`` is the last unkeyed hash: from then on the unkeyed history is sealed as it stood.
``verify`` accepts unkeyed records only before the first keyed one (``keyed_from``); an
unkeyed record after it is a rewrite by someone without the key, and named so. A
"downgrade" (every record rewritten unkeyed, the ``chain keyed`` record dropped) leaves a
chain that looks never keyed: the database alone cannot tell, which is why heads are
anchored outside it; every anchor and report taken since the upgrade names a keyed MAC
the downgraded chain no longer has.

**Verify.** ``verify`` walks the chain and names the first record changed, removed,
renumbered, rewritten without the key or moved; checks every head it is given (anchors,
reports) against the chain; and checks that each item's moves in the trail follow the
state machine and end where the items table says the item is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teller._errors import StateError, TrailBroken, TrailUnkeyed
from teller.integrity import ChainHead, derive
from teller.store._states import allowed
from teller.store._tables import AuditHead, Base

__all__ = [
    "CHAIN_KEY",
    "GENESIS",
    "KEYED_MARK",
    "AuditEntry",
    "AuditProblem",
    "ChainKey",
    "TrailVerdict",
    "append",
    "chain_key",
    "ensure_head",
    "head",
    "record_hash",
    "record_mac",
    "verify",
]

GENESIS = "0" * 64
KEYED_MARK = "chain keyed"
CHAIN_KEY = "teller.audit_chain_key"  # where a Store's sessions carry its ChainKey
RENUMBER_REACH = 10_000  # how far back a renumbered record's true number is looked for
_HEAD = Base.metadata.tables["audit_head"]
_RECORDS = Base.metadata.tables["audit"]
_ITEMS = Base.metadata.tables["items"]
_FIELDS = ("seq", "at", "actor", "run_id", "item_key", "what", "detail", "prev")


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
    """A place the trail does not prove itself, in words an auditor can act on.

    ``kind``: ``changed``, ``removed``, ``renumbered``, ``unkeyed`` (rewritten without the
    key), ``reordered`` (a broken link), ``anchor`` (a head seen outside the database is
    not in the chain), ``transition`` (a move the state machine forbids), ``state`` (the
    items table and the trail disagree).
    """

    seq: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"audit record {self.seq} " if self.seq is not None else ""
        return f"{where}{self.kind}: {self.detail}"


@dataclass
class TrailVerdict:
    """What ``verify`` found: how far the chain is sound, from where keyed, what is wrong."""

    records: int = 0  # records walked
    sound: int = 0  # records before the first break of the chain
    keyed_from: int | None = None  # the first keyed record; None: no record is keyed
    heads: int = 0  # heads from outside the database checked against the chain
    items: int = 0  # items whose moves were checked
    chain: AuditProblem | None = None  # the first break of the chain itself
    problems: list[AuditProblem] = field(default_factory=list)  # every problem, chain first

    @property
    def ok(self) -> bool:
        return not self.problems


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _canonical(
    seq: int, at: str, actor: str, run_id: str, item_key: str, what: str, detail: str, prev: str
) -> bytes:
    return _ENCODER.encode([seq, at, actor, run_id, item_key, what, detail, prev]).encode("utf-8")


def record_hash(
    seq: int, at: str, actor: str, run_id: str, item_key: str, what: str, detail: str, prev: str
) -> str:
    """The unkeyed SHA-256 of a record (records written before the chain was keyed)."""
    return hashlib.sha256(
        _canonical(seq, at, actor, run_id, item_key, what, detail, prev)
    ).hexdigest()


def record_mac(
    key: bytes,
    seq: int,
    at: str,
    actor: str,
    run_id: str,
    item_key: str,
    what: str,
    detail: str,
    prev: str,
) -> str:
    """HMAC-SHA256 of a record's fields and the previous MAC, with the chain key."""
    message = _canonical(seq, at, actor, run_id, item_key, what, detail, prev)
    return hmac.digest(key, message, "sha256").hex()


def chain_key(audit_key: bytes) -> bytes:
    """The key the chain's MACs are made with, derived from the audit key."""
    return derive(audit_key, "audit-chain")


class ChainKey:
    """A store's chain key, read from its source the first time the chain needs it.

    ``source`` is the audit key, or a function that reads it (``settings.key("audit")``):
    a command that only reads runs never asks for a key it does not need.
    """

    def __init__(self, source: bytes | Callable[[], bytes]) -> None:
        self._source = source
        self._key: bytes | None = None

    def __call__(self) -> bytes:
        if self._key is None:
            source = self._source
            self._key = chain_key(source() if callable(source) else source)
        return self._key


def _key(session: Session, what: str) -> bytes:
    found: ChainKey | None = session.info.get(CHAIN_KEY)
    if found is None:
        raise TrailUnkeyed(what)
    return found()


def ensure_head(session: Session) -> None:
    """Create the head row of an empty chain (a second store racing to do it is harmless)."""
    if session.get(AuditHead, 1) is None:
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, seq=0, hash=GENESIS, keyed_from=0))
        except IntegrityError:
            pass


def append(session: Session, entries: Iterable[AuditEntry]) -> None:
    """Chain ``entries`` onto the trail inside the caller's transaction (needs the key)."""
    entries = list(entries)
    if not entries:
        return
    key = _key(session, "append to the audit trail")
    # the UPDATE first: it takes the lock before the head is read, so the read is current
    moved = session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + len(entries))
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise StateError("the audit trail has no head row")
    row = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.keyed_from).where(_HEAD.c.id == 1)
    ).one()
    seq, prev = row.seq - len(entries), row.hash
    chained = [(e.at.isoformat(timespec="microseconds"), e) for e in entries]
    keyed_from = row.keyed_from
    if not keyed_from:
        keyed_from = seq + 1
        if seq > 0:  # an unkeyed chain: seal it as it stands, then go on keyed
            keyed_from += 1
            mark = AuditEntry(
                entries[0].at,
                "teller",
                KEYED_MARK,
                detail=f"records 1-{seq} are chained with unkeyed SHA-256 (the last: {prev}); "
                f"from record {seq + 2} each carries an HMAC-SHA256 with the audit key",
            )
            chained.insert(0, (chained[0][0], mark))
    records = []
    for at, entry in chained:
        seq += 1
        fields = (seq, at, entry.actor, entry.run_id, entry.item_key, entry.what, entry.detail)
        digest = record_mac(key, *fields, prev)
        records.append(dict(zip(_FIELDS, (*fields, prev), strict=True), hash=digest))
        prev = digest
    session.execute(insert(_RECORDS), records)
    session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=seq, hash=prev, keyed_from=keyed_from)
    )


def head(session: Session, *, check: bool = False) -> ChainHead:
    """The chain's head: its last record's seq and MAC.

    With ``check`` (an anchor about to be signed), the head row must name the last record
    and that record's MAC must verify with the key: nothing forged is ever anchored.
    """
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash, _HEAD.c.keyed_from)).one()
    found = ChainHead(row.seq, row.hash)
    if not check:
        return found
    columns = [_RECORDS.c[f] for f in (*_FIELDS, "hash")]
    last = session.execute(select(*columns).order_by(_RECORDS.c.seq.desc()).limit(1)).one_or_none()
    if last is None:
        if found.seq != 0:
            raise TrailBroken(found.seq, "the head row names a record the trail does not have")
        return found
    if (last.seq, last.hash) != (found.seq, found.mac):
        raise TrailBroken(
            last.seq, f"the head row says record {found.seq}, the trail ends at record {last.seq}"
        )
    key = _key(session, "check the audit chain's head")
    fields = [getattr(last, f) for f in _FIELDS]
    if record_mac(key, *fields) != last.hash and (
        row.keyed_from or record_hash(*fields) != last.hash
    ):
        raise TrailBroken(last.seq, "its MAC does not verify with the audit key")
    return found


def verify(
    session: Session,
    *,
    heads: Sequence[tuple[str, ChainHead]] = (),
    states: bool = True,
    since: datetime | None = None,
    batch: int = 5_000,
) -> TrailVerdict:
    """Walk the whole chain; check ``heads`` (where seen, head) and each item's moves.

    ``since``: when this check began; an item moved since is not compared (it moved while
    the trail was read).
    """
    key = _key(session, "verify the audit trail")
    verdict = TrailVerdict()
    wanted = {h.seq for _, h in heads}
    seen: dict[int, str] = {}
    moves: dict[str, tuple[str, int]] = {}  # item key -> (state the trail left it in, record)
    walk = _Walk(key)
    columns = [_RECORDS.c[f] for f in (*_FIELDS, "hash")]
    last = 0
    while True:
        rows = session.execute(
            select(*columns).where(_RECORDS.c.seq > last).order_by(_RECORDS.c.seq).limit(batch)
        ).all()
        if not rows:
            break
        for record in rows:
            walk.step(record)
            if record.seq in wanted:
                seen[record.seq] = record.hash
            if states and record.item_key and " -> " in record.what:
                _move(record, moves, verdict.problems)
        last = rows[-1].seq
        verdict.records += len(rows)
    verdict.sound, verdict.keyed_from, verdict.chain = walk.sound, walk.keyed_from, walk.problem
    if walk.problem is None:
        verdict.chain = _head_problem(session, walk)
    if verdict.chain is not None:
        verdict.problems.insert(0, verdict.chain)
    for where, seen_head in heads:
        verdict.heads += 1
        problem = _anchored(where, seen_head, seen, last)
        if problem is not None:
            verdict.problems.append(problem)
    if states:
        verdict.items = _states(session, moves, verdict.problems, since)
    return verdict


class _Walk:
    """The chain check, one record at a time; stops checking at the first break."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.expected, self.prev = 1, GENESIS
        self.sound = 0
        self.keyed_from: int | None = None
        self.problem: AuditProblem | None = None

    def step(self, record: Any) -> None:
        if self.problem is not None:
            return
        self.problem = self._check(record)
        if self.problem is None:
            self.expected, self.prev, self.sound = record.seq + 1, record.hash, record.seq

    def _check(self, record: Any) -> AuditProblem | None:
        seq = record.seq
        if seq != self.expected:
            gone = f"{self.expected}" if seq == self.expected + 1 else f"{self.expected}-{seq - 1}"
            return AuditProblem(self.expected, "removed", f"record(s) {gone} are missing")
        fields = list(record[:8])  # _FIELDS, in order: a Row's index is quicker than its name
        if record_mac(self.key, *fields) == record.hash:
            if self.keyed_from is None:
                self.keyed_from = seq
        elif record_hash(*fields) == record.hash:
            if self.keyed_from is not None:
                return AuditProblem(
                    seq,
                    "unkeyed",
                    f"rewritten with the unkeyed SHA-256 after the chain was keyed from "
                    f"record {self.keyed_from}: whoever wrote it did not hold the audit key "
                    f"({_said(record)})",
                )
        else:
            return self._unmatched(record, fields)
        if record.prev != self.prev:
            return AuditProblem(
                seq,
                "reordered",
                f"its link to record {seq - 1} is broken: record {seq - 1} was rewritten, "
                f"or records were moved ({_said(record)})",
            )
        return None

    def _unmatched(self, record: Any, fields: list[Any]) -> AuditProblem:
        seq = record.seq
        for shift in range(1, RENUMBER_REACH + 1):
            fields[0] = seq + shift
            if record_mac(self.key, *fields) == record.hash or record_hash(*fields) == record.hash:
                gone = f"{seq}" if shift == 1 else f"{seq}-{seq + shift - 1}"
                return AuditProblem(
                    seq,
                    "renumbered",
                    f"its MAC is that of record {seq + shift}: record(s) {gone} were removed "
                    f"and the ones after renumbered ({_said(record)})",
                )
        return AuditProblem(
            seq, "changed", f"its content no longer matches its MAC ({_said(record)})"
        )


def _head_problem(session: Session, walk: _Walk) -> AuditProblem | None:
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash)).one_or_none()
    if row is None or (row.seq, row.hash) == (walk.expected - 1, walk.prev):
        return None
    end = walk.expected - 1
    if row.seq <= end:
        return AuditProblem(
            row.seq,
            "changed",
            f"the head row names record {row.seq} as the last; the trail ends at {end}",
        )
    missing = f"{walk.expected}" if row.seq == walk.expected else f"{walk.expected}-{row.seq}"
    return AuditProblem(
        walk.expected,
        "removed",
        f"the chain's head is at record {row.seq} but the trail ends at {end}: "
        f"record(s) {missing} are gone",
    )


def _anchored(
    where: str, seen_head: ChainHead, seen: dict[int, str], last: int
) -> AuditProblem | None:
    seq, mac = seen_head.seq, seen_head.mac
    if seq == 0:
        return None
    if seq > last:
        return AuditProblem(
            seq,
            "anchor",
            f"{where} saw the head at record {seq}, but the trail ends at record {last}: "
            f"record(s) {last + 1}-{seq} are gone (the tail was deleted)",
        )
    found = seen.get(seq)
    if found is None:
        return AuditProblem(
            seq, "anchor", f"{where} saw record {seq}; the trail has no such record"
        )
    if found != mac:
        return AuditProblem(
            seq,
            "anchor",
            f"the record's MAC is not the one {where} saw: it, or a record before it, was "
            "rewritten since",
        )
    return None


def _move(record: Any, moves: dict[str, tuple[str, int]], problems: list[AuditProblem]) -> None:
    source, _, target = record.what.partition(" -> ")
    left, at = moves.get(record.item_key, ("new", 0))
    if source != left:
        where = f"record {at} left it {left}" if at else "it was never moved before"
        problems.append(
            AuditProblem(
                record.seq,
                "transition",
                f"moves item {record.item_key} from {source}, but {where}",
            )
        )
    if not allowed(source, target):
        problems.append(
            AuditProblem(
                record.seq,
                "transition",
                f"moves item {record.item_key} from {source} to {target}, which the state "
                "machine forbids",
            )
        )
    moves[record.item_key] = (target, record.seq)


def _states(
    session: Session,
    moves: dict[str, tuple[str, int]],
    problems: list[AuditProblem],
    since: datetime | None,
) -> int:
    """Compare each item's state with where its last move in the trail left it."""
    rows = session.execute(select(_ITEMS.c.key, _ITEMS.c.state, _ITEMS.c.updated_at)).all()
    until = datetime.now(UTC).replace(tzinfo=None)  # the store's clock: UTC, naive
    keys = set()
    for row in rows:
        keys.add(row.key)
        left, at = moves.get(row.key, ("new", 0))
        if row.state == left:
            continue
        if since is not None and since <= row.updated_at <= until:
            continue  # moved while the trail was read
        if at == 0:
            detail = f"item {row.key} is {row.state} in the items table, but the trail has no record of any move of it"
        else:
            detail = (
                f"item {row.key} is {row.state} in the items table, but its last move in the "
                f"trail (record {at}) left it {left}"
            )
        problems.append(AuditProblem(at or None, "state", detail))
    for key, (left, at) in moves.items():
        if key not in keys:
            problems.append(
                AuditProblem(
                    at, "state", f"moves item {key} to {left}; the items table has no such item"
                )
            )
    return len(rows)


def _said(record: Any) -> str:
    about = " ".join(p for p in (record.run_id, record.item_key) if p)
    return f"{record.at} {record.actor}: {about} {record.what}".strip()
