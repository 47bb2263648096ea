"""The Run page in real Chromium: its counts by state follow the store while the run goes
on (server-sent events, no reload), an item's timeline and screenshot show, a checker
settles the item left for review; every page passes axe-core's serious and critical
checks, and nothing the pages need is blocked by their CSP. The store decides."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from teller.browser import LAUNCH_ARGS, find_chromium, new_context
from teller.settings import load_settings
from teller.store import open_store
from tests.desk._desk import held_lines, readme_shot, serving
from tests.desk._runs import big_run, move_along
from tests.desk.test_desk_browser import axe_problems, sign_in

pytestmark = pytest.mark.e2e


def test_the_run_page_follows_the_store_and_a_checker_settles(project: Path) -> None:
    held = held_lines(project)
    run = big_run(project, finished=False)
    problems: dict[str, list[str]] = {}

    def finish_two() -> None:  # the runner, meanwhile: two more lines paid
        store = open_store(load_settings(project))
        try:
            for item in store.item_page(run.run_id, states=["new"], limit=2)[0]:
                move_along(store, item.id, "auto_approved", "in_flight", "done")
        finally:
            store.close()

    async def main(url: str) -> None:
        async with async_playwright() as playwright:
            # a person's browser: the robot's flags but the one that turns pictures off
            browser = await playwright.chromium.launch(
                executable_path=find_chromium(),
                args=[a for a in LAUNCH_ARGS if "imagesEnabled" not in a],
            )
            try:
                context = await new_context(browser)
                page = await context.new_page()
                blocked: list[str] = []
                page.on(
                    "console",
                    lambda m: blocked.append(m.text) if "Content Security" in m.text else None,
                )
                await sign_in(page, url, held, "checker")
                await page.click("header .languages >> text=English")
                await page.click("nav >> text=Runs")
                await expect(page.locator("h1")).to_have_text("Runs")
                problems["runs"] = await axe_problems(page)
                await page.click(f"a[href='/runs/{run.run_id}']")
                done = page.locator("#live a[data-state=done] strong")
                await expect(done).to_have_text("10")
                problems["run"] = await axe_problems(page)
                await readme_shot(page, "run")
                await asyncio.to_thread(finish_two)
                await expect(done).to_have_text("12", timeout=10_000)  # no reload
                await expect(page.locator("p.verified")).to_be_visible()

                await page.select_option("#state", "needs_review")
                await page.click("form.filters button")
                await expect(page.locator("p.matching")).to_contain_text("1 item(s)")
                await page.click("table.items a")
                await expect(page.locator("ol.timeline li")).to_have_count(4)  # its four moves
                shot = page.locator("ul.evidence img")
                await expect(shot).to_be_visible()
                await page.wait_for_function(  # served and decoded: a picture, one pixel wide
                    "() => document.querySelector('ul.evidence img').naturalWidth === 1",
                    timeout=5000,
                )
                problems["item"] = await axe_problems(page)
                await page.check("input[value=paid]")
                await page.fill("#receipt", "RC-778")
                await page.fill("#reason", "found on the console's ledger")
                await page.click("form.settle button[type=submit]")
                await expect(page.locator("dd.state")).to_have_text("done")
                assert not blocked, blocked
            finally:
                await browser.close()

    with serving(project) as url:
        asyncio.run(main(url))
    assert {page: found for page, found in problems.items() if found} == {}
    store = open_store(load_settings(project))
    try:
        item = store.item(run.review)
        assert (item.state, item.receipt) == ("done", "RC-778")
        assert store.events(run.run_id, item_id=run.review)[-1].actor == "checker"
        assert store.count_states([run.run_id])[run.run_id]["done"] == 13
    finally:
        store.close()
