"""Pausing a schedule: an admin pauses or resumes it (the Desk), the scheduler process
skips a paused schedule's firings and records each as ``skipped_paused``.

The state is a row of the store's ``schedule_pauses`` table, so every scheduler process
on the store sees it at its next firing; each pause and resume is in the audit trail with
the person who made it.
"""

from __future__ import annotations

from sqlalchemy import select

from teller._errors import AccessDenied
from teller.people import Person
from teller.store import AuditEntry, SchedulePause, Store, append_audit, now

__all__ = ["pause", "paused", "pauses", "resume"]


def pauses(store: Store) -> dict[str, SchedulePause]:
    """Every paused schedule, by name."""
    with store.transaction() as session:
        return {p.schedule: p for p in session.scalars(select(SchedulePause))}


def paused(store: Store, name: str) -> str | None:
    """Why the schedule ``name`` is paused (who, since when, why), or None if it is not."""
    with store.transaction() as session:
        found = session.get(SchedulePause, name)
    if found is None:
        return None
    reason = f": {found.reason}" if found.reason else ""
    return f"paused by {found.paused_by} since {found.paused_at:%Y-%m-%d %H:%M} UTC{reason}"


def pause(store: Store, name: str, *, by: Person, reason: str) -> None:
    """Pause the schedule ``name`` (an admin, with a reason); pausing it again changes nothing."""
    by.require("pause schedules", "admin")
    if not reason.strip():
        raise AccessDenied("say why the schedule is paused")
    with store.transaction() as session:
        if session.get(SchedulePause, name) is not None:
            return
        stamp = now()
        session.add(
            SchedulePause(schedule=name, paused_by=by.username, paused_at=stamp, reason=reason)
        )
        detail = f"{name}: {reason.strip()} (session {by.session})"
        append_audit(session, [AuditEntry(stamp, by.username, "schedule paused", "", "", detail)])


def resume(store: Store, name: str, *, by: Person) -> None:
    """Resume the schedule ``name`` (an admin); resuming one not paused changes nothing."""
    by.require("resume schedules", "admin")
    with store.transaction() as session:
        found = session.get(SchedulePause, name)
        if found is not None:
            session.delete(found)
            detail = f"{name} (session {by.session})"
            append_audit(
                session, [AuditEntry(now(), by.username, "schedule resumed", "", "", detail)]
            )
