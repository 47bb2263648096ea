"""spapay, a single-page payables app, paid by its console map alone; the ledger judges.

A MapBot on ``selectors/spapay.yaml`` drives real Chromium against the live console:
no page loads after sign-in, late defaults and redrawn fields, hidden copies of a field
and of Submit, a payment saved as a draft and then submitted. Every verdict reads the
console's own SQLite ledger (``payments``), never what the bot says it did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from loguru import logger

from teller import ConsoleError, InDoubt, PaymentRefused, ReferenceAlreadyUsed, SessionExpired
from teller._errors import SelectorNotFound
from teller.consolemap import MapBot
from teller.locators import LocatorRepository
from teller.payments import Order, Posted
from tests._console_server import Server
from tests.bots._drive import drive_bot

pytestmark = pytest.mark.e2e

MAP = Path(__file__).resolve().parents[2] / "selectors" / "spapay.yaml"
PAYER, PAYEE, POOR, SHUT = (
    "6222020200001234567",
    "6222020200007654321",
    "6222020200005555555",
    "6222020200009999999",
)
ACCOUNTS = [
    {"account_no": PAYER, "name": "华信科技有限公司", "balance": "100000.00"},
    {"account_no": PAYEE, "name": "张三", "balance": "0.00"},
    {"account_no": POOR, "name": "李四", "balance": "10.00"},
    {"account_no": SHUT, "name": "王五", "balance": "0.00", "status": "closed"},
]
POSTED = (
    "SELECT reference, debit_account, credit_account, payee_name, amount, memo, txn_no"
    " FROM payments WHERE status = 'posted' ORDER BY id"
)
T = TypeVar("T")


@pytest.fixture
def server(spapay: Server) -> Server:
    spapay.seed(ACCOUNTS)
    return spapay


def drive(
    server: Server,
    scenario: Callable[[MapBot], Awaitable[T]],
    *,
    login: bool = True,
    locators: LocatorRepository | None = None,
    timeout: float = 10,
) -> T:
    """Run ``scenario`` with a MapBot on spapay's map, in a fresh Chromium page."""
    return drive_bot(MapBot, server, scenario, login=login, locators=locators, timeout=timeout)


def order(reference: str, **changes: Any) -> Order:
    values: dict[str, Any] = {
        "debit_account": PAYER,
        "credit_account": PAYEE,
        "payee_name": "张三",
        "amount": Decimal("100.00"),
        "reference": reference,
        "memo": "工资 2026-12",
    }
    return Order(**{**values, **changes})


