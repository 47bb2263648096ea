"""Fixtures of the robustness suite: one Chromium and one small web server per module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.async_api import async_playwright

from teller.browser import launch
from tests.robustness._harness import RUNNERS, Chromium, Runner, Site


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """A real Chromium for the whole module (launching one per case would cost most of the
    suite's time), and the site serving the module's pages."""
    loop = asyncio.new_event_loop()
    site = Site()
    playwright = loop.run_until_complete(async_playwright().start())
    try:
        browser = loop.run_until_complete(launch(playwright))
        try:
            yield Chromium(loop, browser, site, tmp_path_factory.mktemp("selectors"))
        finally:
            loop.run_until_complete(browser.close())
    finally:
        loop.run_until_complete(playwright.stop())
        loop.close()
        site.close()


@pytest.fixture(params=RUNNERS)
def runner(request: pytest.FixtureRequest) -> Runner:
    """Who runs the case: plain Playwright, or the Teller bot in fill or simulate mode."""
    runner: Runner = request.param
    return runner
