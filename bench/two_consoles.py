"""One flow, two consoles (issue 18): Teller and the plain Playwright script on corebank and coreplus.

    .venv/bin/python bench/two_consoles.py                  # 200 lines, 4 contexts, 0 ms, 3 rounds
    .venv/bin/python bench/two_consoles.py --lines 30 --rounds 1 --out /tmp/smoke.json   # a smoke run

One series, four arms, each paying the same sample batch (``bench/_lines.py``) of
``--lines`` lines on a fresh console at ``--latency-ms``:

- Teller's payroll flow at ``--contexts`` on corebank (``[flows.payroll]``) and on coreplus
  (``[flows.payroll-coreplus]``): ``bench/teller_payroll.py --console ...``;
- the plain sequential Playwright script on each: ``bench/plain_playwright.py --console ...``.

The arms take turns: every round runs all four, corebank and coreplus alternating, and each
round starts one arm later than the one before (round 1: Teller corebank, Teller coreplus,
plain corebank, plain coreplus; round 2 starts with Teller coreplus; ...), so no arm always
runs first or after the same neighbour while the machine's speed drifts. Each measurement
is a fresh Python process (the scripts above, as they run on their own), and ends with its
console's ledger check (each line paid once, to its account, with its amount); a failed
one stops the series.

The series is written to ``--out`` (default ``bench/results/two_consoles-<UTC time>.json``)
after every measurement: the settings, each run's result with the 1-minute load average
before it, and per arm the median (and range) of transfers/s and CPU-seconds per transfer
(the whole process tree, ``bench/_cpu.py``), with Teller's ratios to the plain script on
each console. The table printed at the end is BENCHMARKS.md's ("Issue 18").
Transfers/s are of each script's own ``seconds``: Teller's from the runner's start
(browser launch, logins) to the last line settled, the plain script's from launch to
close; the statement download and report after Teller's run are left out (``finish_s``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CONSOLES = ("corebank", "coreplus")
CLIENTS = ("teller", "plain")
# the arms in the order of the first round: consoles alternate, then clients
ARMS = [(client, console) for client in CLIENTS for console in CONSOLES]
NAMES = {"teller": "Teller", "plain": "plain Playwright script"}


def order(round_no: int) -> list[tuple[str, str]]:
    """The arms of round ``round_no`` (0-based): the first round's, turned by one a round."""
    turn = round_no % len(ARMS)
    return ARMS[turn:] + ARMS[:turn]


def command(client: str, console: str, args: argparse.Namespace) -> list[str]:
    """The measurement of one arm, as its script is run on its own."""
    common = ["--console", console, "--lines", str(args.lines)]
    common += ["--latency-ms", str(args.latency_ms)]
    if client == "teller":
        script = [str(BENCH / "teller_payroll.py"), "--contexts", str(args.contexts)]
    else:
        script = [str(BENCH / "plain_playwright.py")]
    return [sys.executable, *script, *common]


def run(argv: list[str]) -> dict[str, Any]:
    """Run one measurement; its result is the last line it prints (JSON)."""
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{' '.join(argv[1:])}: exit status {done.returncode}, expected one JSON line; "
            f"its stderr ends: {done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per arm: medians and ranges; per console: Teller's ratios to the plain script."""
    arms: dict[str, Any] = {}
    for client, console in ARMS:
        mine = [r["result"] for r in runs if (r["client"], r["console"]) == (client, console)]
        if not mine:
            continue
        rates = [r["items_per_s"] for r in mine]
        cpus = [r["cpu_s_per_item"] for r in mine]
        arms[f"{client} {console}"] = {
            "client": client,
            "console": console,
            "n": len(mine),
            "transfers": sorted({r.get("done", r["lines"]) for r in mine}),
            "items_per_s": statistics.median(rates),
            "items_per_s_range": [min(rates), max(rates)],
            "cpu_s_per_item": round(statistics.median(cpus), 3),
            "cpu_s_per_item_range": [min(cpus), max(cpus)],
            "seconds": statistics.median(r["seconds"] for r in mine),
        }
    ratios = {}
    for console in CONSOLES:
        teller, plain = arms.get(f"teller {console}"), arms.get(f"plain {console}")
        if teller and plain:
            ratios[console] = {
                "teller_over_plain_items_per_s": round(
                    teller["items_per_s"] / plain["items_per_s"], 2
                ),
                "teller_over_plain_cpu_s_per_item": round(
                    teller["cpu_s_per_item"] / plain["cpu_s_per_item"], 2
                ),
            }
    # every arm must have paid the same transfers, or its figures compare nothing
    same = len({tuple(arm["transfers"]) for arm in arms.values()}) <= 1
    return {"arms": arms, "ratios": ratios, "same_work": same}


