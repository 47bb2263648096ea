"""Coreplus paid through its console map alone (selectors/coreplus.yaml): no bot in Python.

MapBot on real Chromium against the live console; the console's own ledger judges.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from teller import ConsoleError, InDoubt, PaymentRefused, ReferenceAlreadyUsed
from teller.consolemap import MapBot
from teller.payments import Order, Posted
from tests._console_server import Server
from tests.bots._drive import drive_bot
from tests.consoles.test_coreplus import ACCOUNTS, PAYEE, PAYROLL, SPARE

pytestmark = pytest.mark.e2e

T = TypeVar("T")


def drive(
    server: Server, scenario: Callable[[MapBot], Awaitable[T]], *, code: str | None = None
) -> T:
    return drive_bot(MapBot, server, scenario, code=code)


def order(reference: str, **changes: Any) -> Order:
    values: dict[str, Any] = {
        "debit_account": PAYROLL,
        "credit_account": PAYEE,
        "payee_name": "李四",
        "amount": Decimal("100.00"),
        "reference": reference,
        "memo": "工资",
    }
    return Order(**{**values, **changes})


@pytest.fixture
def server(coreplus: Server) -> Server:
    coreplus.seed(ACCOUNTS)
    return coreplus


def test_a_transfer_through_the_overlay_is_in_the_ledger(server: Server) -> None:
    async def scenario(bot: MapBot) -> list[str]:
        return [
            await bot.transfer(order("PAY-2026-12:E001")),
            await bot.transfer(order("PAY-2026-12:E002", amount=Decimal("12.34"), memo="")),
        ]

    receipts = drive(server, scenario)
    ledger = server.rows(
        "SELECT txn_no, reference, debit_account, payee_account, payee_name, amount, purpose"
        " FROM transfers ORDER BY id"
    )
    assert ledger == [
        (receipts[0], "PAY-2026-12:E001", PAYROLL, PAYEE, "李四", "100.00", "工资"),
        (receipts[1], "PAY-2026-12:E002", PAYROLL, PAYEE, "李四", "12.34", ""),
    ]


def test_refusals_in_the_consoles_words(server: Server) -> None:
    async def scenario(bot: MapBot) -> list[Exception]:
        caught: list[Exception] = []
        for reference, changes in (
            ("POOR-1", {"debit_account": SPARE, "amount": Decimal("5000.00")}),
            ("PAY-1", {}),
            ("PAY-1", {}),
        ):
            try:
                await bot.transfer(order(reference, **changes))
            except (PaymentRefused, ReferenceAlreadyUsed) as exc:
                caught.append(exc)
        return caught

    poor, reused = drive(server, scenario)
    assert isinstance(poor, PaymentRefused) and "余额不足" in str(poor)
    assert isinstance(reused, ReferenceAlreadyUsed)
    assert server.rows("SELECT reference FROM transfers") == [("PAY-1",)]


def test_a_wrong_one_time_code_is_refused_at_sign_in(server: Server) -> None:
    with pytest.raises(ConsoleError, match="login refused"):
        drive(server, lambda bot: asyncio.sleep(0), code="000000")


def test_find_transfer_pages_by_form_post(server: Server) -> None:
    async def scenario(bot: MapBot) -> list[Posted | None]:
        for n in range(12):
            await bot.transfer(order(f"FIND-{n:02d}", amount=Decimal(n + 1)))
        return [await bot.find_transfer(r) for r in ("FIND-00", "FIND-11", "NOT-THERE")]

    first, last, missing = drive(server, scenario)
    assert missing is None
    assert first is not None and last is not None
    assert (last.reference, last.amount, last.credit_account) == ("FIND-11", Decimal(12), PAYEE)
    (stamp,) = server.rows("SELECT posted_at FROM transfers WHERE reference = 'FIND-11'")[0]
    posted = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert last.posted_at == posted.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def test_the_statement_of_a_local_day_equals_the_ledger(server: Server, tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    async def scenario(bot: MapBot) -> tuple[Path, list[Posted]]:
        await bot.transfer(order("ST-1", amount=Decimal("10.10"), memo="含逗号, 和引号"))
        await bot.transfer(order("ST-2", amount=Decimal("20.20")))
        started = time.monotonic()
        got = await bot.statement(account=PAYROLL, day=today, folder=tmp_path)
        # the simulated click's answer is a file, not a page: taken when it comes, not
        # after waiting out the 10 s timeout for a page that never loads
        assert time.monotonic() - started < 5
        return got

    path, transfers = drive(server, scenario)
    assert path.name == f"statement-xxxx{PAYROLL[-4:]}-{today.isoformat()}.csv"
    ledger = server.rows(
        "SELECT txn_no, reference, payee_account, payee_name, amount, purpose FROM transfers"
        " WHERE debit_account = ? ORDER BY id",
        (PAYROLL,),
    )
    assert [
        (t.txn_no, t.reference, t.credit_account, t.payee_name, str(t.amount), t.memo)
        for t in transfers
    ] == ledger
    assert {t.debit_account for t in transfers} == {PAYROLL}
    assert PAYEE not in path.read_text(encoding="utf-8")  # the copy kept shows the last four


def test_a_connection_dropped_after_the_commit_is_in_doubt_and_found(server: Server) -> None:
    server.faults(seed=1, rates={"drop_after_commit": 1.0})

    async def scenario(bot: MapBot) -> tuple[InDoubt, Posted | None]:
        with pytest.raises(InDoubt) as caught:
            await bot.transfer(order("DROP-1"))
        server.faults(rates={})
        return caught.value, await bot.find_transfer("DROP-1")

    error, found = drive(server, scenario)
    assert error.reference == "DROP-1"
    assert found is not None and found.txn_no == server.rows("SELECT txn_no FROM transfers")[0][0]
