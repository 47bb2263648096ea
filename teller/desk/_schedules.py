"""Schedules: the project's schedules with their next firings on their calendar and their
recent history (anyone signed in reads); an operator asks for a firing now, an admin
pauses and resumes one.

A paused schedule's firings are skipped by the scheduler process, which records each as
``skipped_paused`` (``teller.schedule._pause``). The Desk never fires a schedule itself:
firing one runs its flow, which drives a browser, and that is the scheduler's work. "Run
now" writes a requested firing that the scheduler takes within seconds
(``teller.schedule._request``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from teller._errors import AccessDenied, ConfigError
from teller.desk._core import Desk, Reader, Refused, changing, desk_of
from teller.people import Person
from teller.schedule import (
    ConsoleQueue,
    DropFolder,
    Firing,
    Schedule,
    firing_history,
    load_calendar,
    load_schedules,
    next_fire_times,
)
from teller.schedule._pause import pause, pauses, resume
from teller.schedule._request import request_firing
from teller.store import SchedulePause

router = APIRouter()

HISTORY = 5  # recent firings shown per schedule
NEXT = 3  # next firings shown per schedule


@dataclass(frozen=True)
class Shown:
    """One schedule as the page shows it."""

    schedule: Schedule
    when: str
    source: str
    upcoming: list[datetime]
    problem: str  # why its next firings cannot be said ("" if they can)
    paused: SchedulePause | None
    history: list[Firing]


def _schedules(desk: Desk) -> list[Schedule]:
    return load_schedules(desk.settings.project / "schedules")


def _source(schedule: Schedule) -> str:
    if isinstance(schedule.input, DropFolder):
        return f"{schedule.input.folder}/ (drop folder)"
    if isinstance(schedule.input, ConsoleQueue):
        return f"{schedule.input.console} queue"
    return str(schedule.input)


def shown_schedules(desk: Desk, *, history: int = HISTORY) -> list[Shown]:
    """The project's schedules as a page shows them (ConfigError for a bad file)."""
    folder = desk.settings.project / "schedules"
    calendar = load_calendar(folder / "closures.toml")
    held = pauses(desk.store)
    now = datetime.now(UTC)
    shown = []
    for s in _schedules(desk):
        problem = ""
        try:
            upcoming = next_fire_times(s, now, NEXT, calendar) if s.enabled else []
        except ConfigError as exc:
            upcoming, problem = [], str(exc)
        shown.append(
            Shown(
                schedule=s,
                when=s.cron or f"every {s.interval} s",
                source=_source(s),
                upcoming=upcoming,
                problem=problem,
                paused=held.get(s.name),
                history=firing_history(desk.store, s.name, limit=history) if history else [],
            )
        )
    return shown


@router.get("/schedules")
def schedules(request: Request, person: Reader) -> Response:
    desk = desk_of(request)
    try:
        shown, problem = shown_schedules(desk), ""
    except ConfigError as exc:  # a bad schedule file: say which and where, show none
        shown, problem = [], str(exc)
    return desk.page(
        request,
        "schedules.html",
        person,
        shown=shown,
        problem=problem,
        can_pause=person.has("admin"),
        can_run=person.has("operator"),
    )


def _known(
    request: Request, person: Person, csrf: str, name: str, action: str, role: str = "admin"
) -> tuple[Desk, Schedule]:
    """A pause, resume or run now: same-site with the token, by an admin (an operator for
    run now), of a known schedule."""
    changing(request, person, csrf)
    person.require(action, role)
    desk = desk_of(request)
    found = next((s for s in _schedules(desk) if s.name == name), None)
    if found is None:
        raise Refused(f"no schedule {name!r}", 404)
    return desk, found


@router.post("/schedules/{name}/run")
def run_schedule(
    request: Request, person: Reader, name: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Run now: a firing asked of the scheduler process, which carries it out."""
    desk, schedule = _known(request, person, csrf, name, "run schedules now", "operator")
    try:
        request_firing(desk.store, schedule, by=person)
    except AccessDenied as refused:
        raise Refused(str(refused), 409) from None
    return RedirectResponse(f"/schedules#s-{name}", status_code=303)


@router.post("/schedules/{name}/pause")
def pause_schedule(
    request: Request,
    person: Reader,
    name: str,
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    desk, _ = _known(request, person, csrf, name, "pause schedules")
    try:
        pause(desk.store, name, by=person, reason=reason)
    except AccessDenied as refused:
        raise Refused(str(refused), 400) from None
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{name}/resume")
def resume_schedule(
    request: Request, person: Reader, name: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    desk, _ = _known(request, person, csrf, name, "resume schedules")
    resume(desk.store, name, by=person)
    return RedirectResponse("/schedules", status_code=303)
