"""The firings table: one row per (schedule, fire time); whoever inserts it first runs it.

Two scheduler processes on one database both see a firing come due; the UNIQUE
(schedule, fire_time) constraint lets exactly one insert succeed. The row then
carries the firing's history: skipped or run, its run ids, its outcome.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError

from teller.store import Store

__all__ = [
    "Firing",
    "claim_firing",
    "finish_firing",
    "firing_history",
    "last_firing",
    "overlapping",
    "scheduler_id",
]

_READY: set[URL] = set()  # databases whose firings table is known to exist
metadata = MetaData()
firings = Table(
    "firings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(64), nullable=False),
    Column("fire_time", DateTime, nullable=False),  # UTC, naive: equal on every backend
    Column("claimed_by", String(120), nullable=False),
    Column("claimed_at", DateTime, nullable=False),
    # running | done | failed | nothing | skipped_closed | skipped_misfire | skipped_overlap |
    # skipped_paused | missed
    Column("status", String(24), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("run_ids", JSON, nullable=False, default=list),
    Column("finished_at", DateTime, nullable=True),
    UniqueConstraint("schedule", "fire_time", name="uq_firings_schedule_fire_time"),
)


@dataclass(frozen=True)
class Firing:
    """One row of a schedule's history."""

    id: int
    schedule: str
    fire_time: datetime  # UTC, aware
    claimed_by: str
    claimed_at: datetime
    status: str
    detail: str
    run_ids: list[str]
    finished_at: datetime | None


def scheduler_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _ensure(store: Store) -> None:
    """Create the firings table if needed; two schedulers starting at once may race here."""
    if store.engine.url in _READY:
        return
    try:
        metadata.create_all(store.engine, checkfirst=True)
    except DBAPIError:
        if not inspect(store.engine).has_table("firings"):
            raise
    _READY.add(store.engine.url)


def claim_firing(
    store: Store,
    name: str,
    fire_time: datetime,
    *,
    status: str = "running",
    detail: str = "",
    by: str | None = None,
) -> int | None:
    """Record the firing; its id if this caller won it, None if another already had."""
    _ensure(store)
    row = {
        "schedule": name,
        "fire_time": _utc(fire_time),
        "claimed_by": by or scheduler_id(),
        "claimed_at": _utc(datetime.now(UTC)),
        "status": status,
        "detail": detail,
        "run_ids": [],
    }
    try:
        with store.engine.begin() as connection:
            result = connection.execute(insert(firings).values(**row))
            key = result.inserted_primary_key
            return int(key[0]) if key else None
    except IntegrityError:
        return None


def finish_firing(
    store: Store,
    firing_id: int,
    *,
    status: str,
    detail: str = "",
    run_ids: list[str] = (),  # type: ignore[assignment]
) -> None:
    """Write a firing's outcome into its history row."""
    with store.engine.begin() as connection:
        connection.execute(
            update(firings)
            .where(firings.c.id == firing_id)
            .values(
                status=status,
                detail=detail,
                run_ids=list(run_ids),
                finished_at=_utc(datetime.now(UTC)),
            )
        )


def overlapping(store: Store, name: str, firing_id: int) -> Firing | None:
    """An earlier firing of the schedule still running (by any process), if there is one."""
    with store.engine.connect() as connection:
        row = connection.execute(
            select(firings)
            .where(
                firings.c.schedule == name,
                firings.c.status == "running",
                firings.c.id != firing_id,
                firings.c.id < firing_id,
            )
            .order_by(firings.c.id.desc())
            .limit(1)
        ).first()
    return _firing(row) if row else None


def firing_history(store: Store, name: str, *, limit: int = 50) -> list[Firing]:
    """The schedule's latest firings, newest first."""
    _ensure(store)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(firings)
            .where(firings.c.schedule == name)
            .order_by(firings.c.fire_time.desc())
            .limit(limit)
        ).all()
    return [_firing(r) for r in rows]


def last_firing(store: Store, name: str) -> Firing | None:
    found = firing_history(store, name, limit=1)
    return found[0] if found else None


def _firing(row: object) -> Firing:
    data = row._mapping  # type: ignore[attr-defined]
    return Firing(
        id=data["id"],
        schedule=data["schedule"],
        fire_time=data["fire_time"].replace(tzinfo=UTC),
        claimed_by=data["claimed_by"],
        claimed_at=data["claimed_at"].replace(tzinfo=UTC),
        status=data["status"],
        detail=data["detail"],
        run_ids=list(data["run_ids"] or []),
        finished_at=data["finished_at"].replace(tzinfo=UTC) if data["finished_at"] else None,
    )
