"""MapBot: a payment console driven by its console map alone (the ``payments:`` section).

Every step is a :class:`~teller.pages.PageObject` helper run on the keys the map names,
so a map-driven console has the same waits, checks, effect boundary and failure rules as
a bot written in Python (``teller/pages.py``); a console whose screens a map cannot say
subclasses MapBot and overrides the one step.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from datetime import date, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from loguru import logger
from playwright.async_api import Page

from teller._effect import AfterSubmit, Key
from teller._errors import (
    ConfigError,
    ConsoleError,
    ConsoleTimeout,
    InDoubt,
    NotActionable,
    PaymentRefused,
    SessionExpired,
)
from teller._masking import mask_account
from teller._page_scripts import KEPT
from teller.consolemap._model import (
    Confirm,
    Fields,
    Inquiry,
    PaymentsMap,
    SetField,
    Step,
    payments_of,
)
from teller.consolemap._spa import SpaPage
from teller.consolemap._statement import (
    keep_statement,
    parse_statement,
    posted_from_texts,
    statement_name,
)
from teller.consolemap._zone import console_zone
from teller.locators import LocatorRepository
from teller.payments import Code, Order, Posted

__all__ = ["MapBot"]

# a map is validated once per repository as loaded, not per bot: a changed file is read
# again as a new repository (teller.flow.console_map), so it is validated again
_validated = lru_cache(maxsize=64)(payments_of)


class MapBot(SpaPage):
    """One session on a payment console, in one browser page, as its map says."""

    def __init__(
        self,
        page: Page,
        *,
        base_url: str,
        locators: LocatorRepository,
        timeout: float = 15.0,
        payments: PaymentsMap | None = None,
    ) -> None:
        super().__init__(page, base_url=base_url, locators=locators, timeout=timeout)
        self.console = locators.console  # type: ignore[misc]
        self.map = payments = payments or _validated(locators)
        transfer = payments.transfer
        self.after_submit = AfterSubmit(  # type: ignore[misc]
            result=transfer.receipt,
            refusal=transfer.refusal,
            reused=transfer.reused,
            login_page=payments.expired,
            error_page=payments.error,
            refused_as=PaymentRefused,
        )
        self._zone = console_zone(payments.zone)
        # the console's own values (its map's ``data:``), for field templates: "{journal}"
        self._data: dict[str, Any] = dict(locators.sections.get("data") or {})
        if page is not None and _idles(payments):
            self._watch_traffic()  # before the first click: every request is seen
        self._on_receipt = False  # the next transfer may take the receipt's short way

    @property
    def zone(self) -> tzinfo:
        return self._zone

    # -- the payment protocol (teller.payments) -----------------------------------------

    async def login(self, user: str, password: str, code: Code | None = None) -> None:
        """Sign in (and give the one-time code, if the map has that step); a refusal is a
        ConsoleError, as ``PageObject._log_in`` says."""
        sign_in = self.map.sign_in
        self._on_receipt = False
        self._secrets = (password,)
        async with self._translate(sign_in.screen):
            await self._open_login()
            await self._fill(sign_in.screen, **{sign_in.user: user, sign_in.password: password})
            load, idle_ms = sign_in.load, sign_in.idle_ms
            await self._press(
                (sign_in.screen, sign_in.submit), sign_in.screen, load=load, idle_ms=idle_ms
            )
            refused = (sign_in.screen, sign_in.refused)
            if sign_in.code is not None:
                step = sign_in.code
                await self._arrive((step.screen, step.field), refused)
                value = code() if code is not None else None
                if not value:
                    raise ConsoleError(self.console, step.screen, "asks for a one-time code")
                await self._fill(step.screen, **{step.field: value})
                await self._press(
                    (step.screen, step.submit), step.screen, load=load, idle_ms=idle_ms
                )
            for ready in sign_in.ready:
                await self._arrive(ready, refused)
        logger.debug("{}: logged in as {}", self.console, user)

    async def transfer(self, order: Order) -> str:
        """Fill the transfer form, confirm it and return the console's transaction number."""
        transfer = self.map.transfer
        values = {**self._data, **_values(order)}
        async with self._translate(transfer.screen):
            link = transfer.again if self._on_receipt and transfer.again else transfer.open
            self._on_receipt = False
            await self._open(link, (transfer.screen, transfer.submit), transfer)
            await self._set(transfer.screen, transfer.fields, values)
            await self._quiet(transfer.idle_ms, transfer.screen)
            if transfer.verify:
                await self._verify(transfer.screen, transfer.fields, values, transfer.idle_ms)
        async with self.effect(order.reference, transfer.screen) as effect:
            if transfer.request is not None:  # a single-page app: its request, not a page
                dialog = transfer.confirm is not None and transfer.confirm.dialog
                txn_no = await self._app_submit(
                    effect,
                    transfer.screen,
                    transfer.submit,
                    transfer.request,
                    values,
                    draft=transfer.draft,
                    dialog=dialog,
                )
            else:
                screen, submit, confirm = transfer.screen, transfer.submit, transfer.confirm
                await self._confirm(effect, screen, submit, confirm, values)
                txn_no = await self._read(*transfer.receipt)
            if not txn_no:
                raise InDoubt(self.console, order.reference, "receipt without a txn number")
        self._on_receipt = True
        logger.debug(
            "{}: {} posted as {} ({} -> {})",
            self.console,
            order.reference,
            txn_no,
            mask_account(order.debit_account),
            mask_account(order.credit_account),
        )
        return txn_no

    async def find_transfer(self, reference: str) -> Posted | None:
        """The transfer the inquiry shows under exactly ``reference``, every page looked at.

        A draft of the reference (the map's ``inquiry.drafts``) is no transfer: it is
        discarded, and the inquiry asked again, so only a new attempt can pay the line.
        """
        self._on_receipt = False
        async with self._translate(self.map.inquiry.screen):
            for _ in range(_DISCARDS):
                found = await self._search(reference)
                if found != "draft":
                    return found
            raise ConsoleError(self.console, self.map.inquiry.screen, "drafts kept coming back")

    async def _search(self, reference: str) -> Posted | None | Literal["draft"]:
        """The transfer under ``reference``; None; or "draft" once its drafts are discarded."""
        inquiry = self.map.inquiry
        screen = inquiry.screen
        await self._open(inquiry.open, (screen, inquiry.search), inquiry)
        await self._set(screen, inquiry.fields, {**self._data, "reference": reference})
        await self._open((screen, inquiry.search), (screen, inquiry.results), inquiry)
        while True:
            await self._settled(screen)  # every row and the pager, not just the table
            rows = await self._table(screen, inquiry.rows, inquiry.columns)
            mine = [row for row in rows if row.get("reference") == reference]
            if inquiry.drafts and any(r.get("status") == inquiry.drafts.shows for r in mine):
                await self._discard_drafts(screen, inquiry.drafts, inquiry.idle_ms)
                return "draft"
            for row in mine:
                if _posted(inquiry, row):
                    return posted_from_texts(
                        row, console=self.console, time_format=inquiry.time_format
                    )
            if inquiry.next is None or not await self._present(screen, inquiry.next):
                return None
            await self._open((screen, inquiry.next), (screen, inquiry.results), inquiry)

    async def statement(
        self, *, account: str, day: date, folder: Path
    ) -> tuple[Path, list[Posted]]:
        """Download the account's statement of ``day`` (the console's day), parse it, and keep
        a copy in ``folder`` named by the account's last four, its numbers masked."""
        statement = self.map.statement
        screen = statement.screen
        self._on_receipt = False
        async with self._translate(screen):
            await self._open(statement.open, (screen, statement.export), statement)
            values = {**self._data, "account": account, "day": day}
            await self._set(screen, statement.fields, values)
            # read in memory, never saved under the name the console suggests
            data, _ = await self._download(
                screen,
                statement.export,
                errors=[(screen, statement.error)],
                login_page=self.map.expired,
            )
        transfers = parse_statement(data, statement.file, account=account, console=self.console)
        folder.mkdir(parents=True, exist_ok=True)
        path = keep_statement(folder / statement_name(account, day), transfers)
        digest = hashlib.sha256(data).hexdigest()
        logger.info(
            "{}: statement of {} saved as {} (export SHA-256 {})",
            self.console,
            day,
            path.name,
            digest,
        )
        return path, transfers

    # -- steps ------------------------------------------------------------------------

    async def _open(self, link: Key | None, ready: Key, step: Step | None = None) -> None:
        """Click ``link`` (it loads a page, unless ``step`` says ``load: false``) and wait for
        ``ready``; with no link, the screen's url. The login page or the error page instead
        are SessionExpired / ConsoleError."""
        if link is None:
            await self._goto(ready[0])
        else:
            load, idle_ms = (True, None) if step is None else (step.load, step.idle_ms)
            await self._press(link, ready[0], load=load, idle_ms=idle_ms)
        await self._arrive(ready)

    async def _arrive(self, ready: Key, refused: Key | None = None) -> None:
        keys = [ready, self.map.expired, self.map.error]
        if refused is not None:
            keys.insert(1, refused)
        found = await self._first(*keys)
        if found is None:
            raise ConsoleTimeout(self.console, ready[0], self._timeout)
        which, element = found
        if which == ready:
            return
        if which == refused:
            message = await self._message(element, ready[0])
            raise ConsoleError(self.console, ready[0], f"login refused: {message}")
        if which == self.map.expired:
            raise SessionExpired(self.console)
        raise ConsoleError(self.console, ready[0], await self._message(element, ready[0]))

    async def _set(self, screen: str, fields: Fields, values: dict[str, Any]) -> None:
        """Set every field of ``screen`` the map names, in the map's order."""
        for key, field in fields.items():
            await self._set_one(screen, key, field, _template(field, values, screen))

    async def _verify(
        self, screen: str, fields: Fields, values: dict[str, Any], idle_ms: int | None = None
    ) -> None:
        """Read every field back; set again each one the application changed (a default
        arriving late, a redrawn field) until the form holds exactly what was set (after
        each round, until the app is idle for ``idle_ms``)."""
        deadline = time.monotonic() + self._timeout
        while True:
            changed = [
                (key, field, value)
                for key, field in fields.items()
                if not await self._holds(screen, key, value := _template(field, values, screen))
            ]
            if not changed:
                return
            if time.monotonic() > deadline:
                key = changed[0][0]
                raise NotActionable(self.console, screen, key, "value kept", self._timeout)
            for key, field, value in changed:
                logger.info(
                    "{}: {}.{} changed after it was set; set again", self.console, screen, key
                )
                await self._set_one(screen, key, field, value)
            await self._quiet(idle_ms, screen)

    async def _holds(self, screen: str, key: str, value: str) -> bool:
        return bool(
            await self._locators.run(self._page, screen, key, KEPT, value, timeout=self._timeout)
        )

    async def _set_one(self, screen: str, key: str, field: SetField, value: str) -> None:
        # a select takes the option with that value, or (select_label) that visible text
        await self._fill(screen, **{key: value})

    async def _confirm(
        self, effect: Any, screen: str, submit: str, confirm: Confirm | None, values: dict[str, Any]
    ) -> None:
        """Send the form: submit (its dialog accepted), or submit, then an overlay's button."""
        if confirm is None or confirm.dialog:
            await effect.submit((screen, submit))
            return
        # it only opens the overlay, if the map is right; were it wrong, the click could
        # send the form: so from this click on a failure is InDoubt, never retried blind
        await effect.click((screen, submit))
        overlay = confirm.screen or screen
        await self._set(overlay, confirm.fields, values)
        assert confirm.button is not None  # the model allows no overlay without one
        await effect.submit((overlay, confirm.button))


_DISCARDS = 4
"""Rounds of discarding a reference's drafts before the lookup gives up (each discards one
page of them)."""


def _idles(payments: PaymentsMap) -> bool:
    steps = (payments.sign_in, payments.transfer, payments.inquiry, payments.statement)
    return any(step.idle_ms is not None for step in steps)


def _posted(inquiry: Inquiry, row: dict[str, str]) -> bool:
    return inquiry.posted is None or row.get("status") == inquiry.posted


def _values(order: Order) -> dict[str, Any]:
    values = asdict(order)
    values["amount"] = format(order.amount, "f")
    return values


def _template(field: SetField, values: dict[str, Any], screen: str) -> str:
    try:
        return field.value.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        detail = f"screen {screen}: field value {field.value!r} cannot be made ({exc!r})"
        raise ConfigError("console map", detail) from None
