"""Cif: the page object of the cif customer-information console (read-only).

Every element is found by key through ``selectors/cif.yaml``. The console is a legacy
one: the search shows a results table whose "詳情 Details" link opens the customer in
a POP-UP window (``window.open`` from an onclick), and that pop-up's "卡片 Cards" button
opens a SECOND pop-up with the cards. :meth:`Cif.customer` waits for each pop-up with
``expect_popup()`` on the page that opens it, so bots in other browser contexts (or other
pages) never catch each other's windows, reads it and closes it again.

The console changes nothing, so nothing here is ever in doubt: a failure is
``SessionExpired`` (the login page where a screen was expected), ``ConsoleError``,
``ConsoleTimeout`` or ``SelectorNotFound``, and the call can simply be repeated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from teller import ConsoleError, ConsoleTimeout, SessionExpired, mask_account, mask_text
from teller.pages import Key, PageObject

__all__ = ["CardLink", "Cif", "Customer"]


@dataclass(frozen=True)
class CardLink:
    """One card of a customer, as the cards pop-up lists it."""

    card_no: str
    account_no: str
    status: str  # the console's code: active, frozen_lost, closed, ...


@dataclass(frozen=True)
class Customer:
    """One customer, as the details pop-up and the cards pop-up show it."""

    customer_no: str
    name: str
    id_number: str
    phone: str  # as shown, masked: 138****1234
    accounts: tuple[str, ...]
    cards: tuple[CardLink, ...]


class Cif(PageObject):
    """One operator session on the cif console, in one browser page (plus its pop-ups)."""

    console = "cif"

    async def login(self, user: str, password: str) -> None:
        """Log in from the login page and wait for the search form; a refusal is a ConsoleError."""
        await self._log_in(user, password, landing=("search", "id_number"))

    async def customer(self, id_number: str) -> Customer | None:
        """The customer with this ID number, with accounts and cards; None if there is none."""
        secrets = self._secrets
        self._secrets = (*secrets, id_number)  # no ID number in an error, whatever its shape
        try:
            async with self._translate("search"):
                details = await self._search(id_number)
            if details is None:
                logger.debug("cif: no customer with ID {}", mask_account(id_number))
                return None
            async with self._translate("detail"), self._popup(self._page, details) as detail:
                found = await self._read_detail(detail)
                if found.id_number.upper() != id_number.strip().upper():
                    raise ConsoleError(self.console, "detail", "the pop-up shows another customer")
                button = await self._find_in(detail, "detail", "cards")
                async with self._translate("cards"), self._popup(detail, button) as cards:
                    links = await self._read_cards(cards)
        finally:
            self._secrets = secrets
        logger.debug(
            "cif: customer {}: {} account(s), {} card(s)",
            found.customer_no,
            len(found.accounts),
            len(links),
        )
        return replace(found, cards=tuple(links))

    # -- the search page ------------------------------------------------------

    async def _search(self, id_number: str) -> Locator | None:
        """Search by ID number; the first result's Details link, or None for no customer."""
        await self._goto("search")
        await self._expect(("search", "id_number"), "search")
        await self._fill("search", id_number=id_number)
        await self._click_and_load(("search", "submit"), "search")
        which, element = await self._expect(("search", "details"), "search", ("search", "message"))
        if which == ("search", "details"):
            return element
        await self._settled("search")
        if await self._present("search", "not_found"):
            return None
        message = await self._message(element, "search")
        raise ConsoleError(self.console, "search", f"search refused: {message}")

    async def _expect(self, ready: Key, screen: str, *others: Key) -> tuple[Key, Locator]:
        """Wait for ``ready`` or one of ``others``; the login or error page is raised instead."""
        found = await self._first(ready, *others, ("page", "login_form"), ("page", "system_error"))
        if found is None:
            raise ConsoleTimeout(self.console, screen, self._timeout)
        which, element = found
        if which == ("page", "login_form"):
            raise SessionExpired(self.console)
        if which == ("page", "system_error"):
            raise ConsoleError(self.console, screen, await self._message(element, "page"))
        return which, element  # type: ignore[return-value]

    # -- the pop-ups ------------------------------------------------------------

    @asynccontextmanager
    async def _popup(self, opener: Page, trigger: Locator) -> AsyncIterator[Page]:
        """Click ``trigger`` on ``opener``, yield the pop-up it opens once parsed, then close it."""
        async with opener.expect_popup(timeout=self._timeout_ms) as info:
            await trigger.click(timeout=self._timeout_ms)
        popup = await info.value
        try:
            await popup.wait_for_load_state("domcontentloaded", timeout=self._timeout_ms)
            yield popup
        finally:
            try:
                await popup.close()
            except PlaywrightError:  # the window or the browser is gone already
                pass

    async def _find_in(self, page: Page, screen: str, key: str) -> Locator:
        return await self._locators.find(page, screen, key, timeout=self._timeout)

    async def _present_in(self, page: Page, screen: str, key: str) -> bool:
        for locator in await self._locators.candidates(page, screen, key):
            if await locator.count() > 0:
                return True
        return False

    async def _read_detail(self, detail: Page) -> Customer:
        """The customer in the details pop-up, without cards (they are in the next pop-up)."""
        await self._check_page(detail, "detail")
        texts: dict[str, str] = {}
        for key in ("customer_no", "name", "id_number", "phone"):
            cell = await self._find_in(detail, "detail", key)
            texts[key] = (await cell.inner_text(timeout=self._timeout_ms)).strip()
        columns = {"account_no": "col_account_no"}
        rows = await self._table("detail", "account_rows", columns, page=detail)
        return Customer(
            customer_no=texts["customer_no"],
            name=texts["name"],
            id_number=texts["id_number"],
            phone=texts["phone"],
            accounts=tuple(row["account_no"] for row in rows),
            cards=(),
        )

    async def _read_cards(self, cards: Page) -> list[CardLink]:
        await self._check_page(cards, "cards")
        columns = {"card_no": "col_card_no", "account_no": "col_account_no", "status": "col_status"}
        return [
            # The status cell reads "掛失凍結 frozen_lost": the code is its last word.
            CardLink(row["card_no"], row["account_no"], (row["status"].split() or [""])[-1])
            for row in await self._table("cards", "rows", columns, page=cards)
        ]

    async def _check_page(self, popup: Page, screen: str) -> None:
        """Raise if the pop-up shows the login page, an error page or a message instead."""
        if await self._present_in(popup, "page", "login_form"):
            raise SessionExpired(self.console)
        for key in ("page", "system_error"), (screen, "message"):
            if await self._present_in(popup, *key):
                text = await (await self._find_in(popup, *key)).inner_text(timeout=self._timeout_ms)
                message = mask_text(text.strip(), secrets=self._secrets)
                raise ConsoleError(self.console, screen, message)
