"""The CardAdmin bot drives real headless Chromium against the live console; its database judges."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

import pytest
from playwright.async_api import Route

from bots.cardadmin import Account, Action, Card, CardAdmin
from teller import ConsoleError, ConsoleRefused, InDoubt, SessionExpired
from tests._console_server import Server
from tests.bots._drive import drive_bot

pytestmark = pytest.mark.e2e

CARD, FROZEN, CLOSED = "6222000011112222", "6222000033334444", "6222000055556666"
ACCOUNT, FROZEN_ACCOUNT = "6222100000000001", "6222100000000002"
SEED = {
    "cards": [
        {"card_no": CARD, "account_no": ACCOUNT, "holder": "張三"},
        {
            "card_no": FROZEN,
            "account_no": ACCOUNT,
            "holder": "張三",
            "status": "frozen_lost",
            "frozen_at": "2026-11-28 09:30:00",
        },
        {"card_no": CLOSED, "account_no": FROZEN_ACCOUNT, "holder": "李四", "status": "closed"},
    ],
    "accounts": [
        {"account_no": ACCOUNT, "holder": "張三"},
        {
            "account_no": FROZEN_ACCOUNT,
            "holder": "李四",
            "status": "frozen",
            "frozen_at": "2026-11-27 18:00:00",
        },
    ],
}
T = TypeVar("T")


def drive(
    server: Server,
    scenario: Callable[[CardAdmin], Awaitable[T]],
    *,
    login: bool = True,
    timeout: float = 10,
) -> T:
    """Run ``scenario`` with a bot on a fresh Chromium page (logged in unless told not to)."""
    return drive_bot(CardAdmin, server, scenario, login=login, timeout=timeout)


@pytest.fixture
def server(cardadmin: Server) -> Server:
    assert cardadmin.admin("cards", SEED) == {"added": 5}
    return cardadmin


def logged(server: Server, ref: str) -> Action:
    """The action as the console's own database has it."""
    ((kind, target, memo, at),) = server.rows(
        "SELECT kind, target, memo, at FROM actions WHERE ref = ?", (ref,)
    )
    return Action(ref, kind, target, memo, datetime.fromisoformat(at))


def count(server: Server, target: str) -> int:
    return server.rows("SELECT COUNT(*) FROM actions WHERE target = ?", (target,))[0][0]


