"""Approvals: held lines grouped by rule; an approver approves or rejects one, a selection
or a whole rule, after a page that states the count and the total. The engine decides
(``teller.runs.approve`` / ``reject``: four-eyes, dual approval, seals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from teller._errors import AccessDenied, ApprovalRefused
from teller.desk._core import Reader, Refused, changing, desk_of
from teller.desk._held import HeldLine, by_rule, total
from teller.people import Person
from teller.runs import approve, reject
from teller.schedule._queue import queue_again

router = APIRouter()

Items = Annotated[list[int] | None, Form()]


def _decision(request: Request, person: Person, action: str, csrf: str) -> None:
    changing(request, person, csrf)
    person.require(action or "decide", "approver")
    if action not in ("approve", "reject"):
        raise Refused("approve or reject", 400)


@router.get("/approvals")
def approvals(request: Request, person: Reader) -> Response:
    desk = desk_of(request)
    groups = by_rule(desk.store.items(states=["needs_approval"]))
    can_decide = person.has("approver")
    return desk.page(request, "approvals.html", person, groups=groups, can_decide=can_decide)


@router.post("/approvals/confirm")
def confirm(
    request: Request,
    person: Reader,
    action: Annotated[str, Form()] = "",
    item: Items = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _decision(request, person, action, csrf)
    desk = desk_of(request)
    held = {i.id: i for i in desk.store.items(states=["needs_approval"])}
    lines = [HeldLine.of(held[i]) for i in dict.fromkeys(item or []) if i in held]
    if not lines:
        raise Refused("no held line chosen (or none still held)", 400)
    return desk.page(
        request, "confirm.html", person, action=action, lines=lines, total=total(lines)
    )


@router.post("/approvals/decide")
def decide(
    request: Request,
    person: Reader,
    action: Annotated[str, Form()] = "",
    item: Items = None,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _decision(request, person, action, csrf)
    desk = desk_of(request)
    results: list[tuple[int, str]] = []
    approved: set[str] = set()
    for item_id in dict.fromkeys(item or []):
        try:
            if action == "approve":
                moved = approve(desk.store, item_id, by=person, key=desk.key, reason=reason)
            else:
                moved = reject(desk.store, item_id, by=person, key=desk.key, reason=reason)
            results.append((item_id, moved.state))
            if moved.state == "approved":
                approved.add(moved.run_id)
        except (ApprovalRefused, AccessDenied) as refused:
            results.append((item_id, f"refused: {refused}"))
    # the Desk pays nothing itself: a stopped run with lines now approved goes back to the
    # scheduler's queue (a run still going pays them itself)
    for run_id in sorted(approved):
        queue_again(desk.store, run_id, by=person, why="lines approved at the Desk")
    return desk.page(request, "decided.html", person, action=action, results=results)
