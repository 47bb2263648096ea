"""What signing in and approving cost a clerk: ``teller login`` and one approval, timed.

    .venv/bin/python bench/login_approve.py [--rounds 5]

A fresh project with a SQLite store; an admin bootstraps, an approver is added and
enrols, a run is loaded whose one line waits for approval. Then, each round: ``teller
login`` (password, then a one-time code; as a new process, as a clerk types it) and
``teller approvals approve ITEM --yes`` (as a new process), each timed for wall time and
CPU (user + system of the process). A code is taken once per 30 s step, so each round
waits for the next step before its login (not timed). Also times the Argon2id check
alone, in-process. Prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402

from teller.gate import Gate, Policy  # noqa: E402
from teller.people import People  # noqa: E402
from teller.people._credentials import HASHER, check_password, hash_password  # noqa: E402
from teller.runs import start_run  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from teller.store import open_store  # noqa: E402
from tests.teller.test_runner import ScriptedFlow  # noqa: E402

PASSWORD = "bench password no. 1"


def _timed(command: list[str], answer: str, env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds of one ``teller`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, input=answer, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)}: {done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def _next_step() -> None:
    time.sleep(30 - time.time() % 30 + 0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="teller-login-"))
    (folder / "teller.toml").write_text('mode = "sandbox"\n', encoding="utf-8")
    settings = load_settings(folder)
    store = open_store(settings)
    people = People(store)
    seed = people.bootstrap("root", password=PASSWORD).seed
    admin, _ = people.login(
        "root", PASSWORD, pyotp.TOTP(seed).now(), os_user="b", host="b", minutes=5
    )
    temporary = people.add(admin, "checker", roles=["approver"]).password
    seed = people.enrol("checker", temporary, PASSWORD).seed
    env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config")}
    teller = [sys.executable, "-m", "teller"]
    where = ["--project", str(folder)]
    figures: dict[str, list[float]] = {
        "login_wall": [],
        "login_cpu": [],
        "approve_wall": [],
        "approve_cpu": [],
    }
    for round_no in range(args.rounds):
        flow = ScriptedFlow({f"big{round_no}": ["ok"]})
        run_id = start_run(
            store,
            flow,
            replace(flow.load(folder / "x"), batch_id=f"B{round_no}"),
            Gate(Policy(auto_limit=Decimal("1"))),
            submitted_by="clerk",
            key=settings.key("seal"),
        )
        item = store.items(run_id)[0].id
        _next_step()
        answer = f"{PASSWORD}\n{pyotp.TOTP(seed).now()}\n"
        login = _timed([*teller, "login", "checker", *where], answer, env)
        approve = _timed([*teller, "approvals", "approve", str(item), "--yes", *where], "", env)
        for name, result in (("login", login), ("approve", approve)):
            figures[f"{name}_wall"].append(result["wall"])
            figures[f"{name}_cpu"].append(result["cpu"])
        assert store.item(item).state == "approved"
    stored = hash_password(PASSWORD)
    started = time.perf_counter()
    for _ in range(10):
        check_password(stored, PASSWORD)
    argon2_ms = (time.perf_counter() - started) / 10 * 1000
    result: dict[str, Any] = {
        "rounds": args.rounds,
        "argon2": {
            "time_cost": HASHER.time_cost,
            "memory_kib": HASHER.memory_cost,
            "parallelism": HASHER.parallelism,
            "check_ms": round(argon2_ms, 1),
        },
    }
    for name, values in figures.items():
        result[name] = {
            "median_s": round(statistics.median(values), 2),
            "min_s": round(min(values), 2),
            "max_s": round(max(values), 2),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
