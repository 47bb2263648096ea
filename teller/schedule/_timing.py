"""When a schedule fires, and what to do with a late firing: pure functions of a clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from teller.schedule._calendar import Calendar, EveryDay
from teller.schedule._model import Schedule

__all__ = [
    "MisfireDecision",
    "fire_times_between",
    "last_trigger_time",
    "misfire_decision",
    "next_fire_times",
    "trigger_for",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# a cron that never lands on a working day must not loop for ever
_MAX_STEPS = 100_000


def trigger_for(schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger of a schedule, blind to the calendar (checked at fire time)."""
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=schedule.zone)
    # anchored at the epoch: every scheduler process computes the same fire times
    return IntervalTrigger(seconds=schedule.interval or 1, start_date=EPOCH, timezone=schedule.zone)


def _raw_times(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    """Trigger times strictly after ``after``, calendar-blind."""
    if schedule.interval is not None:
        step = schedule.interval
        k = int((after - EPOCH).total_seconds() // step) + 1
        while True:
            yield (EPOCH + timedelta(seconds=k * step)).astimezone(schedule.zone)
            k += 1
    trigger = trigger_for(schedule)
    previous: datetime | None = None
    current = after + timedelta(seconds=1)
    while True:
        fire = trigger.get_next_fire_time(previous, current)
        if fire is None:
            return
        if fire > after:
            yield fire
        previous, current = fire, fire + timedelta(seconds=1)


def next_fire_times(
    schedule: Schedule, after: datetime, count: int, calendar: Calendar
) -> list[datetime]:
    """The next ``count`` firings after ``after``, skipping days the schedule's calendar closes."""
    days = calendar if schedule.calendar == "banking" else EveryDay()
    found: list[datetime] = []
    for steps, fire in enumerate(_raw_times(schedule, after)):
        if len(found) >= count or steps >= _MAX_STEPS:
            break
        if days.closed(fire.astimezone(schedule.zone).date()) is None:
            found.append(fire)
    return found


def fire_times_between(
    schedule: Schedule, after: datetime, until: datetime, calendar: Calendar
) -> list[datetime]:
    """Every firing in (after, until], on the schedule's calendar (for catching up)."""
    days = calendar if schedule.calendar == "banking" else EveryDay()
    found: list[datetime] = []
    for steps, fire in enumerate(_raw_times(schedule, after)):
        if fire > until or steps >= _MAX_STEPS:
            break
        if days.closed(fire.astimezone(schedule.zone).date()) is None:
            found.append(fire)
    return found


def last_trigger_time(schedule: Schedule, now: datetime) -> datetime:
    """The latest calendar-blind trigger time at or before ``now``: the firing being handled."""
    if schedule.interval is not None:
        k = int((now - EPOCH).total_seconds() // schedule.interval)
        return (EPOCH + timedelta(seconds=k * schedule.interval)).astimezone(schedule.zone)
    latest = None
    for fire in _raw_times(schedule, now - timedelta(days=8)):
        if fire > now:
            break
        latest = fire
    return latest or now


@dataclass(frozen=True)
class MisfireDecision:
    """Whether a firing runs, how late it is, and the words for the log and the history."""

    action: Literal["run", "run_late", "skip"]
    late: float  # seconds
    reason: str

    @property
    def runs(self) -> bool:
        return self.action != "skip"


def misfire_decision(schedule: Schedule, scheduled_at: datetime, now: datetime) -> MisfireDecision:
    """On time within the grace; after it, the schedule's misfire policy decides."""
    late = max(0.0, (now - scheduled_at).total_seconds())
    grace = schedule.misfire.grace
    if late <= grace:
        return MisfireDecision("run", late, "on time")
    words = f"{late:.0f} s late (grace {grace:.0f} s)"
    if schedule.misfire.policy == "run_once":
        return MisfireDecision("run_late", late, f"misfired, run once: {words}")
    return MisfireDecision("skip", late, f"misfired, skipped: {words}")
