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

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._cpu import CpuMeter  # noqa: E402
from bench._lines import LABELS, check_ledger, payroll_lines  # noqa: E402
from teller.browser import LAUNCH_ARGS, find_chromium  # noqa: E402
from tests._console_server import start_corebank  # noqa: E402

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


def measure(lines: int, latency_ms: int) -> dict[str, Any]:
    """Pay a fresh batch of ``lines`` on a fresh console; time, CPU and the ledger check."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with start_corebank(folder, latency_ms=latency_ms) as server:
            work = payroll_lines(folder, lines, server)
            with CpuMeter() as meter:
                started = time.perf_counter()
                paid = pay(server.base_url, server.user, server.password, work)
                seconds = time.perf_counter() - started
            check_ledger(server, [line["reference"] for line in work])
            assert len(paid) == len(work) and all(paid), "a receipt without a transaction number"
    return result(find_chromium(), latency_ms, len(work), seconds, meter.seconds)


def result(
    browser: str, latency_ms: int, lines: int, seconds: float, cpu: dict[str, float]
) -> dict[str, Any]:
    """One measurement as a JSON-ready dict; CPU per item, the python split left out of the total."""
    total = sum(v for k, v in cpu.items() if not k.startswith("python: "))
    return {
        "client": CLIENT,
        "browser": browser,
        "concurrency": 1,
        "latency_ms": latency_ms,
        "lines": lines,
        "seconds": round(seconds, 2),
        "items_per_s": round(lines / seconds, 2),
        "cpu_s_per_item": round(total / lines, 3),
        "cpu": {k: round(v / lines, 3) for k, v in cpu.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 150])
    parser.add_argument("--record", action="store_true", help=f"also append to {RESULTS}")
    args = parser.parse_args()
    for latency in args.latency_ms:
        line = json.dumps(measure(args.lines, latency), ensure_ascii=False)
        print(line, flush=True)
        if args.record:
            RESULTS.parent.mkdir(exist_ok=True)
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(line + "\n")


if __name__ == "__main__":
    main()
