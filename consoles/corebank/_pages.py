"""The teller's screens after login: frameset, menu, single transfer, inquiry, statement."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared import Faults, drop_connection, login_required, sessions, token_ok
from consoles.corebank._ledger import (
    MAX_REFERENCE,
    TRANSFER_COLUMNS,
    Ledger,
    Refusal,
    parse_amount,
)
from consoles.corebank._sessions import current_session

__all__ = ["pages"]

pages = Blueprint("pages", __name__)

PER_PAGE = 10
LABELS = {
    "debit_account": "付款賬號 Debit Account",
    "credit_account": "收款賬號 Credit Account",
    "payee_name": "收款戶名 Payee Name",
    "amount": "金額 Amount",
    "reference": "參考號 Reference",
    "memo": "備注 Memo",
}
_BAD_TOKEN = "表單已失效，請重新打開 Invalid form token, please reopen the form"


def ledger() -> Ledger:
    return current_app.extensions["corebank.ledger"]


@pages.get("/")
@login_required
def frameset() -> ResponseReturnValue:
    return render_template("frameset.html", user=current_session().user)


@pages.get("/menu")
@login_required
def menu() -> ResponseReturnValue:
    return render_template("menu.html", user=current_session().user)


@pages.get("/welcome")
@login_required
def welcome() -> ResponseReturnValue:
    return render_template("welcome.html", user=current_session().user, today=date.today())


@pages.get("/transfer")
@login_required
def transfer_form() -> ResponseReturnValue:
    return _transfer_page(values={}, error="")


def _transfer_page(*, values: dict[str, str], error: str, status: int = 200) -> ResponseReturnValue:
    session = current_session()
    page = render_template(
        "transfer.html",
        fields=session.fields,
        labels=LABELS,
        token=session.token,
        values=values,
        error=error,
    )
    return page, status


@pages.post("/transfer")
@login_required
def transfer_post() -> ResponseReturnValue:
    session = current_session()
    values = {key: request.form.get(name, "").strip() for key, (_, name) in session.fields.items()}
    if not token_ok(session.token):
        return _transfer_page(values=values, error=_BAD_TOKEN, status=403)
    faults: Faults = current_app.extensions["corebank.faults"]
    planned = faults.plan()
    if planned == "error_before_post":
        abort(500)
    # A page slower than the bot's patience: the bot gives up, the console then posts.
    if planned == "slow_page" and not faults.sleep_slow_page():
        abort(500)  # the console is shutting down: nothing posted
    try:
        missing = [k for k, v in values.items() if not v and k != "memo"]
        if missing:
            raise Refusal(
                "必填項為空 Required field missing: " + ", ".join(LABELS[k] for k in missing)
            )
        if len(values["reference"]) > MAX_REFERENCE:
            raise Refusal(f"參考號過長 Reference longer than {MAX_REFERENCE} characters")
        posted = ledger().post_transfer(
            debit_account=values["debit_account"],
            credit_account=values["credit_account"],
            payee_name=values["payee_name"],
            amount=parse_amount(values["amount"]),
            reference=values["reference"],
            memo=values["memo"],
            operator=session.user or "",
        )
    except Refusal as refusal:
        return _transfer_page(values=values, error=refusal.message)
    fault, expire = faults.after_commit(planned)
    if expire:
        sessions().expire_all()
    if fault == "error_after_commit":
        abort(500)
    if fault == "drop_after_commit":
        return drop_connection()
    return render_template("receipt.html", transfer=posted)


@pages.get("/inquiry")
@login_required
def inquiry() -> ResponseReturnValue:
    reference = request.args.get("reference", "").strip()
    day = request.args.get("date", "").strip()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    error, rows, total = "", [], 0
    searched = "reference" in request.args or "date" in request.args
    if searched:
        if day and not _is_day(day):
            error = "日期無效 Invalid date (YYYY-MM-DD)"
        elif not reference and not day:
            error = "請輸入參考號或日期 Enter a reference or a date"
        else:
            rows, total = ledger().search(
                reference=reference or None, day=day or None, page=page, per_page=PER_PAGE
            )
    pages_total = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    next_url = (
        url_for("pages.inquiry", reference=reference, date=day, page=page + 1)
        if page < pages_total
        else None
    )
    prev_url = (
        url_for("pages.inquiry", reference=reference, date=day, page=page - 1) if page > 1 else None
    )
    html = render_template(
        "inquiry.html",
        reference=reference,
        day=day,
        rows=rows,
        total=total,
        page=page,
        pages_total=pages_total,
        searched=searched and not error,
        error=error,
        next_url=next_url,
        prev_url=prev_url,
    )
    # Like the real inquiry screen, this one is served in GBK, not UTF-8.
    body = html.encode("gbk", errors="xmlcharrefreplace")
    return Response(body, content_type="text/html; charset=GBK")


@pages.route("/statement", methods=["GET", "POST"])
@login_required
def statement() -> ResponseReturnValue:
    session = current_session()
    account = request.form.get("account", "").strip()
    day = request.form.get("date", "").strip()
    error = ""
    if request.method == "POST":
        if not token_ok(session.token):
            error = _BAD_TOKEN
        elif not _is_day(day):
            error = "日期無效 Invalid date (YYYY-MM-DD)"
        elif not ledger().account_exists(account):
            error = "賬戶不存在 Account not found"
        else:
            return _statement_csv(account, day)
    page = render_template(
        "statement.html", token=session.token, account=account, day=day, error=error
    )
    return page, 403 if error == _BAD_TOKEN else 200


def _statement_csv(account: str, day: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TRANSFER_COLUMNS)
    for row in ledger().statement(account=account, day=day):
        writer.writerow(getattr(row, column) for column in TRANSFER_COLUMNS)
    return Response(
        out.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=statement-{account}-{day}.csv"},
    )


def _is_day(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
