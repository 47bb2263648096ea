"""The effect boundary's parts: what a console's answer to a submit means, and the submit.

``AFTER_SUBMIT`` is the one table: what a console can show after a submit, and what that
means for the effect. A bot only says where its console shows each of them
(``AfterSubmit``, element keys in its selector file); :class:`Effect` finds which one came
and acts on the table. ``PageObject._effect`` (teller/pages.py) is the boundary around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from playwright.async_api import Dialog, Locator, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from teller._errors import ConsoleError, ConsoleRefused, InDoubt, ReferenceAlreadyUsed

if TYPE_CHECKING:
    from teller.pages import PageObject

__all__ = ["AFTER_SUBMIT", "AfterSubmit", "Effect", "Key", "Outcome", "Shown"]

Key = tuple[str, str]
"""An element as the selector file names it: (screen, element key)."""

Shown = Literal[
    "result", "refusal", "reused", "form_error", "login_page", "error_page", "http_5xx", "nothing"
]
"""What a console can show after a submit."""

Outcome = Literal["done", "refused", "reused", "turned_away", "in_doubt"]
"""What that means: done (the bot reads the result), refused (nothing done, the console's
words in a ``ConsoleRefused``), reused (``ReferenceAlreadyUsed``: a lookup confirms it),
turned away (the form itself was refused before any effect: a ``ConsoleError``, retried),
in doubt (``InDoubt``: only a lookup can tell)."""

AFTER_SUBMIT: Final[Mapping[Shown, Outcome]] = MappingProxyType(
    {
        "result": "done",  # the receipt, the result page, the ok message
        "refusal": "refused",  # the console said no in words, HTTP < 400
        "reused": "reused",  # ... because it has seen the reference: the second guard
        "form_error": "turned_away",  # the refusal with HTTP 4xx: a stale token, a bad form
        "login_page": "in_doubt",  # the session ended: before or after the console acted?
        "error_page": "in_doubt",  # the console's own system error page
        "http_5xx": "in_doubt",  # whatever the page says
        "nothing": "in_doubt",  # none of them within the timeout
    }
)


@dataclass(frozen=True)
class AfterSubmit:
    """Where a console shows each answer to a submit: (screen, key) in its selector file."""

    result: Key
    refusal: Key
    login_page: Key
    error_page: Key
    reused: Key | None = None
    """Shown with a refusal when the reference was used already."""
    refused_as: type[ConsoleRefused] = ConsoleRefused
    """The refusal's type (a payment console's is ``PaymentRefused``)."""


class Effect:
    """One effect under way inside ``PageObject._effect``: submit it, have its answer read."""

    def __init__(self, bot: PageObject, reference: str, screen: str) -> None:
        self.bot = bot
        self.answers = bot.after_submit  # a bot without it fails here, before anything is sent
        self.reference = reference
        self.screen = screen
        self.may_have_acted = False
        """True once the POST may be on its way: from then on a failure is InDoubt."""

    async def submit(
        self,
        button: Locator | Key,
        *,
        in_doubt_after_click: bool = True,
        await_error_page: bool = False,
    ) -> Locator:
        """Click ``button``, accept any ``confirm()``, and return the result's element.

        Until the POST may be on its way (a confirm() accepted, a POST navigation gone, or
        ``in_doubt_after_click`` the click done) a failure is a system error; then every
        answer is read by ``AFTER_SUBMIT``. ``await_error_page`` lets Chromium's page about
        a dropped connection land, so it cannot cut the bot's next navigation short.
        """
        response = await self._send(button, in_doubt_after_click, await_error_page)
        return await self._answer(response)

    async def _send(
        self, button: Locator | Key, in_doubt_after_click: bool, await_error_page: bool
    ) -> Response | None:
        bot, screen = self.bot, self.screen

        async def accept(dialog: Dialog) -> None:
            self.may_have_acted = True  # from here on the POST may be on its way
            await dialog.accept()

        def on_request(request: Request) -> None:
            if request.method == "POST" and request.is_navigation_request():
                self.may_have_acted = True

        frame = bot._frame(screen)
        bot._page.on("dialog", accept)
        bot._page.on("request", on_request)
        try:
            async with frame.expect_navigation(wait_until="commit", timeout=bot._timeout_ms) as nav:
                await bot._click(button, screen)
                self.may_have_acted = self.may_have_acted or in_doubt_after_click
            return await nav.value
        except PlaywrightError as exc:
            if not self.may_have_acted:
                raise bot._system_error(screen, exc) from None
            if await_error_page and not isinstance(exc, PlaywrightTimeoutError):
                await bot._error_page_shown()
            detail = f"no answer to submit: {bot._first_line(exc)}"
            raise InDoubt(bot.console, self.reference, detail) from None
        finally:
            bot._page.remove_listener("dialog", accept)
            bot._page.remove_listener("request", on_request)

    async def _answer(self, response: Response | None) -> Locator:
        """What the console shows, by ``AFTER_SUBMIT``: the result's element, or raised."""
        bot = self.bot
        status = response.status if response is not None else 0
        shown, element = await self._shown(status)
        outcome = AFTER_SUBMIT[shown]
        if outcome == "done" and element is not None:
            return element
        if outcome == "in_doubt" or element is None:
            detail = f"{shown.replace('_', ' ')} after submit (HTTP {status})"
            raise InDoubt(bot.console, self.reference, detail)
        if outcome == "reused":
            raise ReferenceAlreadyUsed(bot.console, self.reference)
        message = await bot._message(element, self.screen)
        if outcome == "turned_away":
            self.may_have_acted = False  # the console's answer says it did nothing
            raise ConsoleError(bot.console, self.screen, f"HTTP {status}: {message}")
        raise self.answers.refused_as(bot.console, message)

    async def _shown(self, status: int) -> tuple[Shown, Locator | None]:
        """Which answer the console shows (and its element), as ``AFTER_SUBMIT`` names them."""
        if status >= 500:
            return "http_5xx", None
        answers = self.answers
        keys: dict[Key, Shown] = {
            answers.result: "result",
            answers.refusal: "refusal",
            answers.login_page: "login_page",
            answers.error_page: "error_page",
        }
        found = await self.bot._first(*keys)
        if found is None:
            return "nothing", None
        which, element = found
        shown = next(s for key, s in keys.items() if key == which)
        if shown == "refusal":
            if status >= 400:
                shown = "form_error"
            elif answers.reused is not None and await self.bot._present(*answers.reused):
                shown = "reused"
        return shown, element
