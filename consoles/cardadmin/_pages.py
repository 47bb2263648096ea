"""The operator's screens: card, account, action search, and the four effects' results."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, redirect, url_for
from flask.typing import ResponseReturnValue

from consoles._shared import current_session, drop_connection, login_required, token_ok
from consoles.cardadmin._admin import Faults
from consoles.cardadmin._store import (
    ACCOUNT_STATUSES,
    CARD_STATUSES,
    MAX_MEMO,
    REASONS,
    Action,
    Refusal,
    Store,
)
from consoles.cardadmin._web import args, form, page

__all__ = ["pages"]

pages = Blueprint("pages", __name__)

_BAD_TOKEN = "表單已失效，請重新打開 Invalid form token, please reopen the form"
_NO_CARD = "無此卡 No such card"
_NO_ACCOUNT = "無此賬戶 No such account"


def _store() -> Store:
    return current_app.extensions["cardadmin.store"]


@pages.get("/")
@login_required
def home() -> ResponseReturnValue:
    return redirect(url_for("pages.card"))


@pages.get("/card")
@login_required
def card() -> ResponseReturnValue:
    return _card_page(args().get("no", "").strip())


def _card_page(card_no: str, *, error: str = "", status: int = 200) -> ResponseReturnValue:
    found = _store().card(card_no) if card_no else None
    if card_no and found is None and not error:
        error = _NO_CARD
    return page(
        "card.html",
        status,
        user=current_session().user,
        token=current_session().token,
        no=card_no,
        card=found,
        error=error,
        statuses=CARD_STATUSES,
        reasons=REASONS,
    )


@pages.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return _account_page(args().get("no", "").strip())


def _account_page(account_no: str, *, error: str = "", status: int = 200) -> ResponseReturnValue:
    found = _store().account(account_no) if account_no else None
    if account_no and found is None and not error:
        error = _NO_ACCOUNT
    return page(
        "account.html",
        status,
        user=current_session().user,
        token=current_session().token,
        no=account_no,
        account=found,
        error=error,
        statuses=ACCOUNT_STATUSES,
    )


@pages.get("/actions")
@login_required
def actions() -> ResponseReturnValue:
    query = args()
    memo = query.get("memo", "").strip()
    rows = _store().actions_by_memo(memo) if memo else []
    return page(
        "actions.html",
        user=current_session().user,
        memo=memo,
        searched="memo" in query,
        rows=rows,
        reasons=REASONS,
    )


# -- the effects: each a confirm()ed form on the card or account page ------------


@pages.post("/card/freeze")
@login_required
def freeze_card() -> ResponseReturnValue:
    fields = form()
    card_no = fields.get("card_no", "").strip()
    return _effect(
        card_no,
        _card_page,
        lambda memo, by: _store().freeze_card(
            card_no, reason=fields.get("reason", ""), memo=memo, by=by
        ),
    )


@pages.post("/card/replace")
@login_required
def order_replacement() -> ResponseReturnValue:
    card_no = form().get("card_no", "").strip()
    return _effect(
        card_no, _card_page, lambda memo, by: _store().order_replacement(card_no, memo=memo, by=by)
    )


@pages.post("/card/unfreeze")
@login_required
def unfreeze_card() -> ResponseReturnValue:
    card_no = form().get("card_no", "").strip()
    return _effect(
        card_no, _card_page, lambda memo, by: _store().unfreeze_card(card_no, memo=memo, by=by)
    )


@pages.post("/account/freeze")
@login_required
def freeze_account() -> ResponseReturnValue:
    account_no = form().get("account_no", "").strip()
    return _effect(
        account_no,
        _account_page,
        lambda memo, by: _store().freeze_account(account_no, memo=memo, by=by),
    )


def _effect(
    target: str,
    screen: Callable[..., ResponseReturnValue],
    apply: Callable[[str, str], Action],
) -> ResponseReturnValue:
    """Check the token and the memo, apply the effect, then show its result or the refusal."""
    session = current_session()
    if not token_ok(session.token):
        return screen(target, error=_BAD_TOKEN, status=403)
    memo = form().get("memo", "").strip()
    try:
        if not memo:
            raise Refusal("備注必填 Memo required")
        if len(memo) > MAX_MEMO:
            raise Refusal(f"備注過長 Memo longer than {MAX_MEMO} characters")
        action = apply(memo, session.user or "")
    except Refusal as refusal:
        return screen(target, error=refusal.message)
    faults: Faults = current_app.extensions["cardadmin.faults"]
    fault = faults.take()
    if fault == "error_after_commit":
        abort(500)
    if fault == "drop_after_commit":
        return drop_connection()
    return page("result.html", user=session.user, action=action, reasons=REASONS)
