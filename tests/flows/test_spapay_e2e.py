"""Payroll paid into spapay, a single-page payables app, by its console map alone.

``[flows.payroll-spa] flow = "payroll", console = "spapay"``: the payroll flow, unchanged,
pays through ``selectors/spapay.yaml``. Every verdict reads the console's own ledger: each
paid line is exactly one posted payment holding the workbook's account, amount and memo,
through late defaults, redrawn fields, two contexts, and runners killed between a draft
and its submit.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from teller.flow import Flow, load_flow
from teller.runner import Runner
from teller.runs import submit
from teller.settings import Settings, load_settings
from teller.store import Store, open_store
from tests._console_server import Server, start_spapay
from tests._people import Team

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FLOW = "payroll-spa"
FLOW_TOML = f'\n[flows.{FLOW}]\nflow = "payroll"\nconsole = "spapay"\n'
FLOW_TOML += 'policy = "policies/payroll.toml"\n'


def posted(server: Server, batch_id: str) -> dict[str, tuple[str, Decimal, str, str]]:
    """Reference -> (credit account, amount, memo, txn no) of each posted payment of the
    batch; a reference posted twice fails here."""
    rows = server.rows(
        "SELECT reference, credit_account, amount, memo, txn_no FROM payments"
        " WHERE status = 'posted' AND reference LIKE ?",
        (f"{batch_id}:%",),
    )
    twice = [r for r, n in Counter(r[0] for r in rows).items() if n > 1]
    assert not twice, f"paid twice: {twice}"
    return {r[0]: (r[1], Decimal(r[2]), r[3], r[4]) for r in rows}


def load(settings: Settings, store: Store, server: Server, path: Path, **sample: int) -> str:
    flow = load_flow(FLOW, settings=settings)
    made = flow.sample(path, console_url=server.base_url, **sample)  # type: ignore[attr-defined]
    return submit(settings, store, flow, flow.load(made.path), submitted_by="clerk")


def check_every_line(server: Server, store: Store, run_id: str) -> dict[str, int]:
    """Every done line is exactly one posted payment with the line's figures; no draft is
    left for anyone to submit later. The items' states, counted."""
    items = {i.key: i for i in store.items(run_id)}
    ledger = posted(server, store.run(run_id).batch_id)
    assert set(ledger) == {k for k, i in items.items() if i.state == "done"}
    for key, (account, amount, memo, txn_no) in ledger.items():
        line = items[key].payload
        assert (account, amount, memo, txn_no) == (
            line["account_no"],
            Decimal(line["amount"]),
            line["memo"],
            items[key].receipt,
        ), key
    assert server.rows("SELECT COUNT(*) FROM payments WHERE status = 'draft'") == [(0,)]
    return dict(Counter(i.state for i in items.values()))


def test_a_payroll_batch_is_paid_through_the_map(project: Path, tmp_path: Path) -> None:
    with start_spapay(tmp_path) as spapay:
        console = {"base_url": spapay.base_url, "user": spapay.user, "password": spapay.password}
        settings = load_settings(
            project,
            consoles={"spapay": console},
            database_url=f"sqlite:///{tmp_path / 'teller.db'}",
            contexts=2,
            retry_backoff=0.05,
        )
        flow: Flow = load_flow(FLOW, settings=settings)
        assert flow.console == "spapay"
        store = open_store(settings)
        run_id = load(settings, store, spapay, tmp_path / "pay.xlsx", lines=24, seed=5, refused=2)
        report = asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))

        states = check_every_line(spapay, store, run_id)
        assert states == {"done": 22, "failed_business": 2}
        late = spapay.admin("defaults")["counts"]
        print(f"\nlate defaults over the batch: {late}")
        assert late["overwrote"] > 0 and late["redrew"] > 0  # the traits did fire
        assert report is not None and report.is_file()
        notes = [e.reason for e in store.events(run_id) if e.target == "report"]
        assert any("22 matched, 0 missing, 0 mismatched, 0 unexpected" in n for n in notes), notes


def _resume(project: Path, run_id: str, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "teller", "resume", run_id, "--project", str(project)],
            stdout=sink,
            stderr=sink,
            env=env,
            start_new_session=True,  # its own process group: the kill takes Chromium too
            cwd=ROOT,
        )


def _release(server: Server) -> None:
    """Let every held request go on, and wait until none is held."""
    server.faults(release=True)
    deadline = time.monotonic() + 10
    while server.admin("faults")["paused"]:
        assert time.monotonic() < deadline, "a held request did not go on"
        time.sleep(0.05)


def _kill_when_held(server: Server, process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the runner (and its Chromium) once the console holds one of its requests."""
    deadline = time.monotonic() + 60
    while server.admin("faults")["paused"] < 1:
        assert process.poll() is None, "the runner ended before its request was held"
        assert time.monotonic() < deadline, "no request was held"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_runners_killed_between_draft_and_submit_pay_each_line_once(
    project: Path, tmp_path: Path
) -> None:
    """Killed with a draft saved (its answer held), then with a submit held unanswered:
    `teller resume` ends with exactly one payment per line, on a console that would post
    a reused reference. The held submit, let go only after the line was paid again, must
    find its draft discarded."""
    with start_spapay(tmp_path, allow_reused_references=True) as spapay:
        toml = spapay.settings_toml(
            preamble="contexts = 2\nretry_backoff = 0.05\n",
            extra="timeout = 8\nsettle_seconds = 2\n",
        )
        (project / "teller.toml").write_text(toml + FLOW_TOML, encoding="utf-8")
        settings = load_settings(project)
        store = open_store(settings)
        run_id = load(settings, store, spapay, tmp_path / "pay.xlsx", lines=6, seed=9)
        team = Team(project, {"clerk": ("operator",)})
        team.login("clerk")
        log = tmp_path / "resumes.log"

        spapay.faults(pause_after_draft=1, pause_seconds=120)
        _kill_when_held(spapay, _resume(project, run_id, log, team.env))
        _release(spapay)  # the draft's answer goes to a dead browser
        spapay.faults(pause_before_submit=1)
        _kill_when_held(spapay, _resume(project, run_id, log, team.env))  # submit held, unsent
        last = _resume(project, run_id, log, team.env)
        assert last.wait(timeout=120) == 0, log.read_text(errors="replace")[-3000:]

        # only now the held submit goes on: its draft was discarded by a lookup meanwhile
        _release(spapay)
        time.sleep(0.5)
        assert spapay.admin("faults")["injected"]["pause_before_submit"] == 1
        assert check_every_line(spapay, store, run_id) == {"done": 6}
        discarded = spapay.rows("SELECT COUNT(*) FROM payments WHERE status = 'discarded'")
        assert discarded[0][0] >= 2, "the killed attempts' drafts were discarded"
        assert spapay.password not in log.read_text(errors="replace")
        # the held submit was answered as the app expects (its draft no longer a draft)
        assert "Traceback" not in spapay.log_path.read_text(errors="replace")
