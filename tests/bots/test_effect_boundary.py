"""A session that ends after a submit is InDoubt on every effect bot, never SessionExpired.

Two ways the login page can follow a submit, each played on the live consoles:

* ``before``: the session ends as the POST leaves; the sandbox then changes nothing
  (its README: a POST from an expired session does nothing) and shows the login page;
* ``after``: the console acts on the POST, then the session ends and the browser is sent
  to the login page (a real console's session timer firing mid-request). A route lets the
  POST reach the console, ends every session, and answers the browser with the redirect.

The bot cannot tell the two apart, so both must be InDoubt; the console's database says
which happened, and a lookup after logging in again finds exactly that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from playwright.async_api import Route

from bots.cardadmin import CardAdmin
from bots.corebank import CoreBank
from bots.servicedesk import ServiceDesk
from teller import InDoubt
from teller.payments import Order
from tests._console_server import Server
from tests.bots._drive import drive_bot
from tests.bots.test_cardadmin import CARD as LOST_CARD
from tests.bots.test_cardadmin import SEED
from tests.bots.test_corebank import ACCOUNTS, PAYEE, PAYER
from tests.bots.test_servicedesk import CARD, T1, ticket

pytestmark = pytest.mark.e2e

WHEN = ["before", "after"]  # the session ends before or after the console acted
T = TypeVar("T")


def ending_session(
    server: Server, when: str, fired: list[str]
) -> Callable[[Route], Awaitable[None]]:
    """A route for an effect's POST that ends every session ``when`` the console acts."""

    async def handle(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        fired.append(route.request.url)
        if when == "before":
            await asyncio.to_thread(server.admin, "sessions/expire", {})
            await route.continue_()  # the console sees an expired session: login page
            return
        await route.fetch()  # the console acts and answers; the browser never sees it
        await asyncio.to_thread(server.admin, "sessions/expire", {})
        await route.fulfill(status=302, headers={"Location": f"{server.base_url}/login?timeout=1"})

    return handle


# -- corebank: transfer ----------------------------------------------------------------


@pytest.mark.parametrize("when", WHEN)
def test_corebank_session_ending_after_submit_is_in_doubt(
    corebank_server: Server, when: str
) -> None:
    server = corebank_server
    server.seed(ACCOUNTS)
    fired: list[str] = []

    async def scenario(bot: CoreBank) -> tuple[InDoubt, Any]:
        await bot._page.context.route("**/transfer", ending_session(server, when, fired))
        with pytest.raises(InDoubt) as caught:
            await bot.transfer(
                Order(
                    debit_account=PAYER,
                    credit_account=PAYEE,
                    payee_name="張三",
                    amount=Decimal("100.00"),
                    reference="EXPIRE-1",
                    memo="工資",
                )
            )
        await bot._page.context.unroute("**/transfer")
        await bot.login(server.user, server.password)
        return caught.value, await bot.find_transfer("EXPIRE-1")

    error, found = drive_bot(CoreBank, server, scenario, timeout=10)
    assert type(error) is InDoubt and error.reference == "EXPIRE-1"
    assert "login page" in error.detail and PAYER not in str(error)
    assert len(fired) == 1
    # what the console did, once at most; the lookup finds exactly that
    ledger = server.rows("SELECT txn_no FROM transfers WHERE reference = 'EXPIRE-1'")
    if when == "after":
        assert found is not None and [(found.txn_no,)] == ledger
    else:
        assert found is None and ledger == []


# -- servicedesk: claim and close ------------------------------------------------------


@pytest.mark.parametrize("when", WHEN)
def test_servicedesk_session_ending_after_close_is_in_doubt(servicedesk: Server, when: str) -> None:
    servicedesk.admin("tickets", {"tickets": [ticket(1)]})
    fired: list[str] = []

    async def scenario(bot: ServiceDesk) -> tuple[InDoubt, str]:
        await bot.claim(T1)
        await bot._page.context.route("**/close", ending_session(servicedesk, when, fired))
        with pytest.raises(InDoubt) as caught:
            await bot.close(T1, reference="LOSS-EXPIRE", note="已凍結 frozen")
        await bot._page.context.unroute("**/close")
        await bot.login(servicedesk.user, servicedesk.password)
        return caught.value, (await bot.ticket(T1)).status

    error, status = drive_bot(ServiceDesk, servicedesk, scenario, timeout=5)
    assert type(error) is InDoubt and error.reference == T1
    assert "login page" in error.detail and CARD not in str(error)
    assert len(fired) == 1
    (row,) = servicedesk.rows(
        "SELECT status, close_reference FROM tickets WHERE ticket_id = ?", (T1,)
    )
    comments = servicedesk.rows("SELECT text FROM comments WHERE ticket_id = ?", (T1,))
    if when == "after":
        assert row == ("closed", "LOSS-EXPIRE") and status == "closed"
        assert comments == [("已凍結 frozen",)]
    else:
        assert row == ("claimed", None) and status == "claimed" and comments == []


@pytest.mark.parametrize("when", WHEN)
def test_servicedesk_session_ending_after_claim_is_in_doubt(servicedesk: Server, when: str) -> None:
    servicedesk.admin("tickets", {"tickets": [ticket(1)]})
    fired: list[str] = []

    async def scenario(bot: ServiceDesk) -> InDoubt:
        await bot._page.context.route("**/claim", ending_session(servicedesk, when, fired))
        with pytest.raises(InDoubt) as caught:
            await bot.claim(T1)
        return caught.value

    error = drive_bot(ServiceDesk, servicedesk, scenario, timeout=5)
    assert type(error) is InDoubt and error.reference == T1 and len(fired) == 1
    (row,) = servicedesk.rows("SELECT status FROM tickets WHERE ticket_id = ?", (T1,))
    assert row == (("claimed",) if when == "after" else ("new",))


# -- cardadmin: freeze ---------------------------------------------------------------------


@pytest.mark.parametrize("when", WHEN)
def test_cardadmin_session_ending_after_freeze_is_in_doubt(cardadmin: Server, when: str) -> None:
    cardadmin.admin("cards", SEED)
    fired: list[str] = []

    async def scenario(bot: CardAdmin) -> tuple[InDoubt, int]:
        await bot._page.context.route("**/card/freeze", ending_session(cardadmin, when, fired))
        with pytest.raises(InDoubt) as caught:
            await bot.freeze_card(LOST_CARD, memo="LR-EXPIRE")
        await bot._page.context.unroute("**/card/freeze")
        await bot.login(cardadmin.user, cardadmin.password)
        return caught.value, len(await bot.actions("LR-EXPIRE"))

    error, found = drive_bot(CardAdmin, cardadmin, scenario, timeout=10)
    assert type(error) is InDoubt and error.reference == "LR-EXPIRE" and len(fired) == 1
    assert LOST_CARD not in str(error)
    logged = cardadmin.rows("SELECT COUNT(*) FROM actions WHERE memo = 'LR-EXPIRE'")[0][0]
    assert logged == found == (1 if when == "after" else 0)
