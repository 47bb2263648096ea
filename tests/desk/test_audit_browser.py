"""The Audit pages in real Chromium, as an auditor uses them: a real payroll run on the
corebank sandbox console writes its reconciliation report and signed manifest; the
auditor signs in, sees the trail verified, downloads the report (the bytes the manifest
names) and sees its manifest verified, and is offered no change on the Users and
Schedules pages, where an admin pauses a schedule. Every page of this part passes
axe-core's serious and critical checks.

What the page says is checked against the files and the store, never taken as the proof.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from flows.payroll import PayrollFlow
from teller.browser import launch, new_context
from teller.flow import load_flow
from teller.integrity import file_sha256, public_key, read_manifest
from teller.runner import Runner
from teller.runs import submit
from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server
from tests.desk._admin import admin_project
from tests.desk._desk import Held, readme_shot, serving
from tests.desk.test_desk_browser import axe_problems, sign_in

pytestmark = pytest.mark.e2e


def paid_run(held: Held, corebank: Server, tmp_path: Path) -> Path:
    """A payroll run of the clerk's, paid on corebank to its end: its report's path."""
    console = {"base_url": corebank.base_url, "user": corebank.user, "password": corebank.password}
    settings = load_settings(held.project, consoles={"corebank": console}, retry_backoff=0.05)
    sample = PayrollFlow().sample(
        tmp_path / "paid.xlsx", lines=4, console_url=corebank.base_url, seed=21
    )
    flow = load_flow("payroll", settings=settings)
    store = open_store(settings)
    try:
        run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")
        report = asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
        assert report is not None and store.run(run_id).report_path == str(report)
    finally:
        store.close()
    return report


async def signed_in(page: Page, url: str, held: Held, name: str) -> None:
    await sign_in(page, url, held, name)
    await page.click("header .languages >> text=English")
    await expect(page.locator("h1")).to_have_text("Today")


def test_an_auditor_downloads_a_verified_report_and_changes_nothing(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    held = admin_project(project)
    report = paid_run(held, corebank, tmp_path)
    problems: dict[str, list[str]] = {}
    downloaded: list[bytes] = []

    async def main(url: str) -> None:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                context = await new_context(browser)
                page = await context.new_page()
                await signed_in(page, url, held, "auditor")
                await page.click("nav >> text=Audit")
                await expect(page.locator("h1")).to_have_text("Audit trail")
                await expect(page.locator("table.trail")).to_contain_text("report")
                problems["audit"] = await axe_problems(page)
                await page.click("nav.subnav >> text=Verification")
                await expect(page.locator("p.verdict")).to_contain_text("Verified:")
                problems["verify"] = await axe_problems(page)
                await readme_shot(page, "verify")
                await page.click("nav.subnav >> text=Reports")
                row = page.locator("table.reports tr", has_text=report.name)
                await expect(row.locator("td.manifest")).to_contain_text(
                    "Verified: signed by the bank"
                )
                problems["reports"] = await axe_problems(page)
                await readme_shot(page, "reports")
                async with page.expect_download() as info:
                    await row.locator(f"a >> text={report.name}").click()
                download = await info.value
                assert download.suggested_filename == report.name
                downloaded.append(Path(await download.path()).read_bytes())
                # the auditor reads the users and the schedules, offered no change
                await page.goto(f"{url}/users")
                await expect(page.locator("table.users")).to_contain_text("gone")
                await expect(page.locator("main form")).to_have_count(0)
                await page.goto(f"{url}/schedules")
                await expect(page.locator("main")).not_to_contain_text("Pause daily")
                await page.click("header form.who button")
                await expect(page).to_have_url(f"{url}/signin")

                await signed_in(page, url, held, "admin")
                await page.click("nav >> text=Schedules")
                await expect(page.locator("h2", has_text="nightly")).to_contain_text("paused")
                problems["schedules"] = await axe_problems(page)
                await readme_shot(page, "schedules")
                await page.fill("#reason-daily", "quarter end")
                await page.click("text=Pause daily")
                await expect(page.locator("h2", has_text="daily").first).to_contain_text("paused")
                await page.click("nav >> text=Users")
                await expect(page.locator("h1")).to_have_text("Users")
                problems["users"] = await axe_problems(page)
            finally:
                await browser.close()

    with serving(project) as url:
        asyncio.run(main(url))
    assert {page: found for page, found in problems.items() if found} == {}
    # the bytes downloaded are the report the signed manifest names, and it holds
    manifest = read_manifest(report, trusted=public_key(load_settings(project).key("audit")))
    assert manifest.ok and downloaded == [report.read_bytes()]
    assert file_sha256(report) in manifest.path.read_text(encoding="utf-8")
    store = open_store(load_settings(project))
    try:
        paused = [r for r in store.audit_records() if r.what == "schedule paused"]
        assert [(r.actor, "quarter end" in r.detail) for r in paused][-1] == ("admin", True)
        said = {r.what for r in store.audit_records() if r.actor == "auditor"}
        assert said == {"enrolled", "login", "logout"}  # the auditor changed nothing
    finally:
        store.close()
