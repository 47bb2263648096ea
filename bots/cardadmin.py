"""CardAdmin: the page object of the cardadmin console (card and account status, freezes).

Every element is found by key through ``selectors/cardadmin.yaml``. The console serves
GBK; the browser reads and posts it, so the bot only ever sees text.

How an effect (:meth:`CardAdmin.freeze_card`, :meth:`~CardAdmin.freeze_account`,
:meth:`~CardAdmin.order_replacement`, :meth:`~CardAdmin.unfreeze_card`) reports failure
depends on whether its ``confirm()`` may have been accepted (the boundary ``effect`` of
:class:`~teller.pages.PageObject`, whose ``AFTER_SUBMIT`` reads the answers
``after_submit`` names):

* before: ``SessionExpired``, ``ConsoleError``, ``ConsoleTimeout``, ``SelectorNotFound``
  (nothing was sent), ``LostLease`` from the runner's fence, or ``ConsoleRefused`` when
  the page itself says no (no such card, no unfreeze form on a card not frozen);
* after, when the console answered in words: ``ConsoleRefused`` with those words
  (``卡片已凍結 Card already frozen (FRZ00000001)``), ``ConsoleError`` when it turned the
  form itself away (HTTP 4xx, a stale token);
* after, in every other case (timeout, dropped connection, HTTP 5xx, login page, error
  page, a result it cannot read): ``InDoubt`` whose ``reference`` is the memo:
  ``actions(memo)`` tells what happened.
"""

from __future__ import annotations

from urllib.parse import urlencode

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Response

from bots._cardadmin_records import (
    ACCOUNT_STATUSES,
    CARD_STATUSES,
    KINDS,
    REASONS,
    Account,
    Action,
    Card,
    code_of,
    parse_time,
)
from teller import (
    ConsoleError,
    ConsoleRefused,
    ConsoleTimeout,
    InDoubt,
    SessionExpired,
    mask_account,
    mask_text,
)
from teller.pages import AfterSubmit, Key, PageObject

__all__ = ["Account", "Action", "Card", "CardAdmin"]

_ACTION_HEADERS = {column: f"col_{column}" for column in ("ref", "kind", "target", "memo", "at")}
"""The action search's columns, each by the key of its header."""


