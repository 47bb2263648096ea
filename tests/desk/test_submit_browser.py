"""Submit in real Chromium, and the run carried out by a real ``teller scheduler start``.

An operator uploads a workbook with two errors and sees each by sheet, row and column;
then a good one, sees the gate's decision for every line, and submits. The Desk only
queues the run; the scheduler process (another OS process) takes it and pays the lines
the gate let through on the sandbox console. A checker then signs in with a one-time
code and approves the held line: the run goes back to the queue, and the scheduler pays
it too. The console's own ledger and the store
decide what happened, never the page; every page passes axe-core's serious and critical
checks.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from teller.browser import launch, new_context
from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server
from tests._people import Team
from tests.desk._desk import PEOPLE, readme_shot, serving
from tests.desk._workbooks import BAD_AT, bad_book, good_book
from tests.desk.test_desk_browser import axe_problems

pytestmark = pytest.mark.e2e


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def _status(project: Path) -> str:
    store = open_store(load_settings(project))
    try:
        return store.runs()[0].status if store.runs() else ""
    finally:
        store.close()


def test_an_operator_submits_at_the_desk_and_the_scheduler_pays(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    team = Team(project, PEOPLE)
    team.login("clerk")  # the scheduler is started by a signed-in operator
    bad = bad_book(tmp_path / "bad.xlsx")
    good = good_book(tmp_path / "good.xlsx", console_url=corebank.base_url, seed=8, over_limit=1)
    log = tmp_path / "scheduler.log"
    problems: dict[str, list[str]] = {}
    shown: dict[str, object] = {}

    async def main(url: str) -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                page = await (await new_context(browser)).new_page()
                await page.goto(f"{url}/signin")
                await page.fill("#username", "clerk")
                await page.fill("#password", team.passwords["clerk"])
                await page.click("form.signin button[type=submit]")
                await expect(page).to_have_url(f"{url}/")
                await page.click("nav >> text=提交")
                await expect(page.locator("h1")).to_have_text("提交")
                problems["submit"] = await axe_problems(page)

                # a workbook with errors: each one located, nothing to submit
                await page.select_option("#flow", "payroll")
                await page.set_input_files("#workbook", str(bad))
                await page.click("form.upload button[type=submit]")
                rows = page.locator("table.problems tbody tr")
                await expect(rows).to_have_count(2)
                shown["problems"] = {
                    tuple(
                        [(await c.inner_text()).strip() for c in await row.locator("td").all()][:3]
                    )
                    for row in await rows.all()
                }
                await expect(page.locator("form.queue")).to_have_count(0)
                problems["problems"] = await axe_problems(page)
                await readme_shot(page, "problems")

                # a good one: the gate's decision on every line, then submit
                await page.set_input_files("#workbook", str(good))
                await page.click("form.upload button[type=submit]")
                lines = page.locator("table.decisions tbody tr")
                await expect(lines).to_have_count(4)
                shown["outcomes"] = sorted(
                    [
                        (await row.locator("td").nth(5).inner_text()).strip()
                        for row in await lines.all()
                    ]
                )
                problems["decisions"] = await axe_problems(page)
                await readme_shot(page, "decisions")
                await page.click("form.queue button[type=submit]")
                await expect(page.locator("h1")).to_contain_text(re.compile(r"R\d{8}-\d{6}-"))
                problems["run"] = await axe_problems(page)
                # the page asks the store again until the run stops: the scheduler's work
                await expect(page.locator("#progress .status")).to_have_text(
                    "waiting", timeout=120_000
                )
                shown["states"] = await page.locator("#progress ul.states").inner_text()

                # a checker approves the held line; the scheduler carries the run on
                await page.click("header form.who button")
                await page.fill("#username", "checker")
                await page.fill("#password", team.passwords["checker"])
                await page.click("form.signin button[type=submit]")
                await expect(page.locator("main")).to_contain_text("密码正确")
                problems["signin-code"] = await axe_problems(page)
                await page.fill("#code", team.code("checker"))
                await page.click("form.signin button[type=submit]")
                await expect(page).to_have_url(f"{url}/")
                await page.goto(f"{url}/approvals")
                await page.locator("form.whole-rule button").first.click()
                # the confirmation page, before its button (not the Approvals page's own)
                await expect(page.locator("h1")).to_contain_text(re.compile(r"批准 1 笔，合计"))
                await page.click("main form button[type=submit]")
                await expect(page.locator("ul.results")).to_contain_text("approved")
            finally:
                await browser.close()

    with log.open("w") as sink:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "teller", "scheduler", "start", "--project", str(project)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=team.env,
        )
        try:
            with serving(project) as url:
                asyncio.run(main(url))
            assert _until(lambda: _status(project) == "finished", 120), log.read_text()[-3000:]
            scheduler.send_signal(signal.SIGTERM)
            assert scheduler.wait(timeout=60) == 0, log.read_text()
        finally:
            if scheduler.poll() is None:
                scheduler.kill()
                scheduler.wait()

    assert {page: found for page, found in problems.items() if found} == {}
    assert shown["problems"] == BAD_AT
    assert shown["outcomes"] == ["auto_approved"] * 3 + ["needs_approval"]
    store = open_store(load_settings(project))
    try:
        [run] = store.runs()
        assert (run.submitted_by, run.status) == ("clerk", "finished")
        items = store.items(run.id)
        events = store.events(run.id)
        worked = [e for e in events if e.target == "worked"]
    finally:
        store.close()
    # carried out by the scheduler process for the operator who submitted it: once when
    # queued at the Desk, once more when the checker's approval queued it again
    taker = f"taken by {socket.gethostname()}:{scheduler.pid}"
    assert [(e.actor, e.reason) for e in worked] == [("clerk", f"queued; {taker}")] * 2
    queued = [e for e in events if e.target == "queued"]
    assert [e.actor for e in queued] == ["clerk", "checker"]
    # the console's own ledger: every line paid once, the held one after its approval
    ledger = dict(corebank.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference"))
    assert ledger == {i.key: 1 for i in items} and len(items) == 4
    assert {i.state for i in items} == {"done"}
    held = [i for i in items if i.approvals]
    assert len(held) == 1 and held[0].decided_by == "checker"
    assert "queued run" in log.read_text()
