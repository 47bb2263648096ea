"""The Desk in real Chromium, as its people use it: the maker of a run is refused in the
page, a checker signs in with a one-time code and approves the held lines, the page
says how many and for how much before it acts; every page passes axe-core's serious
and critical checks (axe-core from npm, vendored in tests/desk/vendor).

The store decides what happened, never the page.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from teller.browser import launch, new_context
from teller.settings import load_settings
from teller.store import open_store
from tests.desk._desk import PEOPLE, Held, held_lines, readme_shot, serving

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).with_name("vendor") / "axe-4.14.1.min.js").read_text(encoding="utf-8")


async def axe_problems(page: Page) -> list[str]:
    """The page's serious and critical accessibility violations, by axe-core."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(AXE)  # through the debugger: the page's CSP stays as it is
    found = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']])}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


async def sign_in(page: Page, url: str, held: Held, name: str) -> None:
    await page.goto(f"{url}/")
    await expect(page).to_have_url(f"{url}/signin")
    await page.fill("#username", name)
    await page.fill("#password", held.team.passwords[name])
    await page.click("form.signin button[type=submit]")
    roles = {"admin"} if name == "admin" else set(PEOPLE.get(name, ()))
    if {"approver", "admin"} & roles:  # then the one-time code
        await page.fill("#code", held.team.code(name))
        await page.click("form.signin button[type=submit]")
    await expect(page).to_have_url(f"{url}/")


def states(held: Held) -> list[str]:
    store = open_store(load_settings(held.project))
    try:
        return [store.item(i).state for i in held.held]
    finally:
        store.close()


def test_the_maker_is_refused_and_a_checker_approves_in_the_page(project: Path) -> None:
    held = held_lines(project, by="maker")
    problems: dict[str, list[str]] = {}

    async def main(url: str) -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                context = await new_context(browser)
                page = await context.new_page()
                blocked: list[str] = []
                page.on(
                    "console",
                    lambda m: blocked.append(m.text) if "Content Security" in m.text else None,
                )
                await page.goto(f"{url}/")
                await expect(page.locator("h1")).to_have_text("登录")
                problems["signin"] = await axe_problems(page)

                # the maker: an approver, but of their own run
                await sign_in(page, url, held, "maker")
                problems["home"] = await axe_problems(page)
                await expect(page.locator("main")).to_contain_text("2 笔")
                await page.click("nav >> text=审批")
                await expect(page.locator("h1")).to_have_text("审批")
                problems["approvals"] = await axe_problems(page)
                await readme_shot(page, "approvals")
                first = page.locator("main section").first
                for box in await first.locator("input[type=checkbox]").all():
                    await box.check()
                await first.locator("button[value=approve]").first.click()
                await expect(page.locator("h1")).to_contain_text(re.compile(r"批准 \d 笔，合计"))
                problems["confirm"] = await axe_problems(page)
                await readme_shot(page, "confirm")
                await page.click("main form button[type=submit]")
                await expect(page.locator("h1")).to_have_text("决定结果")
                problems["decided"] = await axe_problems(page)
                await expect(page.locator("li.refusal").first).to_contain_text("maker")
                assert states(held) == ["needs_approval", "needs_approval"]
                await page.click("header form.who button")
                await expect(page).to_have_url(f"{url}/signin")

                # a checker: approves every line one rule held, after the count and total
                await sign_in(page, url, held, "checker")
                await page.goto(f"{url}/approvals")
                await page.locator("form.whole-rule button").first.click()
                heading = page.locator("h1")
                await expect(heading).to_contain_text(re.compile(r"批准 \d 笔，合计 [\d,]+\.\d\d"))
                await page.click("main form button[type=submit]")
                await expect(page.locator("h1")).to_have_text("决定结果")
                await expect(page.locator("ul.results")).not_to_contain_text("refused")

                # English, by choice
                await page.click("header .languages >> text=English")
                await expect(page.locator("h1")).to_have_text("Today")
                problems["home (en)"] = await axe_problems(page)
                await readme_shot(page, "home-en")
                assert not blocked, blocked  # nothing the page needs is blocked by its CSP
            finally:
                await browser.close()

    with serving(project) as url:
        asyncio.run(main(url))
    assert {page: found for page, found in problems.items() if found} == {}
    assert states(held) == ["approved", "approved"]  # both held by the one rule, limits
    store = open_store(load_settings(project))
    try:
        assert all(store.item(i).decided_by == "checker" for i in held.held)
    finally:
        store.close()
