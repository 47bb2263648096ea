"""Home: today's runs and their items by state, what waits for approval, the schedules'
next firings on their calendars, and how each flow keeps its promise to customers (the
account-loss queue: report to freeze)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teller._errors import ConfigError
from teller.desk._core import Reader, desk_of
from teller.desk._i18n import ZONE
from teller.desk._schedules import shown_schedules

router = APIRouter()


@router.get("/")
def home(request: Request, person: Reader) -> Response:
    desk = desk_of(request)
    today = datetime.now(ZONE).date()
    runs = [
        r
        for r in desk.store.runs(limit=200)
        if r.created_at.replace(tzinfo=UTC).astimezone(ZONE).date() == today
    ]
    states = desk.store.count_states([r.id for r in runs])  # one GROUP BY, no item loaded
    held, waiting = desk.store.state_total("needs_approval")  # the amounts, not the items
    try:
        schedules, problem = shown_schedules(desk, history=0), ""
    except ConfigError as exc:
        schedules, problem = [], str(exc)
    levels = [level for flow in desk.flows.values() if (level := flow.service_level(desk.store))]
    return desk.page(
        request,
        "home.html",
        person,
        runs=runs,
        states=states,
        held=held,
        waiting=waiting,
        schedules=schedules,
        schedule_problem=problem,
        levels=levels,
    )
