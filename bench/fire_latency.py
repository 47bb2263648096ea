"""Fire latency: from a firing's scheduled time to the moment its flow is started.

    .venv/bin/python bench/fire_latency.py [--firings 20] [--interval 1]

A real ``teller.schedule.serve`` (APScheduler, its SQLAlchemy job store and the
firings table in a fresh SQLite project) fires an interval schedule; the flow is
replaced by a recorder, so what is measured is the scheduler's own path: wake-up,
reading the project, the calendar and misfire checks, the claim in the firings
table and the input check, up to the call that would load the workbook.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import teller.schedule._scheduler as _scheduler  # noqa: E402
from teller.logs import configure  # noqa: E402
from teller.schedule import Project, Schedule, firing_history, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firings", type=int, default=20)
    parser.add_argument("--interval", type=int, default=1, help="seconds between firings")
    args = parser.parse_args()
    configure(level="WARNING")
    started: list[datetime] = []
    stop = threading.Event()

    def work(schedule: Schedule) -> object:
        def record(path: Path) -> str:
            started.append(datetime.now(UTC))
            if len(started) >= args.firings:
                stop.set()
            return f"bench-{len(started)}"

        return record

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "teller.toml").write_text("", encoding="utf-8")
        (project / "schedules").mkdir()
        (project / "input.xlsx").write_bytes(b"not read: the flow is a recorder")
        (project / "schedules" / "bench.toml").write_text(
            f'name = "bench"\nflow = "payroll"\ninterval = {args.interval}\n'
            'calendar = "every_day"\ninput = "input.xlsx"\n',
            encoding="utf-8",
        )
        _scheduler.Project.work = lambda self, schedule: work(schedule)  # type: ignore[method-assign]
        serve(Project(project), stop=stop)
        found = Project(project)
        done = sorted(
            f.fire_time
            for f in firing_history(found.store, "bench", limit=1000)
            if f.status == "done"
        )
        found.store.close()
    pairs = list(zip(done, started, strict=False))[: args.firings]
    latencies = [(s - f).total_seconds() * 1000 for f, s in pairs]
    print(
        json.dumps(
            {
                "firings": len(latencies),
                "interval_s": args.interval,
                "median_ms": round(statistics.median(latencies), 1),
                "worst_ms": round(max(latencies), 1),
                "best_ms": round(min(latencies), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
