"""Account-loss handling end to end: 50 tickets, three sandbox consoles, real Chromium.

The run is started with the real ``teller run account-loss`` command, killed with SIGKILL
in the middle and resumed; then every claim is checked against the consoles' own
databases: what was frozen (once), what was handed over (nothing frozen), when each
ticket was closed (never before its freeze), and the daily report's figures are
recomputed from the consoles' own timestamps.
"""

from __future__ import annotations

import os
import re
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
from teller.schedule import Schedule, run_input
from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server
from tests._leaks import holders
from tests._people import Team
from tests.conftest import set_input

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 50


def teller(team: Team, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """A ``teller`` command as a real process, as whoever of ``team`` signed in last."""
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "teller", *args, "--project", str(team.project)],
            stdout=sink,
            stderr=sink,
            env=team.env,
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
    toml = 'mode = "sandbox"\ncontexts = 4\nretry_backoff = 0.05\n' + "".join(
        s.settings_toml(preamble="", mode=None) for s in consoles.values()
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
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")

    # the first run, killed once a dozen tickets are closed
    first = teller(team, "run", "account-loss", log=log)
    deadline = time.monotonic() + 180
    while _closed(desk) < 12 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, f"the run ended before the kill: {log.read_text()[-2000:]}"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    closed_at_kill = _closed(desk)
    assert 12 <= closed_at_kill < TICKETS - 6

    store = open_store(load_settings(project))
    request.addfinalizer(store.close)
    (run,) = store.runs()
    assert finish(teller(team, "resume", run.id, log=log)) == 0, log.read_text()[-3000:]

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


def _cli(team: Team, *args: str) -> str:
    """A ``teller`` command as a real process, as whoever of ``team`` signed in last."""
    done = subprocess.run(
        [sys.executable, "-m", "teller", *args, "--project", str(team.project)],
        capture_output=True,
        text=True,
        env={**team.env, "COLUMNS": "220"},
        timeout=240,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"teller {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def small_world(
    project: Path, servicedesk: Server, cif: Server, cardadmin: Server
) -> tuple[Path, Scenario, dict[str, Server]]:
    consoles = {"servicedesk": servicedesk, "cif": cif, "cardadmin": cardadmin}
    toml = 'mode = "sandbox"\ncontexts = 2\nretry_backoff = 0.05\n' + "".join(
        s.settings_toml(preamble="", mode=None) for s in consoles.values()
    )
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    made = scenario(12, seed=4)
    seed_consoles(made, {name: s.base_url for name, s in consoles.items()})
    return project, made, consoles


def test_a_sweep_takes_each_ticket_once_and_an_unfreeze_waits_for_approval(
    small_world: tuple[Path, Scenario, dict[str, Server]],
    request: pytest.FixtureRequest,
) -> None:
    project, made, consoles = small_world
    # Every screen of the three consoles in `simulate`; their shipped files say `fill`,
    # which the fifty-ticket run above keys through.
    set_input(project, "simulate")
    desk, cards = consoles["servicedesk"], consoles["cardadmin"]
    (unfreeze,) = [t for t, case in made.case.items() if case == "unfreeze"]
    settings = load_settings(project)
    store = open_store(settings)
    request.addfinalizer(store.close)
    # the sweep's owner (an operator) is the maker of its runs; a checker approves
    team = Team(project, {"clerk": ("operator",), "checker": ("approver",)})
    sweep = Schedule.model_validate(
        {
            "name": "sweep",
            "flow": "account-loss",
            "owner": "clerk",
            "interval": 900,
            "input": {"console": "servicedesk"},
        }
    )
    work = run_input(settings, store, sweep)  # what a scheduler firing does

    run_id = work(None)
    assert run_id is not None
    assert work(None) is None  # the next sweep finds nothing new: each ticket is taken once
    (held,) = [i for i in store.items(run_id) if i.state == "needs_approval"]
    assert held.key == unfreeze and held.rules[0]["rule"] == "kind"
    assert store.run(run_id).submitted_by == "clerk"
    card_no = next(t["card_no"] for t in made.tickets if t["ticket_id"] == unfreeze)
    assert cards.rows("SELECT status FROM cards WHERE card_no = ?", (card_no,)) == [
        ("frozen_lost",)
    ]

    team.login("clerk")
    shown = _cli(team, "runs", "show", run_id)
    assert "cases by stage" in shown and "received > verified > frozen" in shown
    assert card_no not in shown  # only masked card numbers reach the screen

    team.login("checker")
    _cli(team, "approvals", "approve", "--run", run_id, "--all", "--yes")
    team.login("clerk")
    _cli(team, "resume", run_id)
    # every file the runs wrote (logs, intake files, reports, manifests): no number whole
    numbers = [
        *(c["id_number"] for c in made.customers),
        *(t["id_number"] for t in made.tickets),
        *(c["card_no"] for c in made.cards),
        *(a["account_no"] for a in made.accounts),
    ]
    assert holders(project / "var", numbers) == []
    assert cards.rows("SELECT status FROM cards WHERE card_no = ?", (card_no,)) == [("active",)]
    ((ref, memo),) = cards.rows(
        "SELECT ref, memo FROM actions WHERE kind = 'unfreeze_card' AND target = ?", (card_no,)
    )
    assert memo == unfreeze
    assert desk.rows(
        "SELECT status, close_reference FROM tickets WHERE ticket_id = ?", (unfreeze,)
    ) == [("closed", ref)]
    assert store.item(held.id).state == "done"
    handed = dict(
        desk.rows("SELECT ticket_id, hand_over_reason FROM tickets WHERE status = 'handed_over'")
    )
    assert set(handed) == {t for t, e in made.expected.items() if e == "handed_over"}
    words = {
        "name mismatch": "name does not match",
        "bad check digit": "fails its check digit",
        "unknown card": "is not on",
        "someone else's card": "is not on",
    }
    for ticket_id, reason in handed.items():  # a person can act on it; no full number in it
        assert words[made.case[ticket_id]] in reason, reason
        assert re.search(r"(?<!\w)\d{10,}", reason) is None, reason

    # more sample work for a sandbox, as the README shows: tickets wait in the queue
    said = _cli(team, "sample", "account-loss", "--lines", "12", "--seed", "5")
    assert "12 loss tickets on servicedesk" in said
    new = desk.rows("SELECT count(*) FROM tickets WHERE status = 'new'")[0][0]
    assert new == 12  # the earlier unfreeze is closed by now: only the fresh twelve are new
