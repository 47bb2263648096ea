"""Home: the account-loss queue's promise (a reported loss frozen within 30 minutes), as
the flow measures it from the store, and each schedule's next firing on its calendar."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows._loss_case import console_time
from flows._loss_tickets import IntakeFile, TicketLine, write_intake
from teller.desk._i18n import language
from teller.flow import load_flow
from teller.runs import submit
from teller.schedule import load_calendar, load_schedules, next_fire_times
from teller.settings import load_settings
from teller.store import open_store
from tests.conftest import ROOT
from tests.desk._admin import client_of, sign_in
from tests.desk._desk import held_lines

MINUTE = timedelta(minutes=1)


def _tickets(project: Path) -> None:
    """Four tickets in one account-loss run: a loss waiting 50 minutes (past the promise),
    one waiting 10, one frozen 5 minutes after its report, and an unfreeze (a person's:
    no promise)."""
    settings = load_settings(project)
    now = console_time()
    ages = {"LR-HOME-1": 50, "LR-HOME-2": 10, "LR-HOME-3": 6, "LR-HOME-4": 120}
    lines = [
        TicketLine(
            ticket_id=ticket,
            kind="unfreeze" if ticket.endswith("4") else "loss",
            reported_at=now - age * MINUTE,
            channel="phone",
            customer_name="张三",
        )
        for ticket, age in ages.items()
    ]
    intake = IntakeFile(source="servicedesk", taken_at=now, tickets=lines)
    flow = load_flow("account-loss", settings=settings)
    store = open_store(settings)
    try:
        batch = flow.load(write_intake(project, intake))
        run_id = submit(settings, store, flow, batch, submitted_by="clerk")
        frozen = next(i for i in store.items(run_id) if i.key == "LR-HOME-3")
        at = f"{now - MINUTE:%Y-%m-%d %H:%M:%S}"
        store.stage(frozen.id, "frozen", actor="runner", data={"at": at, "ref": "FRZ-1"})
    finally:
        store.close()


def test_home_shows_the_loss_queues_promise_and_the_next_firings(project: Path) -> None:
    held = held_lines(project)
    shutil.copytree(ROOT / "schedules", project / "schedules")
    _tickets(project)
    calendar = load_calendar(project / "schedules" / "closures.toml")
    nightly = next(s for s in load_schedules(project / "schedules") if s.flow == "payroll")
    expected = next_fire_times(nightly, datetime.now(UTC), 1, calendar)[0]

    with client_of(project) as client:
        sign_in(client, held, "clerk")
        home = client.get("/").text

    assert re.search(r"<title>Home[^<]*</title>", home), home[:600]  # words, no markup
    assert home.count('id="next"') == 1
    levels = home[home.index('id="levels"') :]
    row = re.search(r"<td>account-loss</td>(.*?)</tr>", levels, re.S)
    assert row, home[:3000]
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]
    # promise; waiting, past it, oldest; frozen today, in time
    assert cells == ["report to freeze ≤ 30 min", "2", "1", "50 min", "1", "1 (100%)"], cells
    assert "payroll-nightly" in home and language("en").when(expected) in home
    # the header leads a clerk (an operator) to Submit, not to the admin's Users page
    assert 'href="/submit"' in home and 'href="/users"' not in home
