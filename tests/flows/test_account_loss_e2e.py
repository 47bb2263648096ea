"""Account-loss handling end to end: 50 tickets, three sandbox consoles, real Chromium.

The run is started with the real ``teller run account-loss`` command, killed with SIGKILL
in the middle and resumed; then every claim is checked against the consoles' own
databases: what was frozen (once), what was handed over (nothing frozen), when each
ticket was closed (never before its freeze), and the daily report's figures are
recomputed from the consoles' own timestamps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows._loss_sample import Scenario, scenario, seed_consoles
from reports.loss_handling import MEDIAN_LABEL, P95_LABEL, percentile
from teller.store import Store
from tests._console_server import Server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 50


def teller(project: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "teller", *args, "--project", str(project)],
            stdout=sink,
            stderr=sink,
            cwd=ROOT,
            start_new_session=True,  # its own process group: a kill takes Chromium too
        )


def finish(process: subprocess.Popen[bytes], seconds: float = 240) -> int:
    return process.wait(timeout=seconds)


@pytest.fixture
def world(
    project: Path, servicedesk: Server, cif: Server, cardadmin: Server
) -> Iterator[tuple[Path, Scenario, dict[str, Server]]]:
    consoles = {"servicedesk": servicedesk, "cif": cif, "cardadmin": cardadmin}
    toml = "contexts = 4\nretry_backoff = 0.05\n" + "".join(
        s.settings_toml(preamble="") for s in consoles.values()
    )
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    made = scenario(TICKETS, seed=7)
    seed_consoles(made, {name: s.base_url for name, s in consoles.items()})
    yield project, made, consoles


def _closed(desk: Server) -> int:
    return desk.rows("SELECT count(*) FROM tickets WHERE status = 'closed'")[0][0]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_fifty_tickets_killed_and_resumed_match_the_consoles(
    world: tuple[Path, Scenario, dict[str, Server]], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    project, made, consoles = world
    desk, cards = consoles["servicedesk"], consoles["cardadmin"]
    log = tmp_path / "teller.log"

    # the first run, killed once a dozen tickets are closed
    first = teller(project, "run", "account-loss", log=log)
    deadline = time.monotonic() + 180
    while _closed(desk) < 12 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, f"the run ended before the kill: {log.read_text()[-2000:]}"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    closed_at_kill = _closed(desk)
    assert 12 <= closed_at_kill < TICKETS - 6

    store = Store(f"sqlite:///{project / 'var' / 'teller.db'}")
    request.addfinalizer(store.close)
    (run,) = store.runs()
    assert finish(teller(project, "resume", run.id, log=log)) == 0, log.read_text()[-3000:]

    # -- the consoles' own record ------------------------------------------------------
    tickets = {
        row[0]: row
        for row in desk.rows(
            "SELECT ticket_id, status, reported_at, closed_at, close_reference, card_no, "
            "freeze_account, replacement, kind FROM tickets"
        )
    }
    actions = cards.rows("SELECT ref, kind, target, memo, at FROM actions")
    frozen = Counter((a[2], a[1]) for a in actions)
    assert max(frozen.values()) == 1, "something was frozen or ordered twice"
    by_memo = {(a[3], a[1]): a for a in actions}
    expected = Counter(made.expected.values())
    status = Counter(
        {"closed": "closed", "handed_over": "handed_over"}.get(t[1], "open")
        for t in tickets.values()
    )
    assert status == Counter(
        {"closed": expected["closed"], "handed_over": expected["handed_over"], "open": 1}
    )
    for ticket_id, want in made.expected.items():
        row = tickets[ticket_id]
        case = made.case[ticket_id]
        if want == "handed_over":
            assert row[1] == "handed_over", (ticket_id, case)
            assert not [a for a in actions if a[3] == ticket_id], f"{case}: something was done"
            continue
        if want == "needs_approval":  # the unfreeze waits for a person; its card stays frozen
            assert row[1] in ("new", "claimed") and not [a for a in actions if a[3] == ticket_id]
            continue
        assert row[1] == "closed", (ticket_id, case, row[1])
        freeze = by_memo.get((ticket_id, "freeze_card"))
        if case == "frozen before":
            assert freeze is None  # found by lookup, not frozen again
            seeded = [a for a in actions if a[2] == row[5] and a[1] == "freeze_card"]
            assert len(seeded) == 1 and row[4] == seeded[0][0]
        else:
            assert freeze is not None and freeze[2] == row[5] and row[4] == freeze[0]
            assert _when(row[3]) >= _when(freeze[4]), f"{ticket_id} closed before its freeze"
        assert ((ticket_id, "replace_card") in by_memo) == bool(row[7])
        assert ((ticket_id, "freeze_account") in by_memo) == bool(row[6])
    assert sum(1 for a in actions if a[1] == "freeze_account") == 1

    # -- the store: every ticket final but the held unfreeze ----------------------------
    states = Counter(i.state for i in store.items(run.id))
    assert states == Counter(
        {
            "done": expected["closed"],
            "failed_business": expected["handed_over"],
            "needs_approval": 1,
        }
    )
    stages = {(e.item_id, e.target) for e in store.stages(run.id)}
    done_ids = [i.id for i in store.items(run.id) if i.state == "done"]
    missing = [(i, s) for i in done_ids for s in ("frozen", "closed") if (i, s) not in stages]
    assert not missing, missing

    # -- the daily report equals what the consoles' timestamps say -----------------------
    seconds = sorted(
        int((_when(by_memo[(t, "freeze_card")][4]) - _when(tickets[t][2])).total_seconds())
        for t in tickets
        if (t, "freeze_card") in by_memo
    )
    assert len(seconds) == expected["closed"] - 3  # all but the three frozen before
    run = store.run(run.id)
    assert run.report_path is not None
    book = load_workbook(run.report_path)
    summary = {
        row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]
    }
    assert Decimal(str(summary[MEDIAN_LABEL])) == percentile(seconds, 50)
    assert Decimal(str(summary[P95_LABEL])) == percentile(seconds, 95)
    assert summary["Frozen by Teller"] == len(seconds)
    rows = list(book["Tickets"].iter_rows(values_only=True))
    assert len(rows) == 1 + TICKETS