def table(series: dict[str, Any]) -> str:
    """The series as BENCHMARKS.md's table (Markdown)."""
    rows = [
        "| console | client | concurrency | lines | runs | transfers/s median (range) "
        "| CPU-s per transfer median (range) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for console in CONSOLES:
        for client in CLIENTS:
            arm = series["summary"]["arms"].get(f"{client} {console}")
            if arm is None:
                continue
            low, high = arm["items_per_s_range"]
            cpu_low, cpu_high = arm["cpu_s_per_item_range"]
            rows.append(
                f"| {console} | {NAMES[client]} "
                f"| {series['contexts'] if client == 'teller' else 1} "
                f"| {'/'.join(map(str, arm['transfers']))} | {arm['n']} "
                f"| {arm['items_per_s']:.2f} ({low:.2f}–{high:.2f}) "
                f"| {arm['cpu_s_per_item']:.3f} ({cpu_low:.3f}–{cpu_high:.3f}) |"
            )
    for console, ratio in series["summary"]["ratios"].items():
        rows.append(
            f"| {console} | Teller ÷ plain | | | "
            f"| {ratio['teller_over_plain_items_per_s']:.2f}× "
            f"| {ratio['teller_over_plain_cpu_s_per_item']:.2f}× |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--contexts", type=int, default=4, help="Teller's browser contexts")
    parser.add_argument("--latency-ms", type=int, default=0, help="added by each console")
    parser.add_argument("--rounds", type=int, default=3, help="each round runs every arm once")
    parser.add_argument("--out", type=Path, help="the series' JSON file (default: bench/results/)")
    args = parser.parse_args()
    if args.rounds < 1 or args.lines < 1:
        parser.error("--rounds and --lines: expected at least 1")
    started = datetime.now(UTC)
    out = args.out or BENCH / "results" / f"two_consoles-{started:%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    series: dict[str, Any] = {
        "series": "two_consoles",
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "lines": args.lines,
        "contexts": args.contexts,
        "latency_ms": args.latency_ms,
        "rounds": args.rounds,
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "runs": [],
    }
    total = args.rounds * len(ARMS)
    for round_no in range(args.rounds):
        for position, (client, console) in enumerate(order(round_no)):
            load = os.getloadavg()[0]
            print(
                f"[{len(series['runs']) + 1}/{total}] round {round_no + 1}: {client} on "
                f"{console} (load {load:.2f})",
                file=sys.stderr,
                flush=True,
            )
            began = time.perf_counter()
            result = run(command(client, console, args))
            series["runs"].append(
                {
                    "round": round_no + 1,
                    "position": position + 1,
                    "client": client,
                    "console": console,
                    "load_1m_before": round(load, 2),
                    "wall_s": round(time.perf_counter() - began, 1),
                    "result": result,
                }
            )
            series["summary"] = summary(series["runs"])
            out.write_text(json.dumps(series, ensure_ascii=False, indent=1) + "\n", "utf-8")
    series["ended"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.write_text(json.dumps(series, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(table(series))
    if not series["summary"]["same_work"]:
        print("\nthe arms paid different numbers of transfers: see runs[].result", file=sys.stderr)
        sys.exit(1)
    print(f"\nseries written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
