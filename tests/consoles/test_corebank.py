"""The corebank console at the HTTP level: every check is made on its own SQLite ledger."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from flask.testing import FlaskClient

A, B, CLOSED = "6222000000001001", "6222000000001002", "6222000000009999"
ACCOUNTS = [
    {"account_no": A, "name": "張三", "balance": "1000.00", "status": "open"},
    {"account_no": B, "name": "李四", "balance": "50.00", "status": "open"},
    {"account_no": CLOSED, "name": "趙六", "balance": "500.00", "status": "closed"},
]

if TYPE_CHECKING:  # the helpers behind the fixtures, for type hints only
    from tests.consoles.conftest import Corebank, Page


@pytest.fixture
def corebank(make_corebank: Callable[..., Corebank]) -> Corebank:
    """The console with default options on a seeded ledger."""
    corebank = make_corebank()
    corebank.seed(ACCOUNTS)
    return corebank


def _pay(corebank: Corebank, client: FlaskClient, **overrides: str) -> tuple[int, Page]:
    values = {
        "debit_account": A,
        "credit_account": B,
        "payee_name": "李四",
        "amount": "100.00",
        "reference": "REF-0001",
        "memo": "工資 salary",
    }
    values.update(overrides)
    return corebank.transfer(client, **values)


# -- login and session -----------------------------------------------------


def test_login_with_token_opens_the_frameset(corebank: Corebank) -> None:
    client = corebank.login()
    html = client.get("/").get_data(as_text=True)
    assert "<frameset" in html
    assert '<frame name="menu"' in html and '<frame name="main"' in html
    menu = client.get("/menu").get_data(as_text=True)
    for link in ("單筆轉賬 Single Transfer", "交易查詢 Transaction Inquiry", "對賬單 Statement"):
        assert f'target="main">{link}</a>' in menu
    assert 'target="_top">退出 Logout</a>' in menu


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_login_without_the_right_token_is_refused(corebank: Corebank, token: str | None) -> None:
    client = corebank.client()
    client.get("/login")
    data = {"username": "teller01", "password": corebank.password}
    if token is not None:
        data["_token"] = token
    answer = client.post("/login", data=data)
    assert answer.status_code == 403
    assert "Invalid form token" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_wrong_password_stays_on_the_login_page(corebank: Corebank) -> None:
    client = corebank.client()
    token = corebank.parse(client.get("/login").get_data(as_text=True)).token
    answer = client.post("/login", data={"_token": token, "username": "teller01", "password": "x"})
    assert "用戶名或密碼錯誤 Wrong username or password" in answer.get_data(as_text=True)
    assert client.get("/transfer").headers["Location"] == "/login"


def test_idle_session_redirects_to_login_with_timeout_message(
    make_corebank: Callable[..., Corebank],
) -> None:
    corebank = make_corebank(session_idle_seconds=1)
    corebank.seed(ACCOUNTS)
    client = corebank.login()
    form = corebank.parse(client.get("/transfer").get_data(as_text=True))
    time.sleep(1.2)
    answer = client.post(
        "/transfer",
        data={form.name_of("金額 Amount"): "1.00", "_token": form.token},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?timeout=1"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "會話已超時 Session timed out" in page
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(0,)]


def test_field_names_change_with_every_session(corebank: Corebank) -> None:
    first = corebank.parse(corebank.login().get("/transfer").get_data(as_text=True))
    second = corebank.parse(corebank.login().get("/transfer").get_data(as_text=True))
    for label in ("付款賬號 Debit Account", "金額 Amount", "參考號 Reference"):
        assert first.name_of(label) != second.name_of(label)
        assert first.id_of(label) != second.id_of(label)


# -- transfers -------------------------------------------------------------


def test_transfer_posts_one_row_and_moves_the_money(corebank: Corebank) -> None:
    client = corebank.login()
    status, page = _pay(corebank, client, amount="120.5")
    assert status == 200 and "交易成功 Transaction successful" in page.html
    assert "繼續轉賬 New transfer" in page.html
    rows = corebank.query(
        "SELECT txn_no, debit_account, credit_account, amount, memo FROM transfers"
    )
    assert len(rows) == 1
    txn_no, debit, credit, amount, memo = rows[0]
    assert f'<span id="txn-no">{txn_no}</span>' in page.html
    assert str(txn_no).startswith(f"TX{date.today():%Y%m%d}")
    assert (debit, credit, amount, memo) == (A, B, "120.50", "工資 salary")
    assert corebank.balances()[A] == "879.50" and corebank.balances()[B] == "170.50"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "5000.00"}, "余額不足 Insufficient funds"),
        ({"debit_account": "6222000000000000"}, "賬戶不存在 Account not found"),
        ({"credit_account": "6222000000000000"}, "賬戶不存在 Account not found"),
        ({"credit_account": CLOSED, "payee_name": "趙六"}, "賬戶已銷戶 Account closed"),
        ({"debit_account": CLOSED}, "賬戶已銷戶 Account closed"),
        ({"payee_name": "李四四"}, "戶名不符 Payee name does not match"),
        ({"amount": "0"}, "金額無效 Invalid amount"),
        ({"amount": "-5.00"}, "金額無效 Invalid amount"),
        ({"amount": "1.005"}, "金額無效 Invalid amount"),
        ({"amount": "1e3"}, "金額無效 Invalid amount"),
        ({"amount": "abc"}, "金額無效 Invalid amount"),
        ({"reference": "R" * 41}, "參考號過長"),
        ({"reference": ""}, "必填項為空"),
    ],
    ids=[
        "funds",
        "no-debit",
        "no-credit",
        "credit-closed",
        "debit-closed",
        "payee",
        "zero",
        "negative",
        "3-decimals",
        "exponent",
        "text",
        "long-reference",
        "no-reference",
    ],
)
def test_refusal_leaves_the_ledger_untouched(
    corebank: Corebank, overrides: dict[str, str], message: str
) -> None:
    before = corebank.balances()
    status, page = _pay(corebank, corebank.login(), **overrides)
    assert status == 200
    assert page.error is not None and page.error.startswith(message)
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(0,)]
    assert corebank.balances() == before


def test_duplicate_reference_is_refused(corebank: Corebank) -> None:
    client = corebank.login()
    assert _pay(corebank, client, reference="PAY-42")[0] == 200
    before = corebank.balances()
    _, page = _pay(corebank, client, reference="PAY-42", amount="1.00")
    assert page.error == "參考號已使用 Reference already used"
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(1,)]
    assert corebank.balances() == before


def test_transfer_without_token_is_refused(corebank: Corebank) -> None:
    client = corebank.login()
    form = corebank.parse(client.get("/transfer").get_data(as_text=True))
    answer = client.post("/transfer", data={form.name_of("金額 Amount"): "1.00", "_token": "x"})
    assert answer.status_code == 403
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(0,)]


def test_concurrent_transfers_keep_balances_exact(corebank: Corebank) -> None:
    # 8 tellers race 200 transfers of 0.10 against a balance that covers only 150 of them.
    corebank.app.test_client().post(
        "/admin/accounts",
        json={
            "accounts": [{"account_no": A, "name": "張三", "balance": "15.00", "status": "open"}]
        },
    )
    clients = [corebank.login() for _ in range(8)]
    outcomes: list[str] = []
    lock = threading.Lock()

    def teller(number: int) -> None:
        for i in range(25):
            _, page = _pay(
                corebank, clients[number], amount="0.10", reference=f"C{number}-{i}", memo=""
            )
            with lock:
                outcomes.append(page.error or "ok")

    threads = [threading.Thread(target=teller, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 150
    assert outcomes.count("余額不足 Insufficient funds") == 50
    assert corebank.balances()[A] == "0.00"
    assert corebank.balances()[B] == "65.00"
    amounts = corebank.query("SELECT amount FROM transfers")
    assert sum(Decimal(str(a)) for (a,) in amounts) == Decimal("15.00")
    assert corebank.query("SELECT COUNT(DISTINCT txn_no) FROM transfers") == [(150,)]


# -- inquiry and statement -------------------------------------------------


def test_inquiry_pages_ten_rows_with_a_next_link(corebank: Corebank) -> None:
    client = corebank.login()
    for i in range(23):
        assert _pay(corebank, client, amount="1.00", reference=f"INQ-{i:02d}")[0] == 200
    today = date.today().isoformat()
    seen: list[str] = []
    url: str | None = f"/inquiry?reference=&date={today}"
    pages = 0
    while url:
        answer = client.get(url)
        assert answer.headers["Content-Type"] == "text/html; charset=GBK"
        html = answer.get_data().decode("gbk")
        seen += re.findall(r"<td>(INQ-\d\d)</td>", html)
        pages += 1
        found = re.search(r'<a href="([^"]+)">下一頁 Next</a>', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 3
    assert seen == [f"INQ-{i:02d}" for i in range(23)]
    one = client.get("/inquiry?reference=INQ-17").get_data().decode("gbk")
    assert "INQ-17" in one and "INQ-16" not in one and "下一頁 Next" not in one


def test_statement_csv_lists_the_days_debits(corebank: Corebank) -> None:
    client = corebank.login()
    for i, amount in enumerate(("10.00", "20.50", "0.01")):
        _pay(corebank, client, amount=amount, reference=f"ST-{i}", memo=f"備注, {i}")
    corebank.app.test_client().post(
        "/admin/accounts",
        json={"accounts": [{"account_no": B, "name": "李四", "balance": "100", "status": "open"}]},
    )
    _pay(corebank, client, debit_account=B, credit_account=A, payee_name="張三", reference="X")
    today = date.today().isoformat()
    token = corebank.parse(client.get("/statement").get_data(as_text=True)).token
    answer = client.post("/statement", data={"_token": token, "account": A, "date": today})
    assert answer.headers["Content-Disposition"] == (
        f"attachment; filename=statement-{A}-{today}.csv"
    )
    text = answer.get_data().decode("utf-8")
    assert text.splitlines()[0] == (
        "txn_no,posted_at,reference,debit_account,credit_account,payee_name,amount,memo"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    ledger = corebank.query(
        "SELECT txn_no, posted_at, reference, debit_account, credit_account, payee_name, amount,"
        " memo FROM transfers WHERE debit_account = ? ORDER BY id",
        (A,),
    )
    assert [tuple(r.values()) for r in rows] == ledger
    assert [r["memo"] for r in rows] == ["備注, 0", "備注, 1", "備注, 2"]


def test_statement_refuses_a_bad_date(corebank: Corebank) -> None:
    client = corebank.login()
    token = corebank.parse(client.get("/statement").get_data(as_text=True)).token
    answer = client.post("/statement", data={"_token": token, "account": A, "date": "2026-13-01"})
    assert "日期無效 Invalid date" in answer.get_data(as_text=True)


# -- admin -----------------------------------------------------------------


def test_admin_endpoints(corebank: Corebank) -> None:
    admin = corebank.client()
    assert admin.get("/admin/health").get_json() == {"ok": True}
    answer = admin.post(
        "/admin/accounts",
        json={
            "accounts": [{"account_no": A, "name": "張三", "balance": "7.5", "status": "closed"}]
        },
    )
    assert answer.get_json() == {"upserted": 1}
    assert corebank.query("SELECT balance, status FROM accounts WHERE account_no = ?", (A,)) == [
        ("7.50", "closed")
    ]
    assert admin.post("/admin/latency", json={"ms": 150}).get_json() == {"ms": 150}
    started = time.monotonic()
    admin.get("/login")
    assert time.monotonic() - started >= 0.15
    assert admin.post("/admin/latency", json={"ms": -1}).status_code == 400
    bad = {"accounts": [{"account_no": "1", "name": "x", "balance": "lots"}]}
    assert admin.post("/admin/accounts", json=bad).status_code == 400


def test_admin_answers_loopback_only(corebank: Corebank) -> None:
    remote = corebank.app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert remote.get("/admin/health").status_code == 403


def test_error_after_commit_posts_but_answers_500(corebank: Corebank) -> None:
    client = corebank.login()
    armed = corebank.client().post("/admin/faults", json={"error_after_commit": 1}).get_json()
    assert armed["armed"]["error_after_commit"] == 1
    status, page = _pay(corebank, client)
    assert status == 500 and "系統錯誤 System Error" in page.html
    assert corebank.query("SELECT reference FROM transfers") == [("REF-0001",)]
    assert _pay(corebank, client, reference="REF-0002")[0] == 200


def test_error_before_post_writes_nothing(corebank: Corebank) -> None:
    client = corebank.login()
    corebank.client().post("/admin/faults", json={"error_before_post": 1})
    assert _pay(corebank, client)[0] == 500
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(0,)]


def test_expire_sessions_logs_everyone_out(corebank: Corebank) -> None:
    client = corebank.login()
    assert corebank.client().post("/admin/sessions/expire").get_json() == {"expired": 1}
    assert client.get("/transfer").headers["Location"] == "/login?timeout=1"
