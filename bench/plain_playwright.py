"""The plain Playwright baseline: the payroll paid by a sequential script as playwright.dev teaches.

What a bank developer writes after reading Playwright's Python docs: the sync API, one
browser, one page, sign in once, then per line open the transfer form, fill it, submit
and read the receipt's transaction number. No route blocking, no tracing, no page
objects; only the same Chromium binary and launch flags as Teller
(``teller.browser.find_chromium``, ``LAUNCH_ARGS``: no sandbox as root, no background
calls home on a closed network). One script per console:

- corebank: user name and password; the six fields by their ``<label>``
  (``get_by_label``), Submit, the ``confirm()`` accepted by a dialog handler.
- coreplus: user name and password, then the one-time code (pyotp, from the operator's
  seed); the fields by the label cell of their table row (the console has no ``<label>``:
  ``get_by_role("row").filter(has_text=...)``), the debit account chosen in its
  ``<select>``, Submit, the amount typed again in the page's overlay, Confirm, the
  transaction number from the receipt's row.

Both open the transfer form by its URL (``page.goto(".../transfer")``), as the page a
developer finds behind the console's menu; both wait for the receipt with ``expect``.

    .venv/bin/python bench/plain_playwright.py --lines 1000 --latency-ms 0 150 --record
    .venv/bin/python bench/plain_playwright.py --console coreplus --lines 200 --latency-ms 0

The lines are the sample payroll batch every benchmark pays (``bench/_lines.py``). The time
and CPU (``bench/_cpu.py``) cover the paying only: launch, sign-in, every line, close. Every
measurement checks the console's ledger: each line paid once, to its account, with its amount.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyotp
from playwright.sync_api import Locator, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._lines import LABELS  # noqa: E402
from bench._sequential import main  # noqa: E402
from teller.browser import LAUNCH_ARGS, find_chromium  # noqa: E402
from tests._console_server import Server  # noqa: E402

CLIENT = "plain playwright"
RESULTS = Path(__file__).resolve().parent / "results" / f"{Path(__file__).stem}.jsonl"
# coreplus's label cells of the transfer form, by the line's field (consoles/coreplus/README.md)
COREPLUS_LABELS = {
    "credit_account": "收款账号 Payee Account",
    "payee_name": "收款户名 Payee Name",
    "amount": "金额 Amount",
    "reference": "客户流水号 Customer Ref",
    "memo": "用途 Purpose",
}


def pay(server: Server, lines: list[dict[str, str]]) -> list[str]:
    """Pay every line on corebank, one after the other; return the transaction numbers."""
    base_url = server.base_url
    txn_numbers = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page()
        page.on("dialog", lambda dialog: dialog.accept())

        page.goto(f"{base_url}/login")
        page.get_by_label("用戶名 Username").fill(server.user)
        page.get_by_label("密碼 Password").fill(server.password)
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


def beside(page: Page, label: str) -> Locator:
    """The input or select in the table row whose label cell reads ``label``."""
    return page.get_by_role("row").filter(has_text=label).locator("input, select")


def pay_coreplus(server: Server, lines: list[dict[str, str]]) -> list[str]:
    """Pay every line on coreplus, one after the other; return the transaction numbers."""
    base_url = server.base_url
    assert server.totp_seed is not None, "coreplus asks for a one-time code: no seed given"
    authenticator = pyotp.TOTP(server.totp_seed)
    txn_numbers = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page()

        page.goto(f"{base_url}/login")
        beside(page, "用户名 Username").fill(server.user)
        beside(page, "密码 Password").fill(server.password)
        page.get_by_role("button", name="下一步 Next").click()
        beside(page, "动态码 One-time code").fill(authenticator.now())
        page.get_by_role("button", name="登录 Sign in").click()
        page.wait_for_url(f"{base_url}/")

        txn_no = page.get_by_role("row").filter(has_text="交易流水号 Txn No").get_by_role("cell")
        for line in lines:
            page.goto(f"{base_url}/transfer")
            beside(page, "付款账户 Debit Account").select_option(line["debit_account"])
            for field, label in COREPLUS_LABELS.items():
                beside(page, label).fill(line[field])
            page.get_by_role("button", name="提交 Submit").click()
            page.locator("div.dialog").get_by_role("textbox").fill(line["amount"])
            page.get_by_role("button", name="确认 Confirm").click()
            expect(txn_no.last).to_be_visible()
            txn_numbers.append(txn_no.last.inner_text())

        browser.close()
    return txn_numbers


if __name__ == "__main__":
    main(__doc__, CLIENT, find_chromium(), {"corebank": pay, "coreplus": pay_coreplus}, RESULTS)
