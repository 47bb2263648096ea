"""Locators resolve by key, in priority order, inside frames, and say when they drift."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from loguru import logger
from playwright.async_api import async_playwright

from teller import ConfigError, SelectorNotFound
from teller.browser import launch
from teller.locators import LocatorRepository

SELECTORS = """
console: shop
version: "1.0"
screens:
  form:
    elements:
      amount:
        strategies:
          - {label: "金額 Amount"}
          - {css: "input.amount"}
      submit:
        strategies:
          - {role: button, name: "提交 Submit"}
      ghost:
        strategies:
          - {test_id: "nothing-here"}
  inside:
    frame: main
    elements:
      title:
        strategies:
          - {css: "h1"}
"""


@pytest.fixture
def repo(tmp_path: Path) -> LocatorRepository:
    path = tmp_path / "shop.yaml"
    path.write_text(SELECTORS, encoding="utf-8")
    return LocatorRepository.load(path)


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


def test_first_strategy_wins(repo: LocatorRepository) -> None:
    async def check() -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(
                '<label for="x9">金額 Amount</label><input id="x9" class="amount">'
                "<button>提交 Submit</button>"
            )
            amount = await repo.find(page, "form", "amount", timeout=2)
            await amount.fill("12.30")
            assert await page.locator("#x9").input_value() == "12.30"
            assert await (await repo.find(page, "form", "submit")).inner_text() == "提交 Submit"
            await browser.close()

    run(check())


def test_fallback_matches_and_drift_is_logged(repo: LocatorRepository) -> None:
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(str(m)), level="WARNING")

    async def check() -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content('<input class="amount">')  # the label is gone
            await (await repo.find(page, "form", "amount", timeout=2)).fill("1")
            await repo.find(page, "form", "amount", timeout=2)
            await browser.close()

    try:
        run(check())
    finally:
        logger.remove(sink)
    drift = [s for s in seen if "selector drift" in s]
    assert len(drift) == 1 and "shop/form/amount" in drift[0] and "#2" in drift[0]


def test_missing_element_raises_selector_not_found(repo: LocatorRepository) -> None:
    async def check() -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content("<p>empty</p>")
            with pytest.raises(SelectorNotFound, match="shop/form/ghost"):
                await repo.find(page, "form", "ghost", timeout=0.3)
            await browser.close()

    run(check())


def test_elements_inside_a_frame(repo: LocatorRepository) -> None:
    async def check() -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(
                '<iframe name="main" srcdoc="<h1>轉(zhuǎn)賬 Transfer</h1>"></iframe><h1>outer</h1>'
            )
            title = await repo.find(page, "inside", "title", timeout=5)
            assert await title.inner_text() == "轉(zhuǎn)賬 Transfer"
            await browser.close()

    run(check())


def test_a_bad_selector_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "console: x\nversion: '1'\nscreens:\n  s:\n    elements:\n      e:\n"
        "        strategies:\n          - {label: a, css: b}\n"
    )
    with pytest.raises(ConfigError, match=r"bad\.yaml.*screens\.s\.elements\.e\.strategies\.0"):
        LocatorRepository.load(path)


def test_unknown_key_is_selector_not_found(repo: LocatorRepository) -> None:
    with pytest.raises(SelectorNotFound, match="shop/form/nope"):
        repo.element("form", "nope")


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ('""', "may not be empty"),
        ("{name: main, url: '*'}", "exactly one of name, url, selector"),
        ("[]", "may not be empty"),
        ("{title: main}", "title"),
    ],
)
def test_a_frame_that_names_nothing_is_refused_when_the_file_is_read(
    tmp_path: Path, frame: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        f"console: x\nversion: '1'\nscreens:\n  s:\n    frame: {frame}\n"
        "    elements: {a: {strategies: [{css: a}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="frame") as caught:
        LocatorRepository.load(path)
    assert words in str(caught.value)


def test_frames_by_name_url_and_selector_nested(tmp_path: Path) -> None:
    path = tmp_path / "frames.yaml"
    path.write_text(
        """
console: frames
version: "1"
screens:
  deep:
    frame: [{selector: "iframe.outer"}, {url: "about:srcdoc"}]
    elements:
      title: {strategies: [{css: h1}]}
  named:
    frame: side
    elements:
      title: {strategies: [{css: h1}]}
""",
        encoding="utf-8",
    )
    repo = LocatorRepository.load(path)
    inner = "<h1>inner</h1>"
    outer = f"<h1>outer</h1><iframe srcdoc='{inner}'></iframe>"

    async def check() -> tuple[str, str]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(
                f'<iframe class="outer" srcdoc="{outer}"></iframe>'
                "<iframe name=side srcdoc='<h1>side</h1>'></iframe>"
            )
            deep = await repo.run(page, "deep", "title", "e => e.textContent", None, timeout=5)
            named = await repo.run(page, "named", "title", "e => e.textContent", None, timeout=5)
            await browser.close()
            return deep, named

    assert run(check()) == ("inner", "side")


def test_a_wait_the_finder_cannot_watch_is_asked_through_playwright(tmp_path: Path) -> None:
    """A shadow root makes the finder step aside: the condition is then asked through
    Playwright's locators until it holds, and a timeout answers None."""
    from teller._page_scripts import WANTED

    path = tmp_path / "wait.yaml"
    path.write_text(
        "console: w\nversion: '1'\nscreens:\n  s:\n    elements:\n"
        "      bar: {strategies: [{css: '#bar'}]}\n",
        encoding="utf-8",
    )
    repo = LocatorRepository.load(path)
    html = """<div id="host"></div><p id="bar">0%</p><script>
      document.getElementById("host").attachShadow({mode: "open"}).innerHTML = "<b>x</b>";
      setTimeout(() => document.getElementById("bar").textContent = "100%", 400);
    </script>"""

    async def check() -> tuple[object, object]:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            page = await browser.new_page()
            await page.set_content(html)
            done = await repo.watch(page, "s", "bar", WANTED, {"text": "100%"}, timeout=5)
            never = await repo.watch(page, "s", "bar", WANTED, {"text": "200%"}, timeout=0.5)
            await browser.close()
            return done, never

    assert run(check()) == ({"done": True}, None)


def test_anchors_and_visible_in_a_selector_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy.yaml"
    path.write_text(
        """
console: legacy
version: "1"
screens:
  s:
    elements:
      amount: {strategies: [{beside: 金額 Amount, exact: true}, {below: Amount}]}
      pay: {visible: true, strategies: [{css: button.pay}, {role: button, name: Pay}]}
""",
        encoding="utf-8",
    )
    repo = LocatorRepository.load(path)
    amount = repo.element("s", "amount").strategies
    assert [(s.kind, s.describe()) for s in amount] == [
        ("beside", "beside='金額 Amount'"),
        ("below", "below='Amount'"),
    ]
    assert [s.visible for s in repo.element("s", "pay").strategies] == [True, True]
    assert [s.visible for s in amount] == [False, False]


@pytest.mark.parametrize(
    ("strategy", "words"),
    [
        ("{beside: '  \u00a0 '}", "needs some text"),
        ("{below: Amount, css: input}", "exactly one of"),
        ("{beside: Amount, name: x}", "only goes with 'role'"),
    ],
)
def test_an_anchor_without_text_is_refused_when_the_file_is_read(
    tmp_path: Path, strategy: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "console: x\nversion: '1'\nscreens:\n  s:\n    elements:\n"
        f"      e: {{strategies: [{strategy}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=words):
        LocatorRepository.load(path)
