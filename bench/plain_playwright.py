"""The plain Playwright baseline: the payroll paid by a sequential script as playwright.dev teaches.

What a bank developer writes after reading Playwright's Python docs: the sync API, one
browser, one page, log in once, then per line open the transfer form, fill the six fields
by their labels, click Submit (the ``confirm()`` accepted by a dialog handler) and read the
receipt's transaction number. No route blocking, no tracing, no page objects; only the same
Chromium binary and launch flags as Teller (``teller.browser.find_chromium``, ``LAUNCH_ARGS``:
no sandbox as root, no background calls home on a closed network).

    .venv/bin/python bench/plain_playwright.py --lines 1000 --latency-ms 0 150 --record

The lines are the sample payroll batch every benchmark pays (``bench/_lines.py``). The time
and CPU (``bench/_cpu.py``) cover the paying only: launch, login, every line, close. Every
measurement checks the console's ledger: each line paid once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._lines import LABELS  # noqa: E402
from bench._sequential import main  # noqa: E402
from teller.browser import LAUNCH_ARGS, find_chromium  # noqa: E402

CLIENT = "plain playwright"
RESULTS = Path(__file__).resolve().parent / "results" / f"{Path(__file__).stem}.jsonl"


def pay(base_url: str, user: str, password: str, lines: list[dict[str, str]]) -> list[str]:
    """Pay every line, one after the other; return the transaction numbers."""
    txn_numbers = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page()
        page.on("dialog", lambda dialog: dialog.accept())

        page.goto(f"{base_url}/login")
        page.get_by_label("用戶名 Username").fill(user)
        page.get_by_label("密碼 Password").fill(password)
        page.get_by_role("button", name="登錄 Login").click()
        page.wait_for_url(f"{base_url}/")

        for line in lines:
            page.goto(f"{base_url}/transfer")
            for field, label in LABELS.items():
                page.get_by_label(label).fill(line[field])
            page.get_by_role("button", name="提交 Submit").click()
            expect(page.locator("#txn-no")).to_be_visible()
            txn_numbers.append(page.locator("#txn-no").inner_text())

        browser.close()
    return txn_numbers


if __name__ == "__main__":
    main(__doc__, CLIENT, find_chromium(), pay, RESULTS)
