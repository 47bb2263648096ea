"""Items per second through the whole 200-line demo flow at 1, 2, 4 and 8 browser contexts.

    .venv/bin/python bench/demo_throughput.py [--lines 200] [--contexts 1 2 4 8] [--latency-ms 0]

Each measurement gets a fresh sandbox console and store: the sample batch (a few lines
above the limit, a few the console refuses) is loaded, gated, paid by the runner and
reconciled, exactly as `teller demo` does. Wall time covers the runner's whole run
(browser start, logins, transfers, statement download, report). CPU time is of the
whole process tree (Python, Playwright's driver, Chromium, the console; bench/_cpu.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._cpu import CpuMeter  # noqa: E402
from flows.payroll import PayrollFlow  # noqa: E402
from teller.logs import configure  # noqa: E402
from teller.runner import Runner  # noqa: E402
from teller.runs import submit  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from teller.store import open_store  # noqa: E402
from tests._console_server import start_corebank  # noqa: E402


def measure(contexts: int, lines: int, latency_ms: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        with start_corebank(tmp, latency_ms=latency_ms) as server:
            settings = load_settings(
                ROOT,
                consoles={
                    "corebank": {
                        "base_url": server.base_url,
                        "user": server.user,
                        "password": server.password,
                    }
                },
                database_url=f"sqlite:///{tmp / 'teller.db'}",
                contexts=contexts,
            )
            settings = settings.model_copy(update={"project": ROOT})
            flow = PayrollFlow()
            sample = flow.sample(
                tmp / "pay.xlsx",
                lines=lines,
                console_url=server.base_url,
                seed=contexts,
                over_limit=lines // 40,
                refused=lines // 40,
            )
            store = open_store(settings)
            run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="bench")
            # the run folder would land in the repository's var/: keep it in the temp folder
            settings = settings.model_copy(update={"project": tmp})
            (tmp / "selectors").symlink_to(ROOT / "selectors")
            with CpuMeter(split_python=False) as meter:
                started = time.perf_counter()
                asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
                wall = time.perf_counter() - started
            cpu = sum(meter.seconds.values())
            worked = len([i for i in store.items(run_id) if i.state != "needs_approval"])
            paid = server.rows(
                "SELECT COUNT(*) FROM transfers WHERE reference LIKE ?", (f"{sample.batch_id}:%",)
            )[0][0]
            store.close()
    return {
        "contexts": contexts,
        "lines": lines,
        "worked": worked,
        "paid": paid,
        "seconds": round(wall, 2),
        "items_per_s": round(worked / wall, 2),
        "cpu_s_per_item": round(cpu / worked, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--contexts", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    configure(level="WARNING")
    for contexts in args.contexts:
        print(json.dumps(measure(contexts, args.lines, args.latency_ms)), flush=True)


if __name__ == "__main__":
    main()
