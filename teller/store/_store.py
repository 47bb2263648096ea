"""The store: runs, work items and their events, on SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from teller._errors import (
    BatchAlreadyLoaded,
    ItemNotFound,
    LostLease,
    RunNotFound,
    TrailUnkeyed,
    TransitionRefused,
)
from teller.integrity import ChainHead
from teller.store._audit import (
    CHAIN_KEY,
    AuditEntry,
    AuditProblem,
    ChainKey,
    TrailVerdict,
    append,
    ensure_head,
    head,
    verify,
)
from teller.store._states import TODO, allowed
from teller.store._tables import AuditRecord, Base, Event, Item, Run
from teller.store._upgrade import add_missing_columns

if TYPE_CHECKING:
    from teller.settings import Settings

__all__ = ["Held", "Lease", "NewItem", "Store", "content_hash", "now", "open_store"]


def _field(value: object) -> str:
    if isinstance(value, datetime):  # as the store keeps it: naive UTC, to the microsecond
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    return str(value)


def now() -> datetime:
    """UTC, naive, to the microsecond: the store's clock, the same on every robot machine."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class NewItem:
    """A work item as a flow's ``load`` hands it over."""

    seq: int
    key: str
    amount: Decimal | None
    payload: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Lease:
    """A worker's hold on an item: its owner name and the fencing token its claim got.

    Every claim raises the item's token, so a worker that lost its lease (paused past its
    expiry, then taken over) holds an old token, and every move it tries is refused.
    """

    owner: str
    fence: int


@dataclass(frozen=True)
class Held:
    """A held item as the Approvals page groups it: not the rest of its row."""

    id: int
    amount: Decimal | None
    rules: list[dict[str, Any]]
    needed: int  # approvers the gate asks for
    approvals: list[dict[str, Any]]  # every decision recorded on it


