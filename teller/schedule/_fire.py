"""One firing: check the calendar and the misfire policy, claim it, take the input, run the flow."""

from __future__ import annotations

import asyncio
import os
import pwd
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger

from teller._errors import AccessDenied
from teller.flow import load_flow
from teller.intake import take
from teller.logs import add_run_log
from teller.people import People
from teller.runner import Runner
from teller.runs import submit
from teller.schedule._calendar import Calendar
from teller.schedule._firings import claim_firing, finish_firing, overlapping
from teller.schedule._model import DropFolder, Schedule
from teller.schedule._pause import paused
from teller.schedule._timing import misfire_decision
from teller.settings import Settings
from teller.store import Store

__all__ = [
    "FireResult",
    "Work",
    "fire",
    "os_owner",
    "owner",
    "run_input",
    "take_files",
    "work_firing",
]

# Runs one input file end to end and gives its run id; given None, the flow's intake
# fetches the input from its console first (None back: there was no new work).
Work = Callable[[Path | None], str | None]

# Runners working now in this process: SIGTERM asks each to stop after the item in hand.
ACTIVE: set[Runner] = set()


@dataclass
class FireResult:
    """What became of one firing: its history status and the runs it started."""

    status: str
    detail: str = ""
    run_ids: list[str] = field(default_factory=list)
    firing_id: int | None = None


