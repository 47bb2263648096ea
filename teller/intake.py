"""Intake: a flow whose work waits in a console's queue fetches it into an input file.

The file (``var/intake/<flow>/...``) is then loaded, gated and run like any input, so an
auditor sees exactly what was taken, and the same file can be run again by hand.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from loguru import logger
from playwright.async_api import async_playwright

from teller import browser as chromium
from teller.flow import Flow, FlowEnv, page_options
from teller.settings import Settings
from teller.store import Store

__all__ = ["take"]


def take(settings: Settings, store: Store, flow: Flow) -> Path | None:
    """Fetch the flow's new work from its console; the input file, or None if none is new."""
    folder = settings.var / "intake" / flow.name
    folder.mkdir(parents=True, exist_ok=True)
    env = FlowEnv(settings, store, "", folder)
    path = asyncio.run(_take(settings, flow, env))
    logger.info("intake of {}: {}", flow.name, path.name if path else "nothing new")
    return path


async def _take(settings: Settings, flow: Flow, env: FlowEnv) -> Path | None:
    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright, executable=settings.chromium)
        try:
            context = await chromium.new_context(browser, **page_options(settings, flow))
            return await flow.intake(context, env)
        finally:
            await browser.close()
