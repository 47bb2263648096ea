"""Drive a bot on a fresh Chromium page against a sandbox console, for the bot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pyotp
from playwright.async_api import async_playwright

from teller.browser import launch, new_context
from teller.locators import LocatorRepository
from teller.pages import PageObject
from tests._console_server import Server

__all__ = ["drive_bot"]

SELECTORS = Path(__file__).resolve().parents[2] / "selectors"
B = TypeVar("B", bound=PageObject)
T = TypeVar("T")


def drive_bot(
    bot_type: type[B],
    server: Server,
    scenario: Callable[[B], Awaitable[T]],
    *,
    login: bool = True,
    timeout: float = 10,
    locators: LocatorRepository | None = None,
    code: str | None = None,
) -> T:
    """Run ``scenario`` with a ``bot_type`` bot (logged in unless told not to); its result.

    ``locators``: another map than ``selectors/<the console>.yaml``; ``code``: the one-time
    code to sign in with (default: the current one of ``server.totp_seed``, if it has one).
    """

    async def main() -> T:
        where = locators or LocatorRepository.load(SELECTORS / f"{server.name}.yaml")
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await (await new_context(browser)).new_page()
                bot = bot_type(page, base_url=server.base_url, locators=where, timeout=timeout)
                if login and (code or server.totp_seed):
                    one_time = code or pyotp.TOTP(str(server.totp_seed)).now()
                    await bot.login(server.user, server.password, lambda: one_time)
                elif login:
                    await bot.login(server.user, server.password)
                return await scenario(bot)
            finally:
                await browser.close()

    return asyncio.run(main())
