"""A firing asked for by a person at the Desk ("run now"), carried out by the scheduler.

The Desk never runs a flow: it writes a row of the firings table with status
``requested`` (who asked, from which session, in the audit trail). Every few seconds the
scheduler process takes each requested firing with one conditional UPDATE, ``requested``
to ``running``: of two scheduler processes exactly one takes it. It then works as a firing
of the schedule would, on a closed day too (a person asked), but not while an admin has
the schedule paused, nor beside an earlier firing of it that still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from teller._errors import AccessDenied
from teller.people import Person
from teller.schedule._fire import FireResult, Work, work_firing
from teller.schedule._firings import _ensure, _firing, _utc, finish_firing, firings, scheduler_id
from teller.schedule._model import Schedule
from teller.schedule._pause import paused
from teller.store import AuditEntry, Store, append_audit, now

__all__ = ["REQUESTED", "request_firing", "take_requested"]

REQUESTED = "requested"


def request_firing(store: Store, schedule: Schedule, *, by: Person) -> int:
    """Ask the scheduler to fire ``schedule`` now (an operator); the firing's id."""
    by.require("run schedules now", "operator")
    if why := paused(store, schedule.name):
        raise AccessDenied(f"schedule {schedule.name} is {why}: an admin resumes it first")
    if not schedule.enabled:
        raise AccessDenied(f"schedule {schedule.name} is disabled in its file")
    _ensure(store)
    pending = select(firings.c.id).where(
        firings.c.schedule == schedule.name, firings.c.status == REQUESTED
    )
    stamp, already = now(), f"schedule {schedule.name} was asked for already: it runs soon"
    try:
        return _insert(store, schedule, by, stamp, pending, already)
    except IntegrityError:  # asked at the same moment by another request
        raise AccessDenied(already) from None


def _insert(
    store: Store, schedule: Schedule, by: Person, stamp: datetime, pending: Any, already: str
) -> int:
    with store.transaction() as session:
        if session.execute(pending).first() is not None:
            raise AccessDenied(already)
        detail = f"asked at the Desk by {by.username} (session {by.session})"
        row = {
            "schedule": schedule.name,
            # to the microsecond: never the time of a firing the schedule's clock makes
            "fire_time": _utc(datetime.now(UTC)),
            "claimed_by": f"desk:{by.username}",
            "claimed_at": stamp,
            "status": REQUESTED,
            "detail": detail,
            "run_ids": [],
        }
        added = insert(firings).values(**row).returning(firings.c.id)
        firing_id = int(session.execute(added).scalar_one())
        said = f"{schedule.name}, firing {firing_id} (session {by.session})"
        append_audit(session, [AuditEntry(stamp, by.username, "firing requested", "", "", said)])
    return firing_id


def take_requested(
    store: Store,
    schedules: dict[str, Schedule],
    project: Path,
    work_of: Callable[[Schedule], Work],
) -> list[FireResult]:
    """Take each requested firing (oldest first) and carry it out; what became of those
    this process took. ``work_of(schedule)`` gives the schedule's ``Work``."""
    _ensure(store)
    asked = select(firings).where(firings.c.status == REQUESTED).order_by(firings.c.id)
    with store.engine.connect() as connection:
        waiting = [_firing(row) for row in connection.execute(asked)]
    results = []
    for firing in waiting:
        take = (
            update(firings)
            .where(firings.c.id == firing.id, firings.c.status == REQUESTED)
            .values(status="running", claimed_by=scheduler_id())
        )
        with store.engine.begin() as connection:
            if connection.execute(take).rowcount != 1:
                continue  # another scheduler took it
        schedule = schedules.get(firing.schedule)
        asked_by = f"{firing.detail}; "
        if schedule is None:
            detail = asked_by + "no such schedule in schedules/ now"
            finish_firing(store, firing.id, status="failed", detail=detail)
            results.append(FireResult("failed", detail, firing_id=firing.id))
        elif why := paused(store, schedule.name):
            finish_firing(store, firing.id, status="skipped_paused", detail=asked_by + why)
            results.append(FireResult("skipped_paused", why, firing_id=firing.id))
        else:
            logger.info("schedule {}: firing {} {}", schedule.name, firing.id, firing.detail)
            work = work_of(schedule)
            results.append(work_firing(store, schedule, firing.id, project, work, late=asked_by))
    return results
