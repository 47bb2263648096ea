"""An attempt that outlives its lease pays nothing twice, on a console that would post it twice.

The corebank console here is started with its duplicate-reference refusal off, so only
Teller stands between a line and its second payment. Runner A is a real ``teller resume``
process; runner B works the same run from this test. Every verdict is the console's own
ledger, on a store in SQLite and in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller.runner import Runner
from teller.runs import submit
from teller.settings import load_settings
from teller.store import Item, Store, open_store
from tests._console_server import Server, start_corebank
from tests._people import Team

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LINES = 3
LEASE = 3.0  # seconds: short, so a pause or a slow page outlives it
SLOW_PAGE = 10.0  # seconds a slow_page fault holds a transfer POST before posting it


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'teller.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def corebank(tmp_path: Path) -> Iterator[Server]:
    with start_corebank(
        tmp_path, allow_reused_references=True, slow_page_seconds=SLOW_PAGE
    ) as server:
        yield server


def _wire(project: Path, server: Server, url: str) -> tuple[Store, str]:
    preamble = (
        f'contexts = 1\nlease_seconds = {LEASE}\nretry_backoff = 0.05\ndatabase_url = "{url}"\n'
    )
    toml = server.settings_toml(preamble=preamble, extra="timeout = 15\n")
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(project)
    store = open_store(settings)  # settings.database_url is url
    flow = PayrollFlow()
    sample = flow.sample(project / "pay.xlsx", lines=LINES, console_url=server.base_url, seed=14)
    batch = flow.load(sample.path)
    run_id = submit(settings, store, flow, batch, submitted_by="clerk")
    return store, run_id


@contextmanager
def _runner_a(project: Path, run_id: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``teller resume`` in its own process group, as a signed-in operator; killed with its
    Chromium at the end."""
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "teller", "resume", run_id, "--project", str(project)],
            stdout=sink,
            stderr=sink,
            env=team.env,
            start_new_session=True,
            cwd=ROOT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGCONT)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(what: str, check: Callable[[], Item | bool | None], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _in_flight(store: Store, run_id: str) -> Item | None:
    return next(iter(store.items(run_id, states=["in_flight"])), None)


def _runner_b(project: Path, store: Store, run_id: str) -> None:
    settings = load_settings(project)
    asyncio.run(
        Runner(settings=settings, store=store, flow=PayrollFlow(), actor="runner-b").run(run_id)
    )


def _paid_once(server: Server, store: Store, run_id: str) -> dict[str, str]:
    """Each line's reference on the ledger exactly once, with the store's receipt."""
    batch = store.run(run_id).batch_id
    rows = server.rows(
        "SELECT reference, txn_no FROM transfers WHERE reference LIKE ? ORDER BY id",
        (f"{batch}:%",),
    )
    references = [r[0] for r in rows]
    twice = sorted({r for r in references if references.count(r) > 1})
    assert not twice, f"paid twice: {twice}"
    items = {i.key: i for i in store.items(run_id)}
    assert sorted(references) == sorted(items)
    assert {r: t for r, t in rows} == {k: i.receipt for k, i in items.items()}
    return {k: i.state for k, i in items.items()}


def test_a_paused_runner_that_lost_its_lease_does_not_pay(
    project: Path, corebank: Server, store_url: str, tmp_path: Path
) -> None:
    """A is stopped (a frozen VM) mid-attempt, before submit, past its lease; B takes the item
    over and pays it; A wakes up with the form filled in front of it and must not submit."""
    store, run_id = _wire(project, corebank, store_url)
    corebank.admin("latency", {"ms": 2500})  # every page slow: A is still loading the form
    with _runner_a(project, run_id, tmp_path / "a.log") as runner_a:
        _wait_for("A's first attempt", lambda: _in_flight(store, run_id))
        os.kill(runner_a.pid, signal.SIGSTOP)  # Teller's process only: its Chromium goes on
        held = _in_flight(store, run_id)
        assert held is not None and held.lease_owner is not None
        corebank.admin("latency", {"ms": 0})
        time.sleep(LEASE + 1)  # A's lease runs out while it sleeps
        _runner_b(project, store, run_id)
        assert _paid_once(corebank, store, run_id) == dict.fromkeys(
            (i.key for i in store.items(run_id)), "done"
        )
        os.kill(runner_a.pid, signal.SIGCONT)
        assert runner_a.wait(timeout=120) == 0
    assert _paid_once(corebank, store, run_id) == dict.fromkeys(
        (i.key for i in store.items(run_id)), "done"
    )
    lost = [e for e in store.events(run_id) if e.target == "lease lost"]
    assert len(lost) == 1 and held.key in lost[0].reason, "A did not record its lost lease"
    path = [(e.actor, e.target) for e in store.events(run_id, item_id=held.id) if e.source]
    assert path[-4:] == [
        ("runner-b", "in_doubt"),
        ("runner-b", "retry_wait"),
        ("runner-b", "in_flight"),
        ("runner-b", "done"),
    ]
    store.close()


def test_a_live_runner_on_a_slow_page_keeps_its_item(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    """A's transfer POST takes 10 s at the console, over three times its lease; its heartbeat
    keeps the item, so B, working the same run meanwhile, leaves it alone."""
    store, run_id = _wire(project, corebank, f"sqlite:///{tmp_path / 'teller.db'}")
    corebank.faults(slow_page=1)
    with _runner_a(project, run_id, tmp_path / "a.log") as runner_a:
        _wait_for("A's slow POST", lambda: corebank.injected()["slow_page"] == 1)
        time.sleep(LEASE + 1)  # the lease A took has run out; only the heartbeat keeps it
        held = _in_flight(store, run_id)
        assert held is not None
        _runner_b(project, store, run_id)
        assert runner_a.wait(timeout=120) == 0
    assert set(_paid_once(corebank, store, run_id).values()) == {"done"}
    actors = {e.actor for e in store.events(run_id, item_id=held.id)}
    assert "runner-b" not in actors, "B moved the item A was still working"
    assert store.item(held.id).attempts == 1
    store.close()


def test_a_killed_runners_request_that_lands_late_is_found_not_paid_again(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    """A dies (SIGKILL, with its Chromium) while its POST sleeps 10 s in the console; B,
    started at once, must not take "not on the console yet" for "not paid": it looks again
    once the console's settle time has passed since A's attempt began, and finds A's."""
    store, run_id = _wire(project, corebank, f"sqlite:///{tmp_path / 'teller.db'}")
    corebank.faults(slow_page=1)
    with _runner_a(project, run_id, tmp_path / "a.log") as runner_a:
        _wait_for("A's slow POST", lambda: corebank.injected()["slow_page"] == 1)
        landed = time.monotonic() + SLOW_PAGE + 1  # A's POST is in the ledger by then
        os.killpg(runner_a.pid, signal.SIGKILL)
        runner_a.wait()
    held = _in_flight(store, run_id)
    assert held is not None and not corebank.rows("SELECT 1 FROM transfers")  # still asleep
    _runner_b(project, store, run_id)
    time.sleep(max(0.0, landed - time.monotonic()))
    assert set(_paid_once(corebank, store, run_id).values()) == {"done"}
    item = store.item(held.id)
    assert item.attempts == 1, "B paid A's line again"
    assert [e.target for e in store.events(run_id, item_id=held.id)][-2:] == ["in_doubt", "done"]
