"""What Chromium and Playwright cost per transfer before any bot's own work: the browser's floor.

    .venv/bin/python bench/browser_floor.py --lines 100 --mode navigate minimal frame-locator
    .venv/bin/python bench/browser_floor.py --lines 60 --mode navigate navigate-evaluate navigate-locator
    .venv/bin/python bench/browser_floor.py --lines 100 --mode minimal -- --in-process-gpu

Modes, each logged in once on a fresh console, one page, sequential, 0 ms latency:

* ``navigate``: two ``page.goto`` of the transfer form per line, nothing typed (what two
  navigations cost; nothing is paid);
* ``navigate-evaluate``: the same, and one ``page.evaluate`` (a plain ``querySelectorAll``)
  on each new page;
* ``navigate-locator``: the same, and one Playwright locator question (``evaluate_all`` of
  a CSS locator) on each new page, which makes Playwright send its helper script there;
* ``minimal``: the least Playwright needs to pay a line through the frameset: the menu
  link, the form's fields by label with ``fill``, Submit, wait for the receipt;
* ``minimal-set``: the same, the six values set in one ``evaluate``;
* ``frame-locator``: ``minimal`` through ``page.frame_locator`` instead of the frame.

Arguments after ``--`` are added to Chromium's launch flags. CPU is the whole process
tree's (`bench/_cpu.py`); paying modes end with the ledger check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import FrameLocator, Page, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._cpu import CpuMeter  # noqa: E402
from bench._lines import LABELS, check_ledger, payroll_lines  # noqa: E402
from teller.browser import LAUNCH_ARGS, find_chromium  # noqa: E402
from tests._console_server import Server, start_corebank  # noqa: E402

MODES = (
    "navigate",
    "navigate-evaluate",
    "navigate-locator",
    "minimal",
    "minimal-set",
    "frame-locator",
)
_SUBMITS = "input[type=submit]"
_SET_ALL = """values => { for (const [label, value] of values) {
    const found = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === label);
    const field = document.getElementById(found.htmlFor);
    field.value = value;
    field.dispatchEvent(new Event("input", {bubbles: true}));
    field.dispatchEvent(new Event("change", {bubbles: true}));
} }"""


async def _log_in(page: Page, server: Server) -> None:
    await page.goto(server.base_url + "/login")
    await page.get_by_label("用戶名 Username", exact=True).fill(server.user)
    await page.get_by_label("密碼 Password", exact=True).fill(server.password)
    await page.get_by_role("button", name="登錄 Login").click()
    await page.wait_for_load_state()


async def _pay(page: Page, mode: str, line: dict[str, str]) -> None:
    await page.frame(name="menu").get_by_role("link", name="單筆轉賬 Single Transfer").click()  # type: ignore[union-attr]
    root: Any = page.frame(name="main")
    if mode == "frame-locator":
        root = page.frame_locator('frame[name="main"]')
    await root.get_by_role("button", name="提交 Submit").wait_for()
    if mode == "minimal-set":
        assert not isinstance(root, FrameLocator)
        await root.evaluate(_SET_ALL, [[LABELS[k], v] for k, v in line.items()])
    else:
        for key, value in line.items():
            await root.get_by_label(LABELS[key], exact=True).fill(value)
    await root.get_by_role("button", name="提交 Submit").click()
    await root.locator("#txn-no").wait_for()


async def _run(server: Server, mode: str, work: list[dict[str, str]], flags: list[str]) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=find_chromium(), args=LAUNCH_ARGS + flags
        )
        page = await browser.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await _log_in(page, server)
        for line in work:
            if mode.startswith("navigate"):
                for _ in range(2):
                    await page.goto(server.base_url + "/transfer")
                    if mode == "navigate-evaluate":
                        await page.evaluate(f"document.querySelectorAll('{_SUBMITS}').length")
                    if mode == "navigate-locator":
                        await page.locator(_SUBMITS).evaluate_all("found => found.length")
            else:
                await _pay(page, mode, line)
        await browser.close()


def measure(mode: str, lines: int, flags: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as name:
        with start_corebank(Path(name)) as server:
            work = payroll_lines(Path(name), lines, server)
            with CpuMeter(split_python=False) as meter:
                started = time.perf_counter()
                asyncio.run(_run(server, mode, work, flags))
                seconds = time.perf_counter() - started
            if not mode.startswith("navigate"):
                check_ledger(server, [line["reference"] for line in work])
    return {
        "mode": mode,
        "flags": flags,
        "lines": lines,
        "items_per_s": round(lines / seconds, 2),
        "cpu_s_per_item": round(sum(meter.seconds.values()) / lines, 3),
        "cpu": {k: round(v / lines, 3) for k, v in meter.seconds.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--mode", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("flags", nargs="*", help="extra Chromium flags, after --")
    args = parser.parse_args()
    for mode in args.mode:
        print(json.dumps(measure(mode, args.lines, args.flags), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
