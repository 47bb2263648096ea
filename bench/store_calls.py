"""The store's calls of one transfer, timed: what the runner asks of SQLite per line.

    .venv/bin/python bench/store_calls.py [--items 300] [--url sqlite:///...]

A run of ``--items`` lines, gated, then for each line what the runner does around the
console: claim, read, ``in_flight``, ``done`` (the ``done`` move frees the lease). Prints
milliseconds per call and per transfer, single-threaded, nothing else running.
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

from teller.store import NewItem, Store  # noqa: E402


def measure(url: str, count: int) -> dict[str, Any]:
    store = Store(url)
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

    for item in store.items(run_id):
        timed("claim", store.claim, item.id, "bench", seconds=60)
        timed("item", store.item, item.id)
        timed("in_flight", store.move, item.id, "in_flight", actor="bench", attempts=1)
        timed("done", store.move, item.id, "done", actor="bench", receipt="T1", error=None)
    store.close()
    per_call = {k: round(v / count * 1000, 2) for k, v in spent.items()}
    return {
        "url": url.split("@")[-1],
        "items": count,
        "ms": per_call,
        "ms_per_transfer": round(sum(spent.values()) / count * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--url", help="a store URL; default a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'teller.db'}"
        print(json.dumps(measure(url, args.items)))


if __name__ == "__main__":
    main()