def content_hash(key: str, amount: Decimal | None, payload: dict[str, Any]) -> str:
    """SHA-256 of what a decision is about: a changed line no longer matches its approval."""
    canonical = json.dumps(
        {"key": key, "amount": None if amount is None else f"{amount:.2f}", "payload": payload},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def open_store(settings: Settings) -> Store:
    """The project's store, with its audit key: what every command and the scheduler open.

    The key is read from where teller.toml says the first time the chain needs it (an
    append, a verify), so a command that only reads, or refuses before it writes, never
    asks for it; production mode without ``keys.audit`` fails there, naming the field.
    """
    return Store(settings.store_url, audit_key=lambda: settings.key("audit"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # FULL: every commit is on disk before it returns, so an ``in_flight`` committed before
    # the console is touched survives a power cut, not only a crash. NORMAL could lose the
    # last commits to a power cut; a line paid then would be tried again with no lookup.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _create_tables(engine: Engine, *, tries: int = 5) -> None:
    """Create the missing tables; two processes opening a new store at once both get there.

    ``create_all`` checks, then creates: a second process (two schedulers starting together)
    can lose that race and hear "already exists". It then checks again and finds them.
    """
    for attempt in range(1, tries + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except DBAPIError as exc:
            said = str(exc.orig).lower()
            if attempt == tries or not ("already exists" in said or "duplicate" in said):
                raise
            time.sleep(0.05 * attempt)


class Store:
    """Durable state of runs and items; every item transition is one committed event."""

    def __init__(self, url: str, *, audit_key: bytes | Callable[[], bytes] | None = None) -> None:
        """Open (and create, or bring up to date) the store at ``url``.

        ``audit_key``: the audit key, which the chain's MACs are made and checked with, or
        a function that reads it (``settings.key("audit")``), called once, the first time
        the chain needs it. Without it the store reads but cannot write anything that is
        audited (``TrailUnkeyed``): ``open_store(settings)`` passes it.
        """
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _create_tables(self.engine)
        add_missing_columns(self.engine)
        self._chain = None if audit_key is None else ChainKey(audit_key)
        info = {} if self._chain is None else {CHAIN_KEY: self._chain}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        with self._session() as session:
            ensure_head(session)

    def close(self) -> None:
        self.engine.dispose()

    def record_mac(self, kind: str, *fields: object) -> str:
        """HMAC-SHA256 of a record of the engine's own tables (a user, a session) under a key
        derived from the audit key: a row written without the key never verifies."""
        if self._chain is None:
            raise TrailUnkeyed(f"seal a {kind} record")
        key = hmac.new(self._chain(), b"teller records", hashlib.sha256).digest()
        message = "\x1f".join([kind, *(_field(f) for f in fields)])
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One committed transaction, for the engine's own tables beside runs and items
        (people, sessions): append audit records in it with ``teller.store.append_audit``."""
        with self._session() as session:
            yield session

    # runs -------------------------------------------------------------------

    def create_run(
        self,
        *,
        flow: str,
        batch_id: str,
        input_file: str,
        input_sha256: str,
        submitted_by: str,
        items: Sequence[NewItem],
        info: dict[str, Any] | None = None,
        file_owner: str = "",
        policy_text: str = "",
        policy_source: str = "",
        watchlist_sha256: str = "",
        console: str = "",
    ) -> str:
        """Record a run and its items, all ``new``, in one transaction.

        ``policy_text`` is the policy the run is gated under, as read (``teller.seal``):
        kept on the run with its SHA-256, and whole in the audit trail."""
        run_id = f"R{now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        stamp = now()
        try:
            with self._session() as session:
                session.add(
                    Run(
                        id=run_id,
                        flow=flow,
                        batch_id=batch_id,
                        input_file=input_file,
                        input_sha256=input_sha256,
                        submitted_by=submitted_by,
                        file_owner=file_owner,
                        created_at=stamp,
                        info=info or {},
                        policy_text=policy_text,
                        policy_sha256=_sha256(policy_text),
                        policy_source=policy_source,
                        watchlist_sha256=watchlist_sha256,
                        console=console,
                    )
                )
                session.flush()
                for new in items:
                    session.add(
                        Item(
                            run_id=run_id,
                            seq=new.seq,
                            key=new.key,
                            label=new.label,
                            amount=new.amount,
                            payload=new.payload,
                            content_hash=content_hash(new.key, new.amount, new.payload),
                            state="new",
                            updated_at=stamp,
                        )
                    )
                session.flush()
                reason = f"{len(items)} items from {input_file}"
                session.add(
                    Event(
                        run_id=run_id, at=stamp, actor=submitted_by, target="loaded", reason=reason
                    )
                )
                session.flush()
                detail = f"{reason} (batch {batch_id}, SHA-256 {input_sha256})"
                if file_owner:
                    detail += f"; the file's OS owner: {file_owner}"
                entries = [AuditEntry(stamp, submitted_by, "loaded", run_id, "", detail)]
                if policy_text:  # the policy gated under, whole: the trail proves what it said
                    policy = (
                        f"{policy_source or 'built in'}, SHA-256 {_sha256(policy_text)}; "
                        f"watchlist SHA-256 {watchlist_sha256 or '-'}\n{policy_text}"
                    )
                    entries.append(AuditEntry(stamp, submitted_by, "policy", run_id, "", policy))
                append(session, entries)
        except IntegrityError:
            existing = self.find_run(flow=flow, batch_id=batch_id)
            raise BatchAlreadyLoaded(batch_id, existing.id if existing else None) from None
        return run_id

    def find_run(self, *, flow: str, batch_id: str) -> Run | None:
        with self._session() as session:
            return session.scalar(select(Run).where(Run.flow == flow, Run.batch_id == batch_id))

    def run(self, run_id: str) -> Run:
        with self._session() as session:
            run = session.get(Run, run_id)
        if run is None:
            raise RunNotFound(run_id)
        return run

    def runs(self, *, limit: int = 50, offset: int = 0, status: str | None = None) -> list[Run]:
        """The most recent runs first (of one ``status``, if given): ``limit`` of them, after
        the first ``offset``."""
        query = select(Run).order_by(Run.created_at.desc(), Run.id.desc())
        if status is not None:
            query = query.where(Run.status == status)
        with self._session() as session:
            return list(session.scalars(query.limit(limit).offset(offset)))

    def move_run(self, run_id: str, *, source: str, target: str) -> bool:
        """Set a run's status to ``target`` if it is ``source``: one conditional UPDATE, so
        of two processes moving one run (taking a queued run) exactly one succeeds."""
        with self._session() as session:
            moved = session.execute(
                update(Run).where(Run.id == run_id, Run.status == source).values(status=target)
            )
            return moved.rowcount == 1  # type: ignore[attr-defined]

    def update_run(self, run_id: str, **fields: Any) -> None:
        with self._session() as session:
            session.execute(update(Run).where(Run.id == run_id).values(**fields))

    def note(self, run_id: str, *, actor: str, what: str, reason: str = "") -> None:
        """An event of the run itself (started, resumed, report written), and its audit record."""
        stamp = now()
        with self._session() as session:
            session.add(Event(run_id=run_id, at=stamp, actor=actor, target=what, reason=reason))
            session.flush()
            append(session, [AuditEntry(stamp, actor, what, run_id, "", reason)])

    def audit(self, entry: AuditEntry) -> None:
        """An audit record of something that is no item's or run's event (a console login)."""
        with self._session() as session:
            append(session, [entry])

    def audit_records(self, *, run_id: str | None = None) -> list[AuditRecord]:
        """The audit trail in order, or the records of one run."""
        query = select(AuditRecord).order_by(AuditRecord.seq)
        if run_id is not None:
            query = query.where(AuditRecord.run_id == run_id)
        with self._session() as session:
            return list(session.scalars(query))

    def audit_page(
        self,
        *,
        actor: str = "",
        what: str = "",
        run_id: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[AuditRecord]:
        """One page of the trail, without reading the rest: at most ``limit`` records,
        newest first, older than record ``before``, matching every filter given (``what``:
        a part of it; ``since`` and ``until``: UTC, naive, ``until`` excluded)."""
        query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
        if actor:
            query = query.where(AuditRecord.actor == actor)
        if what:
            query = query.where(AuditRecord.what.contains(what, autoescape=True))
        if run_id:
            query = query.where(AuditRecord.run_id == run_id)
        # ``at`` is ISO 8601 text of UTC to the microsecond: it sorts as the time does
        if since is not None:
            query = query.where(AuditRecord.at >= since.isoformat(timespec="microseconds"))
        if until is not None:
            query = query.where(AuditRecord.at < until.isoformat(timespec="microseconds"))
        if before is not None:
            query = query.where(AuditRecord.seq < before)
        with self._session() as session:
            return list(session.scalars(query))

    def verify_audit(self) -> tuple[int, AuditProblem | None]:
        """Walk the audit chain: records found sound, and where it first breaks, if it does."""
        with self._session() as session:
            verdict = verify(session, states=False)
        return verdict.sound, verdict.chain

    def check_trail(self, heads: Sequence[tuple[str, ChainHead]] = ()) -> TrailVerdict:
        """Walk the chain, check ``heads`` (where seen, head) against it, and every item's
        moves against the state machine and the items table (``teller audit verify``)."""
        since = now()
        with self._session() as session:
            return verify(session, heads=heads, since=since)

    def audit_head(self, *, check: bool = False) -> ChainHead:
        """The audit chain's head (seq, MAC); with ``check``, only if it verifies with the
        key (``TrailBroken`` otherwise): what an anchor signs."""
        with self._session() as session:
            return head(session, check=check)

    # items ------------------------------------------------------------------

    def items(
        self, run_id: str | None = None, *, states: Iterable[str] | None = None
    ) -> list[Item]:
        query = select(Item).order_by(Item.run_id, Item.seq)
        if run_id is not None:
            query = query.where(Item.run_id == run_id)
        if states is not None:
            query = query.where(Item.state.in_(list(states)))
        with self._session() as session:
            return list(session.scalars(query))

    def item_page(
        self,
        run_id: str,
        *,
        states: Iterable[str] | None = None,
        text: str = "",
        limit: int = 50,
        offset: int = 0,
        matching: int | None = None,
    ) -> tuple[list[Item], int]:
        """One page of a run's items in order, of ``states`` and with ``text`` in their
        reference or label, and how many items match in all: never every item at once
        (indexes ``items_run_seq``, ``items_run_state_seq``). ``matching``: that number
        if the caller knows it already (from :meth:`count_states`), not counted again."""
        where: list[Any] = [Item.run_id == run_id]
        if states is not None:
            where.append(Item.state.in_(list(states)))
        if text:
            pattern = "%" + _LIKE_SPECIAL.sub(r"\\\g<0>", text) + "%"  # the text as typed
            where.append(
                or_(Item.key.ilike(pattern, escape="\\"), Item.label.ilike(pattern, escape="\\"))
            )
        query = select(Item).where(*where).order_by(Item.seq).limit(limit).offset(offset)
        with self._session() as session:
            if matching is None:
                matching = session.scalar(select(func.count()).select_from(Item).where(*where))
            return list(session.scalars(query)), int(matching or 0)

    def count_states(self, run_ids: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
        """How many items each run has in each state (one GROUP BY; every run without
        ``run_ids``): what the Desk shows and streams, without loading an item."""
        query = select(_ITEMS.c.run_id, _ITEMS.c.state, func.count()).group_by(
            _ITEMS.c.run_id, _ITEMS.c.state
        )
        if run_ids is not None:
            query = query.where(_ITEMS.c.run_id.in_(list(run_ids)))
        counted: dict[str, dict[str, int]] = {}
        with self.engine.connect() as connection:
            for run_id, state, count in connection.execute(query):
                counted.setdefault(run_id, {})[state] = int(count)
        return counted

    def held_rules(self) -> list[Held]:
        """Every item waiting for approval (id, amount, rules that fired, approvers
        needed, approvals recorded), in run and line order: what the Approvals page
        groups, without the rest of each row."""
        columns = (_ITEMS.c.id, _ITEMS.c.amount, _ITEMS.c.rules, _ITEMS.c.approvers_needed)
        query = (
            select(*columns, _ITEMS.c.approvals)
            .where(_ITEMS.c.state == "needs_approval")
            .order_by(_ITEMS.c.run_id, _ITEMS.c.seq)
        )
        with self.engine.connect() as connection:
            return [
                Held(
                    r.id, r.amount, list(r.rules or []), r.approvers_needed or 0, r.approvals or []
                )
                for r in connection.execute(query)
            ]

    def items_by_id(self, ids: Iterable[int]) -> list[Item]:
        """The items of ``ids`` (those that exist), in run and line order."""
        wanted = list(ids)
        if not wanted:
            return []
        query = select(Item).where(Item.id.in_(wanted)).order_by(Item.run_id, Item.seq)
        with self._session() as session:
            return list(session.scalars(query))

    def state_total(self, state: str) -> tuple[int, Decimal]:
        """How many items are in ``state`` and their amounts' sum, reading the amounts
        alone (exact Decimal, summed here: SQLite's SUM of text would be a float)."""
        query = select(_ITEMS.c.amount).where(_ITEMS.c.state == state)
        with self.engine.connect() as connection:
            amounts = list(connection.scalars(query))
        return len(amounts), sum((a for a in amounts if a is not None), Decimal(0))

    def item(self, item_id: int) -> Item:
        with self._session() as session:
            item = session.get(Item, item_id)
        if item is None:
            raise ItemNotFound(item_id)
        return item

    def move(
        self,
        item_id: int,
        target: str,
        *,
        actor: str,
        reason: str = "",
        lease: Lease | None = None,
        seen: int | None = None,
        **fields: Any,
    ) -> Item:
        """Move an item to ``target`` if the state machine allows it, with its event, atomically.

        The UPDATE is conditional on the state read, so two processes cannot both move the
        same item out of the same state. A worker passes its ``lease``: the UPDATE then
        also names the lease's owner and fencing token, and a stale owner's move is
        refused with ``LostLease`` (nothing written). A move made without a lease (a
        person's, the gate's) raises the token, so no worker still holding the item can
        move it afterwards. A move out of the to-do states frees the lease. A person's
        decision passes ``seen``, the token of the item it decided on: if anyone moved the
        item since (another approver), the move is refused rather than overwrite theirs.
        """
        with self._session() as session:
            item = session.get(Item, item_id)
            if item is None:
                raise ItemNotFound(item_id)
            source = item.state
            if lease is not None and _stale(item.lease_owner, item.fence, lease):
                raise LostLease(item_id, item.key, lease.owner, lease.fence)
            if not allowed(source, target):
                raise TransitionRefused(item_id, item.key, source, target)
            if seen is not None and item.fence != seen:
                raise TransitionRefused(item_id, item.key, source, target, why=_MEANWHILE)
            stamp = now()
            values: dict[str, Any] = {"state": target, "updated_at": stamp, **fields}
            if lease is None or target not in TODO:  # nobody holds it after this move
                values.update(lease_owner=None, lease_until=None)
            if lease is None:
                values["fence"] = _ITEMS.c.fence + 1
                condition = [_ITEMS.c.id == item_id]
            else:
                condition = _held(item_id, lease)
            condition.append(_ITEMS.c.state == source)
            if seen is not None:
                condition.append(_ITEMS.c.fence == seen)
            # Core statements on the tables, not the ORM's unit of work: half the Python
            # per move, and two of a transfer's store calls are moves (BENCHMARKS.md)
            result = session.execute(update(_ITEMS).where(*condition).values(values))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                self._refused(session, item_id, item.key, source, target, lease)
            session.execute(
                insert(_EVENTS).values(
                    run_id=item.run_id,
                    item_id=item_id,
                    at=stamp,
                    actor=actor,
                    source=source,
                    target=target,
                    reason=reason,
                )
            )
            detail = reason + _figures(fields)
            entry = AuditEntry(stamp, actor, f"{source} -> {target}", item.run_id, item.key, detail)
            append(session, [entry])
            if lease is None:  # the token went up by one in the UPDATE
                values["fence"] = item.fence + 1
            for name, value in values.items():  # what the UPDATE wrote, without reading it back
                set_committed_value(item, name, value)
            return item

    @staticmethod
    def _refused(
        session: Session, item_id: int, key: str, source: str, target: str, lease: Lease | None
    ) -> None:
        """Why a conditional UPDATE matched no row: another worker's claim, or a changed state."""
        row = session.execute(
            select(_ITEMS.c.state, _ITEMS.c.lease_owner, _ITEMS.c.fence).where(
                _ITEMS.c.id == item_id
            )
        ).one()
        if lease is not None and _stale(row.lease_owner, row.fence, lease):
            raise LostLease(item_id, key, lease.owner, lease.fence)
        why = f"is refused: the item moved to {row.state} meanwhile"
        if row.state == source:
            why = _MEANWHILE
        raise TransitionRefused(item_id, key, source, target, why=why)

    def claim(self, item_id: int, owner: str, *, seconds: float) -> Lease | None:
        """Take a lease on an item with a new fencing token; None if another live owner holds it.

        An owner's own lease is taken again too, with a new token: whatever that owner
        was still doing under the old one can no longer move the item.
        """
        stamp = now()
        lease = _ITEMS.c.lease_owner, _ITEMS.c.lease_until
        with self._session() as session:
            fence = session.scalar(
                update(_ITEMS)
                .where(
                    _ITEMS.c.id == item_id,
                    or_(lease[0].is_(None), lease[0] == owner, lease[1] < stamp),
                )
                .values(
                    lease_owner=owner,
                    lease_until=stamp + timedelta(seconds=seconds),
                    fence=_ITEMS.c.fence + 1,
                )
                .returning(_ITEMS.c.fence)
            )
            return None if fence is None else Lease(owner, fence)

    def renew(self, item_id: int, lease: Lease, *, seconds: float) -> bool:
        """Extend a lease still held (same owner, same token); False if it was taken over."""
        with self._session() as session:
            result = session.execute(
                update(_ITEMS)
                .where(*_held(item_id, lease))
                .values(lease_until=now() + timedelta(seconds=seconds))
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def release(self, item_id: int, lease: Lease) -> None:
        """Give a lease up; nothing happens if it was taken over meanwhile."""
        with self._session() as session:
            session.execute(
                update(_ITEMS)
                .where(*_held(item_id, lease))
                .values(lease_owner=None, lease_until=None)
            )

    def paid(self, flow: str, *, since: datetime) -> list[tuple[Item, Run]]:
        """Items of ``flow`` done in runs created since ``since``: the gate's history."""
        return self.items_of(flow, since=since, states=("done",))

    def items_of(
        self,
        flow: str,
        *,
        since: datetime,
        states: Iterable[str] | None = None,
        moved_since: datetime | None = None,
    ) -> list[tuple[Item, Run]]:
        """Items of ``flow``'s runs created since ``since``, with their runs, in order;
        with ``moved_since``, only items whose state changed since then."""
        query = (
            select(Item, Run)
            .join(Run, Item.run_id == Run.id)
            .where(Run.flow == flow, Run.created_at >= since)
            .order_by(Run.created_at, Item.seq)
        )
        if states is not None:
            query = query.where(Item.state.in_(list(states)))
        if moved_since is not None:
            query = query.where(Item.updated_at >= moved_since)
        with self._session() as session:
            return [(item, run) for item, run in session.execute(query).tuples()]

    def keys_moved(
        self, flow: str, *, states: Iterable[str], since: datetime, but: str = ""
    ) -> list[str]:
        """Keys of ``flow``'s items in ``states`` whose state changed since ``since``, but
        those of run ``but``: one indexed query, asked before each payment
        (``teller.clearance``)."""
        query = (
            select(_ITEMS.c.key)
            .join(_RUNS, _ITEMS.c.run_id == _RUNS.c.id)
            .where(
                _ITEMS.c.state.in_(list(states)),
                _ITEMS.c.updated_at >= since,
                _ITEMS.c.run_id != but,
                _RUNS.c.flow == flow,
            )
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these idempotency keys some run already holds (keys are unique)."""
        wanted = list(keys)
        found: set[str] = set()
        with self._session() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                found.update(session.scalars(select(Item.key).where(Item.key.in_(chunk))))
        return found

    def stage(
        self,
        item_id: int,
        stage: str,
        *,
        actor: str,
        reason: str = "",
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Record that an item's case reached ``stage``, once; False if it already had."""
        with self._session() as session:
            item = session.get(Item, item_id)
            if item is None:
                raise ItemNotFound(item_id)
            seen = session.scalar(
                select(Event.id).where(
                    Event.item_id == item_id, Event.kind == "stage", Event.target == stage
                )
            )
            if seen is not None:
                return False
            stamp = now()
            session.add(
                Event(
                    run_id=item.run_id,
                    item_id=item_id,
                    at=stamp,
                    actor=actor,
                    target=stage,
                    reason=reason,
                    kind="stage",
                    data=data or {},
                )
            )
            session.flush()
            detail = reason + _figures(data or {})
            append(
                session, [AuditEntry(stamp, actor, f"stage {stage}", item.run_id, item.key, detail)]
            )
            return True

    def stages(self, run_id: str, *, item_id: int | None = None) -> list[Event]:
        """The stage events of a run's items, in the order they were recorded."""
        return [e for e in self.events(run_id, item_id=item_id) if e.kind == "stage"]

    def events(self, run_id: str, *, item_id: int | None = None) -> list[Event]:
        query = select(Event).where(Event.run_id == run_id).order_by(Event.id)
        if item_id is not None:
            query = query.where(Event.item_id == item_id)
        with self._session() as session:
            return list(session.scalars(query))


# What an audit record keeps of a transition's changed fields: the gate's rule list is long
# and kept in the item; its outcome, the approvals and the receipts are what an auditor asks.
_ITEMS = Base.metadata.tables["items"]
_EVENTS = Base.metadata.tables["events"]
_RUNS = Base.metadata.tables["runs"]
_LIKE_SPECIAL = re.compile(r"[\\%_]")
_UNAUDITED = frozenset({"rules", "lease_owner", "lease_until", "fence"})
_MEANWHILE = "is refused: another decision on the item was recorded meanwhile; look again"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _held(item_id: int, lease: Lease) -> list[Any]:
    """The WHERE of a fenced statement: the item, still held by this owner under this token."""
    return [
        _ITEMS.c.id == item_id,
        _ITEMS.c.lease_owner == lease.owner,
        _ITEMS.c.fence == lease.fence,
    ]


def _stale(owner: str | None, fence: int, lease: Lease) -> bool:
    """Whether the item's (owner, token) no longer match the lease a worker holds."""
    return (owner, fence) != (lease.owner, lease.fence)


def _figures(fields: dict[str, Any]) -> str:
    kept = {k: v for k, v in sorted(fields.items()) if k not in _UNAUDITED and v is not None}
    if not kept:
        return ""
    return " " + json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)
