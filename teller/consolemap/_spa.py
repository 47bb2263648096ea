"""The steps of a console map on a single-page application (SPA): MapBot's base class.

A SPA never loads a page after its first: a click only changes the page, and the work
goes out as a fetch/XHR request whose JSON answer the app then shows. So:

* **idle**: ``_quiet`` waits until no fetch/XHR has been in flight for ``idle_ms``
  (``Traffic``, from Playwright's request events), after a step's clicks and before its
  fields are read back and sent: a default that answers late lands before the read-back;
* **no page load**: ``_press`` clicks and waits for the app to be quiet, not for a
  navigation (a step's ``load: false``);
* **the effect by the app's request** (``_app_submit``): the click inside
  ``PageObject.effect``, the request the map names watched; from the moment it is seen
  (or the click is made) the effect may have happened and any failure is ``InDoubt``,
  before it a system error, as ``Effect._send`` has it for a POST. Its answer is read by
  the map's rules and acted on by the one table, ``AFTER_SUBMIT``; without rules, the
  page shows it (the transfer's receipt, refusal and reused keys). A draft saved first
  is part of the same effect; ``holds`` checks the answer holds the line's figures;
* **drafts found by a lookup** are discarded (``_discard_drafts``): see ``Drafts``.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any

from loguru import logger
from playwright.async_api import Dialog, Page, Request, Response

from teller._effect import AFTER_SUBMIT, Key, Shown
from teller._errors import (
    AmbiguousElement,
    ConsoleError,
    ConsoleTimeout,
    InDoubt,
    NotActionable,
    ReferenceAlreadyUsed,
    SelectorNotFound,
)
from teller._masking import mask_text
from teller.consolemap._spa_model import AnswerRule, AppRequest, Draft, Drafts, url_pattern
from teller.pages import Effect, PageObject

__all__ = ["SpaPage", "Traffic"]

_KINDS = frozenset({"fetch", "xhr"})
_SHOWN: dict[str, Shown] = {
    "done": "result",
    "refused": "refusal",
    "reused": "reused",
    "turned_away": "form_error",
    "expired": "login_page",
    "error": "error_page",
    "in_doubt": "nothing",
}
"""A rule's meaning as what a console shows, so AFTER_SUBMIT alone says what it means."""
_NOT_CLICKED = (SelectorNotFound, AmbiguousElement, NotActionable)
"""Raised by the finder or its checks before any click: nothing was sent."""


class Traffic:
    """The fetch and XHR requests a page has in flight, as Playwright reports them."""

    def __init__(self, page: Page) -> None:
        self._open: set[Request] = set()
        self._last = time.monotonic()
        page.on("request", self._sent)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _sent(self, request: Request) -> None:
        if request.resource_type in _KINDS:
            self._open.add(request)
            self._last = time.monotonic()

    def _ended(self, request: Request) -> None:
        if request in self._open:
            self._open.discard(request)
            self._last = time.monotonic()

    async def quiet(self, ms: int, timeout: float) -> bool:
        """Wait until none has been in flight for ``ms`` (counted from now at the earliest,
        so a request a click has just sent is seen); False at the timeout."""
        start = time.monotonic()
        while True:
            now = time.monotonic()
            if not self._open and now - max(self._last, start) >= ms / 1000:
                return True
            if now - start > timeout:
                return False
            await asyncio.sleep(0.02)


class _Watch:
    """The first request an AppRequest matches once armed, and its answer (or failure)."""

    def __init__(self, page: Page, request: AppRequest, on_sent: Any = None) -> None:
        self._page, self._pattern, self._method = page, url_pattern(request.url), request.method
        self._on_sent = on_sent
        self.sent: Request | None = None
        self.answer: asyncio.Future[Response | str] = asyncio.get_running_loop().create_future()

    def __enter__(self) -> _Watch:
        self._page.on("request", self._request)
        self._page.on("response", self._response)
        self._page.on("requestfailed", self._failed)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._page.remove_listener("request", self._request)
        self._page.remove_listener("response", self._response)
        self._page.remove_listener("requestfailed", self._failed)

    def _request(self, request: Request) -> None:
        if self.sent is None and request.method == self._method:
            if self._pattern.fullmatch(request.url):
                self.sent = request
                if self._on_sent is not None:
                    self._on_sent()

    def _response(self, response: Response) -> None:
        if response.request is self.sent and not self.answer.done():
            self.answer.set_result(response)

    def _failed(self, request: Request) -> None:
        if request is self.sent and not self.answer.done():
            self.answer.set_result(request.failure or "failed")


