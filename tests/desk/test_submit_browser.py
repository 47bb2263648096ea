"""Submit in real Chromium, and the run carried out by a real ``teller scheduler start``.

An operator uploads a workbook with two errors and sees each by sheet, row and column;
then a good one, sees the gate's decision for every line, and submits. The Desk only
queues the run; the scheduler process (another OS process) takes it and pays the lines
the gate let through on the sandbox console. The console's own ledger and the store
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
from tests.desk._desk import PEOPLE, serving, shot
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
                await shot(page, "problems")

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
                await shot(page, "decisions")
                await page.click("form.queue button[type=submit]")
                await expect(page.locator("h1")).to_contain_text(re.compile(r"R\d{8}-\d{6}-"))
                problems["run"] = await axe_problems(page)
                # the page asks the store again until the run stops: the scheduler's work
                await expect(page.locator("#progress .status")).to_have_text(
                    "waiting", timeout=120_000
                )
                shown["states"] = await page.locator("#progress ul.states").inner_text()
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
        assert (run.submitted_by, run.status) == ("clerk", "waiting")
        paid = {i.key for i in store.items(run.id, states=["done"])}
        held = store.items(run.id, states=["needs_approval"])
        events = store.events(run.id)
        worked = [e for e in events if e.target == "worked"]
    finally:
        store.close()
    # carried out once, by the scheduler process, for the operator who submitted it
    assert [(e.actor, e.reason) for e in worked] == [
        ("clerk", f"queued; taken by {socket.gethostname()}:{scheduler.pid}")
    ]
    assert [e.target for e in events].index("queued") < [e.target for e in events].index("started")
    # the console's own ledger: one transfer per line the gate let through, none for the held
    ledger = dict(corebank.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference"))
    assert ledger == {key: 1 for key in paid} and len(paid) == 3 and len(held) == 1
    assert held[0].key not in ledger
    assert "queued run" in log.read_text()
