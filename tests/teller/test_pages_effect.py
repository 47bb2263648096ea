"""The effect boundary and its table: what a console shows after a submit, and what it means.

A Demo bot submits a small form in real Chromium; what the "console" answers is played by
a route, so each answer of the table is shown exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar, get_args

import pytest
from playwright.async_api import Page, Route, async_playwright

from teller import (
    BusinessError,
    ConsoleError,
    ConsoleRefused,
    ConsoleTimeout,
    InDoubt,
    LostLease,
    PaymentRefused,
    ReferenceAlreadyUsed,
    SelectorNotFound,
    SessionExpired,
    TellerError,
)
from teller._effect import Shown
from teller.browser import launch
from teller.fence import guarded
from teller.locators import LocatorRepository
from teller.pages import AFTER_SUBMIT, AfterSubmit, PageObject

SELECTORS = """
console: demo
version: "1.0"
screens:
  form:
    elements:
      submit: {strategies: [{css: "#submit"}]}
      receipt: {strategies: [{css: "#receipt"}]}
      error: {strategies: [{css: "div.error"}]}
      reused: {strategies: [{css: "div.error.reused"}]}
      login: {strategies: [{css: "form#login"}]}
      system_error: {strategies: [{css: "#system-error"}]}
"""
URL = "https://demo.test/post"
SECRET, ACCOUNT = "hunter2", "6222020200001234567"
ANSWERS = {  # what the console shows after the POST, as HTML
    "receipt": '<p id="receipt">TXN-0001</p>',
    "refusal": f'<div class="error">賬戶不存在 No account {ACCOUNT} ({SECRET})</div>',
    "reused": '<div class="error reused">參考號已使用 Reference already used</div>',
    "login": '<form id="login"><input name="username"></form>',
    "system_error": '<h1 id="system-error">系統錯誤 System Error</h1>',
    "blank": "<p>nothing the bot knows</p>",
}
T = TypeVar("T")


class Demo(PageObject):
    """The smallest effect-making bot: the base with a console name and its answers."""

    console = "demo"
    after_submit = AfterSubmit(
        result=("form", "receipt"),
        refusal=("form", "error"),
        reused=("form", "reused"),
        login_page=("form", "login"),
        error_page=("form", "system_error"),
    )


class PaymentDemo(Demo):
    after_submit = AfterSubmit(
        result=("form", "receipt"),
        refusal=("form", "error"),
        login_page=("form", "login"),
        error_page=("form", "system_error"),
        refused_as=PaymentRefused,
    )


@pytest.fixture
def locators(tmp_path: Path) -> LocatorRepository:
    path = tmp_path / "demo.yaml"
    path.write_text(SELECTORS, encoding="utf-8")
    return LocatorRepository.load(path)


def submitting(
    locators: LocatorRepository,
    answer: str,
    scenario: Callable[[Demo, list[str]], Awaitable[T]],
    *,
    status: int = 200,
    onclick: str = "return confirm('Sure?')",
    bot_type: type[Demo] = Demo,
    timeout: float = 3.0,
) -> T:
    """Run ``scenario`` with a bot on a form whose POST is answered with ``answer``.

    The scenario gets the bot and the list of POSTs the "console" received.
    """

    async def main() -> T:
        posts: list[str] = []

        async def console(route: Route) -> None:
            posts.append(route.request.method)
            await route.fulfill(
                status=status, content_type="text/html; charset=utf-8", body=ANSWERS[answer]
            )

        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page: Page = await browser.new_page()
                await page.route(URL, console)
                await page.set_content(
                    f'<form method="post" action="{URL}">'
                    f'<input id="submit" type="submit" onclick="{onclick}"></form>'
                )
                bot = bot_type(page, base_url="about:blank", locators=locators, timeout=timeout)
                bot._secrets = (SECRET,)
                return await scenario(bot, posts)
            finally:
                await browser.close()

    return asyncio.run(main())


async def submit(bot: Demo, posts: list[str]) -> str:
    async with bot.effect("REF-1", "form") as effect:
        receipt = await effect.submit(("form", "submit"))
        return await bot._text(receipt, "form")


def test_the_table_says_what_every_answer_means() -> None:
    assert set(AFTER_SUBMIT) == set(get_args(Shown))
    assert dict(AFTER_SUBMIT) == {
        "result": "done",
        "refusal": "refused",
        "reused": "reused",
        "form_error": "turned_away",
        "login_page": "in_doubt",
        "error_page": "in_doubt",
        "http_5xx": "in_doubt",
        "nothing": "in_doubt",
    }


@pytest.mark.e2e
def test_a_receipt_is_returned_for_the_bot_to_read(locators: LocatorRepository) -> None:
    assert submitting(locators, "receipt", submit) == "TXN-0001"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("answer", "status", "detail"),
    [
        ("login", 200, "login page after submit (HTTP 200)"),
        ("system_error", 200, "error page after submit (HTTP 200)"),
        ("receipt", 500, "http 5xx after submit (HTTP 500)"),
        ("refusal", 502, "http 5xx after submit (HTTP 502)"),
        ("blank", 200, "nothing after submit (HTTP 200)"),
        ("login", 403, "login page after submit (HTTP 403)"),
    ],
)
def test_an_unclear_answer_is_in_doubt(
    locators: LocatorRepository, answer: str, status: int, detail: str
) -> None:
    with pytest.raises(InDoubt) as caught:
        submitting(locators, answer, submit, status=status, timeout=1.0)
    assert type(caught.value) is InDoubt
    assert (caught.value.console, caught.value.reference) == ("demo", "REF-1")
    assert caught.value.detail == detail


@pytest.mark.e2e
def test_a_refusal_in_words_is_the_consoles_refusal_masked(locators: LocatorRepository) -> None:
    with pytest.raises(ConsoleRefused) as caught:
        submitting(locators, "refusal", submit)
    assert type(caught.value) is ConsoleRefused
    assert caught.value.reason == "賬戶不存在 No account ****4567 (******)"
    with pytest.raises(PaymentRefused):  # a payment console's refusal type
        submitting(locators, "refusal", submit, bot_type=PaymentDemo)


@pytest.mark.e2e
def test_a_reused_reference_is_reference_already_used(locators: LocatorRepository) -> None:
    with pytest.raises(ReferenceAlreadyUsed) as caught:
        submitting(locators, "reused", submit)
    assert caught.value.reference == "REF-1"


@pytest.mark.e2e
def test_the_form_turned_away_is_a_console_error_not_in_doubt(
    locators: LocatorRepository,
) -> None:
    with pytest.raises(ConsoleError) as caught:
        submitting(locators, "refusal", submit, status=403)
    assert caught.value.detail == "HTTP 403: 賬戶不存在 No account ****4567 (******)"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "failure",
    [
        SessionExpired("demo"),
        ConsoleError("demo", "form", f"broken for {ACCOUNT} ({SECRET})"),
        ConsoleTimeout("demo", "form", 1.0),
        SelectorNotFound("demo", "form", "receipt_line"),
        RuntimeError(f"Target page crashed on {ACCOUNT}"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_anything_raised_after_submit_is_in_doubt_masked(
    locators: LocatorRepository, failure: Exception
) -> None:
    async def scenario(bot: Demo, posts: list[str]) -> None:
        async with bot.effect("REF-1", "form") as effect:
            await effect.submit(("form", "submit"))
            raise failure  # reading the receipt failed

    with pytest.raises(InDoubt) as caught:
        submitting(locators, "receipt", scenario)
    assert type(caught.value) is InDoubt and caught.value.reference == "REF-1"
    assert type(failure).__name__ in caught.value.detail
    assert ACCOUNT not in str(caught.value) and SECRET not in str(caught.value)


@pytest.mark.e2e
def test_a_playwright_error_after_submit_is_in_doubt(locators: LocatorRepository) -> None:
    async def scenario(bot: Demo, posts: list[str]) -> None:
        async with bot.effect("REF-1", "form") as effect:
            await effect.submit(("form", "submit"))
            await bot._page.evaluate(f"() => {{ throw new Error('{SECRET} on {ACCOUNT}') }}")

    with pytest.raises(InDoubt) as caught:
        submitting(locators, "receipt", scenario)
    assert "Error after submit" in caught.value.detail
    assert ACCOUNT not in str(caught.value) and SECRET not in str(caught.value)


@pytest.mark.e2e
def test_refusals_and_in_doubt_raised_inside_go_out_as_they_are(
    locators: LocatorRepository,
) -> None:
    for error in (BusinessError("the data says no"), InDoubt("demo", "REF-1", "asked")):

        async def scenario(bot: Demo, posts: list[str], error: TellerError = error) -> None:
            async with bot.effect("REF-1", "form") as effect:
                await effect.submit(("form", "submit"))
                raise error

        with pytest.raises(type(error)) as caught:
            submitting(locators, "receipt", scenario)
        assert caught.value is error


@pytest.mark.e2e
def test_before_the_post_may_be_gone_a_failure_is_a_system_error(
    locators: LocatorRepository,
) -> None:
    async def scenario(bot: Demo, posts: list[str]) -> None:
        async with bot.effect("REF-1", "form") as effect:
            await effect.submit(("form", "submit"), in_doubt_after_click=False)

    # the click sent nothing (its onclick says no): safe to retry
    with pytest.raises(ConsoleTimeout):
        submitting(locators, "receipt", scenario, onclick="return false", timeout=0.5)


@pytest.mark.e2e
def test_a_lost_lease_stops_the_effect_before_anything_is_sent(
    locators: LocatorRepository,
) -> None:
    checked: list[int] = []

    async def lost() -> None:
        checked.append(1)
        raise LostLease(7, "B1:E7", "worker-1", 3)

    async def scenario(bot: Demo, posts: list[str]) -> list[str]:
        with guarded(lost), pytest.raises(LostLease):
            await submit(bot, posts)
        await asyncio.sleep(0.3)  # a POST sent would have arrived by now
        return posts

    assert submitting(locators, "receipt", scenario) == [] and checked == [1]


@pytest.mark.e2e
def test_a_kept_lease_lets_the_effect_through(locators: LocatorRepository) -> None:
    checked: list[int] = []

    async def kept() -> None:
        checked.append(1)

    async def scenario(bot: Demo, posts: list[str]) -> tuple[str, list[str]]:
        with guarded(kept):
            return await submit(bot, posts), posts

    assert submitting(locators, "receipt", scenario) == ("TXN-0001", ["POST"])
    assert checked == [1]