class SpaPage(PageObject):
    """PageObject steps for consoles whose screens change without a page load."""

    _traffic: Traffic | None = None

    def _watch_traffic(self) -> None:
        """Follow the page's fetch/XHR requests from now on (before the first click)."""
        if self._traffic is None and self._page is not None:
            self._traffic = Traffic(self._page)

    async def _quiet(self, idle_ms: int | None, screen: str) -> None:
        """Wait until the app is idle for ``idle_ms`` (None: at once); ConsoleTimeout if never."""
        if idle_ms is None:
            return
        self._watch_traffic()
        assert self._traffic is not None
        if not await self._traffic.quiet(idle_ms, self._timeout):
            raise ConsoleTimeout(self.console, screen, self._timeout)

    async def _press(self, key: Key, screen: str, *, load: bool, idle_ms: int | None) -> None:
        """Click ``key``: wait for the page it loads in ``screen``'s frame, or (``load``
        false) only for the app to be quiet."""
        if load:
            await self._click_and_load(key, screen)
        else:
            await self._click(key, key[0])
        await self._quiet(idle_ms, key[0])

    # -- the effect, by the app's request ---------------------------------------------

    async def _app_submit(
        self,
        effect: Effect,
        screen: str,
        submit: str,
        request: AppRequest,
        values: dict[str, Any],
        *,
        draft: Draft | None = None,
        dialog: bool = False,
    ) -> str:
        """Save the draft (if any), then submit; the receipt. Inside ``effect``: in doubt
        from the first request on."""
        if draft is not None:
            button = (screen, draft.button)
            draft_id = await self._exchange(effect, button, draft.request, values, dialog)
            logger.debug("{}: {} saved as draft {}", self.console, effect.reference, draft_id)
            # no idle wait: the submit's click itself waits until its button is enabled
        return await self._exchange(effect, (screen, submit), request, values, dialog)

    async def _exchange(
        self, effect: Effect, button: Key, request: AppRequest, values: dict[str, Any], dialog: bool
    ) -> str:
        """Click ``button``, wait for the app's ``request`` and read its answer."""

        def sent() -> None:
            effect.may_have_acted = True  # from here on the request may be on its way

        async def accept(shown: Dialog) -> None:
            effect.may_have_acted = True
            await shown.accept()

        with _Watch(self._page, request, sent) as watch:
            if dialog:
                self._page.on("dialog", accept)
            try:
                await self._click(button, button[0])
            except _NOT_CLICKED:
                raise  # nothing clicked; InDoubt all the same if the request was seen
            except BaseException:
                effect.may_have_acted = True
                raise
            finally:
                if dialog:
                    self._page.remove_listener("dialog", accept)
            effect.may_have_acted = True  # clicked: the app may be sending it
            try:
                answer = await asyncio.wait_for(watch.answer, self._timeout)
            except TimeoutError:
                what = "no request" if watch.sent is None else "no answer"
                detail = f"{what} to {button[1]} within {self._timeout:g}s"
                raise InDoubt(self.console, effect.reference, detail) from None
        if isinstance(answer, str):
            detail = f"{button[1]}: the request failed ({mask_text(answer)})"
            raise InDoubt(self.console, effect.reference, detail)
        if not request.answer:
            return await self._shown_answer(effect, answer)
        body = await _json(answer)
        rule = next((r for r in request.answer if _fits(r, answer.status, body)), None)
        return await self._ruled(effect, button, request, rule, answer.status, body, values)

    async def _ruled(
        self,
        effect: Effect,
        button: Key,
        request: AppRequest,
        rule: AnswerRule | None,
        status: int,
        body: Any,
        values: dict[str, Any],
    ) -> str:
        """Act on the rule that fits the answer, as AFTER_SUBMIT says."""
        if rule is None:
            shown: Shown = "http_5xx" if status >= 500 else "nothing"
        else:
            shown = _SHOWN[rule.means]
        outcome = AFTER_SUBMIT[shown]
        where = f"{button[1]}: HTTP {status}"
        if outcome == "done" and rule is not None and rule.receipt is not None:
            receipt = _at(body, rule.receipt)
            if receipt in (None, ""):
                raise InDoubt(self.console, effect.reference, f"{where}, no {rule.receipt}")
            other = [f for f, path in request.holds.items() if not _same(f, values, body, path)]
            if other:
                detail = f"{where}: the answer holds another {', '.join(other)} than the line"
                raise InDoubt(self.console, effect.reference, detail)
            return str(receipt)
        if outcome == "reused":
            raise ReferenceAlreadyUsed(self.console, effect.reference)
        reason = _at(body, rule.reason) if rule is not None and rule.reason else None
        words = mask_text(str(reason or where), secrets=self._secrets)
        if outcome == "refused":
            raise self.after_submit.refused_as(self.console, words)
        if outcome == "turned_away":
            effect.may_have_acted = False  # the console's answer says it did nothing
            raise ConsoleError(self.console, effect.screen, f"{where}: {words}")
        meaning = rule.means if rule is not None else "no rule fits"
        raise InDoubt(self.console, effect.reference, f"{where} ({meaning})")

    async def _shown_answer(self, effect: Effect, response: Response) -> str:
        """The answer the page shows once the request is answered, by AFTER_SUBMIT.

        An app's API says no with a 4xx, so its status does not make a refusal shown in
        the page a form turned away (a map tells those apart with answer rules); a 5xx
        still leaves the effect in doubt, whatever the page shows.
        """
        effect.answers = self.after_submit
        await effect._answer(response if response.status >= 500 else None)
        return await self._read(*self.after_submit.result)

    # -- drafts found by a lookup ---------------------------------------------------------

    async def _discard_drafts(self, screen: str, drafts: Drafts, idle_ms: int | None) -> None:
        """Tick the drafts the inquiry shows and discard them; the app's answer, if the map
        names its request, must be ``done``."""
        await self._click((screen, drafts.select), screen)
        if drafts.request is None:
            await self._click((screen, drafts.discard), screen)
            await self._quiet(idle_ms, screen)
            return
        with _Watch(self._page, drafts.request) as watch:
            await self._click((screen, drafts.discard), screen)
            try:
                answer = await asyncio.wait_for(watch.answer, self._timeout)
            except TimeoutError:
                raise ConsoleTimeout(self.console, screen, self._timeout) from None
        status = answer.status if not isinstance(answer, str) else 0
        body = await _json(answer) if not isinstance(answer, str) else None
        rule = next((r for r in drafts.request.answer if _fits(r, status, body)), None)
        if rule is None or rule.means != "done":
            raise ConsoleError(self.console, screen, f"drafts not discarded (HTTP {status})")
        logger.info("{}: discarded {} draft(s) of a lookup", self.console, _at(body, rule.receipt))
        await self._quiet(idle_ms, screen)


async def _json(response: Response) -> Any:
    """The answer's JSON, or None (not JSON, or its body lost)."""
    try:
        return await response.json()
    except Exception:  # any unreadable body: no rule that reads the JSON can fit
        return None


def _at(body: Any, path: str | None) -> Any:
    """The value at a dotted path of the JSON (``existing.status``), or None."""
    if path is None:
        return None
    node = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _fits(rule: AnswerRule, status: int, body: Any) -> bool:
    if rule.status and status not in rule.status:
        return False
    return all(_at(body, path) == value for path, value in rule.body.items())


def _same(field: str, values: dict[str, Any], body: Any, path: str) -> bool:
    """Whether the answer holds the line's value of ``field`` (an amount as a number)."""
    theirs, ours = _at(body, path), values.get(field)
    if theirs is None or ours is None:
        return False
    if field == "amount":
        try:
            return Decimal(str(theirs)) == Decimal(str(ours))
        except InvalidOperation:
            return False
    return str(theirs).strip() == str(ours).strip()
