"""PageObject, the base of every bot: waiting for the first of several, translating, masking."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.async_api import Page, async_playwright

from teller import ConsoleError, ConsoleTimeout, InDoubt, SessionExpired
from teller.browser import launch
from teller.locators import LocatorRepository
from teller.pages import AfterSubmit, PageObject

ROOT = Path(__file__).resolve().parents[2]
SELECTORS = """
console: demo
version: "1.0"
screens:
  form:
    elements:
      receipt: {strategies: [{css: p.receipt}]}
      error: {strategies: [{css: p.error}]}
      any_paragraph:
        strategies:
          - {test_id: never-there}
          - {css: p}
        note: only its loose fallback matches, as a login page's submit matches a form's
      message: {strategies: [{css: "#message"}]}
      never: {strategies: [{css: "#never"}]}
      submit: {strategies: [{css: "#submit"}]}
      rows: {strategies: [{css: "#grid tbody tr"}]}
      col_no: {strategies: [{css: "#h-no"}]}
      col_name: {strategies: [{css: "#h-name"}]}
"""
T = TypeVar("T")


class Demo(PageObject):
    """The smallest bot: the base with a console name, and where it shows a submit's answer."""

    console = "demo"
    after_submit = AfterSubmit(
        result=("form", "receipt"),
        refusal=("form", "error"),
        login_page=("form", "never"),
        error_page=("form", "message"),
    )


@pytest.fixture
def locators(tmp_path: Path) -> LocatorRepository:
    path = tmp_path / "demo.yaml"
    path.write_text(SELECTORS, encoding="utf-8")
    return LocatorRepository.load(path)


def on_page(
    locators: LocatorRepository,
    html: str,
    scenario: Callable[[Demo, Page], Awaitable[T]],
    *,
    timeout: float = 5.0,
) -> T:
    """Run ``scenario`` with a Demo bot on a real Chromium page holding ``html``."""

    async def main() -> T:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await browser.new_page()
                await page.set_content(html)
                bot = Demo(page, base_url="about:blank", locators=locators, timeout=timeout)
                return await scenario(bot, page)
            finally:
                await browser.close()

    return asyncio.run(main())


@pytest.mark.e2e
def test_first_returns_the_key_that_appears_first(locators: LocatorRepository) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[object, str, float]:
        await page.evaluate(
            "setTimeout(() => document.body.insertAdjacentHTML("
            "'beforeend', '<p class=error>賬號不存在 No such account</p>'), 300)"
        )
        started = time.monotonic()
        found = await bot._first(("form", "receipt"), ("form", "error"), ("form", "never"))
        assert found is not None
        return found[0], await found[1].inner_text(), time.monotonic() - started

    which, text, seconds = on_page(locators, "<body></body>", scenario)
    assert which == ("form", "error")
    assert text == "賬號不存在 No such account"
    assert seconds < 3  # it did not wait for the others to time out


@pytest.mark.e2e
def test_first_honours_the_callers_order_when_both_are_there(
    locators: LocatorRepository,
) -> None:
    html = '<p class="receipt">TXN-000001</p><p class="error">late error</p>'

    async def scenario(bot: Demo, page: Page) -> list[object]:
        picks: list[object] = []
        for _ in range(5):  # a race lost once in five would show
            for keys in (
                (("form", "receipt"), ("form", "error")),
                (("form", "error"), ("form", "receipt")),
            ):
                found = await bot._first(*keys)
                assert found is not None
                picks.append(found[0])
        return picks

    picks = on_page(locators, html, scenario)
    assert picks == [("form", "receipt"), ("form", "error")] * 5


@pytest.mark.e2e
def test_first_does_not_let_a_loose_fallback_beat_an_exact_match(
    locators: LocatorRepository,
) -> None:
    """CoreBank relies on it: its login page in the frame is SessionExpired, not a form."""

    async def scenario(bot: Demo, page: Page) -> object:
        found = await bot._first(("form", "any_paragraph"), ("form", "error"))
        assert found is not None
        return found[0]

    assert on_page(locators, '<p class="error">登錄 Log in</p>', scenario) == ("form", "error")


@pytest.mark.e2e
def test_first_waits_for_extra_and_gives_none_when_nothing_comes(
    locators: LocatorRepository,
) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[object, object]:
        download = asyncio.sleep(0.1, result="statement.csv")
        with_extra = await bot._first(("form", "never"), extra=download)
        return with_extra, await bot._first(("form", "never"))

    with_extra, nothing = on_page(locators, "<body></body>", scenario, timeout=0.5)
    assert with_extra == ("extra", "statement.csv")
    assert nothing is None


