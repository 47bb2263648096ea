"""PageObject: the base of every console's page object, holding the plumbing bots share.

A bot subclasses it, names its ``console`` and writes operator intents (``login``,
``transfer``, ``find_note``) on top of these protected helpers:

* finding by key in ``selectors/<console>.yaml``: ``_find``, ``_present``, ``_visible``,
  ``_enabled``; acting, as the screen's ``input`` says (``teller/_inputs.py``): ``_fill``
  (inputs, text areas, selects), ``_select`` (an option by value or label), ``_check`` (a
  checkbox or radio button), ``_click((screen, key))``, ``_hover``, ``_download`` (a
  file's bytes, never saved under its suggested name), and ``_dialog`` around an action
  that opens an alert, confirm or prompt; reading: ``_read`` (the text as the DOM holds
  it, or a field's value), tables and ARIA grids: ``_table`` (rows by column name),
  ``_row_cells``. Every key names one element (several matches: ``AmbiguousElement``), and
  every action waits until its element is visible, enabled, still and not covered
  (``NotActionable`` names the check that never passed);
* waiting: ``_first`` (whichever of several elements comes first), ``_wait_for`` (a text,
  value, attribute or count, watched in the page), ``_settled``, ``_goto``,
  ``_click_and_load``, ``_error_page_shown``;
* the login every console has: ``_log_in`` (its ``_open_login`` a bot may override);
* reading what the console said, fit for an exception: ``_message``, ``_first_line``
  (long numbers and the secrets kept in ``_secrets`` at login are masked);
* translating failures before any effect: ``_translate`` and ``_system_error`` turn
  Playwright errors into ``ConsoleTimeout`` / ``ConsoleError``; ``_check_status`` does the
  same for HTTP 5xx.

Every effect (a payment, a freeze, a ticket closed) goes through ONE boundary, ``effect``
(public, unlike the helpers above: every bot must use it), and its answer is read by ONE
table, ``AFTER_SUBMIT``::

    async with self.effect(reference, "transfer") as effect:
        await effect.submit(("transfer", "submit"))  # confirm() accepted
        txn_no = await self._read("receipt", "txn_no")

* on entry, before anything is clicked, ``teller.fence.before_effect()`` checks the item's
  lease; its ``LostLease`` goes out unchanged (nothing was sent);
* ``effect.submit`` clicks, accepts the ``confirm()`` and waits for the answer. Until the
  POST may be on its way a failure is a system error (retried); after, it is InDoubt;
* the answer is whichever the console shows first of the four elements its bot names in
  ``after_submit`` (an :class:`AfterSubmit`: the result, a refusal in words, the login page,
  the system error page; optionally the reused-reference refusal), or an HTTP 5xx, or
  nothing in time. ``AFTER_SUBMIT`` says what each means: done (the result's element is
  returned for the bot to read), refused (``after_submit.refused_as`` with the console's
  words), reused (``ReferenceAlreadyUsed``), turned away (a refusal with HTTP 4xx: the form
  itself was refused, nothing done: ``ConsoleError``), in doubt (``InDoubt``) -- the login
  page and the error page included: the console may have acted before it showed them;
* anything else raised inside the boundary once the POST may be gone -- ``SessionExpired``,
  ``ConsoleError``, ``ConsoleTimeout``, ``SelectorNotFound``, a Playwright error, anything
  that is not a ``BusinessError`` or already ``InDoubt`` -- becomes
  ``InDoubt(console, reference, detail)``, its detail masked: only a lookup settles it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from loguru import logger
from playwright.async_api import Dialog, Download, Frame, Locator, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from teller._effect import AFTER_SUBMIT, AfterSubmit, Key, Shown
from teller._errors import (
    BusinessError,
    ConfigError,
    ConsoleError,
    ConsoleTimeout,
    InDoubt,
    ReferenceAlreadyUsed,
    SessionExpired,
    TellerError,
)
from teller._inputs import Inputs
from teller._masking import mask_text
from teller._page_scripts import HEADER_INDEX, ROW_CELLS, TEXT, VISIBLE, WANTED
from teller.fence import before_effect
from teller.locators import LocatorRepository

__all__ = ["AFTER_SUBMIT", "AfterSubmit", "Dialogs", "Effect", "Key", "PageObject"]


@dataclass
class Dialogs:
    """The dialogs (alert, confirm, prompt) an action opened, as ``_dialog`` answered them."""

    seen: list[tuple[str, str]]
    """(type, message) of each, in order."""

    @property
    def type(self) -> str | None:
        return self.seen[-1][0] if self.seen else None

    @property
    def message(self) -> str | None:
        return self.seen[-1][1] if self.seen else None


class PageObject(Inputs):
    """One session on one console, in one browser page; subclass it once per console."""

    console: ClassVar[str]
    """The console's name, as in its selector file and in every error the bot raises."""

    after_submit: ClassVar[AfterSubmit]
    """Where the console shows each answer to a submit; a bot that makes effects sets it."""

    def __init__(
        self, page: Page, *, base_url: str, locators: LocatorRepository, timeout: float = 15.0
    ) -> None:
        self._page = page
        self._base_url = base_url.rstrip("/")
        self._locators = locators
        self._timeout = timeout
        # What the bot typed that must never reach an error, a log or a trace; set at login.
        self._secrets: tuple[str, ...] = ()

    # -- finding elements by key ------------------------------------------------

    async def _frame(self, screen: str) -> Frame:
        """The frame ``screen`` lives in, its frames waited for in order (a frame inside a
        frame may come late); SessionExpired at once if not even the outermost is there
        (the console's frameset is gone)."""
        root = await self._locators.wait_frame(self._page, screen, timeout=self._timeout)
        if root is None:  # no frameset: the session is gone or never began
            raise SessionExpired(self.console)
        return root.main_frame if isinstance(root, Page) else root

    async def _present(self, screen: str, key: str) -> bool:
        """Whether the element is there right now, without waiting (see ``_settled``)."""
        return await self._locators.find_now(self._page, screen, key) is not None

    async def _visible(self, screen: str, key: str) -> bool:
        """Whether the element is there and visible right now, as Playwright's ``is_visible``
        says: a box of some size, not hidden (opacity 0, off-screen and covered count as
        visible); no wait."""
        found = await self._locators.run_now(self._page, screen, key, VISIBLE, None)
        return found is not None and bool(found[1])

    async def _enabled(self, screen: str, key: str) -> bool:
        """Whether the element, once there, is enabled (not disabled, nor in a disabled
        fieldset, nor aria-disabled)."""
        script = """e => !e.matches(":disabled") && !e.closest('[aria-disabled="true"]')"""
        return bool(
            await self._locators.run(self._page, screen, key, script, None, timeout=self._timeout)
        )

    @asynccontextmanager
    async def _dialog(
        self, *, accept: bool = True, prompt: str | None = None
    ) -> AsyncIterator[Dialogs]:
        """Answer the dialogs the actions inside open: accept (with ``prompt`` typed into a
        prompt) or dismiss; what they said is in the yielded ``Dialogs`` afterwards.

        Outside it, Playwright dismisses a dialog no one answers.
        """
        seen = Dialogs([])

        async def answer(dialog: Dialog) -> None:
            seen.seen.append((dialog.type, dialog.message))
            if not accept:
                await dialog.dismiss()
            elif prompt is not None:
                await dialog.accept(prompt)
            else:
                await dialog.accept()

        self._page.on("dialog", answer)
        try:
            yield seen
        finally:
            self._page.remove_listener("dialog", answer)

    async def _text(self, locator: Locator, screen: str) -> str:
        """The element's text as ``_read`` gives it; if it is empty, once more after its
        page is parsed."""
        text = str(await locator.evaluate(TEXT, timeout=self._timeout_ms) or "").strip()
        if not text:
            await self._settled(screen)
            text = str(await locator.evaluate(TEXT, timeout=self._timeout_ms) or "").strip()
        return text

    async def _read(self, screen: str, key: str) -> str:
        """The text of the element ``key`` on ``screen`` once it is there: as the DOM holds
        it (``textContent``, every run of white space one space, trimmed; not ``innerText``,
        which CSS changes: ``text-transform``, hidden parts, line breaks), or a field's
        value (a select's: its option's value)."""
        text = await self._locators.run(self._page, screen, key, TEXT, None, timeout=self._timeout)
        if str(text or "").strip():
            return str(text).strip()
        return await self._text(await self._find(screen, key), screen)  # once parsed

    async def _message(self, locator: Locator, screen: str) -> str:
        """A console message, fit for an exception: long numbers and secrets masked."""
        return mask_text(await self._text(locator, screen), secrets=self._secrets)

    async def _row_cells(
        self, screen: str, key: str, *, page: Page | None = None
    ) -> list[list[str]]:
        """The cells' texts of the rows ``key`` matches (on ``page``, a pop-up); [] if none.

        Rows of an HTML table or ARIA rows (``role=row`` with cells) alike; a rows key
        matches many elements on purpose, so it is not strict.
        """
        # its frames waited for (an inner one may come late); no frameset at all: no rows
        await self._locators.wait_frame(page or self._page, screen, key, timeout=self._timeout)
        for rows in await self._locators.candidates(page or self._page, screen, key):
            if await rows.count() > 0:
                cells: list[list[str]] = await rows.evaluate_all(ROW_CELLS)
                return cells
        return []

    async def _table(
        self, screen: str, rows_key: str, columns: Mapping[str, str], *, page: Page | None = None
    ) -> list[dict[str, str]]:
        """A table's rows by column name, each column placed by its header's key in ``columns``."""
        index: dict[str, int] = {}
        width = 0  # the header row's cell count: a "no records" row spans it in one cell
        for name, key in columns.items():
            index[name], span = await self._locators.run(
                page or self._page, screen, key, HEADER_INDEX, None, timeout=self._timeout
            )
            width = max(width, span)
        rows = await self._row_cells(screen, rows_key, page=page)
        return [{name: row[i] for name, i in index.items()} for row in rows if len(row) >= width]

    async def _wait_for(
        self,
        screen: str,
        key: str,
        *,
        text: str | None = None,
        value: str | None = None,
        attribute: tuple[str, str] | None = None,
        count: int | None = None,
    ) -> None:
        """Wait until the element has ``text`` (whitespace folded), ``value`` or
        ``attribute`` (name, value), or until ``count`` elements match; ConsoleTimeout if not.

        Watched in the page (Playwright's wait_for_function, every 100 ms), not asked again
        and again from here; a page replaced meanwhile is watched anew.
        """
        want: dict[str, Any] = {"text": text, "value": value, "count": count}
        want = {k: v for k, v in want.items() if v is not None}
        if attribute is not None:
            want["attribute"] = list(attribute)
        if not want:
            raise ValueError("_wait_for needs text, value, attribute or count")
        answer = await self._locators.watch(
            self._page, screen, key, WANTED, want, timeout=self._timeout
        )
        if answer is None:
            raise ConsoleTimeout(self.console, screen, self._timeout)

    # -- waiting ----------------------------------------------------------------

    async def _goto(self, screen: str) -> Response | None:
        """Open the screen at its ``url`` in the selector file; HTTP 5xx is a ConsoleError."""
        path = self._locators.url(screen)
        if path is None:
            raise ConfigError(f"selectors/{self.console}.yaml", f"screen {screen!r} has no url")
        response = await self._page.goto(
            self._base_url + path, wait_until="commit", timeout=self._timeout_ms
        )
        self._check_status(response, screen)
        return response

    async def _click_and_load(self, key: Key, screen: str) -> Response | None:
        """Click ``key``, wait until the page it loads in ``screen``'s frame commits; 5xx: ConsoleError."""
        frame = await self._frame(screen)  # no frameset: SessionExpired now, not a selector timeout
        async with frame.expect_navigation(wait_until="commit", timeout=self._timeout_ms) as nav:
            await self._click(key, key[0])
        response = await nav.value
        self._check_status(response, screen)
        return response

    async def _error_page_shown(self) -> None:
        """Wait (briefly) for Chromium's own page about a dropped connection.

        It comes a moment after the failure and would cut the next navigation short.
        """
        if self._page.url.startswith("chrome-error:"):
            return
        with contextlib.suppress(PlaywrightError):
            await self._page.wait_for_event("framenavigated", timeout=2000)

    async def _settled(self, screen: str) -> None:
        """Wait until the screen's page is fully parsed: needed before trusting an absence."""
        frame = await self._frame(screen)
        await frame.wait_for_load_state("domcontentloaded", timeout=self._timeout_ms)

    async def _first(
        self, *keys: Key, extra: Awaitable[Any] | None = None
    ) -> tuple[Key | Literal["extra"], Any] | None:
        """Wait until one of the elements (or ``extra``) is there: (which, what), or None.

        ``what`` is the element's locator, or ``extra``'s result; None means none came in
        time. Of the elements there at the same moment, one its first strategy finds goes
        before one only a fallback finds (a login form's submit, taken by a loose fallback
        for the transfer form's, must not win), then the first in ``keys``; ``extra`` last.
        """
        found = await self._first_now(keys)
        if found is not None:
            return found
        tasks: dict[asyncio.Future[Any], Key | Literal["extra"]] = {
            asyncio.ensure_future(self._find(*key)): key for key in keys
        }
        if extra is not None:
            tasks[asyncio.ensure_future(extra)] = "extra"
        pending = set(tasks)
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                # Look at every finished task, so no failure is left unretrieved.
                winners = [t for t in done if not t.cancelled() and t.exception() is None]
                if winners:
                    winner = min(winners, key=list(tasks).index)
                    if tasks[winner] == "extra":
                        return "extra", winner.result()
                    # the page has come: what else is there with it decides, as above
                    return await self._first_now(keys) or (tasks[winner], winner.result())
            return None
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _download(
        self, screen: str, key: str, *, errors: Sequence[Key] = (), login_page: Key | None = None
    ) -> tuple[bytes, str]:
        """Click ``key`` (as the screen's ``input`` says) and wait for the download it
        starts: its bytes and the file name the console suggests.

        Whichever comes first: the download; one of ``errors`` (the console refusing in
        words: ``ConsoleError`` with them, masked); ``login_page`` (``SessionExpired``);
        nothing within the timeout (``ConsoleTimeout``). The file is read from Playwright's
        own copy, which is then deleted: it is never written under the suggested name,
        which may carry an account number. Name any copy the bot keeps itself.
        """
        waiter = asyncio.ensure_future(
            self._page.wait_for_event("download", timeout=self._timeout_ms)
        )
        watched = (*errors, *([login_page] if login_page is not None else []))
        found: tuple[Key | Literal["extra"], Any] | None = None
        try:
            await self._click((screen, key))
            found = await self._first(*watched, extra=waiter)
        finally:
            if not waiter.done():
                waiter.cancel()
            elif (found is None or found[0] != "extra") and not waiter.cancelled():
                if waiter.exception() is None:  # it came, but another answer won: not kept
                    await waiter.result().delete()
        if found is None:
            raise ConsoleTimeout(self.console, screen, self._timeout)
        which, what = found
        if which == "extra":
            download: Download = what
            try:
                data = Path(await download.path()).read_bytes()
                return data, download.suggested_filename
            finally:
                await download.delete()
        if which == login_page:
            raise SessionExpired(self.console)
        message = await self._message(what, screen)
        raise ConsoleError(self.console, screen, f"{key} refused: {message}")

    async def _first_now(self, keys: tuple[Key, ...]) -> tuple[Key, Locator] | None:
        """Of the elements there now, the first in ``keys`` its first strategy finds, else the
        first any strategy finds; None if none is there. One call per key on a plain page."""
        for first_strategy in (True, False):
            for key in keys:
                if not first_strategy and len(self._locators.element(*key).strategies) == 1:
                    continue  # asked already
                found = await self._locators.find_now(
                    self._page, *key, first_strategy=first_strategy
                )
                if found is not None:
                    return key, found
        return None

    # -- the steps every console has ---------------------------------------------

    async def login(self, user: str, password: str) -> None:
        """Log in as an operator; every bot says how (most call ``_log_in``)."""
        raise NotImplementedError(f"{type(self).__name__} has no login")

    async def _log_in(self, user: str, password: str, *, landing: Key) -> None:
        """Log in on the ``login`` screen and wait for ``landing``; a refusal is a ConsoleError.

        The screen's keys: ``username``, ``password``, ``submit``, ``message`` (a refusal).
        """
        self._secrets = (password,)
        async with self._translate("login"):
            await self._open_login()
            await self._fill("login", username=user, password=password)
            await self._click_and_load(("login", "submit"), "login")
            found = await self._first(landing, ("login", "message"))
            if found is None:
                raise ConsoleTimeout(self.console, "login", self._timeout)
            if found[0] == ("login", "message"):
                message = await self._message(found[1], "login")
                raise ConsoleError(self.console, "login", f"login refused: {message}")
        logger.debug("{}: logged in as {}", self.console, user)

    async def _open_login(self) -> None:
        """Open the login screen for ``_log_in``; override it if the console needs more."""
        await self._goto("login")

    # -- the effect boundary ----------------------------------------------------------

    @asynccontextmanager
    async def effect(self, reference: str, screen: str) -> AsyncIterator[Effect]:
        """The boundary around one effect on ``screen``: submit it with the Effect yielded.

        Before anything is sent the item's lease is checked (``teller.fence``: a
        ``LostLease`` goes out as it is). Inside, a failure before the POST may be on its
        way stays a system error, and so does the form turned away; once it may be gone,
        anything raised that is not a refusal or already InDoubt is InDoubt(reference).
        """
        effect = Effect(self, reference, screen)
        await before_effect()
        try:
            yield effect
        except (BusinessError, InDoubt):
            raise
        except Exception as exc:
            if not effect.may_have_acted:
                if isinstance(exc, PlaywrightError):
                    raise self._system_error(screen, exc) from None
                raise
            detail = f"{type(exc).__name__} after submit: {self._first_line(exc)}"
            raise InDoubt(self.console, reference, detail) from None

    # -- translating failures ---------------------------------------------------

    @asynccontextmanager
    async def _translate(self, screen: str) -> AsyncIterator[None]:
        """Turn Playwright failures on ``screen`` into Teller errors; use it before any effect."""
        try:
            yield
        except TellerError:
            raise
        except PlaywrightError as exc:
            raise self._system_error(screen, exc) from None

    def _system_error(self, screen: str, exc: PlaywrightError) -> TellerError:
        """The Teller error for a Playwright failure: ConsoleTimeout or ConsoleError."""
        if isinstance(exc, PlaywrightTimeoutError):
            return ConsoleTimeout(self.console, screen, self._timeout)
        return ConsoleError(self.console, screen, self._first_line(exc))

    def _check_status(self, response: Response | None, screen: str) -> None:
        """Raise ConsoleError if the console answered with an HTTP 5xx."""
        if response is not None and response.status >= 500:
            raise ConsoleError(self.console, screen, f"HTTP {response.status}")

    def _first_line(self, exc: BaseException) -> str:
        """The first line of an error's text (Playwright's run on for pages), masked."""
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        return mask_text(lines[0], secrets=self._secrets)


class Effect:
    """One effect under way inside ``PageObject.effect``: submit it, have its answer read."""

    def __init__(self, bot: PageObject, reference: str, screen: str) -> None:
        self.bot = bot
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
        self.answers = self.bot.after_submit  # a bot without it fails here, before anything is sent
        response = await self._send(button, in_doubt_after_click, await_error_page)
        return await self._answer(response)

    async def click(self, element: Locator | Key) -> None:
        """Click something that may act, when no page load follows (a script posts it).

        From the click on, a failure is InDoubt; the bot reads the answer itself.
        """
        self.may_have_acted = True
        await self.bot._click(element, self.screen)

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

        frame = await bot._frame(screen)
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
