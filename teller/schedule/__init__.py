"""Schedules: ``schedules/*.toml`` fired by APScheduler on a banking calendar, once each.

Public face of the scheduler: the schedule model and its loader, the calendars,
the pure timing functions (``next_fire_times``, ``misfire_decision``), the
firings table (``claim_firing``) and the firing itself.
"""

from __future__ import annotations

from teller.schedule._calendar import BankingCalendar, Calendar, EveryDay, load_calendar
from teller.schedule._fire import FireResult, Work, fire, run_input, take_files
from teller.schedule._firings import (
    Firing,
    claim_firing,
    finish_firing,
    firing_history,
    last_firing,
)
from teller.schedule._model import (
    ConsoleQueue,
    DropFolder,
    Misfire,
    Schedule,
    load_schedule,
    load_schedules,
)
from teller.schedule._queue import QUEUED, queue_run, take_queued
from teller.schedule._scheduler import Project, catch_up, fire_job, run_now, serve
from teller.schedule._timing import (
    MisfireDecision,
    fire_times_between,
    misfire_decision,
    next_fire_times,
    trigger_for,
)

__all__ = [
    "BankingCalendar",
    "Calendar",
    "ConsoleQueue",
    "DropFolder",
    "EveryDay",
    "FireResult",
    "Firing",
    "Misfire",
    "MisfireDecision",
    "Project",
    "QUEUED",
    "Schedule",
    "Work",
    "catch_up",
    "claim_firing",
    "finish_firing",
    "fire",
    "fire_job",
    "fire_times_between",
    "firing_history",
    "last_firing",
    "load_calendar",
    "load_schedule",
    "load_schedules",
    "misfire_decision",
    "next_fire_times",
    "queue_run",
    "run_input",
    "run_now",
    "serve",
    "take_files",
    "take_queued",
    "trigger_for",
]