def test_card_and_account_read_as_the_database_has_them(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> list[Card | Account | None]:
        return [
            await bot.card(CARD),
            await bot.card(FROZEN),
            await bot.card(CLOSED),
            await bot.card("6222999999999999"),
            await bot.account(ACCOUNT),
            await bot.account(FROZEN_ACCOUNT),
            await bot.account("6222100000000009"),
        ]

    card, frozen, closed, no_card, account, frozen_account, no_account = drive(server, scenario)
    assert card == Card(CARD, ACCOUNT, "張三", "active", None, None)
    (freeze_ref,) = server.rows("SELECT ref FROM actions WHERE target = ?", (FROZEN,))[0]
    assert frozen == Card(FROZEN, ACCOUNT, "張三", "frozen_lost", logged(server, freeze_ref), None)
    assert frozen is not None and frozen.freeze is not None
    assert frozen.freeze.at == datetime(2026, 11, 28, 9, 30) and frozen.freeze.memo == "seeded"
    assert closed is not None and closed.status == "closed" and closed.freeze is None
    assert account == Account(ACCOUNT, "active", None)
    (account_ref,) = server.rows("SELECT ref FROM actions WHERE target = ?", (FROZEN_ACCOUNT,))[0]
    assert frozen_account == Account(FROZEN_ACCOUNT, "frozen", logged(server, account_ref))
    assert no_card is None and no_account is None


def test_freeze_card_once_then_refused_in_the_consoles_words(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> tuple[Action, ConsoleRefused, Card | None]:
        action = await bot.freeze_card(CARD, reason="02", memo="LR-20261128-0001 被盜")
        with pytest.raises(ConsoleRefused) as caught:
            await bot.freeze_card(CARD, memo="LR-20261128-0001 被盜")
        return action, caught.value, await bot.card(CARD)

    action, refused, card = drive(server, scenario)
    assert action == logged(server, action.ref) and action.kind == "freeze_card"
    assert action.ref == "FRZ00000002" and action.memo == "LR-20261128-0001 被盜"
    assert server.rows("SELECT status FROM cards WHERE card_no = ?", (CARD,)) == [("frozen_lost",)]
    assert server.rows("SELECT reason_code, by FROM actions WHERE ref = ?", (action.ref,)) == [
        ("02", "cardops")
    ]
    assert count(server, CARD) == 1
    assert refused.reason == "卡片已凍結 Card already frozen (FRZ00000002)"
    assert CARD not in str(refused)
    assert card is not None and card.freeze == action


def test_replacement_unfreeze_and_their_refusals(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> tuple[list[Action], list[str], Card | None]:
        done = [await bot.order_replacement(FROZEN, memo="LR-2 補卡")]
        refusals = []
        for attempt in (
            bot.order_replacement(FROZEN, memo="LR-2 補卡"),
            bot.unfreeze_card(CARD, memo="LR-2 解掛"),
            bot.freeze_card(CLOSED, memo="LR-2"),
            bot.order_replacement("6222999999999999", memo="LR-2"),
        ):
            with pytest.raises(ConsoleRefused) as caught:
                await attempt
            refusals.append(caught.value.reason)
        done.append(await bot.unfreeze_card(FROZEN, memo="LR-2 解掛"))
        return done, refusals, await bot.card(FROZEN)

    (replacement, unfreeze), refusals, card = drive(server, scenario)
    assert refusals == [
        "已申請補卡 already ordered (RPL00000001)",
        "卡片未掛失 Card not frozen as lost",
        "卡片已銷卡 Card closed",
        "無此卡 No such card",
    ]
    assert replacement == logged(server, "RPL00000001") and replacement.kind == "replace_card"
    assert unfreeze == logged(server, "UFZ00000001") and unfreeze.kind == "unfreeze_card"
    assert server.rows("SELECT status FROM cards WHERE card_no = ?", (FROZEN,)) == [("active",)]
    assert count(server, FROZEN) == 3  # the seeded freeze, the replacement, the unfreeze
    assert count(server, CARD) == 0 and count(server, CLOSED) == 0
    assert card == Card(FROZEN, ACCOUNT, "張三", "active", None, replacement)


def test_freeze_account_once(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> tuple[Action, list[str], Account | None]:
        action = await bot.freeze_account(ACCOUNT, memo="LR-3 凍結")
        refusals = []
        for number in (ACCOUNT, "6222100000000009"):
            with pytest.raises(ConsoleRefused) as caught:
                await bot.freeze_account(number, memo="LR-3 凍結")
            refusals.append(caught.value.reason)
        return action, refusals, await bot.account(ACCOUNT)

    action, refusals, account = drive(server, scenario)
    assert action == logged(server, action.ref) and action.kind == "freeze_account"
    assert refusals == [
        f"賬戶已凍結 Account already frozen ({action.ref})",
        "無此賬戶 No such account",
    ]
    assert server.rows("SELECT status FROM accounts WHERE account_no = ?", (ACCOUNT,)) == [
        ("frozen",)
    ]
    assert count(server, ACCOUNT) == 1
    assert account == Account(ACCOUNT, "frozen", action)


def test_actions_by_memo_in_gbk(server: Server) -> None:
    memo = "LR-4 遺失 補卡 ☃𠀀"  # the last two GBK cannot write: posted as references

    async def scenario(bot: CardAdmin) -> tuple[list[Action], list[Action], list[Action]]:
        await bot.freeze_card(CARD, memo=memo)
        await bot.order_replacement(CARD, memo=memo)
        await bot.freeze_account(ACCOUNT, memo="LR-4")
        return await bot.actions(memo), await bot.actions("LR-4"), await bot.actions("none")

    found, other, none = drive(server, scenario)
    rows = server.rows("SELECT ref FROM actions WHERE memo = ? ORDER BY rowid", (memo,))
    assert [a.ref for a in found] == [r for (r,) in rows] == ["FRZ00000002", "RPL00000001"]
    assert found == [logged(server, r) for (r,) in rows]
    assert [a.kind for a in other] == ["freeze_account"] and none == []


@pytest.mark.parametrize("fault", ["drop_after_commit", "error_after_commit"])
def test_unclear_outcome_after_confirm_is_in_doubt(server: Server, fault: str) -> None:
    async def scenario(bot: CardAdmin) -> tuple[InDoubt, list[Action], ConsoleRefused]:
        server.admin("faults", {fault: 1})
        with pytest.raises(InDoubt) as caught:
            await bot.freeze_card(CARD, memo="LR-5")
        found = await bot.actions("LR-5")
        with pytest.raises(ConsoleRefused) as again:
            await bot.freeze_card(CARD, memo="LR-5")
        return caught.value, found, again.value

    doubt, found, again = drive(server, scenario)
    assert type(doubt) is InDoubt and doubt.reference == "LR-5"
    assert CARD not in str(doubt)
    assert found == [logged(server, "FRZ00000002")]
    assert again.reason == "卡片已凍結 Card already frozen (FRZ00000002)"
    assert count(server, CARD) == 1


def test_no_answer_after_confirm_is_in_doubt(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> InDoubt:
        async def hold(route: Route) -> None:
            await asyncio.sleep(5)  # longer than the bot waits; then dropped with the browser

        await bot._page.route("**/card/replace", hold)
        with pytest.raises(InDoubt) as caught:
            await bot.order_replacement(CARD, memo="LR-6")
        return caught.value

    doubt = drive(server, scenario, timeout=1.5)
    assert doubt.reference == "LR-6" and "no answer" in doubt.detail
    assert count(server, CARD) == 0


def test_expired_session_and_no_login_are_session_expired(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> Card | None:
        with pytest.raises(SessionExpired):
            await bot.freeze_card(CARD, memo="LR-7")
        await bot.login(server.user, server.password)
        server.admin("sessions/expire", {})
        with pytest.raises(SessionExpired):
            await bot.card(CARD)
        await bot.login(server.user, server.password)
        return await bot.card(CARD)

    started = time.monotonic()
    card = drive(server, scenario, login=False)
    assert time.monotonic() - started < 15
    assert card is not None and card.status == "active" and count(server, CARD) == 0


def test_wrong_password_is_a_console_error(server: Server) -> None:
    async def scenario(bot: CardAdmin) -> ConsoleError:
        with pytest.raises(ConsoleError) as caught:
            await bot.login("cardops", "not-the-password")
        return caught.value

    error = drive(server, scenario, login=False)
    assert "Wrong username or password" in str(error)
    assert "not-the-password" not in str(error)
