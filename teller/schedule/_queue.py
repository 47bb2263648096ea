"""Runs queued at the Desk, carried out by the scheduler process, each exactly once.

The Desk loads and gates a run as ``teller run`` does (``teller.runs.submit``: the
operator who submitted it is its maker) and marks it ``queued``: the Desk never opens a
browser. Every few seconds the scheduler takes the queued runs, oldest first. Taking is
one conditional UPDATE, ``queued`` to ``taken`` (``Store.move_run``): of two scheduler
processes exactly one takes a run. The run is then worked as a scheduled run is, its
progress in the store for the Desk to read. A run whose taker died stays ``taken``:
``teller resume`` carries it on, as any run cut short.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from loguru import logger

from teller._errors import StateError
from teller.flow import load_flow
from teller.logs import add_run_log
from teller.people import People, Person
from teller.runner import Runner
from teller.schedule._fire import ACTIVE
from teller.settings import Settings, load_settings
from teller.store import Run, Store, open_store

__all__ = [
    "EVERY_SECONDS",
    "QUEUED",
    "TAKEN",
    "carry_out",
    "queue_again",
    "queue_run",
    "take_queued",
]

QUEUED, TAKEN, WAITING = "queued", "taken", "waiting"
EVERY_SECONDS = 3  # how often the scheduler looks for queued runs


def queue_run(store: Store, run_id: str, *, by: Person) -> None:
    """Queue a run just loaded (``loaded``) for the scheduler, as ``by`` asked at the Desk."""
    if not store.move_run(run_id, source="loaded", target=QUEUED):
        raise StateError(f"run {run_id} is not just loaded: not queued")
    store.note(
        run_id, actor=by.username, what="queued", reason=f"at the Desk, session {by.session}"
    )


def queue_again(store: Store, run_id: str, *, by: Person, why: str) -> bool:
    """Queue a run that stopped with lines waiting (``waiting``) once some were decided, so
    the scheduler carries it on (pays what is now approved); whether it was queued."""
    if not store.move_run(run_id, source=WAITING, target=QUEUED):
        return False  # running, queued already, or finished: nothing to carry on
    store.note(run_id, actor=by.username, what="queued", reason=f"{why}, session {by.session}")
    return True


def take_queued(project_folder: str) -> list[str]:
    """What the scheduler calls every few seconds: take each queued run and work it; the
    runs this process took."""
    settings = load_settings(Path(project_folder))
    store = open_store(settings)
    taken: list[str] = []
    try:
        for run in reversed(store.runs(limit=100, status=QUEUED)):  # oldest first
            if not store.move_run(run.id, source=QUEUED, target=TAKEN):
                continue  # another scheduler took it first
            taken.append(run.id)
            carry_out(settings, store, run)
    except Exception as exc:  # a job must never die silently inside APScheduler
        logger.exception("queued runs: {}", exc)
    finally:
        store.close()
    return taken


def carry_out(settings: Settings, store: Store, run: Run) -> None:
    """Work a run taken from the queue, for its maker, if they are still an enabled operator."""
    here = f"{socket.gethostname()}:{os.getpid()}"
    maker = People(store).user(run.submitted_by)
    if maker is None or maker.disabled or "operator" not in maker.roles:
        why = f"its maker {run.submitted_by!r} is no longer an enabled user with the operator role"
        store.note(run.id, actor="scheduler", what="not run", reason=why)
        store.update_run(run.id, status="refused")
        logger.warning("queued run {}: not run, {}", run.id, why)
        return
    flow = load_flow(run.flow, settings=settings, run=run)
    store.note(run.id, actor=run.submitted_by, what="worked", reason=f"queued; taken by {here}")
    runner = Runner(settings=settings, store=store, flow=flow, actor="scheduler")
    sink = add_run_log(settings.run_folder(run.id) / "run.log.jsonl")
    ACTIVE.add(runner)  # SIGTERM stops it after the item in hand, as a firing's
    logger.info("queued run {} of {}: taken by {}", run.id, run.submitted_by, here)
    try:
        asyncio.run(runner.run(run.id))
    except Exception as exc:  # the run stays as it stopped: `teller resume` carries it on
        logger.exception("queued run {}: stopped: {}", run.id, exc)
    finally:
        ACTIVE.discard(runner)
        logger.remove(sink)
    logger.info("queued run {}: {}", run.id, store.run(run.id).status)
