"""Kill a real ``teller resume`` process with SIGKILL at seeded moments, and resume it again.

Shared by the exactly-once tests and ``bench/exactly_once.py``. Kill moments are drawn
from a seeded random generator against the run's progress (after the n-th item is
done, plus a random fraction of a second, which lands mid-transfer as often as not),
plus a few during start-up, so every kind of moment is hit and a run gets its kills.
Each ``teller resume`` acts as a signed-in operator: ``env`` carries its session
(``tests._people.Team.env``, after ``team.login`` of an operator).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from teller.store import FINAL, Store

__all__ = ["ChaosResult", "resume_until_done"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ChaosResult:
    kills: int = 0
    lives: int = 0
    restarts: list[datetime] = field(default_factory=list)
    seconds: float = 0.0

    def recovery_seconds(self, store: Store, run_id: str) -> list[float]:
        """For each restart after a kill: seconds until the first item done after it."""
        done = sorted(e.at for e in store.events(run_id) if e.target == "done")
        out = []
        for restart in self.restarts[1:]:
            later = [at for at in done if at > restart]
            if later:
                out.append((later[0] - restart).total_seconds())
        return out


def _done(store: Store, run_id: str) -> int:
    return sum(1 for i in store.items(run_id) if i.state in FINAL)


def _start(
    project: Path, run_id: str, log: Path, env: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "teller", "resume", run_id, "--project", str(project)],
            stdout=sink,
            stderr=sink,
            env=env,
            start_new_session=True,  # its own process group: the kill takes Chromium too
            cwd=ROOT,
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def resume_until_done(
    project: Path,
    store: Store,
    run_id: str,
    *,
    kills: int,
    seed: int,
    log: Path,
    env: Mapping[str, str],
    deadline: float = 600.0,
) -> ChaosResult:
    """Run ``teller resume`` again and again, killing it ``kills`` times, until it ends cleanly.

    ``env`` is the environment of a signed-in operator, whom each ``teller resume`` acts as.
    """
    rng = random.Random(seed)
    todo = len(store.items(run_id)) - _done(store, run_id)
    # most kills against progress, spread over the run; a few during start-up
    startup_kills = max(1, kills // 5)
    targets = sorted(rng.randint(1, max(1, todo - 1)) for _ in range(kills - startup_kills))
    plan: list[tuple[str, float]] = [(f"after:{t}", rng.uniform(0.0, 0.6)) for t in targets]
    for _ in range(startup_kills):
        plan.insert(rng.randint(0, len(plan)), ("startup", rng.uniform(0.3, 2.5)))
    result = ChaosResult()
    started = time.monotonic()
    for kind, delay in [*plan, ("none", 0.0)]:
        result.restarts.append(datetime.now(UTC).replace(tzinfo=None))
        process = _start(project, run_id, log, env)
        result.lives += 1
        if kind == "none":
            process.wait(timeout=max(1.0, deadline - (time.monotonic() - started)))
            break
        if kind.startswith("after:"):
            target = int(kind.split(":")[1])
            while _done(store, run_id) < target and process.poll() is None:
                if time.monotonic() - started > deadline:
                    raise TimeoutError("chaos run took too long")
                time.sleep(0.05)
        time.sleep(delay)
        if process.poll() is None:
            _kill(process)
            result.kills += 1
    result.seconds = time.monotonic() - started
    return result
