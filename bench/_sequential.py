"""The harness of the sequential alternatives (plain Playwright, Selenium): measure, report, record.

A script gives its ``pay(base_url, user, password, lines) -> txn numbers``; each latency
gets a fresh console and batch, the paying is timed inside ``CpuMeter``, and the console's
ledger is checked before the result is printed (and appended to ``results`` with --record).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._cpu import CpuMeter
from bench._lines import check_ledger, payroll_lines
from tests._console_server import start_corebank

__all__ = ["Pay", "main"]

Pay = Callable[[str, str, str, list[dict[str, str]]], list[str]]


def measure(client: str, browser: str, pay: Pay, lines: int, latency_ms: int) -> dict[str, Any]:
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
    cpu = meter.seconds
    total = sum(v for k, v in cpu.items() if not k.startswith("python: "))
    count = len(work)
    return {
        "client": client,
        "browser": browser,
        "concurrency": 1,
        "latency_ms": latency_ms,
        "lines": count,
        "seconds": round(seconds, 2),
        "items_per_s": round(count / seconds, 2),
        "cpu_s_per_item": round(total / count, 3),
        "cpu": {k: round(v / count, 3) for k, v in cpu.items()},
    }


def main(doc: str, client: str, browser: str, pay: Pay, results: Path) -> None:
    """The command line: --lines, --latency-ms, --record."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 150])
    parser.add_argument("--record", action="store_true", help=f"also append to {results}")
    args = parser.parse_args()
    for latency in args.latency_ms:
        line = json.dumps(measure(client, browser, pay, args.lines, latency), ensure_ascii=False)
        print(line, flush=True)
        if args.record:
            results.parent.mkdir(exist_ok=True)
            with results.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
