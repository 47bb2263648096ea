"""The operator's screens after sign-in: the menu page and what opens in its work frame."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from consoles._shared import Faults, drop_connection, login_required, sessions, site, token_ok
from consoles.coreplus._clock import Clock, local_text
from consoles.coreplus._ledger import Ledger, Transfer, masked
from consoles.coreplus._rules import (
    Refusal,
    check_payee_account,
    check_purpose,
    check_reference,
    parse_amount,
    same_amount,
)
from consoles.coreplus._sessions import current_session

__all__ = ["BAD_TOKEN", "LABELS", "clock", "ledger", "pages"]

pages = Blueprint("pages", __name__)

LABELS = {
    "debit_account": "付款账户 Debit Account",
    "payee_account": "收款账号 Payee Account",
    "payee_name": "收款户名 Payee Name",
    "amount": "金额 Amount",
    "reference": "客户流水号 Customer Ref",
    "purpose": "用途 Purpose",
}
REQUIRED = ("debit_account", "payee_account", "payee_name", "amount", "reference")
BAD_TOKEN = "页面已失效，请重新打开 Invalid form token, please reopen the page"


def ledger() -> Ledger:
    return current_app.extensions["coreplus.ledger"]


def clock() -> Clock:
    return current_app.extensions["coreplus.clock"]


@pages.get("/")
@login_required
def home() -> ResponseReturnValue:
    return render_template("home.html", user=current_session().user)


@pages.get("/welcome")
@login_required
def welcome() -> ResponseReturnValue:
    today = local_text(clock().now())[:10]
    return render_template("welcome.html", user=current_session().user, today=today)


@pages.get("/transfer")
@login_required
def transfer_form() -> ResponseReturnValue:
    return _transfer_page(values={}, error="")


def _transfer_page(*, values: dict[str, str], error: str, status: int = 200) -> ResponseReturnValue:
    session = current_session()
    page = render_template(
        "transfer.html",
        names=session.fields,
        labels=LABELS,
        accounts=ledger().debit_accounts(),
        token=session.token,
        values=values,
        error=error,
    )
    return page, status


@pages.post("/transfer")
@login_required
def transfer_post() -> ResponseReturnValue:
    session = current_session()
    form = site().form()
    values = {key: form.get(name, "").strip() for key, name in session.fields.items()}
    values.pop("amount_again")  # never shown again: the overlay asks for it anew
    if not token_ok(session.token):
        return _transfer_page(values=values, error=BAD_TOKEN, status=403)
    faults: Faults = current_app.extensions["coreplus.faults"]
    planned = faults.plan()
    if planned == "error_before_post":
        abort(500)
    # A page slower than the bot's patience: the bot gives up, the console then posts.
    if planned == "slow_page" and not faults.sleep_slow_page():
        abort(500)  # the console is shutting down: nothing posted
    try:
        posted = _post(values, again=form.get(session.fields["amount_again"], ""))
    except Refusal as refusal:
        return _transfer_page(values=values, error=refusal.message)
    fault, expire = faults.after_commit(planned)
    if expire:
        sessions().expire_all()
    if fault == "error_after_commit":
        abort(500)
    if fault == "drop_after_commit":
        return drop_connection()
    return render_template(
        "success.html", transfer=posted, time=local_text(posted.posted_at), masked=masked
    )


def _post(values: dict[str, str], *, again: str) -> Transfer:
    """Check the fields by the console's rules, then post through the ledger (or refuse)."""
    missing = [LABELS[key] for key in REQUIRED if not values[key]]
    if missing:
        raise Refusal("必填项为空 Required field missing: " + ", ".join(missing))
    amount = parse_amount(values["amount"])
    same_amount(amount, again)
    check_reference(values["reference"])
    check_purpose(values["purpose"])
    check_payee_account(values["payee_account"])
    return ledger().post_transfer(
        debit_account=values["debit_account"],
        payee_account=values["payee_account"],
        payee_name=values["payee_name"],
        amount=amount,
        reference=values["reference"],
        purpose=values["purpose"],
        operator=current_session().user or "",
        now=clock().now(),
    )
