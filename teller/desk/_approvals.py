"""Approvals: held lines grouped by rule, a rule's lines 50 a page; an approver approves or
rejects one, a selection or a whole rule (its lines chosen here, on the server, when the
approver asks), after a page that states the count and the total of exactly the lines
the decision will take. The engine decides (``teller.runs.approve`` / ``reject``:
four-eyes, dual approval, seals).

Lines above the dual limit that one approver approved wait in a group of their own, the
second approver's view: each with who approved first, when and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from teller._errors import AccessDenied, ApprovalRefused
from teller.desk._core import Reader, Refused, changing, desk_of
from teller.desk._held import SECOND, HeldLine, awaiting_second, group, held_by_rule, total
from teller.people import Person
from teller.runs import approve, reject
from teller.schedule._queue import queue_again

router = APIRouter()

Items = Annotated[list[int] | None, Form()]
PAGE = 50  # held lines a page shows


def _decision(request: Request, person: Person, action: str, csrf: str) -> None:
    changing(request, person, csrf)
    person.require(action or "decide", "approver")
    if action not in ("approve", "reject"):
        raise Refused("approve or reject", 400)


@router.get("/approvals")
def approvals(request: Request, person: Reader, rule: str = "", page: int = 1) -> Response:
    desk = desk_of(request)
    held = desk.store.held_rules()
    rules, second = held_by_rule(held), awaiting_second(held)
    chosen = group(held, rule) or (rules[0] if rules else None)
    pages = max(1, -(-len(chosen.ids) // PAGE)) if chosen else 1
    page = min(max(page, 1), pages)
    shown = chosen.ids[(page - 1) * PAGE : page * PAGE] if chosen else ()
    lines = [HeldLine.of(i) for i in desk.store.items_by_id(shown)]
    return desk.page(
        request,
        "approvals.html",
        person,
        rules=rules,
        second=second,
        chosen=chosen,
        is_second=chosen is not None and chosen.rule == SECOND,
        lines=lines,
        page=page,
        pages=pages,
        can_decide=person.has("approver"),
    )


@router.post("/approvals/confirm")
def confirm(
    request: Request,
    person: Reader,
    action: Annotated[str, Form()] = "",
    item: Items = None,
    rule: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _decision(request, person, action, csrf)
    desk = desk_of(request)
    if rule:  # every line the rule holds now, chosen here: the page listed only 50
        held = group(desk.store.held_rules(), rule)
        wanted: list[int] = list(held.ids) if held else []
    else:
        wanted = list(dict.fromkeys(item or []))
    lines = [HeldLine.of(i) for i in desk.store.items_by_id(wanted) if i.state == "needs_approval"]
    if action == "approve":  # a line they approved already needs another approver
        lines = [line for line in lines if not line.approved_first(person.username)]
    if not lines:
        raise Refused("no held line chosen (or none still held)", 400)
    return desk.page(
        request,
        "confirm.html",
        person,
        action=action,
        lines=lines,
        shown=lines[:PAGE],
        total=total(lines),
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
