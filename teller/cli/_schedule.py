"""``teller schedule list|run|history`` and ``teller scheduler start``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import typer
from loguru import logger
from rich.table import Table

from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._signin import signed_in
from teller.schedule import (
    ConsoleQueue,
    DropFolder,
    Project,
    Schedule,
    firing_history,
    next_fire_times,
    run_now,
    serve,
)

schedule_app = typer.Typer(help="Schedules of schedules/*.toml.", no_args_is_help=True)
scheduler_app = typer.Typer(help="The scheduler process.", no_args_is_help=True)


def _project(project: Path | None, action: str, *roles: str) -> Project:
    """The project's schedules, for a signed-in person holding one of ``roles``."""
    settings, store = open_project(project)
    signed_in(settings, store, action, *roles)
    store.close()
    return Project(settings.project)


@schedule_app.command("list")
def schedule_list(
    count: int = typer.Option(3, help="Next fire times to show per schedule."),
    project: Path | None = ProjectOption,
) -> None:
    """Every schedule with its next fire times on its calendar."""
    with clear_errors():
        found = _project(project, "read schedules")
        table = Table("schedule", "flow", "when", "calendar", "input", "next fire times")
        now = datetime.now(UTC)
        for s in found.schedules.values():
            times = next_fire_times(s, now, count, found.calendar) if s.enabled else []
            source = _source(s)
            table.add_row(
                s.name,
                s.flow,
                s.cron or f"every {s.interval} s",
                s.calendar,
                source,
                "\n".join(f"{t.astimezone(s.zone):%a %Y-%m-%d %H:%M %Z}" for t in times)
                or "disabled",
            )
        console.print(table)
        found.store.close()


@schedule_app.command("run")
def schedule_run(
    name: str = typer.Argument(..., metavar="NAME"),
    project: Path | None = ProjectOption,
) -> None:
    """Fire a schedule now (recorded in its history like any firing)."""
    with clear_errors():
        found = _project(project, "fire a schedule", "operator", "admin")
        result = run_now(found, name)
        console.print(f"{name}: {result.status} {result.detail} {' '.join(result.run_ids)}")
        found.store.close()
        if result.status == "failed":
            raise typer.Exit(1)


@schedule_app.command("history")
def schedule_history(
    name: str = typer.Argument(..., metavar="NAME"),
    limit: int = typer.Option(20, help="Firings to show."),
    project: Path | None = ProjectOption,
) -> None:
    """A schedule's latest firings: run, skipped or missed, and why."""
    with clear_errors():
        found = _project(project, "read schedules")
        schedule = found.schedule(name)
        table = Table("fire time", "status", "runs", "detail", "by")
        for f in firing_history(found.store, name, limit=limit):
            table.add_row(
                f"{f.fire_time.astimezone(schedule.zone):%Y-%m-%d %H:%M:%S %Z}",
                f.status,
                " ".join(f.run_ids),
                f.detail,
                f.claimed_by,
            )
        console.print(table)
        found.store.close()


@scheduler_app.command("start")
def scheduler_start(project: Path | None = ProjectOption) -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C."""
    with clear_errors():
        found = _project(project, "start the scheduler", "operator", "admin")
        logging.getLogger("apscheduler").addHandler(_ToLoguru())
        logging.getLogger("apscheduler").setLevel(logging.INFO)
        # "job executed successfully" every few seconds says nothing the firings table does not
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        serve(found)


class _ToLoguru(logging.Handler):
    """APScheduler logs with the standard library: pass its records on to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        logger.opt(depth=6, exception=record.exc_info).log(record.levelname, record.getMessage())


def _source(schedule: Schedule) -> str:
    """Where a schedule's input comes from, in words."""
    if isinstance(schedule.input, DropFolder):
        return f"{schedule.input.folder}/ (drop folder)"
    if isinstance(schedule.input, ConsoleQueue):
        return f"{schedule.input.console} queue"
    return str(schedule.input)
