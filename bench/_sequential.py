"""The harness of the sequential alternatives (plain Playwright, Selenium): measure, report, record.

A script gives, for each console it can pay on, ``pay(server, lines) -> txn numbers``
(``server``: the running console, with its URL, operator, password and one-time-code
seed); each latency gets a fresh console and batch, the paying is timed inside
``CpuMeter``, and the console's ledger is checked before the result is printed (and
appended to ``results`` with --record): each line paid once, to its account, with its
amount, and the receipts read are the ledger's transaction numbers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench._cpu import CpuMeter
from bench._lines import check_ledger, console_server, figures, payroll_lines
from tests._console_server import Server

__all__ = ["Pay", "main", "measure"]

Pay = Callable[[Server, list[dict[str, str]]], list[str]]


def measure(
    client: str, browser: str, pay: Pay, lines: int, latency_ms: int, console: str = "corebank"
) -> dict[str, Any]:
    """Pay a fresh batch of ``lines`` on a fresh ``console``; time, CPU and the ledger check."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with console_server(console, folder, latency_ms=latency_ms) as server:
            work = payroll_lines(folder, lines, server)
            with CpuMeter() as meter:
                started = time.perf_counter()
                paid = pay(server, work)
                seconds = time.perf_counter() - started
            check_ledger(server, figures(work))
            ledger = sorted(row[0] for row in server.rows("SELECT txn_no FROM transfers"))
            assert sorted(paid) == ledger, "the receipts read are not the ledger's txn numbers"
    cpu = meter.seconds
    total = sum(v for k, v in cpu.items() if not k.startswith("python: "))
    count = len(work)
    return {
        "client": client,
        "browser": browser,
        "console": console,
        "concurrency": 1,
        "latency_ms": latency_ms,
        "lines": count,
        "seconds": round(seconds, 2),
        "items_per_s": round(count / seconds, 2),
        "cpu_s_per_item": round(total / count, 3),
        "cpu": {k: round(v / count, 3) for k, v in cpu.items()},
    }


def main(doc: str, client: str, browser: str, pays: Mapping[str, Pay], results: Path) -> None:
    """The command line: --console, --lines, --latency-ms, --record."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--console", choices=sorted(pays), default="corebank")
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 150])
    parser.add_argument("--record", action="store_true", help=f"also append to {results}")
    args = parser.parse_args()
    pay = pays[args.console]
    for latency in args.latency_ms:
        result = measure(client, browser, pay, args.lines, latency, args.console)
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        if args.record:
            results.parent.mkdir(exist_ok=True)
            with results.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
