"""``teller scheduler start``: APScheduler 3 with its jobs in Teller's database.

APScheduler only wakes the process up; whether a firing runs is decided here, by the
calendar, the misfire policy and the firings table. Its own misfire grace is turned
off (``None``) so that it never drops a late firing in silence: the schedule's
policy does, and says so.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from loguru import logger

from teller._errors import ConfigError
from teller.integrity import anchor
from teller.schedule._calendar import Calendar, load_calendar
from teller.schedule._fire import ACTIVE, FireResult, Work, fire, run_input
from teller.schedule._firings import claim_firing, last_firing
from teller.schedule._model import Schedule, load_schedules
from teller.schedule._queue import EVERY_SECONDS, take_queued
from teller.schedule._request import take_requested
from teller.schedule._timing import fire_times_between, last_trigger_time, trigger_for
from teller.settings import Settings, load_settings
from teller.store import Store, open_store

__all__ = ["Project", "catch_up", "fire_job", "run_now", "serve"]


class Project:
    """A project's settings, store, schedules and calendar, read once."""

    def __init__(self, project: Path | None) -> None:
        self.settings: Settings = load_settings(project)
        self.store = open_store(self.settings)
        self.folder = folder = self.settings.project / "schedules"
        self.schedules = {s.name: s for s in load_schedules(folder)}
        self.calendar: Calendar = load_calendar(folder / "closures.toml")

    def schedule(self, name: str) -> Schedule:
        if name not in self.schedules:
            known = ", ".join(self.schedules) or "none"
            raise ConfigError(str(self.folder), f"no schedule {name!r} (known: {known})")
        return self.schedules[name]

    def work(self, schedule: Schedule) -> Work:
        return run_input(self.settings, self.store, schedule)

    def anchor(self) -> None:
        """Anchor the audit chain's head after a firing, if ``[audit]`` says where: one
        signed line (README, "For auditors"), so a trail cut short later is caught."""
        file, to_syslog = self.settings.anchor_file, self.settings.audit.syslog
        if file is None and not to_syslog:
            return
        key = self.settings.key("audit")
        line = anchor(key, self.store.audit_head(check=True), file, to_syslog)
        logger.info("audit head anchored: {}", line)


def catch_up(
    store: Store,
    schedule: Schedule,
    now: datetime,
    *,
    calendar: Calendar,
    project: Path,
    work: Work,
) -> FireResult | None:
    """Say every firing missed since the last recorded one; the latest follows the misfire policy."""
    last = last_firing(store, schedule.name)
    if last is None:
        return None  # never fired here: nothing is known to be missed
    due = fire_times_between(schedule, last.fire_time, now, calendar)
    for missed in due[:-1]:
        detail = f"scheduler not running; folded into the firing of {due[-1]:%Y-%m-%d %H:%M %Z}"
        if claim_firing(store, schedule.name, missed, status="missed", detail=detail):
            logger.warning("schedule {} at {}: missed, {}", schedule.name, missed, detail)
    if not due:
        return None
    return fire(store, schedule, due[-1], now=now, calendar=calendar, project=project, work=work)


def fire_job(project_folder: str, name: str) -> None:
    """What APScheduler calls: handle the firing that just came due."""
    project = Project(Path(project_folder))
    try:
        schedule = project.schedule(name)
        now = datetime.now(UTC)
        scheduled_at = last_trigger_time(schedule, now)
        # firings missed while the process slept are said before this one runs
        catch_up(
            project.store,
            schedule,
            scheduled_at - timedelta(microseconds=1),
            calendar=project.calendar,
            project=project.settings.project,
            work=project.work(schedule),
        )
        fire(
            project.store,
            schedule,
            scheduled_at,
            now=now,
            calendar=project.calendar,
            project=project.settings.project,
            work=project.work(schedule),
        )
        project.anchor()
    except Exception as exc:  # a job must never die silently inside APScheduler
        logger.exception("schedule {}: firing failed: {}", name, exc)
    finally:
        project.store.close()


def run_now(project: Project, name: str) -> FireResult:
    """Fire a schedule now, as if it had come due this second (``teller schedule run``)."""
    schedule = project.schedule(name)
    now = datetime.now(UTC).replace(microsecond=0)
    result = fire(
        project.store,
        schedule.model_copy(update={"calendar": "every_day"}),  # asked for by a person: run
        now,
        now=now,
        calendar=project.calendar,
        project=project.settings.project,
        work=project.work(schedule),
    )
    project.anchor()
    return result


def _engine_options(project: Project) -> dict[str, object]:
    # two scheduler processes on one SQLite file wait for each other's writes, not fail
    if project.settings.store_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {}


def serve(project: Project, *, stop: threading.Event | None = None) -> None:
    """Run the scheduler in the foreground until SIGTERM, SIGINT or ``stop``."""
    stop = stop or threading.Event()
    folder = str(project.settings.project)
    scheduler = BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(
                url=project.settings.store_url, engine_options=_engine_options(project)
            ),
            "local": MemoryJobStore(),
        },
        # several instances may start so that an overlapping firing is recorded as skipped
        # by fire(), not dropped by APScheduler with a line in a log nobody reads
        job_defaults={"coalesce": True, "max_instances": 4, "misfire_grace_time": None},
        timezone=UTC,
    )
    enabled = [s for s in project.schedules.values() if s.enabled]
    for schedule in enabled:
        scheduler.add_job(
            fire_job,
            trigger_for(schedule),
            id=schedule.name,
            name=schedule.name,
            args=[folder, schedule.name],
            replace_existing=True,
        )
        # said and handled in the pool, so that a long catch-up run does not hold the start
        scheduler.add_job(
            _catch_up_job,
            args=[folder, schedule.name],
            jobstore="local",
            id=f"catch-up:{schedule.name}",
        )
    # runs queued at the Desk (teller.schedule._queue), one at a time in this process
    scheduler.add_job(
        take_queued,
        "interval",
        seconds=EVERY_SECONDS,
        args=[folder],
        jobstore="local",
        id="queue",
        max_instances=1,
    )
    # firings asked for at the Desk ("run now", teller.schedule._request)
    scheduler.add_job(
        _requested_job,
        "interval",
        seconds=EVERY_SECONDS,
        args=[folder],
        jobstore="local",
        id="requested",
        max_instances=1,
    )
    _on_signals(stop)
    scheduler.start()
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id not in {s.name for s in enabled}:
            job.remove()  # a schedule disabled or deleted since the last start
    logger.info("scheduler started: {}", ", ".join(s.name for s in enabled) or "no schedule")
    stop.wait()
    logger.info("scheduler stopping: runs in progress finish their items in hand")
    for runner in list(ACTIVE):
        runner.stop()
    scheduler.shutdown(wait=True)
    project.store.close()
    logger.info("scheduler stopped")


def _catch_up_job(project_folder: str, name: str) -> None:
    project = Project(Path(project_folder))
    try:
        schedule = project.schedule(name)
        catch_up(
            project.store,
            schedule,
            datetime.now(UTC),
            calendar=project.calendar,
            project=project.settings.project,
            work=project.work(schedule),
        )
    except Exception as exc:
        logger.exception("schedule {}: catch-up failed: {}", name, exc)
    finally:
        project.store.close()


def _requested_job(project_folder: str) -> None:
    project = Project(Path(project_folder))
    try:
        if take_requested(project.store, project.schedules, project.settings.project, project.work):
            project.anchor()
    except Exception as exc:  # a job must never die silently inside APScheduler
        logger.exception("requested firings: {}", exc)
    finally:
        project.store.close()


def _on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        logger.info("scheduler: got signal {}", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
