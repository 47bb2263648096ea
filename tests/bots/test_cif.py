"""The Cif bot drives real headless Chromium, pop-ups and all, against the live console."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Page, Route, async_playwright

from bots.cif import CardLink, Cif, Customer
from teller import ConsoleError, SessionExpired
from teller.browser import launch, new_context
from teller.locators import LocatorRepository
from tests._console_server import Server
from tests.bots._drive import drive_bot

pytestmark = pytest.mark.e2e

SELECTORS = Path(__file__).resolve().parents[2] / "selectors" / "cif.yaml"
ZHANG_ID = "11010519491231002X"
CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer_no": "C0001",
        "id_number": ZHANG_ID,
        "name": "張三",
        "phone": "13812341234",
        "accounts": [
            {"account_no": "6222020200001111", "opened": "2020-01-02 09:30:00"},
            {"account_no": "6222020200002222", "opened": "2021-05-06 10:00:00"},
        ],
        "cards": [
            {"card_no": "6217000010001111222", "account_no": "6222020200001111"},
            {
                "card_no": "6217000010003333444",
                "account_no": "6222020200002222",
                "status": "frozen_lost",
            },
        ],
    },
    {"customer_no": "C0002", "id_number": "310101198001010011", "name": "李四", "phone": ""},
    *(
        {
            "customer_no": f"C1{n:03d}",
            "id_number": f"4401011990010{n:04d}1",
            "name": f"客戶{n}",
            "phone": f"1390000{n:04d}",
            "accounts": [{"account_no": f"62220303{n:08d}", "opened": "2022-01-01 08:00:00"}],
            "cards": [{"card_no": f"6217030300{n:08d}", "account_no": f"62220303{n:08d}"}],
        }
        for n in range(8)
    ),
]
T = TypeVar("T")


@pytest.fixture
def server(cif: Server) -> Server:
    cif.admin("customers", {"customers": CUSTOMERS})
    return cif


def drive(
    server: Server, scenario: Callable[[Cif, Page], Awaitable[T]], *, login: bool = True
) -> T:
    """Run ``scenario`` with a bot and its page (logged in unless told not to)."""
    return drive_bot(Cif, server, lambda bot: scenario(bot, bot._page), login=login)


def from_database(server: Server, id_number: str) -> Customer:
    """The customer as the console's own database holds it (phone masked as shown)."""
    [(customer_no, name, stored_id, phone)] = server.rows(
        "SELECT customer_no, name, id_number, phone FROM customers WHERE id_number = ?",
        (id_number,),
    )
    accounts = server.rows(
        "SELECT account_no FROM accounts WHERE customer_no = ? ORDER BY opened, account_no",
        (customer_no,),
    )
    cards = server.rows(
        "SELECT card_no, account_no, status FROM cards WHERE customer_no = ? ORDER BY card_no",
        (customer_no,),
    )
    return Customer(
        customer_no=customer_no,
        name=name,
        id_number=stored_id,
        phone=f"{phone[:3]}****{phone[-4:]}" if phone else "",
        accounts=tuple(a for (a,) in accounts),
        cards=tuple(CardLink(*card) for card in cards),
    )


def test_customer_reads_both_popups_and_closes_them(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> tuple[Customer | None, int]:
        found = await bot.customer(ZHANG_ID.lower())
        return found, len(page.context.pages)

    found, pages = drive(server, scenario)
    assert found == from_database(server, ZHANG_ID)
    assert found is not None and found.phone == "138****1234"
    assert found.cards[1] == CardLink("6217000010003333444", "6222020200002222", "frozen_lost")
    assert pages == 1  # both pop-ups closed after reading


def test_customer_without_accounts_or_cards(server: Server) -> None:
    found = drive(server, lambda bot, _: bot.customer("310101198001010011"))
    assert found == from_database(server, "310101198001010011")
    assert found is not None and found.accounts == () and found.cards == () and found.phone == ""


def test_unknown_id_number_is_none(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> tuple[Customer | None, int]:
        return await bot.customer("110105194912310000"), len(page.context.pages)

    assert drive(server, scenario) == (None, 1)
    assert server.rows("SELECT COUNT(*) FROM customers WHERE id_number = '110105194912310000'") == [
        (0,)
    ]


def test_without_login_is_session_expired_at_once(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> None:
        with pytest.raises(SessionExpired):
            await bot.customer(ZHANG_ID)

    started = time.monotonic()
    drive(server, scenario, login=False)
    assert time.monotonic() - started < 5  # told at once, not after a selector timeout


def test_expired_session_then_login_again(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> Customer | None:
        server.admin("sessions/expire", {})
        with pytest.raises(SessionExpired):
            await bot.customer(ZHANG_ID)
        await bot.login(server.user, server.password)
        return await bot.customer(ZHANG_ID)

    assert drive(server, scenario) == from_database(server, ZHANG_ID)


def test_session_ending_before_the_popup_is_session_expired(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> int:
        async def expire_first(route: Route) -> None:
            server.admin("sessions/expire", {})  # the session ends as the pop-up opens
            await route.continue_()

        await page.context.route("**/customer?*", expire_first)
        with pytest.raises(SessionExpired):
            await bot.customer(ZHANG_ID)
        return len(page.context.pages)

    assert drive(server, scenario) == 1  # the pop-up with the login page was closed too


def test_wrong_password_is_a_console_error(server: Server) -> None:
    async def scenario(bot: Cif, page: Page) -> ConsoleError:
        with pytest.raises(ConsoleError) as caught:
            await bot.login(server.user, "not-the-password")
        return caught.value

    error = drive(server, scenario, login=False)
    assert "Wrong username or password" in str(error)
    assert "not-the-password" not in str(error)


def test_concurrent_sessions_in_separate_contexts(server: Server) -> None:
    ids = [c["id_number"] for c in CUSTOMERS[2:]]

    async def main() -> list[tuple[list[Customer | None], int]]:
        locators = LocatorRepository.load(SELECTORS)
        async with async_playwright() as playwright:
            browser = await launch(playwright)

            async def session(number: int) -> tuple[list[Customer | None], int]:
                page = await (await new_context(browser)).new_page()
                bot = Cif(page, base_url=server.base_url, locators=locators)
                await bot.login(server.user, server.password)
                mine = ids[number::4] + [ZHANG_ID]
                found = [await bot.customer(id_number) for id_number in mine]
                return found, len(page.context.pages)

            try:
                return await asyncio.gather(*(session(n) for n in range(4)))
            finally:
                await browser.close()

    results = asyncio.run(main())
    for number, (found, pages) in enumerate(results):
        expected = [from_database(server, i) for i in ids[number::4] + [ZHANG_ID]]
        assert found == expected and pages == 1


def test_two_bots_in_one_context_do_not_catch_each_others_popups(server: Server) -> None:
    ids = [c["id_number"] for c in CUSTOMERS[2:6]]

    async def main() -> list[list[Customer | None]]:
        locators = LocatorRepository.load(SELECTORS)
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                context = await new_context(browser)
                bots = [
                    Cif(await context.new_page(), base_url=server.base_url, locators=locators)
                    for _ in range(2)
                ]
                await bots[0].login(server.user, server.password)  # one cookie for both

                async def run(bot: Cif, mine: list[str]) -> list[Customer | None]:
                    return [await bot.customer(id_number) for id_number in mine]

                return await asyncio.gather(run(bots[0], ids[:2]), run(bots[1], ids[2:]))
            finally:
                await browser.close()

    first, second = asyncio.run(main())
    assert first == [from_database(server, i) for i in ids[:2]]
    assert second == [from_database(server, i) for i in ids[2:]]