@pytest.mark.e2e
def test_translate_turns_a_playwright_timeout_into_console_timeout(
    locators: LocatorRepository,
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        async with bot._translate("form"):
            await page.click("#never", timeout=200)

    with pytest.raises(ConsoleTimeout) as caught:
        on_page(locators, "<body></body>", scenario, timeout=0.2)
    assert (caught.value.console, caught.value.screen) == ("demo", "form")
    assert str(caught.value) == "demo/form: no answer within 0.2s"


@pytest.mark.e2e
def test_translate_masks_other_failures_and_lets_teller_errors_through(
    locators: LocatorRepository,
) -> None:
    async def fails(bot: Demo, page: Page) -> None:
        bot._secrets = ("hunter2",)
        async with bot._translate("form"):
            await page.evaluate("() => { throw new Error('hunter2 on 6222020200001234567') }")

    with pytest.raises(ConsoleError) as caught:
        on_page(locators, "<body></body>", fails)
    assert (caught.value.console, caught.value.screen) == ("demo", "form")
    assert "hunter2" not in caught.value.detail and "6222020200001234567" not in caught.value.detail
    assert "****** on ****4567" in caught.value.detail

    async def expires(bot: Demo, page: Page) -> None:
        async with bot._translate("form"):
            raise SessionExpired(bot.console)

    with pytest.raises(SessionExpired):
        on_page(locators, "<body></body>", expires)


@pytest.mark.e2e
def test_message_masks_secrets_and_long_numbers(locators: LocatorRepository) -> None:
    html = '<p id="message">Password hunter2 refused for 6222 0202 0000 1234 567</p>'

    async def scenario(bot: Demo, page: Page) -> tuple[str, str]:
        bot._secrets = ("hunter2",)  # what a bot's login keeps
        element = await bot._find("form", "message")
        return await bot._message(element, "form"), await bot._text(element, "form")

    message, raw = on_page(locators, html, scenario)
    assert message == "Password ****** refused for ****4567"
    assert "hunter2" in raw  # only _message is fit for an exception


@pytest.mark.e2e
def test_table_places_columns_by_header_and_skips_the_no_records_row(
    locators: LocatorRepository,
) -> None:
    html = (
        '<table id="grid"><thead><tr><th id="h-name">Name</th><th>Note</th><th id="h-no">No</th>'
        "</tr></thead><tbody><tr><td>Wang</td><td>x</td><td>7</td></tr>"
        '<tr><td colspan="3">No records</td></tr></tbody></table>'
    )

    async def scenario(bot: Demo, page: Page) -> list[dict[str, str]]:
        return await bot._table("form", "rows", {"no": "col_no", "name": "col_name"})

    assert on_page(locators, html, scenario) == [{"no": "7", "name": "Wang"}]


@pytest.mark.e2e
def test_submit_is_in_doubt_only_once_the_post_may_be_gone(
    locators: LocatorRepository,
) -> None:
    """More of the effect boundary and its table: tests/teller/test_pages_effect.py."""
    form = '<form method="post" action="https://demo.test/post"><input id="submit" type="submit"'

    async def scenario(bot: Demo, page: Page, onclick: str) -> None:
        await page.route("https://demo.test/post", lambda route: route.abort("connectionreset"))
        await page.set_content(f'{form} onclick="{onclick}"></form>')
        button = await bot._find("form", "submit")
        async with bot.effect("REF-1", "form") as effect:
            await effect.submit(button, in_doubt_after_click=False)

    with pytest.raises(InDoubt) as caught:
        on_page(locators, "", lambda bot, page: scenario(bot, page, "return confirm('Sure?')"))
    assert caught.value.reference == "REF-1"
    with pytest.raises(ConsoleTimeout):  # the click sent nothing: safe to retry
        on_page(locators, "", lambda b, p: scenario(b, p, "return false"), timeout=0.5)


def test_pages_imports_nothing_from_bots_flows_or_reports() -> None:
    code = (
        "import sys, teller.pages; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'bots', 'flows', 'reports'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_exported_names() -> None:
    import teller.pages

    assert teller.pages.__all__ == [
        "AFTER_SUBMIT",
        "AfterSubmit",
        "Dialogs",
        "Effect",
        "Key",
        "PageObject",
    ]


@pytest.mark.e2e
def test_a_message_is_the_text_the_dom_holds_not_what_css_shows(
    locators: LocatorRepository,
) -> None:
    html = '<p id=message style="text-transform: uppercase">Account  closed,\n see branch</p>'

    async def scenario(bot: Demo, page: Page) -> tuple[str, str]:
        message = await bot._message(page.locator("#message"), "form")
        return message, await bot._read("form", "message")

    assert on_page(locators, html, scenario) == (
        "Account closed, see branch",
        "Account closed, see branch",
    )
