"""The object repository: load ``selectors/<console>.yaml`` and resolve elements by key.

Each element is a list of strategies in priority order (role+name, label, test id,
text, placeholder, CSS, XPath). The first strategy that matches wins; when it is not
the first, the repository logs it once, so selector drift is seen before it breaks.

Every locator is strict, as Playwright's are: a strategy that matches several elements
is an ``AmbiguousElement`` error, unless it names a position (``nth``).

A question or an action goes to Teller's quick finder (``finder.js``) and its checks
(``act.js``) in one page call; where the finder cannot tell for sure, each strategy is
asked through Playwright's locators, with the same checks. A check that fails is waited
out (the element not there yet, covered, moving, disabled), and so is a page replaced by
navigation under the question; at the timeout the error names what failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from teller._anchors import anchor_selectors, normalize
from teller._errors import (
    AmbiguousElement,
    ConfigError,
    ConsoleError,
    NotActionable,
    SelectorNotFound,
)
from teller._frames import FrameRef, SeveralFrames, frame_event, frame_refs, reach, resolve

__all__ = ["CLICK_CHECKS", "FILL_CHECKS", "Element", "LocatorRepository", "Screen", "Strategy"]

_FINDER = Path(__file__).with_name("finder.js").read_text(encoding="utf-8")
_ACT = Path(__file__).with_name("act.js").read_text(encoding="utf-8")
CLICK_CHECKS = ("visible", "stable", "enabled", "receives events")
"""What is checked before a click, as Playwright checks it."""
FILL_CHECKS = ("visible", "editable", "receives events")
"""What is checked before a value is set: Playwright's, and that no layer covers the field."""
_DELAYS = (0.02, 0.05, 0.1, 0.1, 0.25)
"""Pauses between tries while a check fails, then the last again (Playwright's are alike)."""
_KINDS = ("role", "label", "test_id", "text", "placeholder", "css", "xpath", "beside", "below")


class Strategy(BaseModel):
    """One way to find an element; exactly one kind is set (``name`` goes with ``role``)."""

    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    name: str | None = None
    label: str | None = None
    test_id: str | None = None
    text: str | None = None
    placeholder: str | None = None
    css: str | None = None
    xpath: str | None = None
    beside: str | None = None
    """The field in the cell after a label cell with this text, in the ``<dd>`` after such a
    ``<dt>``, or the first field after this text in its line (``teller/_anchors.py``)."""
    below: str | None = None
    """The field in the same column of the next table row under a label cell with this
    text, in the ``<dd>`` after such a ``<dt>``, or the first field after this text in its
    line (``teller/_anchors.py``)."""
    exact: bool = False
    visible: bool = False
    """Only visible elements count (Playwright's ``filter(visible=True)``): a hidden copy
    of a button or field does not make the key ambiguous."""
    nth: int | None = None
    """The position among the matches (0 the first, -1 the last), for a key that means one
    of several on purpose; without it several matches are an error."""

    @model_validator(mode="after")
    def _one_kind(self) -> Strategy:
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a strategy needs exactly one of {', '.join(_KINDS)}; got {kinds}")
        if self.name is not None and self.role is None:
            raise ValueError("'name' only goes with 'role'")
        anchor = self.beside if self.beside is not None else self.below
        if anchor is not None and not normalize(anchor):
            raise ValueError(f"'{self.kind}' needs some text")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in _KINDS if getattr(self, k) is not None)

    def describe(self) -> str:
        where = (" visible" if self.visible else "") + (
            "" if self.nth is None else f" nth={self.nth}"
        )
        if self.role is not None:
            return f"role={self.role} name={self.name!r}{where}"
        return f"{self.kind}={getattr(self, self.kind)!r}{where}"

    def locate(self, root: Page | Frame) -> Locator:
        """Build the Playwright locator for this strategy under ``root``."""
        locator = self._locate(root)
        if self.visible:
            locator = locator.filter(visible=True)
        return locator if self.nth is None else locator.nth(self.nth)

    def _locate(self, root: Page | Frame) -> Locator:
        if self.role is not None:
            return root.get_by_role(self.role, name=self.name, exact=self.exact)  # type: ignore[arg-type]
        if self.label is not None:
            return root.get_by_label(self.label, exact=self.exact)
        if self.test_id is not None:
            return root.get_by_test_id(self.test_id)
        if self.text is not None:
            return root.get_by_text(self.text, exact=self.exact)
        if self.placeholder is not None:
            return root.get_by_placeholder(self.placeholder, exact=self.exact)
        if self.css is not None:
            return root.locator(f"css={self.css}")
        if self.xpath is not None:
            return root.locator(f"xpath={self.xpath}")
        text = self.beside if self.beside is not None else self.below
        assert text is not None
        chains = anchor_selectors(self.kind, text, self.exact)
        found: Locator | None = None
        for chain in chains:
            step = root.locator(chain[0])
            for selector in chain[1:]:
                step = step.locator(selector)
            # or_ answers in document order, as the finder does; a lone chain is one XPath
            found = step if found is None else found.or_(step)
        assert found is not None
        return found


