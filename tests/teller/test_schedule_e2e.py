"""``teller scheduler start`` as a real process: a schedule fires a real payroll run.

The drop folder's workbook is paid on the sandbox console, the firing is in the
history, and SIGTERM stops the process cleanly. The schedule's owner, an operator in the
store, is the maker of the run; the scheduler is started by a signed-in operator.
"""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller.integrity import read_anchors
from teller.schedule import firing_history
from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server
from tests._people import Team

pytestmark = pytest.mark.e2e

SCHEDULE = """\
name = "payroll-e2e"
flow = "payroll"
owner = "clerk"
interval = 3
calendar = "every_day"
input = { folder = "var/inbox/payroll" }
"""


@pytest.fixture
def wired(project: Path, corebank: Server) -> Path:
    """The project pointed at the test console, with one schedule every 3 seconds."""
    # the scheduler anchors the audit head after each firing
    anchors = '\n[audit]\nanchors = "var/anchors.jsonl"\n'
    (project / "teller.toml").write_text(corebank.settings_toml() + anchors, encoding="utf-8")
    (project / "schedules").mkdir()
    (project / "schedules" / "payroll-e2e.toml").write_text(SCHEDULE, encoding="utf-8")
    return project


@pytest.fixture
def team(wired: Path) -> Team:
    """The schedule's owner, an operator, signed in: the one who starts the scheduler."""
    made = Team(wired, {"clerk": ("operator",)})
    made.login("clerk")
    return made


def _until(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("schedulers", [1, 2])
def test_scheduler_fires_a_payroll_run_and_stops_on_sigterm(
    wired: Path, team: Team, corebank: Server, tmp_path: Path, schedulers: int
) -> None:
    inbox = wired / "var" / "inbox" / "payroll"
    inbox.mkdir(parents=True)
    book = tmp_path / "pay.xlsx"
    PayrollFlow().sample(book, lines=5, console_url=corebank.base_url, seed=7)
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(schedulers)]
    said = lambda: "\n".join(p.read_text() for p in logs)  # noqa: E731
    sinks = [path.open("w") for path in logs]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "teller", "scheduler", "start", "--project", str(wired)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=team.env,
        )
        for sink in sinks
    ]
    try:
        os.replace(book, inbox / "pay.xlsx")  # dropped whole, as a bank's transfer would
        paid = lambda: len(corebank.rows("SELECT reference FROM transfers")) == 5  # noqa: E731
        assert _until(paid, 60), said()
        store = open_store(load_settings(wired))
        try:
            done = lambda: any(f.status == "done" for f in firing_history(store, "payroll-e2e"))  # noqa: E731
            assert _until(done, 20), said()
            [run] = [f for f in firing_history(store, "payroll-e2e") if f.status == "done"]
            assert len(run.run_ids) == 1 and store.run(run.run_ids[0]).status == "finished"
            made = store.run(run.run_ids[0])  # the owner is the maker; the file's OS owner kept
            assert (made.submitted_by, made.file_owner) == ("clerk", getpass.getuser())
            # the head after the run's report, anchored outside the database, signed
            reported = store.audit_head().seq
            key = load_settings(wired).key("audit")
            anchors = wired / "var" / "anchors.jsonl"

            def seen() -> bool:
                return anchors.is_file() and any(
                    a.head is not None and a.head.seq >= reported
                    for a in read_anchors(anchors, key)
                )

            assert _until(seen, 20), said()
            heads = [(a.where, a.head) for a in read_anchors(anchors, key) if a.head]
            assert all(a.problem is None for a in read_anchors(anchors, key))
            assert store.check_trail(heads).ok
        finally:
            store.close()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        assert [p.wait(timeout=30) for p in processes] == [0] * schedulers, said()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for sink in sinks:
            sink.close()
    assert (inbox / "taken" / "pay.xlsx").is_file() and not (inbox / "pay.xlsx").exists()
    references = corebank.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference")
    assert len(references) == 5 and {n for _, n in references} == {1}
    said = said()
    assert "scheduler stopped" in said and "scheduler started" in said