def changed_map(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> LocatorRepository:
    data = yaml.safe_load(MAP.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "spapay.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return LocatorRepository.load(path)


def stray_draft(server: Server, reference: str) -> int:
    """Save a draft through the app's own API, as an attempt killed before its submit would."""
    with httpx.Client(base_url=server.base_url, trust_env=False) as client:
        signed_in = client.post(
            "/api/login", json={"username": server.user, "password": server.password}
        )
        answer = client.post(
            "/api/drafts",
            json={**order(reference).__dict__, "amount": "100.00"},
            headers={"X-CSRF-Token": signed_in.json()["csrf"]},
        )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_sign_in_refused_taken_and_expired_without_a_page_load(server: Server) -> None:
    async def scenario(bot: MapBot) -> str:
        with pytest.raises(ConsoleError, match="login refused: Wrong user name or password"):
            await bot.login(server.user, "not-the-password")
        await bot.login(server.user, server.password)
        server.admin("sessions/expire", {})
        with pytest.raises(SessionExpired):  # the app draws its sign-in: told, not timed out
            await bot.transfer(order("LOGIN-1"))
        await bot.login(server.user, server.password)
        return await bot.transfer(order("LOGIN-1"))

    txn_no = drive(server, scenario, login=False)
    assert server.rows(POSTED) == [
        ("LOGIN-1", PAYER, PAYEE, "张三", "100.00", "工资 2026-12", txn_no)
    ]
    assert server.rows("SELECT COUNT(*) FROM payments") == [(1,)]


def test_a_transfer_is_a_draft_then_one_posted_payment_and_never_two(server: Server) -> None:
    async def scenario(bot: MapBot) -> list[str]:
        first = await bot.transfer(order("PAY-1:E001", amount=Decimal("1234.56")))
        second = await bot.transfer(order("PAY-1:E002", amount=Decimal("0.01"), memo=""))
        with pytest.raises(ReferenceAlreadyUsed) as caught:
            await bot.transfer(order("PAY-1:E001", amount=Decimal("5.00")))
        assert caught.value.reference == "PAY-1:E001"
        return [first, second]

    first, second = drive(server, scenario)
    assert server.rows(POSTED) == [
        ("PAY-1:E001", PAYER, PAYEE, "张三", "1234.56", "工资 2026-12", first),
        ("PAY-1:E002", PAYER, PAYEE, "张三", "0.01", "", second),
    ]
    # each payment was one draft, submitted: no other row, and no draft left
    assert server.rows("SELECT COUNT(*), MIN(operator) FROM payments") == [(2, "payclerk")]
    balances = dict(server.rows("SELECT account_no, balance FROM accounts"))
    assert (balances[PAYER], balances[PAYEE]) == ("98765.43", "1234.57")


def test_refusals_in_the_apps_words_pay_nothing_and_leave_no_draft(server: Server) -> None:
    refusals = [
        ({"debit_account": POOR, "amount": Decimal("10.01")}, "Insufficient funds"),
        ({"credit_account": "6222020200000000000"}, "Account not found"),
        ({"payee_name": "张三丰"}, "Payee name does not match the account"),
    ]

    async def scenario(bot: MapBot) -> list[str]:
        reasons = []
        for number, (changes, _) in enumerate(refusals):
            with pytest.raises(PaymentRefused) as caught:
                await bot.transfer(order(f"NO-{number}", **changes))
            reasons.append(caught.value.reason)
        await bot.transfer(order("AFTER-REFUSALS"))  # the app goes on after a refusal
        return reasons

    assert drive(server, scenario) == [words for _, words in refusals]
    assert server.rows("SELECT reference FROM payments WHERE status = 'posted'") == [
        ("AFTER-REFUSALS",)
    ]
    # refused at submit, the draft was rejected; refused at save, none was made
    assert server.rows("SELECT reference, status FROM payments WHERE status != 'posted'") == [
        ("NO-0", "rejected")
    ]


def test_find_transfer_reads_the_grid_and_discards_a_draft_of_the_reference(
    server: Server,
) -> None:
    draft_id = stray_draft(server, "KILLED:E007")

    async def scenario(bot: MapBot) -> list[Posted | None]:
        await bot.transfer(order("FOUND:E001", amount=Decimal("42.10"), memo="含逗号, 和引号"))
        return [
            await bot.find_transfer("FOUND:E001"),
            await bot.find_transfer("KILLED:E007"),  # a draft: not paid
            await bot.find_transfer("NOT-THERE"),
            await bot.transfer(order("KILLED:E007")),  # the line can be paid now, once
        ]

    found, draft, missing, _ = drive(server, scenario)
    assert draft is None and missing is None
    assert found is not None
    (row,) = server.rows(
        "SELECT txn_no, posted_at, debit_account, credit_account, payee_name, amount, memo"
        " FROM payments WHERE reference = 'FOUND:E001'"
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
    assert server.rows(
        "SELECT id, status FROM payments WHERE reference = 'KILLED:E007' ORDER BY id"
    ) == [(draft_id, "discarded"), (draft_id + 2, "posted")]


def test_statement_is_the_ledger_of_the_day(server: Server, tmp_path: Path) -> None:
    async def scenario(bot: MapBot) -> tuple[Path, list[Posted]]:
        await bot.transfer(order("ST-1", amount=Decimal("10.10"), memo='含逗号, 和"引号"'))
        await bot.transfer(order("ST-2", debit_account=POOR, amount=Decimal("1.00")))
        return await bot.statement(account=PAYER, day=date.today(), folder=tmp_path / "out")

    path, transfers = drive(server, scenario)
    ledger = server.rows(
        "SELECT txn_no, reference, credit_account, payee_name, amount, memo FROM payments"
        " WHERE status = 'posted' AND debit_account = ? ORDER BY id",
        (PAYER,),
    )
    assert [
        (t.txn_no, t.reference, t.credit_account, t.payee_name, str(t.amount), t.memo)
        for t in transfers
    ] == ledger
    assert {t.debit_account for t in transfers} == {PAYER}
    assert path.name == f"statement-xxxx{PAYER[-4:]}-{date.today()}.csv"
    assert PAYER not in path.read_text(encoding="utf-8")


def test_late_defaults_and_redrawn_fields_are_caught_by_the_read_back(server: Server) -> None:
    """Every form's defaults overwrite the memo and amount typed, half redraw the amount:
    the read-back sets them again, and the ledger holds exactly each line."""
    server.admin("defaults", {"seed": 7, "overwrite_rate": 1.0, "redraw_rate": 0.5})
    lines = [
        order(f"LATE:E{n:03d}", amount=Decimal(f"{1000 + 37 * n}.{n:02d}"), memo=f"工资 {n}")
        for n in range(1, 5)
    ]
    set_again: list[str] = []
    sink = logger.add(
        lambda message: set_again.append(message.record["message"]),
        filter=lambda record: "changed after it was set" in record["message"],
        level="INFO",
    )

    async def scenario(bot: MapBot) -> None:
        for line in lines:
            await bot.transfer(line)

    try:
        drive(server, scenario)
    finally:
        logger.remove(sink)
    assert [r[:6] for r in server.rows(POSTED)] == [
        (o.reference, PAYER, PAYEE, "张三", str(o.amount), o.memo) for o in lines
    ]
    counts = server.admin("defaults")["counts"]
    print(f"\nlate defaults {counts}; fields set again: {len(set_again)}")
    assert counts["overwrote"] >= len(lines) and counts["redrew"] >= 1
    assert len(set_again) >= len(lines)  # each form had its typed values overwritten


def test_a_dropped_answer_to_submit_is_in_doubt_and_found(server: Server) -> None:
    server.faults(drop_after_commit=1)

    async def scenario(bot: MapBot) -> Posted | None:
        with pytest.raises(InDoubt, match="the request failed"):
            await bot.transfer(order("DROPPED:E001"))
        return await bot.find_transfer("DROPPED:E001")

    found = drive(server, scenario)
    assert server.injected()["drop_after_commit"] == 1
    assert found is not None
    assert server.rows("SELECT txn_no FROM payments WHERE reference = 'DROPPED:E001'") == [
        (found.txn_no,)
    ]


def test_before_the_first_request_a_failure_is_a_system_error(
    server: Server, tmp_path: Path
) -> None:
    """A Save draft button the map cannot find: nothing was sent, so no InDoubt."""

    def lose_the_button(data: dict[str, Any]) -> None:
        data["screens"]["payment"]["elements"]["save_draft"]["strategies"] = [
            {"css": "#no-such-button"}
        ]

    async def scenario(bot: MapBot) -> None:
        with pytest.raises(SelectorNotFound):
            await bot.transfer(order("NEVER-SENT"))

    drive(server, scenario, locators=changed_map(tmp_path, lose_the_button), timeout=2)
    assert server.rows("SELECT COUNT(*) FROM payments") == [(0,)]


def test_without_answer_rules_the_page_tells_the_outcome(server: Server, tmp_path: Path) -> None:
    """The submit's request only waited for: the receipt and the refusal the app shows."""

    def page_answers(data: dict[str, Any]) -> None:
        data["payments"]["transfer"]["request"] = {"url": "**/api/drafts/*/submit"}

    async def scenario(bot: MapBot) -> str:
        with pytest.raises(PaymentRefused, match="Insufficient funds"):
            await bot.transfer(order("PAGE:E001", debit_account=POOR, amount=Decimal("10.01")))
        return await bot.transfer(order("PAGE:E002"))

    txn_no = drive(server, scenario, locators=changed_map(tmp_path, page_answers))
    assert server.rows("SELECT reference, status, txn_no FROM payments ORDER BY id") == [
        ("PAGE:E001", "rejected", None),
        ("PAGE:E002", "posted", txn_no),
    ]
