"""The robustness suite's harness: one page, run by plain Playwright or by a Teller bot.

Every case is one small page run three ways (``RUNNERS``): by plain Playwright written as
its documentation says (``get_by_role``, ``get_by_label``, web-first waiting), and by the
``Robust`` bot below in ``fill`` and in ``simulate`` mode, with the selector file next to
this module (``selectors.yaml``; the fixture writes each screen's ``input:`` as the mode).
What counts is the OUTCOME as the page saw it: what the page logged into ``window.log``
(which button got a click, what a field held on submit) and what the action returned, or
the error it raised, reduced to a ``Raised`` both sides can be compared by.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml
from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from teller import (
    AmbiguousElement,
    ConsoleTimeout,
    NotActionable,
    SelectorNotFound,
    TellerError,
)
from teller.locators import LocatorRepository
from teller.pages import PageObject

Runner = Literal["playwright", "fill", "simulate"]
RUNNERS: tuple[Runner, ...] = ("playwright", "fill", "simulate")
SELECTORS = Path(__file__).with_name("selectors.yaml")

TIMEOUT = 3.0
"""Every action's timeout, both sides: more than twice the slowest page's delay."""

FAILING = 1.0
"""The timeout of an action that must fail: it is waited out in full, on every run."""

# Every page logs what it saw here; ``note`` is what its handlers call.
LOG = "<script>window.log = []; window.note = (what) => log.push(String(what));</script>"


@dataclass(frozen=True)
class Raised:
    """An action refused until its timeout, as both sides can name it.

    ``kind``: "ambiguous" (the locator matched several elements: Playwright's strict mode
    violation, Teller's AmbiguousElement) or "timeout" (Playwright's TimeoutError or a
    failed web-first assertion; Teller's NotActionable, SelectorNotFound, ConsoleTimeout).
    ``check``: the actionability check that kept failing, in Teller's words, when there
    was an element to check ("visible", "stable", "enabled", "editable", "receives events").
    """

    kind: str
    check: str | None = None
    detail: str = field(default="", compare=False)


class Seen(NamedTuple):
    """What one run of a case came to: the action's answer (or Raised), the page's log."""

    result: Any
    log: Any


# Playwright's call log names the check it waited on; the last one it names is why it gave up.
_PLAYWRIGHT_CHECKS = (
    (re.compile(r"intercepts pointer events"), "receives events"),
    (re.compile(r"element is not visible"), "visible"),
    (re.compile(r"element is not stable"), "stable"),
    (re.compile(r"element is not enabled"), "enabled"),
    (re.compile(r"element is not editable"), "editable"),
)


def playwright_raised(exc: BaseException) -> Raised:
    """The Raised for an error of plain Playwright; anything else is not an outcome."""
    text = str(exc)
    if isinstance(exc, AssertionError):  # a web-first assertion that never came true
        return Raised("timeout", None, text.splitlines()[0] if text else "")
    if not isinstance(exc, PlaywrightError):
        raise exc
    if "strict mode violation" in text:
        return Raised("ambiguous", None, text.splitlines()[0])
    if not isinstance(exc, PlaywrightTimeoutError):
        raise exc
    last: tuple[int, str | None] = (-1, None)
    for pattern, check in _PLAYWRIGHT_CHECKS:
        for match in pattern.finditer(text):
            last = max(last, (match.start(), check), key=lambda found: found[0])
    return Raised("timeout", last[1], text.splitlines()[0])


def teller_raised(exc: BaseException) -> Raised:
    """The Raised for a TellerError; any other exception (Playwright's own) is re-raised:
    a bot must only ever see Teller's errors."""
    if not isinstance(exc, TellerError):
        raise exc
    if isinstance(exc, AmbiguousElement):
        return Raised("ambiguous", None, str(exc))
    if isinstance(exc, NotActionable):
        return Raised("timeout", exc.check, str(exc))
    if isinstance(exc, (SelectorNotFound, ConsoleTimeout)):
        return Raised("timeout", None, str(exc))
    return Raised(type(exc).__name__, None, str(exc))


class Robust(PageObject):
    """The suite's bot: the base class with a console name; the tests call its helpers."""

    console = "robust"


def selector_file(mode: Literal["fill", "simulate"], folder: Path) -> LocatorRepository:
    """The suite's selector file with every screen's ``input`` set to ``mode`` (where the
    screen does not set it itself), loaded as a bot would load it."""
    data = yaml.safe_load(SELECTORS.read_text(encoding="utf-8"))
    for screen in data["screens"].values():
        screen.setdefault("input", mode)
    path = folder / f"robust-{mode}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return LocatorRepository.load(path)


class Site:
    """A tiny threaded web server on 127.0.0.1 for pages that need real URLs (navigation,
    frames): ``pages`` maps a path to (seconds to wait before answering, HTML)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[float, str]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                delay, html = pages.get(self.path.split("?")[0], (0.0, ""))
                if not html:
                    self.send_error(404)
                    return
                time.sleep(delay)
                body = html.encode("utf-8")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the page was closed while its frame was still coming
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


PlaywrightSide = Callable[[Page], Awaitable[Any]]
TellerSide = Callable[[Robust, Page], Awaitable[Any]]


class Chromium:
    """One Chromium for a test module, driven from one event loop kept for the module."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, browser: Browser, site: Site, folder: Path
    ) -> None:
        self.loop = loop
        self.browser = browser
        self.site = site
        self._folder = folder
        self._repositories: dict[str, LocatorRepository] = {}
        self._context: BrowserContext | None = None

    def locators(self, mode: Literal["fill", "simulate"]) -> LocatorRepository:
        if mode not in self._repositories:
            self._repositories[mode] = selector_file(mode, self._folder)
        return self._repositories[mode]

    def run(
        self,
        runner: Runner,
        *,
        playwright: PlaywrightSide,
        teller: TellerSide,
        html: str | None = None,
        path: str | None = None,
        before: str | None = None,
        timeout: float = TIMEOUT,
    ) -> Seen:
        """Open the page (``html`` set as content, or ``path`` on the site), evaluate
        ``before`` (JavaScript: it may start the page's clock with the page's ``start()``,
        so a delay is counted from just before the action, however slow the machine), which
        must hold, so the case tests what it says; run one side; return what it came to."""
        return self.loop.run_until_complete(
            self._run(runner, playwright, teller, html, path, before, timeout)
        )

    async def _run(
        self,
        runner: Runner,
        playwright: PlaywrightSide,
        teller: TellerSide,
        html: str | None,
        path: str | None,
        before: str | None,
        timeout: float,
    ) -> Seen:
        if self._context is None:  # one context for the module: a new one costs 0.1 s
            self._context = await self.browser.new_context()
        page = await self._context.new_page()
        try:
            page.set_default_timeout(timeout * 1000)
            if path is not None:
                # the main document parsed, its frames perhaps still coming: waited for by both
                await page.goto(self.site.url + path, wait_until="domcontentloaded")
            else:
                await page.set_content(LOG + (html or ""))
            if before is not None:
                assert await page.evaluate(before), f"the page is not as the case needs: {before}"
            bot = None
            if runner != "playwright":
                locators = self.locators(runner)  # a bad selector file fails here, loudly
                bot = Robust(page, base_url=self.site.url, locators=locators, timeout=timeout)
            try:
                result = await (playwright(page) if bot is None else teller(bot, page))
            except Exception as exc:  # noqa: BLE001 - reduced to Raised, or raised again
                result = playwright_raised(exc) if runner == "playwright" else teller_raised(exc)
            log = await page.evaluate("window.log ?? null")
            return Seen(result, log)
        finally:
            await page.close()
