"""Home: today's runs and their items by state, and what waits for approval."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teller.desk._core import Reader, desk_of
from teller.desk._i18n import ZONE

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
    return desk.page(
        request, "home.html", person, runs=runs, states=states, held=held, waiting=waiting
    )