def take_files(folder: Path) -> list[Path]:
    """Move each new file of a drop folder into ``taken/``; the files this caller took.

    The rename is atomic: of two schedulers racing for one file, one rename succeeds
    and the other finds the file gone, so each file starts exactly one run.
    """
    taken = folder / "taken"
    taken.mkdir(parents=True, exist_ok=True)
    found = sorted(
        (p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    mine: list[Path] = []
    for path in found:
        target = taken / path.name
        if target.exists():  # the same name dropped again: keep both
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            target = taken / f"{path.stem}.{stamp}{path.suffix}"
        try:
            os.rename(path, target)
        except FileNotFoundError:
            continue  # another scheduler took it first
        mine.append(target)
    return mine


def run_input(settings: Settings, store: Store, schedule: Schedule) -> Work:
    """The real work: load the file with the flow, gate it, and run what passed."""

    def work(path: Path | None) -> str | None:
        maker = owner(store, schedule)
        flow = load_flow(schedule.flow, settings=settings)
        if path is None:
            path = take(settings, store, flow)
            if path is None:
                return None
            file_owner = ""
        else:
            file_owner = os_owner(path)
        batch = flow.load(path)
        run_id = submit(settings, store, flow, batch, submitted_by=maker, file_owner=file_owner)
        runner = Runner(settings=settings, store=store, flow=flow, actor="scheduler")
        sink = add_run_log(settings.run_folder(run_id) / "run.log.jsonl")
        ACTIVE.add(runner)
        try:
            asyncio.run(runner.run(run_id))
        finally:
            ACTIVE.discard(runner)
            logger.remove(sink)
        return run_id

    return work


def owner(store: Store, schedule: Schedule) -> str:
    """The schedule's owner, the maker of its runs: an enabled user with the operator role."""
    user = People(store).user(schedule.owner)
    if user is None or user.disabled or "operator" not in user.roles:
        raise AccessDenied(
            f"schedule {schedule.name}: its owner {schedule.owner!r} is not an enabled user "
            "with the operator role; nothing was loaded"
        )
    return user.username


def os_owner(path: Path) -> str:
    """The OS account that owns a file (a drop folder's), recorded beside the run's maker."""
    uid = path.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def fire(
    store: Store,
    schedule: Schedule,
    scheduled_at: datetime,
    *,
    now: datetime,
    calendar: Calendar,
    project: Path,
    work: Work,
) -> FireResult:
    """Handle one firing of a schedule; every outcome lands in the firings table and the log."""
    name = schedule.name
    if held := paused(store, name):  # an admin paused it (the Desk's Schedules page)
        return _record(store, name, scheduled_at, "skipped_paused", held, "info")
    if schedule.calendar == "banking":
        closed = calendar.closed(scheduled_at.astimezone(schedule.zone).date())
        if closed:
            return _record(store, name, scheduled_at, "skipped_closed", closed, "info")
    decision = misfire_decision(schedule, scheduled_at, now)
    if not decision.runs:
        return _record(store, name, scheduled_at, "skipped_misfire", decision.reason, "warning")
    firing_id = claim_firing(store, name, scheduled_at, detail=decision.reason)
    if firing_id is None:
        logger.info("schedule {} at {}: already taken by another scheduler", name, scheduled_at)
        return FireResult("taken_elsewhere")
    if decision.action == "run_late":
        logger.warning("schedule {} at {}: {}", name, scheduled_at, decision.reason)
    late = f"{decision.reason}; " if decision.action == "run_late" else ""
    return work_firing(store, schedule, firing_id, project, work, late=late)


def work_firing(
    store: Store, schedule: Schedule, firing_id: int, project: Path, work: Work, *, late: str
) -> FireResult:
    """Carry out a claimed firing: skipped if an earlier one of the schedule still runs,
    else its input taken and each file (or the intake) run."""
    earlier = overlapping(store, schedule.name, firing_id)
    if earlier is not None and _alive(earlier.claimed_by):
        detail = f"the firing of {earlier.fire_time:%Y-%m-%d %H:%M} UTC is still running"
        logger.warning("schedule {} (firing {}): skipped, {}", schedule.name, firing_id, detail)
        finish_firing(store, firing_id, status="skipped_overlap", detail=detail)
        return FireResult("skipped_overlap", detail, firing_id=firing_id)
    target = schedule.input_path(project)
    files: list[Path | None]
    if target is None:
        files = [None]  # the flow's intake fetches the work from its console
    elif isinstance(schedule.input, DropFolder):
        files = list(take_files(target)) if target.is_dir() else []
    else:
        files = [target]
    if not files:
        return _nothing(store, schedule, firing_id, f"no new file in {target}")
    run_ids: list[str] = []
    problems: list[str] = []
    for path in files:
        name = path.name if path else f"intake of {schedule.flow}"
        try:
            run_id = work(path)
        except Exception as exc:  # one bad file must not stop the others
            problems.append(f"{name}: {exc}")
            logger.error("schedule {}: {} not run: {}", schedule.name, name, exc)
            continue
        if run_id is not None:
            run_ids.append(run_id)
    if not run_ids and not problems:
        return _nothing(store, schedule, firing_id, "no new work on the console")
    status = "failed" if problems else "done"
    detail = late + ("; ".join(problems) or f"{len(run_ids)} run(s)")
    finish_firing(store, firing_id, status=status, detail=detail, run_ids=run_ids)
    logger.info("schedule {}: {} ({}) runs {}", schedule.name, status, detail, run_ids)
    return FireResult(status, detail, run_ids, firing_id)


def _nothing(store: Store, schedule: Schedule, firing_id: int, detail: str) -> FireResult:
    finish_firing(store, firing_id, status="nothing", detail=detail)
    logger.info("schedule {}: {}", schedule.name, detail)
    return FireResult("nothing", detail, firing_id=firing_id)


def _record(
    store: Store, name: str, scheduled_at: datetime, status: str, detail: str, level: str
) -> FireResult:
    firing_id = claim_firing(store, name, scheduled_at, status=status, detail=detail)
    if firing_id is not None:  # said once, by the scheduler that recorded it
        logger.log(level.upper(), "schedule {} at {}: {}", name, scheduled_at, detail)
    return FireResult(status, detail, firing_id=firing_id)


def _alive(claimed_by: str) -> bool:
    """Whether the scheduler that claimed a firing may still be working it."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: trust its row
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
