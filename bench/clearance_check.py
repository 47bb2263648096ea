"""The check before each payment (``teller.clearance``), alone: its cost per item.

    .venv/bin/python bench/clearance_check.py --history 20000 --lines 1000

A fresh SQLite store holds ``--history`` paid payroll lines (other runs, the last 12
months, 200 employees), then a run of ``--lines`` lines is loaded under the repository's
``policies/payroll.toml`` (every rule, the watchlist) and sealed. Timed: building the
``Clearance`` of the run (once per runner start), and ``check`` of each line as the
runner calls it (the item read again, the seal, the lines paid since, the gate again).
No browser: this is what sealing and re-gating add to each transfer.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from flows.payroll import PayrollFlow  # noqa: E402
from teller.clearance import Clearance  # noqa: E402
from teller.flow import Batch  # noqa: E402
from teller.logs import configure  # noqa: E402
from teller.runs import submit  # noqa: E402
from teller.settings import Settings  # noqa: E402
from teller.store import Item, NewItem, Store  # noqa: E402


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _batch(batch_id: str, day: date, people: list[tuple[str, str]], rng: random.Random) -> Batch:
    items = []
    for seq, (employee, account) in enumerate(people, start=1):
        amount = Decimal(rng.randrange(800000, 1200000)) / 100
        payload = {
            "row": seq,
            "employee_id": employee,
            "name": f"Name {employee}",
            "account_no": account,
            "amount": str(amount),
            "memo": "",
            "debit_account": "6222020200998877665",
        }
        items.append(NewItem(seq, f"{batch_id}:{employee}", amount, payload))
    return Batch(batch_id, "bench.xlsx", "0" * 64, items, {"pay_date": day.isoformat()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=20000)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    configure(level="WARNING")
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "policies").symlink_to(ROOT / "policies")
        settings = Settings(mode="sandbox", project=project)
        store = Store(f"sqlite:///{project / 'teller.db'}")
        flow = PayrollFlow()
        people = [(f"E{n:05d}", _luhn(f"622202020{n:09d}")) for n in range(args.lines)]
        per_run = 200
        today = date.today()
        for run_no in range(args.history // per_run):
            day = today - timedelta(days=360 - run_no * 360 // max(1, args.history // per_run))
            batch = _batch(f"H{run_no:04d}", day, people[:per_run], rng)
            run_id = submit(settings, store, flow, batch, submitted_by="bench")
            with store.engine.begin() as connection:
                connection.execute(update(Item).where(Item.run_id == run_id).values(state="done"))
        run_id = submit(
            settings, store, flow, _batch("NOW", today, people, rng), submitted_by="bench"
        )
        run = store.run(run_id)
        started = time.perf_counter()
        clearance = Clearance(settings, store, flow, run, key=settings.key("seal"))
        built = time.perf_counter() - started
        spent = []
        cleared = 0
        for item in store.items(run_id, states=("auto_approved",)):
            started = time.perf_counter()
            verdict = clearance.check(store.item(item.id))
            spent.append(time.perf_counter() - started)
            cleared += verdict.cleared
        store.close()
    print(
        json.dumps(
            {
                "history": args.history,
                "lines": args.lines,
                "checked": len(spent),
                "cleared": cleared,
                "build_s": round(built, 3),
                "check_ms_median": round(statistics.median(spent) * 1000, 3),
                "check_ms_p95": round(sorted(spent)[int(len(spent) * 0.95)] * 1000, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
