"""Account-loss throughput: tickets per minute at 1 and 4 contexts, and report-to-freeze times.

For each context count: three fresh sandbox consoles, ``--tickets`` tickets seeded (the
test's mix: mismatches, cards already frozen, an unknown card, an account freeze, an
unfreeze held by the gate), reported "now"; then intake, gate and run, timed from the
start of intake to the end of the run (report written). Report-to-freeze times are read
from the consoles' own databases, not from Teller.

    .venv/bin/python bench/account_loss.py --tickets 100 --contexts 1 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows._loss_sample import scenario, seed_consoles  # noqa: E402
from flows.account_loss import AccountLossFlow  # noqa: E402
from teller.intake import take  # noqa: E402
from teller.logs import configure  # noqa: E402
from teller.runner import Runner  # noqa: E402
from teller.runs import submit  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from teller.store import open_store  # noqa: E402
from tests._console_server import start_console  # noqa: E402
from tests.conftest import LOSS_CONSOLES, ROOT  # noqa: E402


def one(tickets: int, contexts: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = folder / "project"
        project.mkdir()
        for part in ("selectors", "policies"):
            shutil.copytree(ROOT / part, project / part)
        servers = {}
        with (
            start_console(
                "servicedesk", folder, user=LOSS_CONSOLES["servicedesk"][0], password="p"
            ) as desk,
            start_console("cif", folder, user=LOSS_CONSOLES["cif"][0], password="p") as cif,
            start_console(
                "cardadmin", folder, user=LOSS_CONSOLES["cardadmin"][0], password="p"
            ) as cards,
        ):
            servers = {"servicedesk": desk, "cif": cif, "cardadmin": cards}
            toml = f'mode = "sandbox"\ncontexts = {contexts}\n' + "".join(
                s.settings_toml(preamble="", mode=None) for s in servers.values()
            )
            (project / "teller.toml").write_text(toml, encoding="utf-8")
            seed_consoles(scenario(tickets, seed=3), {n: s.base_url for n, s in servers.items()})
            settings = load_settings(project)
            store = open_store(settings)
            flow = AccountLossFlow()
            started = time.perf_counter()
            path = take(settings, store, flow)
            assert path is not None
            run_id = submit(settings, store, flow, flow.load(path), submitted_by="bench")
            asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
            seconds = time.perf_counter() - started
            reported = dict(desk.rows("SELECT ticket_id, reported_at FROM tickets"))
            waits = [
                (
                    datetime.fromisoformat(at) - datetime.fromisoformat(reported[memo])
                ).total_seconds()
                for memo, at in cards.rows(
                    "SELECT memo, at FROM actions WHERE kind = 'freeze_card'"
                )
                if memo in reported
            ]
            states: dict[str, int] = {}
            for item in store.items(run_id):
                states[item.state] = states.get(item.state, 0) + 1
            store.close()
    return {
        "contexts": contexts,
        "tickets": tickets,
        "seconds": round(seconds, 1),
        "tickets_per_minute": round(tickets * 60 / seconds, 1),
        "frozen_by_teller": len(waits),
        "report_to_freeze_median_s": statistics.median(waits) if waits else None,
        "report_to_freeze_max_s": max(waits) if waits else None,
        "states": states,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--contexts", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    configure(level="ERROR")
    for contexts in args.contexts:
        print(json.dumps(one(args.tickets, contexts), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