def _frame_steps(value: Any) -> list[FrameRef] | None:
    return None if value is None else frame_refs(value)


class Element(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategies: list[Strategy]
    frame: list[FrameRef] | None = None
    trusted: bool | None = None
    """Clicks go through Playwright's mouse even on a ``simulate`` screen: for a page that
    checks that a click is a person's (``event.isTrusted``). Unset: the screen's choice."""
    visible: bool = False
    """``visible: true`` on every strategy of the element."""
    note: str | None = None

    _frame = field_validator("frame", mode="before")(_frame_steps)

    @model_validator(mode="after")
    def _not_empty(self) -> Element:
        if not self.strategies:
            raise ValueError("an element needs at least one strategy")
        if self.visible:
            self.strategies = [s.model_copy(update={"visible": True}) for s in self.strategies]
        return self


class Screen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frame: list[FrameRef] | None = None
    url: str | None = None
    input: Literal["fill", "simulate"] = "fill"
    """How the bot types and clicks on this screen. ``fill``: Playwright's ``fill`` and
    mouse click. ``simulate`` (UiPath's word): one call per field that sets its value and
    sends the input and change events, and one call per click that runs the element's
    ``click()``. Both check first, in the same page call as the finder, that the element
    is attached, visible, enabled or editable, not moving (clicks) and not covered, and
    wait until it is; a value the page takes away again is set again, or an error. About
    a third less CPU per transfer in ``simulate`` (BENCHMARKS.md); a screen whose fields
    react to each keystroke needs ``fill``, one that checks for a person's clicks
    ``trusted``."""
    trusted: bool = False
    """Clicks on this screen go through Playwright's mouse in either mode (see Element)."""
    elements: dict[str, Element]

    _frame = field_validator("frame", mode="before")(_frame_steps)


class _RepositoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    console: str
    version: str
    screens: dict[str, Screen]
    # a console map's other sections, read and checked by teller.consolemap
    payments: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    data: dict[str, Any] | None = None


class LocatorRepository:
    """The locators of one console, resolved against a live page."""

    def __init__(
        self,
        console: str,
        version: str,
        screens: dict[str, Screen],
        sections: dict[str, Any] | None = None,
    ) -> None:
        self.console = console
        self.version = version
        self.screens = screens
        self.sections = sections or {}
        """A console map's other sections as written (``payments``, ``rules``, ``data``),
        read by teller.consolemap."""
        self._drift_seen: set[tuple[str, str, int]] = set()

    @classmethod
    def load(cls, path: Path) -> LocatorRepository:
        """Read and validate a selector file; a bad file names the file and the field."""
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(str(path), "selector file not found") from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise ConfigError(str(path), f"not valid YAML: {exc}", line=line and line + 1) from None
        try:
            data = _RepositoryFile.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(str(path), f"field {field}: {first['msg']}") from None
        sections = {"payments": data.payments, "rules": data.rules, "data": data.data}
        return cls(data.console, data.version, data.screens, sections)

    def element(self, screen: str, key: str) -> Element:
        try:
            return self.screens[screen].elements[key]
        except KeyError:
            raise SelectorNotFound(self.console, screen, key) from None

    def url(self, screen: str) -> str | None:
        """The screen's path on the console, if the file gives one."""
        if screen not in self.screens:
            raise SelectorNotFound(self.console, screen, "(screen)")
        return self.screens[screen].url

    def trusted(self, screen: str, key: str) -> bool:
        """Whether clicks on the element must be a person's (Playwright's mouse)."""
        own = self.element(screen, key).trusted
        return self.screens[screen].trusted if own is None else own

    def _frame_steps(self, screen: str, key: str | None) -> list[FrameRef]:
        own = self.element(screen, key).frame if key is not None else None
        return (own if own is not None else self.screens[screen].frame) or []

    async def frame(self, page: Page, screen: str, key: str | None = None) -> Page | Frame | None:
        """Where the element (or the screen) lives now: the page or its frame; None while
        that frame is not there."""
        steps = self._frame_steps(screen, key)
        if not steps:
            return page
        try:
            return await resolve(page, steps)
        except SeveralFrames as exc:
            raise AmbiguousElement(self.console, screen, key or "(frame)", exc.count) from None

    async def wait_frame(
        self, page: Page, screen: str, key: str | None = None, *, timeout: float
    ) -> Page | Frame | None:
        """Where the element (or the screen) lives, its frames waited for in order, each
        inside the one before, up to ``timeout``. None at once if not even the outermost is
        there (no frameset: the session is gone); at the timeout ``SelectorNotFound`` names
        the frame that did not come."""
        steps = self._frame_steps(screen, key)
        if not steps:
            return page
        deadline = time.monotonic() + timeout
        while True:
            try:
                found, depth = await reach(page, steps)
            except SeveralFrames as exc:
                raise AmbiguousElement(self.console, screen, key or "(frame)", exc.count) from None
            if found is not None or depth == 0:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SelectorNotFound(self.console, screen, f"(frame {steps[depth].describe()})")
            await frame_event(page, min(remaining, 0.25))

    async def candidates(self, page: Page, screen: str, key: str) -> list[Locator]:
        """The locators of every strategy of an element, in priority order ([] while its
        frame is not there)."""
        root = await self.frame(page, screen, key)
        if root is None:
            return []
        return [s.locate(root) for s in self.element(screen, key).strategies]

    async def find(
        self,
        page: Page,
        screen: str,
        key: str,
        *,
        timeout: float = 10.0,
        checks: Sequence[str] = (),
    ) -> Locator:
        """The element's (strict) locator once it is there and passes ``checks``."""
        locator, _ = await self.find_with(page, screen, key, "() => null", None, checks, timeout)
        return locator

    async def find_with(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        checks: Sequence[str],
        timeout: float,
    ) -> tuple[Locator, Any]:
        """``find``, and what ``script`` answered about the element in the same call."""
        found = await self._ask(page, screen, key, script, arg, checks, timeout=timeout)
        assert found is not None
        candidates = await self.candidates(page, screen, key)
        if not candidates:  # its frame went between two calls: the next question waits
            raise SelectorNotFound(self.console, screen, key)
        return candidates[found[0]], found[1]

    async def find_now(
        self, page: Page, screen: str, key: str, *, first_strategy: bool = False
    ) -> Locator | None:
        """The element found by the first strategy that matches right now, or None; no wait.

        ``first_strategy``: only the element's first strategy is asked.
        """
        found = await self.run_now(page, screen, key, "() => null", None, first_strategy)
        if found is None:
            return None
        candidates = await self.candidates(page, screen, key)
        return candidates[found[0]] if candidates else None

    async def run_now(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        first_strategy: bool = False,
    ) -> tuple[int, Any] | None:
        """(strategy index, what ``script`` answered) if the element is there now; no wait."""
        return await self._ask(
            page, screen, key, script, arg, (), first_strategy=first_strategy, wait=False
        )

    async def run(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        *,
        checks: Sequence[str] = (),
        timeout: float = 10.0,
        acts_once: bool = False,
    ) -> Any:
        """Run ``script`` (``(element, arg) => ...``, may be async) on the element; its result.

        One page call when the element is there and passes ``checks``; otherwise the call
        is made again until it does, up to ``timeout`` (then ``NotActionable`` naming the
        check, or ``SelectorNotFound``). A page replaced by navigation under the call is
        waited for and asked again, unless ``acts_once`` (a click: it may have happened).
        An error the script throws is raised, as Playwright's ``Error``.
        """
        found = await self._ask(
            page, screen, key, script, arg, checks, timeout=timeout, acts_once=acts_once
        )
        assert found is not None
        return found[1]

    async def _ask(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        checks: Sequence[str],
        *,
        timeout: float = 0.0,
        first_strategy: bool = False,
        wait: bool = True,
        acts_once: bool = False,
    ) -> tuple[int, Any] | None:
        """(strategy index, script's result), trying until ``timeout``; None if not ``wait``
        and the element is not there (or its page is being replaced)."""
        deadline = time.monotonic() + timeout
        tries = 0
        while True:
            answer = await self._try(page, screen, key, script, arg, checks, first_strategy)
            if answer is None:
                if acts_once:  # the click may have happened: never click again
                    raise ConsoleError(self.console, screen, f"{key}: the page changed under it")
            elif answer["status"] == "found":
                self._note_drift(screen, key, answer["index"])
                return answer["index"], answer.get("result")
            elif answer["status"] == "ambiguous":
                raise AmbiguousElement(self.console, screen, key, answer["count"])
            if not wait:
                return None
            check = answer.get("check") if answer is not None else None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if check is not None:
                    raise NotActionable(self.console, screen, key, check, timeout)
                raise SelectorNotFound(
                    self.console,
                    screen,
                    key,
                    tried=len(self._strategies(screen, key, first_strategy)),
                )
            if answer is not None and answer.get("frameless"):
                await frame_event(page, min(remaining, _DELAYS[-1]))
            elif answer is not None and answer["status"] == "absent" and answer.get("asked"):
                await self._attached(page, screen, key, remaining)
            else:
                await asyncio.sleep(min(_DELAYS[min(tries, len(_DELAYS) - 1)], remaining))
            tries += 1

    async def failing(self, page: Page, screen: str, key: str, checks: Sequence[str]) -> str:
        """The name of the first of ``checks`` the element fails now (asked once), for an
        error after Playwright's own action timed out; "actionable" if none fails now."""
        answer = await self._try(page, screen, key, "() => null", None, checks, False)
        if answer is None or answer["status"] == "absent":  # gone, or its page replaced
            return "attached"
        if answer["status"] == "ambiguous":
            raise AmbiguousElement(self.console, screen, key, answer["count"])
        return str(answer.get("check") or "actionable")

    async def watch(
        self, page: Page, screen: str, key: str, condition: str, want: Any, *, timeout: float
    ) -> Any:
        """Wait until ``condition`` (``(every element matched, want) => true | false |
        {ambiguous: n}``) holds, watched in the page every 100 ms; None at the timeout.

        Where the finder cannot tell (shadow DOM, ARIA), each try asks Playwright's
        locators instead, at the pauses of ``_DELAYS``.
        """
        deadline = time.monotonic() + timeout
        plain = [s.model_dump(exclude_none=True) for s in self.element(screen, key).strategies]
        watcher = (
            f"([strategies, want]) => {{ const f = ({_FINDER})(strategies);"
            " if (f.status === 'unsupported') return {unsupported: true};"
            f" const r = ({condition})(f.status === 'found' ? f.found : [], want);"
            " return r === true ? {done: true} : r; }"
        )
        by_playwright = False  # the finder said it cannot tell: Playwright's locators ask
        tries = 0
        while (remaining := deadline - time.monotonic()) > 0:
            answer: Any = None
            root: Page | Frame | None = page
            try:
                root = await self.frame(page, screen, key)
                if root is not None and not by_playwright:
                    handle = await root.wait_for_function(
                        watcher, arg=[plain, want], polling=100, timeout=remaining * 1000
                    )
                    answer = await handle.json_value()
                    by_playwright = bool(answer.get("unsupported"))
                if root is not None and by_playwright:
                    answer = await self._wanted(root, screen, key, condition, want)
            except PlaywrightTimeoutError:
                return None
            except PlaywrightError as exc:
                if not _replaced(exc):
                    raise
            if isinstance(answer, dict) and "ambiguous" in answer:
                raise AmbiguousElement(self.console, screen, key, answer["ambiguous"])
            if isinstance(answer, dict) and answer.get("done"):
                return answer
            if root is None:  # its frame is not there (yet)
                await frame_event(page, min(remaining, _DELAYS[-1]))
                continue
            await asyncio.sleep(min(_DELAYS[min(tries, len(_DELAYS) - 1)], remaining))
            tries += 1
        return None

    async def _wanted(
        self, root: Page | Frame, screen: str, key: str, condition: str, want: Any
    ) -> Any:
        """``condition`` on what the first strategy that matches anything matches, through
        Playwright's locators."""
        locators = [s.locate(root) for s in self.element(screen, key).strategies]
        chosen = locators[0]
        for locator in locators:
            if await locator.count():
                chosen = locator
                break
        answer = await chosen.evaluate_all(condition, want)
        return {"done": True} if answer is True else answer

    def _strategies(self, screen: str, key: str, first_strategy: bool) -> list[Strategy]:
        strategies = self.element(screen, key).strategies
        return strategies[:1] if first_strategy else strategies

    async def _try(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        checks: Sequence[str],
        first_strategy: bool,
    ) -> dict[str, Any] | None:
        """One try: the finder's answer, or each strategy's through Playwright where the
        finder cannot tell; None while the page or frame is being replaced."""
        strategies = self._strategies(screen, key, first_strategy)
        try:
            root = await self.frame(page, screen, key)
            if root is None:  # its frame is not there (yet): never the top page instead
                return {"status": "absent", "frameless": True}
            plain = [s.model_dump(exclude_none=True) for s in strategies]
            answer: dict[str, Any] = await root.evaluate(_quick(script), [plain, list(checks), arg])
            if answer["status"] == "unsupported":
                answer = {"status": "absent"}
                for index, strategy in enumerate(strategies):
                    mine = await strategy.locate(root).evaluate_all(
                        _act(script), [list(checks), arg]
                    )
                    if mine["status"] != "absent":
                        answer = {**mine, "index": index}
                        break
        except PlaywrightError as exc:
            if _replaced(exc):
                return None
            raise
        answer["asked"] = True
        return answer

    async def _attached(self, page: Page, screen: str, key: str, seconds: float) -> None:
        """Wait (in the browser, not by asking again) until a strategy matches something."""
        candidates = await self.candidates(page, screen, key)
        if not candidates:
            return
        either = candidates[0]
        for other in candidates[1:]:
            either = either.or_(other)
        try:
            await either.first.wait_for(state="attached", timeout=seconds * 1000)
        except PlaywrightError:
            pass  # the caller tells a timeout from a page replaced under the wait

    def _note_drift(self, screen: str, key: str, index: int) -> None:
        """Log selector drift once when a fallback strategy (not the first) matched."""
        if index == 0 or (screen, key, index) in self._drift_seen:
            return
        self._drift_seen.add((screen, key, index))
        strategy = self.element(screen, key).strategies[index]
        logger.warning(
            "selector drift: {}/{}/{} matched by fallback #{} ({})",
            self.console,
            screen,
            key,
            index + 1,
            strategy.describe(),
        )


def _quick(script: str) -> str:
    """The page call: the finder, then the checks and ``script`` on what it found."""
    return (
        f"async ([strategies, checks, arg]) => {{ const f = ({_FINDER})(strategies);"
        f" if (f.status !== 'found') return f;"
        f" const a = await ({_ACT})(f.found, checks, {script}, arg); a.index = f.index; return a; }}"
    )


def _act(script: str) -> str:
    """The checks and ``script`` on what one Playwright locator matched (``evaluate_all``)."""
    return f"async (found, [checks, arg]) => ({_ACT})(found, checks, {script}, arg)"


_REPLACED = (
    "Execution context was destroyed",
    "Cannot find context with specified id",
    "Frame was detached",
    "frame got detached",
    "Frame has been detached",
)


def _replaced(exc: PlaywrightError) -> bool:
    """Whether the error says the document was replaced (navigation) under the call."""
    return any(text in str(exc) for text in _REPLACED)