class CardAdmin(PageObject):
    """One operator session on the cardadmin console, in one browser page."""

    console = "cardadmin"
    after_submit = AfterSubmit(
        result=("result", "ref"),
        refusal=("page", "error"),
        login_page=("page", "session_expired"),
        error_page=("page", "system_error"),
    )

    # -- operator intents: looking ---------------------------------------------------

    async def login(self, user: str, password: str) -> None:
        """Log in from the login page; a refusal is a ConsoleError."""
        await self._log_in(user, password, landing=("page", "operator"))

    async def card(self, card_no: str) -> Card | None:
        """The card's page read: status, the freeze in force, the replacement order; None if unknown."""
        async with self._translate("card"):
            if await self._open("card", card_no) is not None:
                return None
            status = code_of(await self._read("card", "status"), CARD_STATUSES, "card")
            freeze = None
            if status == "frozen_lost":
                freeze = await self._shown_action("card", "freeze_card", card_no)
            await self._settled("card")
            rows = await self._row_cells("card", "replacement_rows")
            replacements = [
                Action(r[0], "replace_card", card_no, r[2], parse_time(r[1], "card"))
                for r in rows
                if len(r) >= 3
            ]
            return Card(
                card_no=card_no,
                account_no=await self._read("card", "account_no"),
                holder=await self._read("card", "holder"),
                status=status,
                freeze=freeze,
                replacement=replacements[-1] if replacements else None,
            )

    async def account(self, account_no: str) -> Account | None:
        """The account's page read: status and the freeze in force; None if unknown."""
        async with self._translate("account"):
            if await self._open("account", account_no) is not None:
                return None
            status = code_of(await self._read("account", "status"), ACCOUNT_STATUSES, "account")
            freeze = None
            if status == "frozen":
                freeze = await self._shown_action("account", "freeze_account", account_no)
            return Account(account_no=account_no, status=status, freeze=freeze)

    async def actions(self, memo: str) -> list[Action]:
        """Every action whose memo equals ``memo``, oldest first, from the action search."""
        async with self._translate("actions"):
            await self._arrive(await self._visit("actions"), "actions", ("actions", "memo"))
            await self._fill("actions", memo=memo)
            response = await self._click_and_load(("actions", "search"), "actions")
            await self._arrive(response, "actions", ("actions", "results"))
            await self._settled("actions")
            return [
                Action(
                    ref=cells["ref"],
                    kind=code_of(cells["kind"], KINDS, "actions"),
                    target=cells["target"],
                    memo=cells["memo"],
                    at=parse_time(cells["at"], "actions"),
                )
                for cells in await self._table("actions", "rows", _ACTION_HEADERS)
            ]

    # -- operator intents: effects ------------------------------------------------------

    async def freeze_card(self, card_no: str, *, reason: str = "01", memo: str) -> Action:
        """Freeze the card as lost (reason 01 lost, 02 stolen, 03 other); the freeze action."""
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
        async with self._translate("card"):
            await self._open_for_effect("card", card_no)
            await (await self._find("card", "freeze_reason")).select_option(
                reason, timeout=self._timeout_ms
            )
            await self._fill("card", freeze_memo_input=memo)
            submit = await self._find("card", "freeze_submit")
        return await self._apply(submit, "card", card_no, memo)

    async def freeze_account(self, account_no: str, *, memo: str) -> Action:
        """Freeze the account; the freeze action."""
        async with self._translate("account"):
            await self._open_for_effect("account", account_no)
            await self._fill("account", freeze_memo_input=memo)
            submit = await self._find("account", "freeze_submit")
        return await self._apply(submit, "account", account_no, memo)

    async def order_replacement(self, card_no: str, *, memo: str) -> Action:
        """Order a replacement card; the replacement action."""
        async with self._translate("card"):
            await self._open_for_effect("card", card_no)
            await self._fill("card", replace_memo_input=memo)
            submit = await self._find("card", "replace_submit")
        return await self._apply(submit, "card", card_no, memo)

    async def unfreeze_card(self, card_no: str, *, memo: str) -> Action:
        """Lift the card's loss freeze; the unfreeze action."""
        async with self._translate("card"):
            await self._open_for_effect("card", card_no)
            await self._settled("card")
            if await self._present("card", "unfreeze_unavailable"):
                note = await self._find("card", "unfreeze_unavailable")
                raise ConsoleRefused(self.console, await self._message(note, "card"))
            await self._fill("card", unfreeze_memo_input=memo)
            submit = await self._find("card", "unfreeze_submit")
        return await self._apply(submit, "card", card_no, memo)

    # -- steps ----------------------------------------------------------------------------

    async def _open(self, screen: str, number: str) -> str | None:
        """Open the card or account page of ``number``; None once shown, else the console's words."""
        response = await self._visit(screen, no=number)
        message = await self._arrive(response, screen, (screen, "status"))
        if message is None:
            await self._settled(screen)
            shown = await self._read(screen, f"{screen}_no")
            if shown != number:
                raise ConsoleError(self.console, screen, "the page shows another number")
        elif not await self._present(screen, "not_found"):
            raise ConsoleError(self.console, screen, message)
        return message

    async def _open_login(self) -> None:
        self._check_status(await self._visit("login"), "login")

    async def _visit(self, screen: str, **query: str) -> Response | None:
        """Go to the screen's url (with ``query`` encoded GBK, as the console reads it)."""
        url = self._base_url + (self._locators.url(screen) or f"/{screen}")
        if query:
            url += "?" + urlencode(query, encoding="gbk", errors="xmlcharrefreplace")
        for _ in range(2):
            try:
                return await self._page.goto(url, wait_until="commit", timeout=self._timeout_ms)
            except PlaywrightError as exc:
                # After a dropped connection the browser moves on to its own error page a
                # moment later, cutting this navigation off: let it land, then go again.
                if "interrupted by another navigation" not in str(exc):
                    raise
                await self._page.wait_for_load_state("load", timeout=self._timeout_ms)
        return await self._page.goto(url, wait_until="commit", timeout=self._timeout_ms)

    async def _open_for_effect(self, screen: str, number: str) -> None:
        message = await self._open(screen, number)
        if message is not None:
            raise ConsoleRefused(self.console, message)

    async def _arrive(self, response: Response | None, screen: str, ready: Key) -> str | None:
        """Wait for ``ready``: None once there, or the error box's words; other pages raise."""
        self._check_status(response, screen)
        found = await self._first(
            ready, ("page", "error"), ("page", "session_expired"), ("page", "system_error")
        )
        if found is None:
            raise ConsoleTimeout(self.console, screen, self._timeout)
        which, element = found
        if which == ("page", "session_expired"):
            raise SessionExpired(self.console)
        if which == ("page", "system_error"):
            raise ConsoleError(self.console, screen, await self._message(element, screen))
        if which == ("page", "error"):
            return await self._message(element, screen)
        return None

    async def _shown_action(self, screen: str, kind: str, target: str) -> Action:
        """The freeze in force as the card or account page shows it."""
        return Action(
            ref=await self._read(screen, "freeze_ref"),
            kind=kind,
            target=target,
            memo=await self._read(screen, "freeze_memo"),
            at=parse_time(await self._read(screen, "freeze_at"), screen),
        )

    async def _apply(self, submit: Locator, screen: str, target: str, memo: str) -> Action:
        """Submit an effect's form, accepting its confirm(), and read the action it recorded."""
        reference = mask_text(memo, secrets=self._secrets)
        async with self.effect(reference, screen) as effect:
            action = await self._result(await effect.submit(submit))
            if action.target != target:
                raise InDoubt(self.console, reference, "the result names another target")
        logger.debug("cardadmin: {} {} as {}", action.kind, mask_account(target), action.ref)
        return action

    async def _result(self, ref: Locator) -> Action:
        """The action the result page shows."""
        return Action(
            ref=await self._text(ref, "result"),
            kind=code_of(await self._read("result", "kind"), KINDS, "result"),
            target=await self._read("result", "target"),
            memo=await self._read("result", "memo"),
            at=parse_time(await self._read("result", "at"), "result"),
        )
