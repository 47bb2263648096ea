"""The store's calls of one transfer, timed: what the runner asks of SQLite per line.

    .venv/bin/python bench/store_calls.py [--items 300] [--url sqlite:///...]
                                          [--synchronous full|normal]

A run of ``--items`` lines, gated, then for each line what the runner does around the
console: claim (a lease with a new fencing token), read, ``in_flight`` and ``done``, both
fenced by the lease (the ``done`` move frees it). A heartbeat's renewal is timed apart
(``renew``): a worker sends one every third of ``lease_seconds``, 40 s by default, so a
transfer of a few seconds rarely has one. Prints milliseconds per call and per transfer,
single-threaded, nothing else running. ``--synchronous normal`` times SQLite as the store
ran it before issue 14 (a commit not synced to disk: lost in a power cut).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from teller.store import NewItem, Store  # noqa: E402


def _synchronous(store: Store, mode: str) -> None:
    """Make every new connection of the store run SQLite's ``synchronous`` at ``mode``."""

    def pragma(connection: Any, _record: Any) -> None:
        connection.execute(f"PRAGMA synchronous={mode.upper()}")

    event.listen(store.engine, "connect", pragma)  # after the store's own: it wins
    store.engine.dispose()


# a made-up key: the figures measure the keyed chain, as a real store appends it
BENCH_AUDIT_KEY = b"bench-audit-key-not-a-secret"


def measure(url: str, count: int, synchronous: str | None = None) -> dict[str, Any]:
    store = Store(url, audit_key=BENCH_AUDIT_KEY)
    if synchronous and store.engine.dialect.name == "sqlite":
        _synchronous(store, synchronous)
    items = [
        NewItem(n, f"B{time.time_ns()}-{n}", Decimal("1.00"), {"a": "1"}) for n in range(count)
    ]
    run_id = store.create_run(
        flow="bench",
        batch_id=f"B{time.time_ns()}",
        input_file="-",
        input_sha256="0" * 64,
        submitted_by="bench",
        items=items,
    )
    for item in store.items(run_id):
        store.move(item.id, "auto_approved", actor="gate")
    spent: dict[str, float] = {}

    def timed(name: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = call(*args, **kwargs)
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        return result

    renewals = 0.0
    for item in store.items(run_id):
        lease = timed("claim", store.claim, item.id, "bench", seconds=60)
        timed("item", store.item, item.id)
        timed("in_flight", store.move, item.id, "in_flight", actor="bench", attempts=1, lease=lease)
        started = time.perf_counter()
        store.renew(item.id, lease, seconds=60)
        renewals += time.perf_counter() - started
        timed("done", store.move, item.id, "done", actor="bench", receipt="T1", lease=lease)
    mode = None
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    store.close()
    per_call = {k: round(v / count * 1000, 2) for k, v in spent.items()}
    return {
        "url": url.split("@")[-1],
        "synchronous": {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(mode),
        "items": count,
        "ms": per_call,
        "ms_per_transfer": round(sum(spent.values()) / count * 1000, 2),
        "ms_per_renew": round(renewals / count * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--url", help="a store URL; default a fresh SQLite file")
    parser.add_argument(
        "--synchronous", choices=["full", "normal"], help="SQLite only; default the store's own"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'teller.db'}"
        print(json.dumps(measure(url, args.items, args.synchronous)))


if __name__ == "__main__":
    main()
