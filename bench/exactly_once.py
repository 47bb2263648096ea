"""Exactly once under fire: throughput with console faults off and on, and recovery after kills.

    .venv/bin/python bench/exactly_once.py [--lines 60] [--kills 12]

1. faults off: a 60-line batch, 4 contexts, one runner in this process;
2. faults on: the same with 10% HTTP 500s before posting, 5% connections dropped after
   the commit, 2% pages slower than the bot's timeout, and one session expiry;
3. kills: `teller resume` in a subprocess killed with SIGKILL at seeded moments and
   resumed until done; recovery = restart -> first item done, from the store's events.
Each ends with the ledger check of the tests (every approved line paid exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.payroll import PayrollFlow  # noqa: E402
from teller.logs import configure  # noqa: E402
from teller.runner import Runner  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from tests._chaos import resume_until_done  # noqa: E402
from tests._console_server import start_corebank  # noqa: E402
from tests.conftest import ROOT as REPO  # noqa: E402
from tests.flows import test_exactly_once as scenario  # noqa: E402

FAULTS = {
    "seed": 7,
    "rates": {"error_before_post": 0.10, "drop_after_commit": 0.05, "slow_page": 0.02},
    "slow_page_seconds": 10,
    "expire_session_after": 25,
}


def _project(folder: Path) -> Path:
    import shutil

    project = folder / "project"
    project.mkdir()
    for name in ("teller.toml", "selectors", "policies"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    return project


def one(mode: str, lines: int, kills: int) -> dict[str, object]:
    scenario.LINES = lines
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = _project(folder)
        with start_corebank(folder) as server:
            store = scenario.wire(project, server)
            run_id = scenario.load_batch(project, server, store, folder, seed=lines)
            worked = len([i for i in store.items(run_id) if i.decision == "auto_approved"])
            if mode == "faults on":
                server.faults(**FAULTS)
            started = time.perf_counter()
            figures: dict[str, object] = {"mode": mode, "lines": lines}
            if mode == "kills":
                result = resume_until_done(
                    project,
                    store,
                    run_id,
                    kills=kills,
                    seed=2026,
                    log=folder / "resumes.log",
                    env=scenario.operator(project).env,
                )
                recovery = result.recovery_seconds(store, run_id)
                figures |= {
                    "kills": result.kills,
                    "recovery_median_s": round(statistics.median(recovery), 2),
                    "recovery_max_s": round(max(recovery), 2),
                }
            else:
                runner = Runner(settings=load_settings(project), store=store, flow=PayrollFlow())
                asyncio.run(runner.run(run_id))
            seconds = time.perf_counter() - started
            states = scenario.check_ledger(server, store, run_id, allow_review=True)
            figures |= {
                "seconds": round(seconds, 1),
                "items_per_s": round(worked / seconds, 2),
                "states": states,
                "injected": server.injected(),
            }
            store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--modes", nargs="+", default=["faults off", "faults on", "kills"])
    args = parser.parse_args()
    configure(level="ERROR")
    for mode in args.modes:
        print(json.dumps(one(mode, args.lines, args.kills), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
