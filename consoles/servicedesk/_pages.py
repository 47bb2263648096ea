"""The agent's screens: the paginated queue and a ticket's detail page with its forms."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared import current_session, login_required, token_ok
from consoles.servicedesk._desk import CHANNELS, KINDS, STATUSES, Desk, Refusal

__all__ = ["PER_PAGE", "desk", "mask_id", "pages"]

pages = Blueprint("pages", __name__)

PER_PAGE = 20
FILTERS = (*STATUSES, "all")
_BAD_TOKEN = "表單已失效，請重新打開 Invalid form token, please reopen the form"


def desk() -> Desk:
    """The console's ticket store."""
    return current_app.extensions["servicedesk.desk"]


def mask_id(id_number: str) -> str:
    """An ID number as the queue shows it: first 6, ``********``, last 4."""
    return f"{id_number[:6]}********{id_number[-4:]}"


@pages.get("/")
@login_required
def home() -> ResponseReturnValue:
    return redirect(url_for("pages.queue"))


@pages.get("/queue")
@login_required
def queue() -> ResponseReturnValue:
    status = request.args.get("status", "new")
    if status not in FILTERS:
        status = "new"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = desk().queue(status=status, page=page, per_page=PER_PAGE)
    pages_total = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "queue.html",
        user=current_session().user,
        rows=rows,
        total=total,
        status=status,
        filters=FILTERS,
        page=page,
        pages_total=pages_total,
        next_url=url_for("pages.queue", status=status, page=page + 1)
        if page < pages_total
        else None,
        prev_url=url_for("pages.queue", status=status, page=page - 1) if page > 1 else None,
        kinds=KINDS,
        channels=CHANNELS,
        mask_id=mask_id,
    )


@pages.get("/ticket/<ticket_id>")
@login_required
def ticket(ticket_id: str) -> ResponseReturnValue:
    return _ticket_page(ticket_id)


@pages.post("/ticket/<ticket_id>/<action>")
@login_required
def act(ticket_id: str, action: str) -> ResponseReturnValue:
    """Claim, comment, hand over or close: the detail page again, with the outcome."""
    session = current_session()
    user = session.user or ""
    if action not in ("claim", "comment", "hand_over", "close"):
        return _ticket_page(ticket_id, error="無此操作 No such action", status=404)
    if not token_ok(session.token):
        return _ticket_page(ticket_id, error=_BAD_TOKEN, status=403)
    form = request.form
    try:
        if action == "claim":
            message = desk().claim(ticket_id, user)
        elif action == "comment":
            message = desk().comment(ticket_id, user, form.get("text", ""))
        elif action == "hand_over":
            message = desk().hand_over(ticket_id, user, form.get("reason", ""))
        else:
            message = desk().close(ticket_id, user, form.get("reference", ""), form.get("note", ""))
    except Refusal as refusal:
        return _ticket_page(ticket_id, error=refusal.message)
    return _ticket_page(ticket_id, message=message)


def _ticket_page(
    ticket_id: str, *, message: str = "", error: str = "", status: int = 200
) -> ResponseReturnValue:
    found = desk().ticket(ticket_id)
    if found is None:
        page = render_template("missing.html", user=current_session().user, ticket_id=ticket_id)
        return page, 404
    page = render_template(
        "ticket.html",
        user=current_session().user,
        t=found,
        token=current_session().token,
        message=message,
        error=error,
        kinds=KINDS,
        channels=CHANNELS,
    )
    return page, status
