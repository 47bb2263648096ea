"""The object repository: load ``selectors/<console>.yaml`` and resolve elements by key.

Each element is a list of strategies in priority order (role+name, label, test id,
text, placeholder, CSS, XPath). The first strategy that matches wins; when it is not
the first, the repository logs it once, so selector drift is seen before it breaks.

Questions that need no waiting (is it there, set this value, click this) go first to
Teller's quick finder (``finder.js``), in one call; where it cannot tell for sure,
Playwright's locators answer.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

import yaml
from loguru import logger
from playwright.async_api import Frame, FrameLocator, Locator, Page
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from teller._errors import ConfigError, SelectorNotFound

__all__ = ["Element", "LocatorRepository", "Screen", "Strategy", "on_first"]

_FINDER = Path(__file__).with_name("finder.js").read_text(encoding="utf-8")
_KINDS = ("role", "label", "test_id", "text", "placeholder", "css", "xpath")


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
    exact: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Strategy:
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a strategy needs exactly one of {', '.join(_KINDS)}; got {kinds}")
        if self.name is not None and self.role is None:
            raise ValueError("'name' only goes with 'role'")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in _KINDS if getattr(self, k) is not None)

    def describe(self) -> str:
        if self.role is not None:
            return f"role={self.role} name={self.name!r}"
        return f"{self.kind}={getattr(self, self.kind)!r}"

    def locate(self, root: Page | Frame | FrameLocator) -> Locator:
        """Build the Playwright locator for this strategy under ``root``."""
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
        return root.locator(f"xpath={self.xpath}")


class Element(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategies: list[Strategy]
    frame: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Element:
        if not self.strategies:
            raise ValueError("an element needs at least one strategy")
        return self


class Screen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frame: str | None = None
    url: str | None = None
    input: Literal["fill", "simulate"] = "fill"
    """How the bot types and clicks on this screen. ``fill``: Playwright's ``fill`` and
    mouse click, each waiting until the element is visible, enabled and stable.
    ``simulate`` (UiPath's word): one call per field that sets its value and sends the
    input and change events, and one call per click that runs the element's ``click()``;
    a disabled, read-only or too-long field, or a disabled button, is refused. About a
    third less CPU per transfer (BENCHMARKS.md); a screen whose fields react to each
    keystroke, or that checks for real mouse events, needs ``fill``."""
    elements: dict[str, Element]


class _RepositoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    console: str
    version: str
    screens: dict[str, Screen]


class LocatorRepository:
    """The locators of one console, resolved against a live page."""

    def __init__(self, console: str, version: str, screens: dict[str, Screen]) -> None:
        self.console = console
        self.version = version
        self.screens = screens
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
        return cls(data.console, data.version, data.screens)

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

    def _root(self, page: Page, screen: str, element: Element) -> Page | Frame | FrameLocator:
        """Where the element lives: the page, its named frame, or a wait for that frame.

        A frame the page has now is searched directly: a frame locator would find the
        frame element in the top document again on every call, which costs a third of
        the browser's protocol calls per transfer. Until the frame exists (a frameset
        still loading) a frame locator waits for it.
        """
        name = element.frame or self.screens[screen].frame
        if name is None:
            return page
        frame = page.frame(name=name)
        if frame is not None and not frame.is_detached():
            return frame
        return page.frame_locator(f'frame[name="{name}"], iframe[name="{name}"]')

    def candidates(self, page: Page, screen: str, key: str) -> list[Locator]:
        """The locators of every strategy of an element, in priority order."""
        element = self.element(screen, key)
        root = self._root(page, screen, element)
        return [s.locate(root) for s in element.strategies]

    async def find(self, page: Page, screen: str, key: str, *, timeout: float = 10.0) -> Locator:
        """Return the element found by the first strategy that matches, waiting up to ``timeout``."""
        found = await self.find_now(page, screen, key)
        if found is not None:
            return found
        candidates = self.candidates(page, screen, key)
        either = candidates[0]
        for other in candidates[1:]:
            either = either.or_(other)
        try:
            await either.first.wait_for(state="attached", timeout=timeout * 1000)
        except Exception:
            raise SelectorNotFound(self.console, screen, key, tried=len(candidates)) from None
        found = await self.find_now(page, screen, key)
        if found is None:  # it came and went: a page in the middle of navigating
            await asyncio.sleep(0.05)
            found = await self.find_now(page, screen, key)
        if found is None:
            raise SelectorNotFound(self.console, screen, key, tried=len(candidates))
        return found

    async def find_now(
        self, page: Page, screen: str, key: str, *, first_strategy: bool = False
    ) -> Locator | None:
        """The element found by the first strategy that matches right now, or None; no wait.

        ``first_strategy``: only the element's first strategy is asked.
        """
        candidates = self.candidates(page, screen, key)
        if first_strategy:
            candidates = candidates[:1]
        quick = await self._quick(page, screen, key, "() => true", None, len(candidates))
        if quick is not None and quick[0] == "absent":
            return None
        if quick is not None and quick[0] == "found":
            self._note_drift(screen, key, quick[1])
            return candidates[quick[1]].first
        found = await _first_present(candidates)
        if found is None:
            return None
        index, locator = found
        if index > 0:
            # A page still being parsed can show a fallback's element a moment before the
            # first strategy's: ask the better strategies once more before calling it drift.
            better = await _first_present(candidates[:index])
            if better is not None:
                index, locator = better
        self._note_drift(screen, key, index)
        return locator.first

    async def run(
        self, page: Page, screen: str, key: str, script: str, arg: Any, *, timeout: float = 10.0
    ) -> Any:
        """Run ``script`` (``(element, arg) => ...``) on the element; its result.

        One call to the browser when the element is there: Teller's quick finder runs it
        on the first match of the first strategy that matches or, where the finder cannot
        tell, each strategy in turn through Playwright. Otherwise it waits as ``find``
        does. An error the script throws is raised, as Playwright's ``Error``.
        """
        candidates = self.candidates(page, screen, key)
        quick = await self._quick(page, screen, key, script, arg, raise_errors=True)
        if quick is not None and quick[0] == "found":
            self._note_drift(screen, key, quick[1])
            return quick[2]
        if quick is None:  # the quick finder cannot tell: each strategy through Playwright
            for index, locator in enumerate(candidates):
                answer = await locator.evaluate_all(on_first(script), arg)
                if answer[0]:
                    if index > 0 and await _first_present(candidates[:index]) is None:
                        self._note_drift(screen, key, index)
                    return answer[1]
        element = await self.find(page, screen, key, timeout=timeout)
        return await element.evaluate(script, arg, timeout=timeout * 1000)

    async def _quick(
        self,
        page: Page,
        screen: str,
        key: str,
        script: str,
        arg: Any,
        strategies: int | None = None,
        *,
        raise_errors: bool = False,
    ) -> tuple[Literal["found", "absent"], int, Any] | None:
        """Ask Teller's quick finder (teller/finder.js) in one call: ("found", index, what
        ``script`` answered), or ("absent", -1, None); None where it cannot tell for sure
        (a frame still loading, a strategy it does not know), so Playwright must be asked.

        Errors of ``script`` are raised with ``raise_errors``; otherwise any error means None.
        """
        element = self.element(screen, key)
        root = self._root(page, screen, element)
        if isinstance(root, FrameLocator):
            return None
        plain = [s.model_dump(exclude_none=True) for s in element.strategies[:strategies]]
        call = f"([strategies, arg]) => ({_FINDER})(strategies, {script}, arg)"
        try:
            answer = await root.evaluate(call, [plain, arg])
        except Exception:
            if raise_errors:
                raise
            return None
        if answer["status"] == "found":
            return "found", answer["index"], answer.get("result")
        if answer["status"] == "absent":
            return "absent", -1, None
        return None

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


def on_first(script: str) -> str:
    """A script for ``evaluate_all`` that runs ``script`` on the first element found, if any:
    it answers ``[true, result]``, or ``[false]`` when nothing matched."""
    return f"(found, arg) => found.length ? [true, ({script})(found[0], arg)] : [false]"


async def _first_present(candidates: list[Locator]) -> tuple[int, Locator] | None:
    for index, locator in enumerate(candidates):
        if await _count(locator):
            return index, locator
    return None


async def _count(locator: Locator) -> int:
    """How many elements match now; a frame detached mid-navigation counts as none.

    Asked in the page's own JavaScript world, where ``run`` and reading texts work too, so a
    fresh page needs Playwright's helper script in one world only, not two.
    """
    try:
        found: int = await locator.evaluate_all("found => found.length")
    except Exception:
        return 0
    return found
