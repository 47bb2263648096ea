"""The CoreBank bot drives real headless Chromium against the live console; the ledger judges."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import async_playwright

from bots.corebank import CoreBank, Transfer
from teller import (
    ConsoleError,
    InDoubt,
    PaymentRefused,
    ReferenceAlreadyUsed,
    SessionExpired,
)
from teller.browser import launch, new_context
from teller.locators import LocatorRepository
from teller.payments import Order
from tests._console_server import Server, start_corebank
from tests.bots._drive import drive_bot

pytestmark = pytest.mark.e2e

SELECTORS = Path(__file__).resolve().parents[2] / "selectors" / "corebank.yaml"
PAYER, PAYEE, POOR, SHUT = (
    "6222020200001234567",
    "6222020200007654321",
    "6222020200005555555",
    "6222020200009999999",
)
ACCOUNTS = [
    {"account_no": PAYER, "name": "華興貿易有限公司", "balance": "100000.00", "status": "open"},
    {"account_no": PAYEE, "name": "張三", "balance": "0.00", "status": "open"},
    {"account_no": POOR, "name": "李四", "balance": "10.00", "status": "open"},
    {"account_no": SHUT, "name": "王五", "balance": "500.00", "status": "closed"},
]
T = TypeVar("T")


def drive(server: Server, scenario: Callable[[CoreBank], Awaitable[T]], *, login: bool = True) -> T:
    """Run ``scenario`` with a bot on a fresh Chromium page (logged in unless told not to)."""
    return drive_bot(CoreBank, server, scenario, login=login, timeout=10)


def pay(bot: CoreBank, reference: str, **changes: Any) -> Awaitable[str]:
    values: dict[str, Any] = {
        "debit_account": PAYER,
        "credit_account": PAYEE,
        "payee_name": "張三",
        "amount": Decimal("100.00"),
        "reference": reference,
        "memo": "工資 2026-11",
    }
    values.update(changes)
    return bot.transfer(Order(**values))


@pytest.fixture
def server(corebank_server: Server) -> Server:
    corebank_server.seed(ACCOUNTS)
    return corebank_server


def balances(server: Server) -> dict[str, str]:
    return dict(server.rows("SELECT account_no, balance FROM accounts"))


def test_transfer_posts_exactly_one_row(server: Server) -> None:
    async def scenario(bot: CoreBank) -> list[str]:
        first = await pay(bot, "PAYROLL-1:E001", amount=Decimal("1234.56"))
        second = await pay(bot, "PAYROLL-1:E002", amount=Decimal("0.01"), memo="")
        return [first, second]

    txn_numbers = drive(server, scenario)
    assert server.rows(
        "SELECT txn_no, reference, debit_account, credit_account, payee_name, amount, memo,"
        " operator FROM transfers ORDER BY id"
    ) == [
        (
            txn_numbers[0],
            "PAYROLL-1:E001",
            PAYER,
            PAYEE,
            "張三",
            "1234.56",
            "工資 2026-11",
            "teller01",
        ),
        (txn_numbers[1], "PAYROLL-1:E002", PAYER, PAYEE, "張三", "0.01", "", "teller01"),
    ]
    assert balances(server)[PAYER] == "98765.43"
    assert balances(server)[PAYEE] == "1234.57"


REFUSALS = [
    ({"debit_account": POOR, "amount": Decimal("10.01")}, "余額不足 Insufficient funds"),
    ({"credit_account": "6222020200000000000"}, "賬戶不存在 Account not found"),
    ({"debit_account": "6222020200000000000"}, "賬戶不存在 Account not found"),
    ({"credit_account": SHUT, "payee_name": "王五"}, "賬戶已銷戶 Account closed"),
    ({"payee_name": "張三豐"}, "戶名不符 Payee name does not match"),
    ({"amount": Decimal("0")}, "金額無效 Invalid amount"),
    ({"amount": Decimal("-1.00")}, "金額無效 Invalid amount"),
    ({"amount": Decimal("1.005")}, "金額無效 Invalid amount"),
]


def test_each_refusal_raises_payment_refused_and_writes_nothing(server: Server) -> None:
    async def scenario(bot: CoreBank) -> list[PaymentRefused]:
        refused = []
        for number, (changes, _) in enumerate(REFUSALS):
            with pytest.raises(PaymentRefused) as caught:
                await pay(bot, f"REFUSED-{number}", **changes)
            refused.append(caught.value)
            assert server.rows("SELECT COUNT(*) FROM transfers") == [(0,)]
        # The form the console handed back after a refusal still works.
        await pay(bot, "AFTER-REFUSALS")
        return refused

    before = balances(server)
    refused = drive(server, scenario)
    assert [r.reason for r in refused] == [message for _, message in REFUSALS]
    assert all(PAYER not in str(r) and POOR not in str(r) for r in refused)
    assert server.rows("SELECT reference FROM transfers") == [("AFTER-REFUSALS",)]
    assert balances(server)[PAYER] == str(Decimal(before[PAYER]) - 100)


def test_reused_reference_raises_reference_already_used(server: Server) -> None:
    async def scenario(bot: CoreBank) -> ReferenceAlreadyUsed:
        await pay(bot, "BATCH-7:E042")
        with pytest.raises(ReferenceAlreadyUsed) as caught:
            await pay(bot, "BATCH-7:E042", amount=Decimal("5.00"))
        return caught.value

    error = drive(server, scenario)
    assert error.reference == "BATCH-7:E042"
    assert server.rows("SELECT reference, amount FROM transfers") == [("BATCH-7:E042", "100.00")]


def test_find_transfer_across_pages(server: Server) -> None:
    async def scenario(bot: CoreBank) -> list[Transfer | None]:
        for n in range(12):
            await pay(bot, f"FIND-{n:02d}", amount=Decimal(n + 1))
        await pay(bot, "薪資-2026/11:E013", amount=Decimal("13.00"))
        return [
            await bot.find_transfer("FIND-00"),
            await bot.find_transfer("FIND-11"),
            await bot.find_transfer("薪資-2026/11:E013"),  # the inquiry page is GBK
            await bot.find_transfer("NOT-THERE"),
        ]

    first, last, chinese, missing = drive(server, scenario)
    assert missing is None
    for found in (first, last, chinese):
        assert found is not None
        (row,) = server.rows(
            "SELECT txn_no, posted_at, debit_account, credit_account, payee_name, amount, memo"
            " FROM transfers WHERE reference = ?",
            (found.reference,),
        )
        assert (
            found.txn_no,
            found.posted_at.isoformat(),
            found.debit_account,
            found.credit_account,
            found.payee_name,
            found.amount,
            found.memo,
        ) == (*row[:5], Decimal(row[5]), row[6])
    assert last is not None and last.amount == Decimal("12.00")
    assert chinese is not None and chinese.reference == "薪資-2026/11:E013"


def test_transfer_without_login_is_session_expired(server: Server) -> None:
    async def scenario(bot: CoreBank) -> None:
        with pytest.raises(SessionExpired):
            await pay(bot, "NO-LOGIN")

    started = time.monotonic()
    drive(server, scenario, login=False)
    assert time.monotonic() - started < 5  # told at once, not after a selector timeout
    assert server.rows("SELECT COUNT(*) FROM transfers") == [(0,)]


def test_statement_csv_equals_the_ledger(server: Server, tmp_path: Path) -> None:
    async def scenario(bot: CoreBank) -> tuple[Path, list[Transfer]]:
        await pay(bot, "ST-1", amount=Decimal("10.10"), memo='含逗號, 和"引號"')
        await pay(bot, "ST-2", amount=Decimal("20.20"))
        await pay(bot, "ST-3", debit_account=POOR, amount=Decimal("1.00"))
        return await bot.statement(account=PAYER, day=date.today(), folder=tmp_path / "out")

    path, transfers = drive(server, scenario)
    assert path.name == f"statement-xxxx{PAYER[-4:]}-{date.today().isoformat()}.csv"
    ledger = server.rows(
        "SELECT txn_no, posted_at, reference, debit_account, credit_account, payee_name, amount,"
        " memo FROM transfers WHERE debit_account = ? ORDER BY id",
        (PAYER,),
    )
    assert [
        (
            t.txn_no,
            t.posted_at.isoformat(),
            t.reference,
            t.debit_account,
            t.credit_account,
            t.payee_name,
            str(t.amount),
            t.memo,
        )
        for t in transfers
    ] == ledger
    assert [t.reference for t in transfers] == ["ST-1", "ST-2"]


INJECTIONS = ['=HYPERLINK("http://x.test","a")', "@SUM(1+1)", "+1+cmd", "-2+3"]


def test_the_kept_statement_names_no_account_masks_numbers_and_evaluates_nothing(
    server: Server, tmp_path: Path
) -> None:
    """Console text saved as CSV: formula starts neutralised (OWASP), numbers masked."""

    async def scenario(bot: CoreBank) -> tuple[Path, list[Transfer]]:
        for n, memo in enumerate(INJECTIONS):
            await pay(bot, f"INJ-{n}", memo=memo)
        await pay(bot, "INJ-ID", memo="身份证 11010519491231002X")
        return await bot.statement(account=PAYER, day=date.today(), folder=tmp_path / "out")

    path, transfers = drive(server, scenario)
    # the reconciliation gets the console's own texts, whole
    assert [t.memo for t in transfers] == [*INJECTIONS, "身份证 11010519491231002X"]
    assert {t.credit_account for t in transfers} == {PAYEE}
    # the copy kept beside the report: no account in its name or content, no formula
    assert [p.name for p in (tmp_path / "out").iterdir()] == [path.name]
    assert PAYER not in path.name
    text = path.read_text(encoding="utf-8")
    assert PAYER not in text and PAYEE not in text and "11010519491231002X" not in text
    with path.open(encoding="utf-8", newline="") as kept:
        rows = list(csv.DictReader(kept))
    assert [r["memo"] for r in rows] == [*(f"'{m}" for m in INJECTIONS), "身份证 ****002X"]
    assert {(r["debit_account"], r["credit_account"]) for r in rows} == {
        (f"****{PAYER[-4:]}", f"****{PAYEE[-4:]}")
    }
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_session_timeout_raises_session_expired(tmp_path: Path) -> None:
    with start_corebank(tmp_path, idle_seconds=2) as server:
        server.seed(ACCOUNTS)

        async def scenario(bot: CoreBank) -> str:
            await asyncio.sleep(2.5)
            with pytest.raises(SessionExpired):
                await pay(bot, "LATE-1")
            await bot.login(server.user, server.password)
            return await pay(bot, "LATE-1")

        txn_no = drive(server, scenario)
        assert server.rows("SELECT txn_no, reference FROM transfers") == [(txn_no, "LATE-1")]


def test_wrong_password_is_a_console_error(server: Server) -> None:
    async def scenario(bot: CoreBank) -> ConsoleError:
        with pytest.raises(ConsoleError) as caught:
            await bot.login("teller01", "not-the-password")
        return caught.value

    error = drive(server, scenario, login=False)
    assert "Wrong username or password" in str(error)
    assert "not-the-password" not in str(error)


@pytest.mark.parametrize(
    ("fault", "posted"),
    [("drop_after_commit", True), ("error_after_commit", True), ("error_before_post", False)],
)
def test_failure_after_submit_is_in_doubt(server: Server, fault: str, posted: bool) -> None:
    async def scenario(bot: CoreBank) -> tuple[InDoubt, Transfer | None, str]:
        await pay(bot, "WARM-UP")
        server.admin("faults", {fault: 1})
        with pytest.raises(InDoubt) as caught:
            await pay(bot, "DOUBT-1")
        found = await bot.find_transfer("DOUBT-1")
        after = await pay(bot, "AFTER-DOUBT")
        return caught.value, found, after

    error, found, after = drive(server, scenario)
    assert type(error) is InDoubt and error.reference == "DOUBT-1"
    assert PAYER not in str(error)
    ledger = server.rows("SELECT reference FROM transfers WHERE reference = 'DOUBT-1'")
    assert (found is not None) is posted and len(ledger) == int(posted)
    assert server.rows("SELECT txn_no FROM transfers WHERE reference = 'AFTER-DOUBT'") == [(after,)]


def test_four_sessions_post_in_parallel(server: Server) -> None:
    per_session = 10

    async def main() -> float:
        locators = LocatorRepository.load(SELECTORS)
        async with async_playwright() as playwright:
            browser = await launch(playwright)

            async def session(number: int) -> None:
                page = await (await new_context(browser)).new_page()
                bot = CoreBank(page, base_url=server.base_url, locators=locators)
                await bot.login(server.user, server.password)
                for n in range(per_session):
                    await pay(bot, f"PAR-{number}-{n}", amount=Decimal("1.01"))

            try:
                started = time.monotonic()
                await asyncio.gather(*(session(n) for n in range(4)))
                return time.monotonic() - started
            finally:
                await browser.close()

    elapsed = asyncio.run(main())
    assert server.rows("SELECT COUNT(*), COUNT(DISTINCT txn_no) FROM transfers") == [(40, 40)]
    assert balances(server)[PAYEE] == "40.40"
    assert balances(server)[PAYER] == "99959.60"
    print(f"\n4 sessions x {per_session} transfers: {elapsed:.2f}s, {elapsed / 40:.3f}s/transfer")
