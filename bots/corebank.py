"""CoreBank: the page object of the corebank teller console (login, transfer, inquiry, statement).

Every element is found by key through ``selectors/corebank.yaml``, with the plumbing of
:class:`teller.pages.PageObject`. The bot only does what a teller would and reports what
the console said; it decides nothing about money.

How :meth:`CoreBank.transfer` reports failure depends on whether the payment may be on
its way, i.e. whether submit was clicked or its ``confirm()`` accepted (the boundary
``effect`` of :class:`~teller.pages.PageObject`; ``after_submit`` names the answers and
``teller.pages.AFTER_SUBMIT`` says what each means):

* before: ``SessionExpired`` (the console's login page in the frame), ``ConsoleError``
  (an HTTP error page), ``ConsoleTimeout`` or ``SelectorNotFound``, or ``LostLease`` from
  the runner's fence: nothing was sent;
* after, when the console answered in words: ``PaymentRefused`` with those words,
  ``ReferenceAlreadyUsed`` for a reused reference, ``ConsoleError`` when the console
  turned the form itself away (HTTP 4xx);
* after, in every other case (timeout, dropped connection, HTTP 5xx, login page, error
  page, an unreadable receipt, crash): ``InDoubt``; only a lookup by reference can tell
  whether the money moved.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

from loguru import logger
from playwright.async_api import Page

from bots._corebank_records import (
    STATEMENT_COLUMNS,
    Transfer,
    keep_statement,
    parse_statement,
    statement_name,
)
from teller import (
    ConsoleError,
    ConsoleTimeout,
    InDoubt,
    PaymentRefused,
    SessionExpired,
    mask_account,
)
from teller.locators import LocatorRepository
from teller.pages import AfterSubmit, Key, PageObject

__all__ = ["STATEMENT_COLUMNS", "CoreBank", "Transfer"]

_RESULT_HEADERS = {column: f"col_{column}" for column in STATEMENT_COLUMNS}
"""The inquiry's result columns, each by the key of its header."""


class CoreBank(PageObject):
    """One teller session on the corebank console, in one browser page."""

    console = "corebank"
    after_submit = AfterSubmit(
        result=("receipt", "txn_no"),
        refusal=("transfer", "error"),
        reused=("transfer", "reference_used"),
        login_page=("main", "session_expired"),
        error_page=("main", "system_error"),
        refused_as=PaymentRefused,
    )

    def __init__(
        self, page: Page, *, base_url: str, locators: LocatorRepository, timeout: float = 15.0
    ) -> None:
        super().__init__(page, base_url=base_url, locators=locators, timeout=timeout)
        # True while the main frame shows a receipt: the next transfer then only follows
        # its New-transfer link. Anything else goes through the menu to a fresh form.
        self._on_receipt = False

    # -- operator intents ----------------------------------------------------

    async def login(self, user: str, password: str) -> None:
        """Log in from the login page and wait for the frameset; a refusal is a ConsoleError."""
        self._on_receipt = False
        await self._log_in(user, password, landing=("menu", "transfer"))
        async with self._translate("login"):
            # The menu frame can be ready before the main frame exists at all.
            await self._find("main", "document")

    async def transfer(
        self,
        *,
        debit_account: str,
        credit_account: str,
        payee_name: str,
        amount: Decimal,
        reference: str,
        memo: str = "",
    ) -> str:
        """Post one transfer through the single-transfer form; return the console's txn number."""
        async with self._translate("transfer"):
            await self._open_transfer_form()
            await self._fill(
                "transfer",
                debit_account=debit_account,
                credit_account=credit_account,
                payee_name=payee_name,
                amount=format(amount, "f"),
                reference=reference,
                memo=memo,
            )
        async with self.effect(reference, "transfer") as effect:
            await effect.submit(("transfer", "submit"))
            # read by key with Teller's quick finder, not through the found locator: on
            # the receipt's new document that would load Playwright's 300 KB helper script
            txn_no = await self._read("receipt", "txn_no")
            if not txn_no:
                raise InDoubt(self.console, reference, "receipt without a txn number")
        self._on_receipt = True
        logger.debug(
            "corebank: {} posted as {} ({} -> {})",
            reference,
            txn_no,
            mask_account(debit_account),
            mask_account(credit_account),
        )
        return txn_no

    async def find_transfer(self, reference: str) -> Transfer | None:
        """Look a transfer up by its exact reference on the inquiry screen; None if absent."""
        self._on_receipt = False
        async with self._translate("inquiry"):
            await self._navigate(("menu", "inquiry"), ready=("inquiry", "reference"))
            await self._fill("inquiry", reference=reference, date="")
            await self._navigate(("inquiry", "search"), ready=("inquiry", "results"))
            while True:
                await self._settled("inquiry")  # every row and the pager, not just the table
                for row in await self._table("inquiry", "rows", _RESULT_HEADERS):
                    if row["reference"] == reference:
                        return Transfer.from_texts(row)
                if not await self._present("inquiry", "next"):
                    return None
                await self._navigate(("inquiry", "next"), ready=("inquiry", "results"))

    async def statement(
        self, *, account: str, day: date, folder: Path
    ) -> tuple[Path, list[Transfer]]:
        """Download the account's statement of ``day`` and parse it; keep a copy in ``folder``.

        The copy is named by the account's last four (``statement-xxxx7665-2026-11-28.csv``);
        its numbers are masked and no cell is a formula (``keep_statement``).
        """
        self._on_receipt = False
        async with self._translate("statement"):
            await self._navigate(("menu", "statement"), ready=("statement", "account"))
            await self._fill("statement", account=account, date=day.isoformat())
            # read in memory, never saved under the name the console suggests (it carries
            # the full account number): Teller names its copy
            data, _ = await self._download(
                "statement",
                "export",
                errors=[("statement", "error")],
                login_page=("main", "session_expired"),
            )
        transfers = parse_statement(data, console=self.console)
        folder.mkdir(parents=True, exist_ok=True)
        path = keep_statement(folder / statement_name(account, day), data, console=self.console)
        digest = hashlib.sha256(data).hexdigest()
        logger.info(
            "corebank: statement of {} saved as {} (export SHA-256 {})", day, path.name, digest
        )
        return path, transfers

    # -- transfer steps --------------------------------------------------------

    async def _open_transfer_form(self) -> None:
        link = ("receipt", "new_transfer") if self._on_receipt else ("menu", "transfer")
        self._on_receipt = False
        await self._navigate(link, ready=("transfer", "submit"))

    # -- navigation and reading -----------------------------------------------------

    async def _navigate(self, link: Key, *, ready: Key) -> None:
        """Click ``link`` (it loads the main frame) and wait for ``ready`` on the new page."""
        await self._click_and_load(link, ready[0])
        found = await self._first(ready, ("main", "session_expired"), ("main", "system_error"))
        if found is None:
            raise ConsoleTimeout(self.console, ready[0], self._timeout)
        if found[0] == ("main", "session_expired"):
            raise SessionExpired(self.console)
        if found[0] == ("main", "system_error"):
            raise ConsoleError(self.console, ready[0], await self._message(found[1], "main"))
