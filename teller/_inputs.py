"""The input helpers of PageObject (teller/pages.py): typing, choosing, ticking, clicking.

Each acts as its screen's ``input`` says in the selector file. ``fill``: Playwright's own
action (``fill``, ``select_option``, ``set_checked``, ``click``) after Teller's finder has
checked the element in one page call. ``simulate``: one page call that finds, checks and
acts, with the events a page listens to. Either way a value, an option or a tick is read
back after the page's own handlers ran: one the page took away is set again until the
timeout, then ``NotActionable("value kept")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from playwright.async_api import Download, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from teller._effect import Key
from teller._errors import ConsoleError, NotActionable
from teller._page_scripts import (
    CHECK,
    CHECKED,
    CLICK,
    FIELD_TAG,
    IS_CHECKED,
    KEPT,
    OPTION_INDEX,
    SELECT,
    SELECTED,
    SET_VALUE,
)
from teller.locators import CLICK_CHECKS, FILL_CHECKS, LocatorRepository

__all__ = ["Inputs"]

_UNCHANGED = "did not change its state"
"""Playwright's words when a page took a tick back (set_checked reads it back too)."""


class Inputs:
    """PageObject's input helpers; PageObject sets the attributes below."""

    console: ClassVar[str]
    _page: Page
    _locators: LocatorRepository
    _timeout: float

    @property
    def _timeout_ms(self) -> float:
        """The timeout in milliseconds, as Playwright takes it."""
        return self._timeout * 1000

    async def _find(self, screen: str, key: str) -> Locator:
        """The element, once there; SelectorNotFound if no strategy matches within the timeout."""
        return await self._locators.find(self._page, screen, key, timeout=self._timeout)

    def _simulated(self, screen: str) -> bool:
        return self._locators.screens[screen].input == "simulate"

    async def _fill(self, screen: str, **values: str) -> None:
        """Fill each field named by key with its value, in the order given; a ``<select>``
        takes the option with that value or label.

        As the screen's ``input`` says (selector file): Playwright's ``fill`` (or
        ``select_option``), or (``simulate``) the value set in one call per field. Either
        way the field must be visible, editable and not covered first, and must still hold
        the value after the page's own handlers ran; otherwise it is waited for and set
        again, until ``NotActionable`` names the check.
        """
        for key, value in values.items():
            if self._simulated(screen):
                await self._locators.run(
                    self._page,
                    screen,
                    key,
                    SET_VALUE,
                    value,
                    checks=FILL_CHECKS,
                    timeout=self._timeout,
                )
            else:
                await self._fill_by_playwright(screen, key, value)

    async def _fill_by_playwright(self, screen: str, key: str, value: str) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            field, tag = await self._locators.find_with(
                self._page, screen, key, FIELD_TAG, value, FILL_CHECKS, self._timeout
            )
            async with self._named(screen, key, FILL_CHECKS):
                if tag == "SELECT":
                    await field.select_option(value, timeout=self._timeout_ms)
                else:
                    await field.fill(value, timeout=self._timeout_ms)
            if await self._kept(screen, key, KEPT, value, deadline):
                return

    async def _click(self, element: Locator | Key, screen: str | None = None) -> None:
        """Click the element ``(screen, key)`` as its screen's ``input`` says: Playwright's
        mouse click, or (``simulate``) the element's own ``click()`` in one call, once it
        is visible, enabled, still and not covered. A click that starts a navigation of its
        frame returns once the new document is there. A key or screen marked ``trusted``
        (a page that tells a script's click from a person's) is always clicked with
        Playwright's mouse: about one protocol round trip and Playwright's helper script in
        the page more per click.

        Click by key: a found ``Locator`` is clicked by Playwright's mouse in either mode
        (``screen`` is then ignored; it is kept for the callers that pass one)."""
        trusted = not isinstance(element, tuple) or self._locators.trusted(*element)
        if isinstance(element, tuple) and self._simulated(element[0]) and not trusted:
            await self._click_simulated(element)
            return
        if not isinstance(element, tuple):
            await element.click(timeout=self._timeout_ms)
            return
        found = await self._find(*element)
        async with self._named(*element, CLICK_CHECKS):
            await found.click(timeout=self._timeout_ms)

    @asynccontextmanager
    async def _named(self, screen: str, key: str, checks: tuple[str, ...]) -> AsyncIterator[None]:
        """Playwright's own action timing out: ``NotActionable`` naming the check that fails
        (asked once, by Teller's checks), as ``simulate`` would."""
        try:
            yield
        except PlaywrightTimeoutError:
            check = await self._locators.failing(self._page, screen, key, checks)
            raise NotActionable(self.console, screen, key, check, self._timeout) from None

    async def _click_simulated(self, key: Key) -> None:
        frame = await self._locators.frame(self._page, *key)
        if frame is None:  # its frame is not there yet: wait for it (and the element) first
            await self._find(*key)
            frame = await self._locators.frame(self._page, *key)
        mine = frame.main_frame if isinstance(frame, Page) else frame
        navigated = asyncio.Event()

        def on_navigated(other: Frame) -> None:
            if other is mine:
                navigated.set()

        def on_download(_: Download) -> None:
            navigated.set()  # a download answers the navigation: no new document comes

        self._page.on("framenavigated", on_navigated)
        self._page.on("download", on_download)
        try:
            navigating = await self._locators.run(
                self._page,
                *key,
                CLICK,
                None,
                checks=CLICK_CHECKS,
                timeout=self._timeout,
                acts_once=True,
            )
            if navigating:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(navigated.wait(), self._timeout)
        finally:
            self._page.remove_listener("framenavigated", on_navigated)
            self._page.remove_listener("download", on_download)

    async def _hover(self, screen: str, key: str) -> None:
        """Move Playwright's mouse over the element (in either mode: a page's hover styles
        and mouseenter handlers need a real pointer)."""
        element = await self._find(screen, key)
        async with self._named(screen, key, CLICK_CHECKS):
            await element.hover(timeout=self._timeout_ms)

    async def _select(
        self, screen: str, key: str, *, value: str | None = None, label: str | None = None
    ) -> None:
        """Choose the ``<select>``'s first option whose ``value`` is the one given, or whose
        ``label`` is (as written, or with white space folded, as Playwright's
        ``select_option(label=)`` matches). A value is a value only: Playwright for Python's
        ``select_option(value=)`` takes a label too.

        ``fill``: Playwright's ``select_option``; ``simulate``: the option chosen in one
        call, with the ``input`` and ``change`` events. Either way the select must be
        visible, enabled and not covered, and hold the option, enabled
        (``NotActionable("has the option")``, ``("option enabled")`` at the timeout); the
        option must still be the one selected after the page's handlers ran
        (``NotActionable("value kept")``).
        """
        if (value is None) == (label is None):
            raise ValueError("_select takes value= or label=, one of them")
        want = {"value": value} if value is not None else {"label": label}
        if self._simulated(screen):
            await self._locators.run(
                self._page, screen, key, SELECT, want, checks=FILL_CHECKS, timeout=self._timeout
            )
            return
        deadline = time.monotonic() + self._timeout
        while True:
            # the option Teller chose, by its index: Playwright's value= would take a label too
            field, index = await self._locators.find_with(
                self._page, screen, key, OPTION_INDEX, want, FILL_CHECKS, self._timeout
            )
            async with self._named(screen, key, FILL_CHECKS):
                await field.select_option(index=index, timeout=self._timeout_ms)
            if await self._kept(screen, key, SELECTED, want, deadline):
                return

    async def _check(self, screen: str, key: str, on: bool) -> None:
        """Tick (``on``) or clear a checkbox, or tick a radio button, as Playwright's
        ``set_checked`` does: nothing if it is so already; else a click (``fill``:
        Playwright's; ``simulate``: the element's ``click()`` in one call), once it is
        visible, enabled, still and not covered. Read back after the page's handlers ran
        (``NotActionable("value kept")``). A ``<label>`` stands for its control; an ARIA
        checkbox is read by ``aria-checked``. A radio button is cleared only by ticking
        another: asked to clear one that is ticked, ``ConsoleError``, nothing clicked.
        """
        state = await self._locators.run(
            self._page, screen, key, CHECKED, None, timeout=self._timeout
        )
        if state["checked"] == on:
            return
        if state["radio"] and not on:
            raise ConsoleError(
                self.console, screen, f"{key}: a radio button is cleared by ticking another"
            )
        if self._simulated(screen):
            await self._locators.run(
                self._page, screen, key, CHECK, on, checks=CLICK_CHECKS, timeout=self._timeout
            )
            return
        deadline = time.monotonic() + self._timeout
        while True:
            box = await self._find(screen, key)
            async with self._named(screen, key, CLICK_CHECKS):
                try:
                    await box.set_checked(on, timeout=self._timeout_ms)
                except PlaywrightError as exc:  # the page took the tick back: read back below
                    if isinstance(exc, PlaywrightTimeoutError) or _UNCHANGED not in str(exc):
                        raise
            if await self._kept(screen, key, IS_CHECKED, on, deadline):
                return

    async def _kept(self, screen: str, key: str, script: str, want: Any, deadline: float) -> bool:
        """Whether the field holds what was asked, read back through the finder (one page
        call, not Playwright's four); ``NotActionable("value kept")`` past ``deadline``."""
        if await self._locators.run(self._page, screen, key, script, want, timeout=self._timeout):
            return True
        if time.monotonic() > deadline:
            raise NotActionable(self.console, screen, key, "value kept", self._timeout)
        await asyncio.sleep(0.1)
        return False
