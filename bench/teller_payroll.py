"""Teller's payroll flow over 1,000 lines at 1, 2, 4 and 8 contexts, console at 0 and 150 ms.

    .venv/bin/python bench/teller_payroll.py --lines 1000 --contexts 1 2 4 8 --latency-ms 0 150
    .venv/bin/python bench/teller_payroll.py --console coreplus --lines 200 --contexts 4 --latency-ms 0

``--console`` picks the sandbox console (``corebank``, the default, or ``coreplus``; several
are measured one after the other) and with it the flow: the project's ``teller.toml`` flow
that runs payroll on that console (``[flows.payroll]`` on corebank,
``[flows.payroll-coreplus]`` on coreplus), with its console map and its policy file, as
``teller run`` would take them.

``--input fill`` or ``--input simulate`` measures every screen in that input mode (the
selector files copied into the temp project and rewritten); ``shipped`` (the default)
takes them as they are.

Each measurement: a fresh sandbox console and SQLite store, the same sample batch as the
floor and the alternatives (`bench/_lines.py`), loaded and gated as `teller run` does,
then the runner with a run log at DEBUG, as the command line writes one. ``seconds`` is
from the runner's start (browser launch, logins) to the last line settled; the statement
download and the reconciliation report after it are ``finish_s``. CPU is of the whole
process tree by process kind, Python split by py-spy (`bench/_cpu.py`). ``store_wall_s``
is the wall time per item spent inside the store's calls while the runner works (the
store is synchronous: all contexts wait while it commits). Every measurement ends with
the console's ledger: each line paid once, to its account, with its amount, and the
receipt the store holds for it is the ledger's transaction number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from loguru import logger  # noqa: E402

from bench._cpu import CpuMeter  # noqa: E402
from bench._lines import CONSOLES, check_ledger, console_server, sample_batch  # noqa: E402
from teller.flow import load_flow  # noqa: E402
from teller.logs import add_run_log, configure  # noqa: E402
from teller.runner import Runner  # noqa: E402
from teller.runs import submit  # noqa: E402
from teller.settings import Settings, load_settings  # noqa: E402
from teller.store import Item, Store, open_store  # noqa: E402

_TIMED = (
    "claim",
    "renew",
    "release",
    "move",
    "item",
    "items",
    "note",
    "run",
    "update_run",
    "audit",
)


def _time_store(store: Store, spent: list[float]) -> None:
    """Add the wall time of every call of the store's item and run methods to ``spent``."""
    for name in _TIMED:
        method = getattr(store, name)

        def timed(*args: Any, _method: Any = method, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        setattr(store, name, timed)


def _project(tmp: Path, mode: str) -> None:
    """The project's policy files (linked) and selector files in ``tmp``: the selectors as
    shipped (a link), or copied with every screen's ``input:`` set to ``mode`` (as the
    end-to-end tests' ``set_input`` does), so the same batch can be measured in ``fill`` and
    in ``simulate``."""
    (tmp / "policies").symlink_to(ROOT / "policies")
    if mode == "shipped":
        (tmp / "selectors").symlink_to(ROOT / "selectors")
        return
    shutil.copytree(ROOT / "selectors", tmp / "selectors")
    for path in (tmp / "selectors").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for screen in data["screens"].values():
            screen["input"] = mode
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def payroll_flow(settings: Settings, console: str) -> str:
    """The name of the project's flow that runs payroll on ``console`` (teller.toml)."""
    for name, configured in settings.flows.items():
        if (configured.flow or name) == "payroll" and (configured.console or "corebank") == console:
            return name
    raise ValueError(f"teller.toml: no [flows.*] runs payroll on the console {console!r}")


def measure(
    contexts: int,
    lines: int,
    latency_ms: int,
    input_mode: str = "shipped",
    console: str = "corebank",
    **overrides: Any,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        _project(tmp, input_mode)
        with console_server(console, tmp, latency_ms=latency_ms) as server:
            where = {"base_url": server.base_url, "user": server.user, "password": server.password}
            if server.totp_seed is not None:
                where["totp"] = server.totp_seed
            settings = load_settings(
                ROOT,
                consoles={console: where},
                database_url=f"sqlite:///{tmp / 'teller.db'}",
                contexts=contexts,
                **overrides,
            )
            # the run folder (run log, evidence, report) goes to the temp folder, and with
            # it the console maps and policies linked there
            settings = settings.model_copy(update={"project": tmp})
            flow_name = payroll_flow(settings, console)
            flow = load_flow(flow_name, settings=settings)
            path = sample_batch(tmp, lines, server)
            store = open_store(settings)
            run_id = submit(settings, store, flow, flow.load(path), submitted_by="bench")
            sink = add_run_log(settings.run_folder(run_id) / "run.log.jsonl")
            last = [0.0]

            def settled(item: Item) -> None:
                last[0] = time.perf_counter()

            runner = Runner(settings=settings, store=store, flow=flow, on_item=settled)
            spent = [0.0]
            _time_store(store, spent)
            with CpuMeter() as meter:
                started = time.perf_counter()
                asyncio.run(runner.run(run_id))
                ended = time.perf_counter()
            logger.remove(sink)
            items = store.items(run_id)
            done = [i for i in items if i.state == "done"]
            check_ledger(server, {i.key: (i.payload["account_no"], i.amount) for i in done})
            txn_nos = dict(server.rows("SELECT reference, txn_no FROM transfers"))
            assert all(txn_nos[i.key] == i.receipt for i in done), "a receipt not the ledger's"
            store.close()
    seconds = last[0] - started
    python_split = {k: v for k, v in meter.seconds.items() if k.startswith("python: ")}
    processes = {k: v for k, v in meter.seconds.items() if not k.startswith("python: ")}
    total = sum(processes.values())
    return {
        "client": "teller",
        "console": console,
        "flow": flow_name,
        "concurrency": contexts,
        "latency_ms": latency_ms,
        "input": input_mode,
        "lines": len(items),
        "done": len(done),
        "not_done": {i.key: i.state for i in items if i.state != "done"},
        "seconds": round(seconds, 2),
        "finish_s": round(ended - last[0], 2),
        "items_per_s": round(len(done) / seconds, 2),
        "cpu_s_per_item": round(total / len(done), 3),
        "store_wall_s_per_item": round(spent[0] / len(done), 4),
        "cpu": {k: round(v / len(done), 4) for k, v in {**processes, **python_split}.items()},
        **({"settings": overrides} if overrides else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--console", choices=sorted(CONSOLES), nargs="+", default=["corebank"])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--contexts", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 150])
    parser.add_argument("--no-trace", action="store_true", help="trace_failures = false")
    parser.add_argument(
        "--input",
        choices=["shipped", "fill", "simulate"],
        default="shipped",
        help="every screen's input mode; shipped: as selectors/*.yaml say",
    )
    parser.add_argument("--record", action="store_true", help="append to bench/results/")
    args = parser.parse_args()
    configure(level="WARNING")
    overrides = {"trace_failures": False} if args.no_trace else {}
    for console in args.console:
        for latency in args.latency_ms:
            for contexts in args.contexts:
                result = measure(contexts, args.lines, latency, args.input, console, **overrides)
                line = json.dumps(result, ensure_ascii=False)
                print(line, flush=True)
                if args.record:
                    out = ROOT / "bench" / "results" / "teller_payroll.jsonl"
                    out.parent.mkdir(exist_ok=True)
                    with out.open("a", encoding="utf-8") as file:
                        file.write(line + "\n")


if __name__ == "__main__":
    main()
