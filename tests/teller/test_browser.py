"""Teller's Chromium does not fetch what a bot never looks at: pictures and web fonts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import async_playwright

from teller.browser import launch, new_context

PAGE = b"""<!doctype html><html><head><style>
@font-face { font-family: Web; src: url(/font.woff2) format("woff2"); }
body { font-family: Web, serif; background: url(/back.png); }
</style></head><body><img src="/picture.png" alt="logo"><p id="text">Hello</p>
<input id="box" type="text"></body></html>"""


class _Recorder(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.asked.append(self.path)
        body = PAGE if self.path == "/" else b"\\x00" * 64
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path == "/" else "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []
    handler = type("Handler", (_Recorder,), {"asked": asked})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_pages_load_and_work_without_pictures_or_web_fonts(site: tuple[str, list[str]]) -> None:
    url, asked = site

    async def visit() -> str:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await (await new_context(browser)).new_page()
                await page.goto(url + "/", wait_until="load")
                await page.locator("#box").fill("typed")
                await page.wait_for_timeout(300)  # let any late request come
                return await page.locator("#box").input_value()
            finally:
                await browser.close()

    assert asyncio.run(visit()) == "typed"
    assert "/" in asked
    assert not {"/picture.png", "/back.png", "/font.woff2"} & set(asked), asked


def test_a_consoles_pages_see_its_locale_and_time_zone() -> None:
    """`[consoles.NAME] locale / timezone` reach the browser context the flow's bot uses."""
    from pathlib import Path

    from teller.flow import page_options
    from teller.settings import ConsoleSettings, Settings
    from tests.teller.test_runner import ScriptedFlow

    settings = Settings(
        mode="sandbox",
        project=Path("."),
        consoles={
            "erp": ConsoleSettings(
                base_url="http://127.0.0.1:1", locale="en-US", timezone="America/New_York"
            )
        },
    )
    flow = ScriptedFlow({})
    flow.console = "erp"
    assert page_options(settings, flow) == {"locale": "en-US", "timezone_id": "America/New_York"}
    flow.console = "elsewhere"  # a console without settings: the defaults
    assert page_options(settings, flow) == {}
    flow.console = "erp"

    async def seen() -> list[str]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await (await new_context(browser, **page_options(settings, flow))).new_page()
                return list(
                    await page.evaluate(
                        "[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone]"
                    )
                )
            finally:
                await browser.close()

    assert asyncio.run(seen()) == ["en-US", "America/New_York"]
