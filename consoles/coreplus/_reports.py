"""The inquiry (a POSTed search, paged by POSTed forms) and the statement download (GBK CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from consoles._shared import login_required, site, token_ok
from consoles.coreplus._clock import local_text
from consoles.coreplus._ledger import Account, masked
from consoles.coreplus._pages import BAD_TOKEN, clock, ledger
from consoles.coreplus._sessions import current_session

__all__ = ["BANK", "PER_PAGE", "STATEMENT_HEADER", "reports"]

reports = Blueprint("reports", __name__)

PER_PAGE = 10
BANK = "康普银行 CorePlus Bank"
STATEMENT_HEADER = (
    "交易时间",
    "交易流水号",
    "客户流水号",
    "对方账号",
    "对方户名",
    "借方发生额",
    "贷方发生额",
    "余额",
    "用途",
)
BAD_DAY = "日期格式错误 Invalid date (YYYYMMDD)"


@reports.route("/inquiry", methods=["GET", "POST"])
@login_required
def inquiry() -> ResponseReturnValue:
    session = current_session()
    form = site().form()
    reference = form.get("ref", "").strip()
    day_text = form.get("txn_date", "").strip()
    page = _page_number(form.get("page", "1"))
    error, rows, total, searched = "", [], 0, False
    if request.method == "POST":
        day = _day(day_text)
        if not token_ok(session.token):
            error = BAD_TOKEN
        elif day_text and day is None:
            error = BAD_DAY
        elif not reference and not day_text:
            error = "请输入客户流水号或日期 Enter a customer ref or a date"
        else:
            searched = True
            found, total = ledger().search(
                reference=reference or None, day=day, page=page, per_page=PER_PAGE
            )
            rows = [(t, local_text(t.posted_at)) for t in found]
    pages_total = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    html = render_template(
        "inquiry.html",
        token=session.token,
        reference=reference,
        day=day_text,
        rows=rows,
        total=total,
        page=page,
        pages_total=pages_total,
        searched=searched,
        error=error,
    )
    return html, 403 if error == BAD_TOKEN else 200


@reports.route("/statement", methods=["GET", "POST"])
@login_required
def statement() -> ResponseReturnValue:
    session = current_session()
    form = site().form()
    account_no = form.get("account", "").strip()
    day_text = form.get("stmt_date", "").strip()
    accounts = ledger().debit_accounts()
    error = ""
    if request.method == "POST":
        day = _day(day_text)
        account = next((a for a in accounts if a.account_no == account_no), None)
        if not token_ok(session.token):
            error = BAD_TOKEN
        elif account is None:
            error = "账户无效 Not one of your accounts"
        elif day is None:
            error = BAD_DAY
        else:
            return _statement_csv(account, day)
    html = render_template(
        "statement.html",
        token=session.token,
        accounts=accounts,
        account=account_no,
        day=day_text,
        error=error,
    )
    return html, 403 if error == BAD_TOKEN else 200


def _statement_csv(account: Account, day: date) -> Response:
    """The day's statement: preamble lines, the header, one line per entry; GBK, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    shown = day.strftime("%Y/%m/%d")
    writer.writerow(["银行名称", BANK])
    writer.writerow(["账号", masked(account.account_no)])
    writer.writerow(["户名", account.name])
    writer.writerow(["起止日期", f"{shown} - {shown}"])
    writer.writerow(["生成时间", local_text(clock().now())])
    writer.writerow(STATEMENT_HEADER)
    for entry in ledger().statement(account=account.account_no, day=day):
        debit = entry.amount if entry.side == "debit" else ""
        credit = entry.amount if entry.side == "credit" else ""
        writer.writerow(
            [
                local_text(entry.posted_at),
                entry.txn_no,
                entry.reference,
                entry.counterparty_account,
                entry.counterparty_name,
                debit,
                credit,
                entry.balance_after,
                entry.purpose,
            ]
        )
    name = f"statement_{account.account_no[-4:]}_{day:%Y%m%d}.csv"
    return Response(
        out.getvalue().encode("gbk", errors="replace"),
        content_type="text/csv; charset=GBK",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _day(text: str) -> date | None:
    """A date typed as ``YYYYMMDD`` (eight ASCII digits, a real day), else None."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _page_number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 10**6 else 1
