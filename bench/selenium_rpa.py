"""The Selenium baseline: the payroll paid the rpaframework way, ``RPA.Browser.Selenium`` keywords.

What an RPA developer writes with rpaframework and Debian's ``chromium-driver``: one
headless Chromium opened through ``Open Browser`` (Debian's ``/usr/bin/chromedriver``,
the same ``chromium-headless-shell`` binary Teller drives), log in once, then per line open
the transfer form, ``Input Text`` each field by a locator built from its label, ``Click
Button``, ``Handle Alert`` to accept the ``confirm()``, wait for the receipt and ``Get Text``
its transaction number. Sequential, one browser. The flags are the ones a root, offline
Chromium needs (no sandbox, no GPU, no background calls home, no first-run).

    .venv/bin/python bench/selenium_rpa.py --lines 1000 --latency-ms 0 150 --record

The lines are the sample payroll batch every benchmark pays (``bench/_lines.py``). The time
and CPU (``bench/_cpu.py``) cover the paying only: launch, login, every line, close. Every
measurement checks the console's ledger: each line paid once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from RPA.Browser.Selenium import Selenium
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._lines import LABELS  # noqa: E402
from bench._sequential import main  # noqa: E402
from tests._console_server import Server  # noqa: E402

CLIENT = "rpaframework selenium"
RESULTS = Path(__file__).resolve().parent / "results" / f"{Path(__file__).stem}.jsonl"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Teller's binary (what teller.browser.find_chromium picks here), else the full Chromium.
# The real binaries, not Debian's /usr/bin wrappers: a wrapper runs Chromium without exec,
# so chromedriver's quit ends the wrapper and Chromium lived on, busy, after the run.
CHROMIUM = next(
    (
        p
        for p in (
            "/usr/lib/chromium/chromium-headless-shell",
            "/usr/bin/chromium-headless-shell",
            "/usr/lib/chromium/chromium",
            "/usr/bin/chromium",
        )
        if os.access(p, os.X_OK)
    ),
    "/usr/bin/chromium",
)
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def by_label(label: str) -> str:
    """The locator of the input a label is for (the console draws input ids per session)."""
    return f'xpath://input[@id=//label[normalize-space()="{label}"]/@for]'


def pay(server: Server, lines: list[dict[str, str]]) -> list[str]:
    """Pay every line on corebank, one after the other; return the transaction numbers."""
    base_url, user, password = server.base_url, server.user, server.password
    txn_numbers = []
    browser = Selenium(run_on_failure="Nothing")  # no failure screenshots into the repo
    browser.open_browser(
        f"{base_url}/login",
        browser="chrome",
        options={"binary_location": CHROMIUM, "arguments": FLAGS},
        service=Service(executable_path=CHROMEDRIVER),
    )

    browser.input_text(by_label("用戶名 Username"), user)
    # Input Password needs a running Robot Framework (it mutes Robot's log): plain Python here
    browser.input_text(by_label("密碼 Password"), password)
    browser.click_button("登錄 Login")
    browser.wait_until_location_is(f"{base_url}/")

    for line in lines:
        browser.go_to(f"{base_url}/transfer")
        for field, label in LABELS.items():
            browser.input_text(by_label(label), line[field])
        browser.click_button("提交 Submit")
        browser.handle_alert("ACCEPT")
        browser.wait_until_element_is_visible("id:txn-no")
        txn_numbers.append(browser.get_text("id:txn-no"))

    browser.close_browser()
    return txn_numbers


if __name__ == "__main__":
    main(__doc__, CLIENT, CHROMIUM, {"corebank": pay}, RESULTS)
