"""Server time of the Desk's pages with a 100,000-item run in the store (issue 19).

    .venv/bin/python bench/desk_pages.py [--items 100000] [--requests 50] [--postgresql]

A fresh project (the repository's teller.toml, sandbox mode) with a SQLite store, or a
fresh schema of the local PostgreSQL, dropped afterwards. People are made by the admin's
commands (``tests/_people.Team``). One run of N items is written in bulk (Core INSERTs,
10,000 rows a statement batch) as the gate and runner would leave it: 93% done, 2% held
for approval by a rule, 2% failed_business, 1% needs_review, 2% new; on PostgreSQL the
table is then vacuumed and analysed, as autovacuum would soon do. The Desk is served
in-process (Starlette's test client); a pure ASGI wrapper times each request inside the
server, from the request's arrival to the last byte of the answer (session check,
queries, template). A clerk signs in once; each page is asked ``--requests`` times after
two warm-up requests. Prints one JSON line per page: median and 95th percentile in ms.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from teller.desk import create_app  # noqa: E402
from teller.settings import load_settings  # noqa: E402
from teller.store import content_hash, now, open_store  # noqa: E402
from teller.store._tables import Item  # noqa: E402
from tests._people import Team  # noqa: E402
from tests.desk._desk import PEOPLE, sign_in  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HELD = [{"rule": "limit", "action": "hold", "detail": "over the 50,000 limit"}]


def state_of(n: int) -> str:
    """The state of the n-th item: the mix a large night run leaves."""
    share = n % 100
    if share < 2:
        return "needs_approval"
    if share < 4:
        return "failed_business"
    if share < 5:
        return "needs_review"
    if share < 7:
        return "new"
    return "done"


def fill(project: Path, count: int) -> tuple[str, float]:
    """One run of ``count`` items, in bulk; its id and the seconds it took."""
    store = open_store(load_settings(project))
    started = time.perf_counter()
    run_id = store.create_run(
        flow="payroll",
        batch_id=f"BENCH{secrets.token_hex(3)}",
        input_file="bench.xlsx",
        input_sha256="ab" * 32,
        submitted_by="bench",
        items=[],
        console="spapay",
    )
    stamp = now()
    table = Item.__table__
    with store.engine.begin() as connection:
        for start in range(1, count + 1, 10_000):
            rows: list[dict[str, Any]] = []
            for n in range(start, min(start + 10_000, count + 1)):
                key, amount = f"BENCH:{run_id}:{n:06d}", Decimal(f"{n % 90_000 + 100}.25")
                payload = {"account_no": f"62220202{n:011d}", "name": f"Payee {n}"}
                state = state_of(n)
                rows.append(
                    {
                        "run_id": run_id,
                        "seq": n,
                        "key": key,
                        "label": f"Payee {n}",
                        "amount": amount,
                        "payload": payload,
                        "content_hash": content_hash(key, amount, payload),
                        "state": state,
                        "rules": HELD if state == "needs_approval" else [],
                        "approvers_needed": 1,
                        "attempts": 0 if state in ("new", "needs_approval") else 1,
                        "updated_at": stamp,
                    }
                )
            connection.execute(insert(table), rows)
    store.update_run(run_id, status="waiting")
    if store.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE items"))
    store.close()
    return run_id, time.perf_counter() - started


class Timed:
    """A pure ASGI wrapper that keeps each request's server time, in seconds."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                self.times.append(time.perf_counter() - started)


def measure(project: Path, count: int, requests: int, database: str) -> list[dict[str, Any]]:
    team = Team(project, {"clerk": PEOPLE["clerk"]})
    run_id, fill_s = fill(project, count)
    results: list[dict[str, Any]] = [
        {"figure": "fill", "database": database, "items": count, "seconds": round(fill_s, 2)}
    ]
    timed = Timed(create_app(load_settings(project)))
    pages = {
        "home": "/",
        "approvals": "/approvals",
        "runs": "/runs",
        "run": f"/runs/{run_id}",
        "run, state and search": f"/runs/{run_id}?state=needs_review&q=Payee+9",
        "run, page 1000": f"/runs/{run_id}?page=1000",
    }
    with TestClient(timed, base_url="https://testserver") as client:  # type: ignore[arg-type]
        sign_in(client, team, "clerk")  # type: ignore[arg-type]
        for name, path in pages.items():
            for _ in range(2):
                assert client.get(path).status_code == 200, path
            timed.times.clear()
            for _ in range(requests):
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.text[:300])
            ms = sorted(t * 1000 for t in timed.times)
            results.append(
                {
                    "figure": "page",
                    "database": database,
                    "items": count,
                    "page": name,
                    "requests": len(ms),
                    "median_ms": round(statistics.median(ms), 1),
                    "p95_ms": round(ms[max(0, round(0.95 * len(ms)) - 1)], 1),
                    "bytes": len(answer.content),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--postgresql", action="store_true", help="the store on PostgreSQL")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="teller-desk-bench-"))
    project = folder / "project"
    project.mkdir()
    shutil.copy(ROOT / "teller.toml", project / "teller.toml")
    schema = None
    database = "sqlite"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    if options.postgresql:
        database = "postgresql"
        schema = f"bench_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        toml = (project / "teller.toml").read_text(encoding="utf-8")
        (project / "teller.toml").write_text(
            toml.replace('mode = "sandbox"\n', f'mode = "sandbox"\ndatabase_url = "{url}"\n', 1),
            encoding="utf-8",
        )
    try:
        for result in measure(project, options.items, options.requests, database):
            print(json.dumps(result), flush=True)
    finally:
        if schema is not None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
