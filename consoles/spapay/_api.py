"""The JSON API the single-page app calls (``/api/...``), and the app's own pages.

Every ``/api`` answer is JSON. A request without a live session is 401
``{"error": "session_expired" | "signed_out"}``; a POST without the session's
anti-forgery token in ``X-CSRF-Token`` is 403 ``{"error": "csrf"}`` and does nothing.
Refusals are 4xx ``{"error": code, "message": words}`` (README.md lists them).
"""

from __future__ import annotations

import csv
import hmac
import io
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from consoles._shared import Session, drop_connection, sessions, site
from consoles.spapay._defaults import Defaults
from consoles.spapay._faults import Faults
from consoles.spapay._ledger import Ledger, Refusal

__all__ = ["api", "pages"]

api = Blueprint("api", __name__, url_prefix="/api")
pages = Blueprint("pages", __name__)
PER_PAGE = 10
STATEMENT_HEADER = (
    "Posted at",
    "Txn no",
    "Reference",
    "Counterparty account",
    "Counterparty",
    "Debit",
    "Credit",
    "Memo",
)


def _ledger() -> Ledger:
    return current_app.extensions["spapay.ledger"]


def _faults() -> Faults:
    return current_app.extensions["spapay.faults"]


def _defaults() -> Defaults:
    return current_app.extensions["spapay.defaults"]


# -- the app's pages: one shell for every route ------------------------------------------


@pages.get("/")
def home() -> ResponseReturnValue:
    return redirect("/app", code=302)


@pages.get("/app")
@pages.get("/app/<path:route>")
def shell(route: str = "") -> ResponseReturnValue:
    """The single page: the app renders every screen itself, from its route."""
    return render_template("app.html")


# -- sessions ----------------------------------------------------------------------------


def _answer(status: int, **body: Any) -> ResponseReturnValue:
    return jsonify(body), status


def _session() -> Session | ResponseReturnValue:
    """The live session of this request, or the 401 (or 403 for a POST without its token)."""
    session, expired = sessions().touch(request.cookies.get(site().cookie))
    if session is None or session.user is None:
        if expired:
            return _answer(401, error="session_expired", message="Session expired, sign in again")
        return _answer(401, error="signed_out", message="Please sign in")
    if request.method == "POST":
        given = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(given.encode(), session.token.encode()):
            return _answer(403, error="csrf", message="Form expired, reload the page")
    return session


def _signed_in(view: Callable[[Session], ResponseReturnValue]) -> Callable[[], ResponseReturnValue]:
    def checked(**kwargs: Any) -> ResponseReturnValue:
        session = _session()
        if not isinstance(session, Session):
            return session
        return view(session, **kwargs)

    checked.__name__ = view.__name__
    return checked


@api.get("/session")
@_signed_in
def who(session: Session) -> ResponseReturnValue:
    return jsonify(user=session.user, csrf=session.token)


@api.post("/login")
def login() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    username, password = str(body.get("username", "")).strip(), str(body.get("password", ""))
    if not site().check_user(username, password):
        return _answer(401, error="bad_login", message="Wrong user name or password")
    sessions().drop(request.cookies.get(site().cookie))
    session = sessions().new(user=username)
    response = jsonify(user=username, csrf=session.token)
    response.set_cookie(site().cookie, session.sid, httponly=True, samesite="Lax")
    return response


@api.post("/logout")
def logout() -> ResponseReturnValue:
    sessions().drop(request.cookies.get(site().cookie))
    response = jsonify(ok=True)
    response.delete_cookie(site().cookie)
    return response


# -- the payment form ------------------------------------------------------------------------


@api.get("/defaults")
@_signed_in
def defaults(session: Session) -> ResponseReturnValue:
    """The form's defaults, a moment late (``_defaults.py``)."""
    drawn = _defaults().draw()
    time.sleep(drawn.delay)
    return jsonify(drawn.answer())


@api.post("/drafts")
@_signed_in
def save_draft(session: Session) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _answer(400, error="invalid", message="Expected a JSON object")
    try:
        draft = _ledger().save_draft(body, operator=str(session.user))
    except Refusal as refusal:
        return jsonify(refusal.answer()), refusal.status
    _faults().hold("pause_after_draft")  # committed; its answer held, if a test asked
    return jsonify(draft), 201


@api.post("/drafts/<int:draft_id>/submit")
@_signed_in
def submit(session: Session, draft_id: int) -> ResponseReturnValue:
    faults = _faults()
    faults.hold("pause_before_submit")
    fault = faults.plan_submit()
    if fault == "error_before_submit":
        return _answer(500, error="system_error", message="Internal error, contact IT support")
    try:
        posted = _ledger().submit(draft_id, operator=str(session.user))
    except Refusal as refusal:
        return jsonify(refusal.answer()), refusal.status
    if fault == "drop_after_commit":
        return drop_connection()
    if fault == "error_after_commit":
        return _answer(500, error="system_error", message="Internal error, contact IT support")
    return jsonify(posted), 200


@api.post("/drafts/discard")
@_signed_in
def discard(session: Session) -> ResponseReturnValue:
    ids = (request.get_json(silent=True) or {}).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return _answer(400, error="invalid", message="Expected ids: a list of draft ids")
    return jsonify(discarded=_ledger().discard(ids, operator=str(session.user)))


# -- inquiry and statement -------------------------------------------------------------------


@api.get("/payments")
@_signed_in
def payments(session: Session) -> ResponseReturnValue:
    """Payments by exact reference and/or status, ``PER_PAGE`` a page, oldest first."""
    reference = request.args.get("reference", "").strip()
    status = request.args.get("status", "").strip()
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        return _answer(400, error="invalid", message="Bad page number")
    rows, total = _ledger().search(
        reference=reference, status=status, page=int(page), per_page=PER_PAGE
    )
    return jsonify(rows=rows, total=total, page=int(page), pages=max(1, -(-total // PER_PAGE)))


@api.get("/statement.csv")
@_signed_in
def statement(session: Session) -> ResponseReturnValue:
    """The account's posted payments of one day, as CSV (a preamble, then the table)."""
    account = request.args.get("account", "").strip()
    day = request.args.get("day", "").strip()
    try:
        date.fromisoformat(day)
    except ValueError:
        return _answer(422, error="invalid", message="Date must be YYYY-MM-DD")
    if not account.isdigit():
        return _answer(422, error="invalid", message="Account must be digits")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([["PayHub payables statement"], ["Account", account], ["Day", day], []])
    writer.writerow(STATEMENT_HEADER)
    for row in _ledger().statement(account=account, day=day):
        outgoing = row["debit_account"] == account
        other = row["credit_account"] if outgoing else row["debit_account"]
        name = row["payee_name"] if outgoing else ""
        debit, credit = (row["amount"], "") if outgoing else ("", row["amount"])
        posted = str(row["posted_at"]).replace("T", " ")
        writer.writerow(
            [posted, row["txn_no"], row["reference"], other, name, debit, credit, row["memo"]]
        )
    name = f"statement-{account}-{day}.csv"
    return Response(
        out.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@api.errorhandler(500)
def system_error(error: Exception) -> ResponseReturnValue:
    return _answer(500, error="system_error", message="Internal error, contact IT support")
