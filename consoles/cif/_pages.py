"""The screens after login: the search, and the two pop-ups (customer detail, cards)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared import require_login
from consoles.cif._db import Database

__all__ = ["mask_phone", "pages"]

pages = Blueprint("pages", __name__)
pages.before_request(require_login)

NOT_FOUND = "未找到客戶 No customer found"
# The code stays beside its label: what the screen shows is what the database holds.
STATUS_LABELS = {
    "active": "正常",
    "frozen": "凍結",
    "frozen_lost": "掛失凍結",
    "dormant": "久懸",
    "closed": "銷戶",
}


def _db() -> Database:
    return current_app.extensions["cif.db"]


def mask_phone(phone: str) -> str:
    """A phone number as the console shows it: ``138****1234``."""
    if len(phone) < 8:
        return "****" + phone[-4:] if phone else ""
    return phone[:3] + "****" + phone[-4:]


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return f"{label} {status}" if label else status


@pages.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("pages.search"))


@pages.get("/search")
def search() -> ResponseReturnValue:
    id_number = request.args.get("id_number", "").strip()
    searched = "id_number" in request.args
    error, results = "", []
    if searched:
        if not id_number:
            error = "請輸入證件號碼 Enter an ID number"
        else:
            results = _db().search(id_number)
            if not results:
                error = NOT_FOUND
    return render_template(
        "search.html", id_number=id_number, results=results, error=error, searched=searched
    )


@pages.get("/customer")
def customer() -> ResponseReturnValue:
    found = _db().customer(request.args.get("no", ""))
    if found is None:
        return render_template("popup_error.html", message=NOT_FOUND), 404
    return render_template(
        "customer.html",
        customer=found,
        phone=mask_phone(found.phone),
        accounts=_db().accounts(found.customer_no),
        status_label=status_label,
    )


@pages.get("/cards")
def cards() -> ResponseReturnValue:
    found = _db().customer(request.args.get("customer", ""))
    if found is None:
        return render_template("popup_error.html", message=NOT_FOUND), 404
    return render_template(
        "cards.html",
        customer=found,
        cards=_db().cards(found.customer_no),
        status_label=status_label,
    )
