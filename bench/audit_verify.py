"""How long ``teller audit verify`` takes over 100,000 audit records.

    .venv/bin/python bench/audit_verify.py [--records 100000] [--rounds 3] [--postgresql]

A fresh project (the repository's teller.toml, sandbox mode: its audit key made up in
var/secrets/) with a SQLite store, or a fresh schema of the local PostgreSQL. An
auditor bootstraps and signs in (``tests/_people.Team``). The trail is filled as a
payroll would fill it: one run of N/4 items, each item three keyed moves
(``new -> auto_approved -> in_flight -> done``) and a console login record, appended
1,000 records a transaction through the store's own ``append_audit`` (the keyed chain
as a robot writes it); the items are left ``done``. One anchor is taken.

Then, each round: ``teller audit verify --anchors FILE`` as a new process (wall time and
CPU of the process, sign-in and Python start included), and ``Store.check_trail`` in
this process (the walk alone: chain, anchor, state machine, items table). Prints one
JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from teller.integrity import anchor, read_anchors  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from teller.store import AuditEntry, NewItem, append_audit, now, open_store  # noqa: E402
from tests._people import Team  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MOVES = ("new -> auto_approved", "auto_approved -> in_flight", "in_flight -> done")


def fill(project: Path, records: int) -> tuple[int, float]:
    """Append ``records`` audit records (and their items); the records made, the seconds."""
    settings = load_settings(project)
    store = open_store(settings)
    started = time.perf_counter()
    items = records // 4
    run_id = store.create_run(
        flow="payroll",
        batch_id=f"BENCH{secrets.token_hex(3)}",
        input_file="bench.xlsx",
        input_sha256="ab" * 32,
        submitted_by="bench",
        items=[NewItem(n, f"BENCH:E{n}", Decimal("10.00"), {"n": n}) for n in range(items)],
    )
    stamp = now()
    entries: list[AuditEntry] = []
    for n in range(items):
        at = stamp + timedelta(microseconds=n)
        key = f"BENCH:E{n}"
        entries += [AuditEntry(at, "runner", what, run_id, key, "") for what in MOVES]
        entries.append(AuditEntry(at, "runner", "login", run_id, "", "corebank as teller01"))
    for start in range(0, len(entries), 1_000):
        with store.transaction() as session:
            append_audit(session, entries[start : start + 1_000])
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE items SET state = 'done' WHERE run_id = :r"), {"r": run_id})
    made = len(store.audit_records())
    store.close()
    return made, time.perf_counter() - started


def timed_command(team: Team, *args: str) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of one ``teller`` process, and what it said."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = team.teller(*args, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"teller {' '.join(args)} -> {done.returncode}\n{done.stderr}")
    return wall, cpu, done.stdout


def measure(project: Path, records: int, rounds: int, database: str) -> list[dict[str, Any]]:
    team = Team(project, {"audrey": ("auditor",)})
    team.login("audrey")
    made, fill_s = fill(project, records)
    settings = load_settings(project)
    key = settings.key("audit")
    anchors = project / "anchors.jsonl"
    store = open_store(settings)
    anchor(key, store.audit_head(check=True), anchors)
    results: list[dict[str, Any]] = [
        {"figure": "fill", "database": database, "records": made, "seconds": round(fill_s, 2)}
    ]
    for _ in range(rounds):
        wall, cpu, said = timed_command(team, "audit", "verify", "--anchors", str(anchors))
        assert "audit trail sound" in said, said
        results.append(
            {
                "figure": "teller audit verify (process)",
                "database": database,
                "records": made,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
            }
        )
        heads = [(a.where, a.head) for a in read_anchors(anchors, key) if a.head]
        started = time.perf_counter()
        verdict = store.check_trail(heads)
        walk = time.perf_counter() - started
        assert verdict.ok and verdict.records == made, verdict.problems[:3]
        results.append(
            {
                "figure": "Store.check_trail (in-process)",
                "database": database,
                "records": made,
                "items": verdict.items,
                "wall_s": round(walk, 2),
                "records_per_s": round(made / walk),
            }
        )
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true", help="the store on PostgreSQL")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="teller-audit-bench-"))
    project = folder / "project"
    project.mkdir()
    shutil.copy(ROOT / "teller.toml", project / "teller.toml")
    schema = None
    database = "sqlite"
    if options.postgresql:
        database = "postgresql"
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        toml = (project / "teller.toml").read_text(encoding="utf-8")
        (project / "teller.toml").write_text(
            toml.replace('mode = "sandbox"\n', f'mode = "sandbox"\ndatabase_url = "{url}"\n', 1),
            encoding="utf-8",
        )
    try:
        for result in measure(project, options.records, options.rounds, database):
            print(json.dumps(result), flush=True)
    finally:
        if schema is not None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
